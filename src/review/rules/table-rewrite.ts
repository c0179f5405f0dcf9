import type { ColumnDef, Node, Constraint as PgConstraint } from '@pgsql/types';
import { escapeRegExp } from '../../regexp.js';
import { quoteIdent } from '../../sql-ident.js';
import { alterCommands, asNode, displayName, nodeTag } from '../ast.js';
import { normalizeType } from '../catalog/types.js';
import { columnDefFacts } from '../column-def.js';
import type { Rule, RuleContext } from '../findings.js';
import { SHOP } from './docs-history.js';
import { existingTables, laterStep, tableName } from './helpers.js';

export const tableRewrite: Rule = {
  id: 'table-rewrite',
  severity: 'error',
  summary: 'A statement that rewrites an existing table while holding a lock that blocks reads and writes',
  docs: {
    why: 'Some changes make PostgreSQL write a new copy of the whole table (and rebuild its indexes) under AccessExclusiveLock: a volatile default, most column type changes, SET LOGGED/UNLOGGED, SET TABLESPACE, SET ACCESS METHOD, VACUUM FULL, CLUSTER. Nothing can read or write the table until the copy is done, which takes time proportional to its size, and the copy doubles its disk use meanwhile. CLUSTER without a table name does this to every table clustered before, including tables clustered outside the migrations, which the review cannot name.',
    bad: [
      'ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      'ALTER TABLE orders ALTER COLUMN total SET DATA TYPE bigint;',
      'ALTER TABLE orders SET UNLOGGED;',
      'ALTER TABLE import_rows SET LOGGED;',
      'ALTER TABLE orders SET TABLESPACE archive;',
      'CLUSTER orders USING orders_user_id_idx;',
      'CLUSTER;',
    ],
    good: [
      "ALTER TABLE orders ADD COLUMN currency text NOT NULL DEFAULT 'EUR';",
      'ALTER TABLE users ALTER COLUMN name SET DATA TYPE text;',
      'ALTER TABLE orders ADD COLUMN token uuid;\nALTER TABLE orders ALTER COLUMN token SET DEFAULT gen_random_uuid();',
      'ALTER TABLE orders SET LOGGED;',
    ],
    drizzle:
      'drizzle-kit emits `ALTER COLUMN … SET DATA TYPE` without USING for every type change in the schema, and `.defaultRandom()` / `.$defaultFn` defaults that become SQL defaults are volatile. Prefer changes PostgreSQL does without a rewrite (widening varchar, varchar → text), or add a new column and move the data over in batches.',
    ignoreWhen: 'the table is small (a few thousand rows) or the application is stopped during the deploy.',
    history: `${SHOP}\nCREATE UNLOGGED TABLE import_rows (id bigint, payload text);`,
  },
  check(ctx) {
    // REFRESH and auto-increment columns have rules of their own with better advice
    if (asNode(ctx.statement.node, 'RefreshMatViewStmt') || addsAutoIncrementColumn(ctx.statement.node)) return [];
    // a rewrite copies what it scans; TRUNCATE's new empty storage copies nothing and is not this rule's concern
    const scanned = new Set(ctx.effects.scans);
    const tables = existingTables(ctx, ctx.effects.rewrites).filter((t) => ctx.effects.locks[t] === 'AccessExclusiveLock' && scanned.has(t));
    // CLUSTER without a table name: every table clustered before, named or not
    if (ctx.effects.unnamed.some((u) => u.storage === 'rewrite' && u.lock === 'AccessExclusiveLock')) {
      const known = tables.length
        ? `${tables.join(', ')} (clustered by the earlier migrations) and any table clustered outside them`
        : 'any table clustered outside the migrations (the earlier migrations cluster none)';
      return [
        {
          message: `CLUSTER without a table name re-sorts every table clustered before — ${known} — one after another, each rewritten under AccessExclusiveLock: every read and write of a table waits until its copy is done.`,
          help: `${REPACK_HELP} Name each table (CLUSTER <table> USING <index>) so that the review shows what is rewritten.`,
          fix: null,
        },
      ];
    }
    if (tables.length === 0) return [];
    const why = ctx.effects.rewriteReasons.join('; ');
    const { help, fix } = saferAlternative(ctx, tables[0] ?? '');
    return [
      {
        message: `Rewrites ${tables.join(', ')} while holding AccessExclusiveLock: every read and write of the table waits until the whole table is copied${why ? ` (${why})` : ''}.`,
        help,
        fix,
      },
    ];
  },
};

const REPACK_HELP =
  'Re-sort or compact a live table online with pg_repack, run outside the migration: it copies the table while reads and writes continue and holds AccessExclusiveLock only briefly at the end. On a small table, accept the short outage.';

const STORAGE_HELP: Partial<Record<string, string>> = {
  AT_SetUnLogged:
    'An unlogged table is also emptied after a crash and is not replicated (replicas see it empty). If that is really wanted, create a new unlogged table and copy the rows over in batches, then swap the names.',
  AT_SetLogged:
    'SET LOGGED also writes the whole table to the WAL, which replicas must replay (replication lag). Create a new logged table, copy the rows in batches and swap the names, or accept the outage on a small table.',
  AT_SetTableSpace:
    'Moving a table copies every block while reads and writes wait. Move it with a tool that copies online (pg_repack --tablespace), or create a new table in the target tablespace and copy in batches.',
  AT_SetAccessMethod:
    'Changing the access method copies the table while reads and writes wait. Create a new table with USING <method>, copy in batches and swap the names.',
};

function saferAlternative(ctx: RuleContext, display: string): { help: string; fix: string | null } {
  const alter = alterCommands(ctx.statement.node);
  const addColumn = alter?.cmds.find((c) => c.subtype === 'AT_AddColumn');
  const typeChange = alter?.cmds.find((c) => c.subtype === 'AT_AlterColumnType');
  const storage = alter?.cmds.map((c) => STORAGE_HELP[c.subtype ?? '']).find(Boolean);
  if (alter && addColumn) {
    const def = asNode<ColumnDef>(addColumn.def, 'ColumnDef');
    const defaultExpr = (def?.constraints ?? []).map((c) => asNode<PgConstraint>(c, 'Constraint')).find((c) => c?.contype === 'CONSTR_DEFAULT')?.raw_expr;
    const table = tableName(display);
    const parts = def && defaultExpr ? columnDefinitionParts(ctx.statement.sql, def.colname ?? '') : undefined;
    if (!def || !parts) {
      return {
        help: 'Stored generated columns and defaults with constraints fill every existing row. Add a plain nullable column, backfill it in batches, then attach the expression or constraint.',
        fix: null,
      };
    }
    const column = def.colname ?? 'column';
    const { type, expr } = parts;
    return {
      help: 'Add the column without the volatile default, set the default for new rows, then backfill existing rows in batches.',
      fix: [
        `ALTER TABLE ${table} ADD COLUMN "${column}" ${type};`,
        `ALTER TABLE ${table} ALTER COLUMN "${column}" SET DEFAULT ${expr};`,
        `-- backfill in batches, each in its own transaction:`,
        `-- UPDATE ${table} SET "${column}" = ${expr} WHERE "${column}" IS NULL AND id IN (SELECT id FROM ${table} WHERE "${column}" IS NULL LIMIT 10000);`,
      ].join('\n'),
    };
  }
  const limit = typeChange && lengthLimit(typeChange);
  if (alter && typeChange && limit) {
    const table = tableName(displayName(alter.target));
    const column = quoteIdent(typeChange.name ?? '');
    const check = quoteIdent(`${typeChange.name}_max_length`);
    return {
      help: `To limit the length, keep the column's type and add the limit as a CHECK constraint: added NOT VALID it only checks new rows (brief lock), and VALIDATE reads the table under a lock that lets reads and writes continue. No rewrite, and the limit can be changed later the same way.`,
      fix: [
        `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (char_length(${column}) <= ${limit}) NOT VALID;`,
        laterStep(ctx.settings.transactionMode),
        `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`,
      ].join('\n'),
    };
  }
  if (typeChange) {
    return {
      help: 'Change the type without a rewrite: add a new column of the new type, keep both in sync (trigger or application code), backfill in batches, switch reads, then drop the old column in a later migration. Some changes need no rewrite at all, e.g. widening varchar(n) or varchar → text.',
      fix: null,
    };
  }
  if (storage) return { help: storage, fix: null };
  const tag = nodeTag(ctx.statement.node);
  if (tag === 'ClusterStmt' || tag === 'VacuumStmt') return { help: REPACK_HELP, fix: null };
  return {
    help: 'Avoid rewriting a live table: create a new structure next to the old one, backfill it in batches, then switch over in a later deploy.',
    fix: null,
  };
}

/** ADD COLUMN of a serial or identity column: add-auto-increment-column reports it. */
export function addsAutoIncrementColumn(node: Node | undefined): boolean {
  return Boolean(
    alterCommands(node)?.cmds.some((cmd) => {
      const def = cmd.subtype === 'AT_AddColumn' ? asNode<ColumnDef>(cmd.def, 'ColumnDef') : undefined;
      const facts = def && columnDefFacts(def);
      return facts !== undefined && (facts.serial || facts.identity);
    }),
  );
}

/** The type and DEFAULT texts of an added column, as written, for the suggested rewrite. */
function columnDefinitionParts(sql: string, column: string): { type: string; expr: string } | undefined {
  const escaped = escapeRegExp(column);
  const match = sql.match(
    new RegExp(
      `ADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?"?${escaped}"?\\s+(.+?)\\s+DEFAULT\\s+(.+?)(?:\\s+(?:NOT\\s+NULL|NULL|CONSTRAINT|CHECK|REFERENCES|UNIQUE|PRIMARY)\\b.*)?\\s*$`,
      'is',
    ),
  );
  if (!match?.[1] || !match[2]) return undefined;
  return { type: match[1].trim(), expr: match[2].trim() };
}

/** n of a change to varchar(n) or char(n): a length limit, which a CHECK constraint can express without a rewrite. */
function lengthLimit(cmd: { def?: Node }): number | undefined {
  const def = asNode<ColumnDef>(cmd.def, 'ColumnDef');
  const { type } = normalizeType(def?.typeName);
  return (type.name === 'varchar' || type.name === 'bpchar') && type.array === 0 ? type.mods[0] : undefined;
}
