import type { ColumnDef, Node, Constraint as PgConstraint, RangeVar } from '@pgsql/types';
import { quoteIdent } from '../../sql-ident.js';
import { alterCommands, asNode, displayName, names, nodeTag, option, relationKey } from '../ast.js';
import { columnDefFacts } from '../column-def.js';
import type { Rule, RuleContext, RuleFinding } from '../findings.js';
import { lockStrength } from '../lock-modes.js';
import { SHOP } from './docs-history.js';
import { existingTables, laterStep, tableName } from './helpers.js';

const SHARE = lockStrength('ShareLock');

export const blockingFullScan: Rule = {
  id: 'blocking-full-scan',
  severity: 'error',
  summary: 'A full table scan (validation or index build) on an existing table while writes are blocked',
  docs: {
    why: 'Building or rebuilding an index (CREATE INDEX, REINDEX), validating a CHECK or FOREIGN KEY constraint, SET NOT NULL and ATTACH PARTITION read every row of an existing table while holding a lock that blocks writes (ShareLock or stronger; AccessExclusiveLock also blocks reads). The statement lasts as long as the scan, and every write to the table queues behind it. REINDEX also locks the index it rebuilds AccessExclusive, and planning any query on the table locks all its indexes, so reads wait too; REINDEX INDEX of an index made outside the migrations, REINDEX SCHEMA and REINDEX DATABASE do this to tables the review cannot name. ALTER DOMAIN … ADD CONSTRAINT (without NOT VALID), SET NOT NULL and VALIDATE CONSTRAINT read every table with a column of the domain (or of a domain over it) under ShareLock; for a domain the migrations do not create, those tables are unknown.',
    bad: [
      'CREATE INDEX orders_created_at_idx ON orders (created_at);',
      'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0);',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      'ALTER TABLE orders ALTER COLUMN note SET NOT NULL;',
      'REINDEX INDEX orders_user_id_idx;',
      'REINDEX SCHEMA public;',
      'ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);',
      'ALTER DOMAIN currency_code SET NOT NULL;',
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;',
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;',
      'CREATE TABLE coupons (id bigint PRIMARY KEY, code text NOT NULL);\nCREATE INDEX coupons_code_idx ON coupons (code);',
      'REINDEX INDEX CONCURRENTLY orders_user_id_idx;',
    ],
    drizzle:
      'drizzle-kit emits plain `CREATE INDEX`, `ADD CONSTRAINT … FOREIGN KEY` and `SET NOT NULL` for schema changes on existing tables. For an index, ask drizzle for it first: `index("orders_created_at_idx").on(t.createdAt).concurrently()` makes drizzle-kit write `CREATE INDEX CONCURRENTLY`, and `dbtool migrate` runs that statement outside a transaction. For the rest, edit the generated migration: NOT VALID now and VALIDATE in a later migration, CREATE INDEX CONCURRENTLY (and REINDEX … CONCURRENTLY in hand-written ones) in a migration applied outside a transaction.',
    ignoreWhen: 'the table is small enough that the scan takes milliseconds, or writes are paused during the deploy.',
    history: `${SHOP}\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;\nCREATE DOMAIN positive_amount AS integer;\nALTER TABLE orders ADD COLUMN discount positive_amount;`,
  },
  check(ctx) {
    const rewritten = new Set(ctx.effects.rewrites);
    const tables = existingTables(ctx, ctx.effects.scans).filter((t) => {
      const mode = ctx.effects.locks[t];
      return !rewritten.has(t) && mode !== undefined && lockStrength(mode) >= SHARE;
    });
    // tables the review cannot name: an index made outside the migrations, a whole schema or database
    const unnamed = ctx.effects.unnamed.filter((u) => u.storage === 'scan' && lockStrength(u.lock) >= SHARE);
    const reindex = asNode<ReindexStmt>(ctx.statement.node, 'ReindexStmt');
    if (reindex && (tables.length > 0 || unnamed.length > 0)) return [reindexFinding(ctx, reindex, tables)];
    const domain = asNode<{ typeName?: Node[] }>(ctx.statement.node, 'AlterDomainStmt');
    if (domain && tables.length === 0 && unnamed.some((u) => u.id === 'domain-users')) {
      const name = names(domain.typeName).join('.');
      return [
        {
          message: `Checks every value of domain ${name} in every table with a column of it, reading each table in full under ShareLock (writes wait). The earlier migrations do not create ${name}, so which tables use it is unknown, not none.`,
          ...DOMAIN_ADVICE,
        },
      ];
    }
    if (tables.length === 0 || addsNotNullColumnWithoutDefault(ctx.statement.node)) return [];
    const blocks = tables.some((t) => ctx.effects.locks[t] === 'AccessExclusiveLock') ? 'reads and writes' : 'writes';
    const { help, fix } = saferAlternative(ctx.statement.sql, ctx.statement.node, laterStep(ctx.settings.transactionMode));
    return [
      {
        message: `Reads every row of ${tables.join(', ')} while ${blocks} to it wait (${tables.map((t) => ctx.effects.locks[t]).join(', ')}).`,
        help,
        fix,
      },
    ];
  },
};

interface ReindexStmt {
  kind?: string;
  relation?: RangeVar;
  name?: string;
  params?: Node[];
}

const REINDEX_KINDS: Partial<Record<string, string>> = {
  REINDEX_OBJECT_INDEX: 'INDEX',
  REINDEX_OBJECT_TABLE: 'TABLE',
  REINDEX_OBJECT_SCHEMA: 'SCHEMA',
  REINDEX_OBJECT_DATABASE: 'DATABASE',
};

/**
 * REINDEX without CONCURRENTLY: ShareLock on each table while its indexes are rebuilt from a full read, and
 * AccessExclusiveLock on the index being rebuilt, which queries on the table wait for when they are planned.
 */
function reindexFinding(ctx: RuleContext, stmt: ReindexStmt, tables: string[]): RuleFinding {
  const kind = REINDEX_KINDS[stmt.kind ?? ''] ?? 'TABLE';
  const target = kind === 'INDEX' || kind === 'TABLE' ? displayName(relationKey(stmt.relation)) : stmt.name;
  const known = tables.join(', ');
  let what: string;
  if (kind === 'INDEX') {
    what = tables.length
      ? `Rebuilds index ${target} from a full read of ${known} under ShareLock`
      : `Rebuilds index ${target} from a full read of its table under ShareLock (the earlier migrations do not create ${target}, so the table cannot be named)`;
  } else if (kind === 'TABLE') {
    what = `Rebuilds every index of ${known} from a full read of it under ShareLock`;
  } else {
    const scope = kind === 'SCHEMA' ? `every table of schema ${target}` : `every table of the database${target ? ` ${target}` : ''}`;
    what = `Rebuilds the indexes of ${scope} (${tables.length ? `${known}, and any made outside the migrations` : 'the earlier migrations create none: all made outside them'}), one table after another, each under ShareLock`;
  }
  const waits = kind === 'INDEX' || kind === 'TABLE' ? 'writes to the table wait' : 'writes to each table wait while its indexes are rebuilt';
  const fix = reindexConcurrently(ctx.statement.sql, stmt, kind, target);
  return {
    message: `${what}: ${waits}, and so do reads, because the index being rebuilt is locked AccessExclusive and planning a query locks every index of its table.`,
    help: 'Rebuild with REINDEX … CONCURRENTLY: new indexes are built next to the old ones under ShareUpdateExclusiveLock, so reads and writes continue. It cannot run inside a transaction block: put it in a migration of its own, applied outside a transaction.',
    fix,
  };
}

/** The statement with CONCURRENTLY after its object kind (REINDEX INDEX CONCURRENTLY x). */
function reindexConcurrently(sql: string, stmt: ReindexStmt, kind: string, target: string | undefined): string | null {
  if (option(stmt.params, 'concurrently') === null) {
    const fixed = sql.replace(new RegExp(`^(\\s*REINDEX\\s+(?:\\([^)]*\\)\\s*)?${kind})\\b`, 'i'), '$1 CONCURRENTLY');
    if (fixed !== sql) return `${fixed.replace(/;?\s*$/, '')};`;
  }
  if (kind === 'DATABASE' && !target) return 'REINDEX DATABASE CONCURRENTLY;';
  return target ? `REINDEX ${kind} CONCURRENTLY ${kind === 'INDEX' || kind === 'TABLE' ? tableName(target) : quoteIdent(target)};` : null;
}

/** That scan is only the NOT NULL check; not-null-column-without-default reports it with a better fix. */
function addsNotNullColumnWithoutDefault(node: Parameters<typeof nodeTag>[0]): boolean {
  return Boolean(
    alterCommands(node as never)?.cmds.some((cmd) => {
      const def = cmd.subtype === 'AT_AddColumn' ? asNode<ColumnDef>(cmd.def, 'ColumnDef') : undefined;
      if (!def) return false;
      const facts = columnDefFacts(def);
      const scansForOtherReasons = facts.constraints.some(
        (c) => c.contype === 'CONSTR_CHECK' || c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_FOREIGN',
      );
      return facts.notNull && facts.defaultExpr === undefined && !scansForOtherReasons;
    }),
  );
}

/**
 * ALTER DOMAIN … VALIDATE CONSTRAINT takes the same ShareLock as ADD CONSTRAINT on PostgreSQL 12–18 (engine case
 * alter-domain-validate): splitting only moves the blocking scan, so a table constraint is the way out.
 */
const DOMAIN_ADVICE = {
  help: 'ADD CONSTRAINT … NOT VALID then VALIDATE CONSTRAINT only moves the scan: on domains VALIDATE blocks writes too (ShareLock on every table using the domain). To check without blocking writes, put the rule on each table instead: ALTER TABLE … ADD CONSTRAINT … CHECK (column …) NOT VALID, then ALTER TABLE … VALIDATE CONSTRAINT, which scans under ShareUpdateExclusiveLock. Otherwise run it when the tables are small or writes are paused.',
  fix: null,
};

function saferAlternative(sql: string, node: Parameters<typeof nodeTag>[0], later: string): { help: string; fix: string | null } {
  if (nodeTag(node) === 'AlterDomainStmt') return DOMAIN_ADVICE;
  if (nodeTag(node) === 'IndexStmt') {
    return {
      help: 'Build the index with CREATE INDEX CONCURRENTLY, in a migration of its own that runs outside a transaction. In a drizzle schema, add `.concurrently()` to the index (`index("name").on(t.column).concurrently()`) so drizzle-kit generates it that way, rather than editing the SQL by hand.',
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
      const columns = (constraint.keys ?? [])
        .map((k) => asNode<{ sval?: string }>(k, 'String')?.sval ?? '')
        .map(quoteIdent)
        .join(', ');
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
  return {
    help: 'Split the change so the full read happens under a lock that lets writes continue, or run it when the table is small or traffic is paused.',
    fix: null,
  };
}
