import { SHOP } from './docs-history.js';
import type { ColumnDef, Constraint as PgConstraint } from '@pgsql/types';
import { columnDefFacts } from '../column-def.js';
import { asNode, nodeTag } from '../ast.js';
import type { Rule } from '../findings.js';
import { lockStrength } from '../lock-modes.js';
import { alterCommands, existingTables, laterStep, quoteIdent, tableName } from './helpers.js';

const SHARE = lockStrength('ShareLock');

export const blockingFullScan: Rule = {
  id: 'blocking-full-scan',
  severity: 'error',
  summary: 'A full table scan (validation or index build) on an existing table while writes are blocked',
  docs: {
    why: 'Building an index, validating a CHECK or FOREIGN KEY constraint, SET NOT NULL and ATTACH PARTITION read every row of an existing table while holding a lock that blocks writes (ShareLock or stronger; AccessExclusiveLock also blocks reads). The statement lasts as long as the scan, and every write to the table queues behind it.',
    bad: [
      'CREATE INDEX orders_created_at_idx ON orders (created_at);',
      'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;',
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;',
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;',
      'CREATE TABLE coupons (id bigint PRIMARY KEY, code text NOT NULL);\nCREATE INDEX coupons_code_idx ON coupons (code);',
    ],
    drizzle: 'drizzle-kit emits plain `CREATE INDEX`, `ADD CONSTRAINT … FOREIGN KEY` and `SET NOT NULL` for schema changes on existing tables. Edit the generated migration: NOT VALID now and VALIDATE in a later migration, CREATE INDEX CONCURRENTLY in a migration applied outside a transaction.',
    ignoreWhen: 'the table is small enough that the scan takes milliseconds, or writes are paused during the deploy.',
    history: `${SHOP}\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;`,
  },
  check(ctx) {
    const rewritten = new Set(ctx.effects.rewrites);
    const tables = existingTables(ctx, ctx.effects.scans).filter((t) => {
      const mode = ctx.effects.locks[t];
      return !rewritten.has(t) && mode !== undefined && lockStrength(mode) >= SHARE;
    });
    if (tables.length === 0 || addsNotNullColumnWithoutDefault(ctx.statement.node)) return [];
    const blocks = tables.some((t) => ctx.effects.locks[t] === 'AccessExclusiveLock') ? 'reads and writes' : 'writes';
    const { help, fix } = saferAlternative(ctx.statement.sql, ctx.statement.node, laterStep(ctx.settings.transactionMode));
    return [{
      message: `Reads every row of ${tables.join(', ')} while ${blocks} to it wait (${tables.map((t) => ctx.effects.locks[t]).join(', ')}).`,
      help,
      fix,
    }];
  },
};

/** That scan is only the NOT NULL check; not-null-column-without-default reports it with a better fix. */
function addsNotNullColumnWithoutDefault(node: Parameters<typeof nodeTag>[0]): boolean {
  return Boolean(alterCommands(node as never)?.cmds.some((cmd) => {
    const def = cmd.subtype === 'AT_AddColumn' ? asNode<ColumnDef>(cmd.def, 'ColumnDef') : undefined;
    if (!def) return false;
    const facts = columnDefFacts(def);
    const scansForOtherReasons = facts.constraints.some((c) => c.contype === 'CONSTR_CHECK' || c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_FOREIGN');
    return facts.notNull && facts.defaultExpr === undefined && !scansForOtherReasons;
  }));
}

function saferAlternative(sql: string, node: Parameters<typeof nodeTag>[0], later: string): { help: string; fix: string | null } {
  if (nodeTag(node) === 'IndexStmt') {
    return {
      help: 'Build the index with CREATE INDEX CONCURRENTLY, in a migration of its own that runs outside a transaction.',
      fix: `${sql.replace(/^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX)\s+/i, '$1 CONCURRENTLY ')};`,
    };
  }
  if (nodeTag(node) === 'DoStmt' && /FOREIGN\s+KEY/i.test(sql) && !/NOT\s+VALID/i.test(sql)) {
    return {
      help: 'Inside the DO block, add the foreign key NOT VALID (only new rows are checked) and VALIDATE it in a later migration (committed separately), which scans under a lock that lets reads and writes continue.',
      fix: null,
    };
  }
  const alter = alterCommands(node as never);
  const cmd = alter?.cmds[0];
  if (alter && cmd && alter.cmds.length === 1) {
    const table = tableName(alter.target.replace(/^public\./, ''));
    if (cmd.subtype === 'AT_SetNotNull') {
      const column = cmd.name ?? '';
      const check = quoteIdent(`${alter.target.split('.')[1]}_${column}_not_null`);
      return {
        help: 'Prove the column non-null first with a CHECK constraint added NOT VALID and validated separately (which allows reads and writes); SET NOT NULL then needs no scan.',
        fix: [
          `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${quoteIdent(column)} IS NOT NULL) NOT VALID;`,
          later,
          `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`,
          `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(column)} SET NOT NULL;`,
          `ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
        ].join('\n'),
      };
    }
    const constraint = asNode<PgConstraint>(cmd.def, 'Constraint');
    if (cmd.subtype === 'AT_AddConstraint' && constraint && (constraint.contype === 'CONSTR_CHECK' || constraint.contype === 'CONSTR_FOREIGN')) {
      const name = constraint.conname;
      return {
        help: 'Add the constraint NOT VALID (only new rows are checked, brief lock) and VALIDATE it in a separate transaction, which scans under a lock that lets reads and writes continue.',
        fix: name ? `${sql.replace(/;?\s*$/, '')} NOT VALID;\n${later}\nALTER TABLE ${table} VALIDATE CONSTRAINT ${quoteIdent(name)};` : null,
      };
    }
    if (cmd.subtype === 'AT_AddConstraint' && constraint && (constraint.contype === 'CONSTR_UNIQUE' || constraint.contype === 'CONSTR_PRIMARY')) {
      const columns = (constraint.keys ?? []).map((k) => asNode<{ sval?: string }>(k, 'String')?.sval ?? '').map(quoteIdent).join(', ');
      const name = constraint.conname ?? `${alter.target.split('.')[1]}_${constraint.contype === 'CONSTR_PRIMARY' ? 'pkey' : 'key'}`;
      const kind = constraint.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE';
      return {
        help: `Build the unique index CONCURRENTLY first, then attach it with ADD CONSTRAINT … ${kind} USING INDEX, which only takes a brief lock.`,
        fix: `CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${table} (${columns});\nALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(name)} ${kind} USING INDEX ${quoteIdent(name)};`,
      };
    }
    if (cmd.subtype === 'AT_AttachPartition') {
      return {
        help: 'Before attaching, add a CHECK constraint on the partition that matches its bound (NOT VALID, then VALIDATE): ATTACH PARTITION then skips the scan.',
        fix: null,
      };
    }
  }
  return { help: 'Split the change so the full read happens under a lock that lets writes continue, or run it when the table is small or traffic is paused.', fix: null };
}
