import type { AlterTableCmd, ColumnDef, IndexElem, IndexStmt, Constraint as PgConstraint, RangeVar } from '@pgsql/types';
import { quoteIdent } from '../../sql-ident.js';
import { alterCommands, asNode, displayName, names, relationKey } from '../ast.js';
import type { Relation } from '../catalog/model.js';
import type { TypeRef } from '../catalog/types.js';
import { normalizeType, typeLabel } from '../catalog/types.js';
import type { Rule, RuleContext, RuleFinding } from '../findings.js';
import { SHOP } from './docs-history.js';
import { isExisting, tableName } from './helpers.js';

const TEXTUAL = new Set(['text', 'varchar', 'bpchar']);
const INTEGER_BITS: Record<string, number> = { int2: 16, int4: 32, int8: 64 };
const INTEGER_RANGE: Record<string, string> = { int2: '-32768 AND 32767', int4: '-2147483648 AND 2147483647' };

/**
 * Changes that succeed on an empty development database and fail in production because of the rows already
 * there: a unique key over duplicates, NOT NULL over NULLs, a CHECK or foreign key the data violates, a type
 * the values do not fit. Atlas calls these data-dependent; the failure stops the deploy (with drizzle's single
 * transaction, every pending migration rolls back).
 */
export const dataDependentChange: Rule = {
  id: 'data-dependent-change',
  severity: 'warning',
  summary: 'A change that fails if existing rows do not satisfy it: duplicates, NULLs, violations, values that do not fit',
  docs: {
    why: "Some changes check every existing row and fail when one does not comply: a unique index or key over duplicate values (SQLSTATE 23505), SET NOT NULL over NULLs (23502), a CHECK or foreign key the data violates (23514, 23503), a type the values do not fit or do not convert to (22001, 22003, 22P02). On a development database with clean or no data they pass; in production the deploy stops at them, and with a runner that wraps every pending migration in one transaction (drizzle's) everything before them rolls back too. CREATE UNIQUE INDEX CONCURRENTLY that fails leaves an INVALID index behind that must be dropped.",
    bad: [
      'CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);',
      'ALTER TABLE users ALTER COLUMN name SET NOT NULL;',
      'ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);',
      'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;',
    ],
    good: [
      'CREATE INDEX CONCURRENTLY users_name_idx ON users (name);',
      'CREATE TABLE teams (id bigint PRIMARY KEY, slug text NOT NULL);\nCREATE UNIQUE INDEX teams_slug_key ON teams (slug);',
      'ALTER TABLE users ADD COLUMN handle text;\nCREATE UNIQUE INDEX users_handle_key ON users (handle);',
      'ALTER TABLE orders ALTER COLUMN note TYPE varchar;',
      'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;',
      'ALTER TABLE orders ALTER COLUMN total TYPE bigint;',
      "UPDATE users SET name = '' WHERE name IS NULL;\nALTER TABLE users ALTER COLUMN name SET NOT NULL;",
    ],
    drizzle:
      'drizzle-kit writes these for `.unique()`, `uniqueIndex()`, `.notNull()` on an existing column, a narrower `varchar({ length })`, `check()` and `.references()`. Query production (or a recent copy) for the offending rows before merging, and clean them up in a data migration that runs first.',
    ignoreWhen: 'you have checked the production data (the query in the help) and it complies, or the table is empty everywhere the migration runs.',
    history: SHOP,
  },
  check(ctx) {
    const index = asNode<IndexStmt>(ctx.statement.node, 'IndexStmt');
    if (index) return uniqueIndex(ctx, index);
    const alter = alterCommands(ctx.statement.node);
    if (!alter || !isExisting(ctx, alter.target)) return [];
    const relation = ctx.effectContext.catalog.relation(alter.target);
    return alter.cmds.flatMap((cmd) => alterCommand(ctx, alter.target, relation, cmd));
  },
};

function uniqueIndex(ctx: RuleContext, index: IndexStmt): RuleFinding[] {
  const key = relationKey(index.relation as RangeVar | undefined);
  if (!index.unique || !isExisting(ctx, key)) return [];
  const columns = (index.indexParams ?? []).map((p) => asNode<IndexElem>(p, 'IndexElem')?.name);
  // an expression key cannot be named in a simple duplicate query
  if (columns.some((c) => c === undefined))
    return [duplicates(key, [], index.concurrent ? 'CREATE UNIQUE INDEX CONCURRENTLY' : 'CREATE UNIQUE INDEX', Boolean(index.concurrent))];
  const named = columns as string[];
  // NULLs never collide unless the index says NULLS NOT DISTINCT: a column added empty in this file cannot
  if (!index.nulls_not_distinct && named.every((c) => ctx.effectContext.nullColumns.has(`${key}.${c}`))) return [];
  return [duplicates(key, named, index.concurrent ? 'CREATE UNIQUE INDEX CONCURRENTLY' : 'CREATE UNIQUE INDEX', Boolean(index.concurrent))];
}

function alterCommand(ctx: RuleContext, target: string, relation: Relation | undefined, cmd: AlterTableCmd): RuleFinding[] {
  const table = tableName(displayName(target));
  switch (cmd.subtype) {
    case 'AT_AddConstraint': {
      const constraint = asNode<PgConstraint>(cmd.def, 'Constraint');
      return constraint ? addedConstraint(ctx, target, constraint) : [];
    }
    case 'AT_ValidateConstraint': {
      const known = relation?.constraints.find((c) => c.name === cmd.name);
      const kind = known?.kind === 'foreign' ? 'the foreign key' : known?.kind === 'check' ? 'the CHECK constraint' : 'the constraint';
      return [
        {
          message: `Fails if any existing row of ${displayName(target)} violates ${kind} ${cmd.name} (added NOT VALID, so rows written before it were never checked): VALIDATE stops the deploy with SQLSTATE ${known?.kind === 'foreign' ? '23503' : '23514'}.`,
          help: `Before deploying, look for violating rows in production and fix them in a data migration that runs first${known?.kind === 'foreign' && known.references ? ` (rows of ${displayName(target)} whose ${known.columns.join(', ')} match no row of ${displayName(known.references)})` : ''}.`,
          fix: null,
        },
      ];
    }
    case 'AT_SetNotNull': {
      const column = cmd.name ?? '';
      if (relation?.constraints.some((c) => c.kind === 'check' && c.validated && c.provesNotNull?.includes(column))) return [];
      // a backfill earlier in the file (UPDATE … SET column = constant WHERE column IS NULL) leaves no NULL behind
      if (ctx.transaction.backfilledColumns.has(`${target}.${column}`)) return [];
      const certain = ctx.effectContext.nullColumns.has(`${target}.${column}`);
      return [
        {
          message: certain
            ? `Fails as soon as ${displayName(target)} has a row: ${column} was added earlier in this migration without a default, so it is NULL everywhere (SQLSTATE 23502).`
            : `Fails if any row of ${displayName(target)} has NULL in ${column} (SQLSTATE 23502).`,
          help: `Backfill first, then check before deploying: SELECT count(*) FROM ${table} WHERE ${quoteIdent(column)} IS NULL; must return 0.`,
          fix: null,
        },
      ];
    }
    case 'AT_AlterColumnType': {
      const column = cmd.name ?? '';
      const from = relation?.columns.get(column)?.type;
      const def = asNode<ColumnDef>(cmd.def, 'ColumnDef');
      const to = normalizeType(def?.typeName).type;
      const risk = from && from.name !== 'unknown' ? narrowing(from, to) : undefined;
      if (!risk) return [];
      return [
        {
          message: `Fails if a value of ${column} in ${displayName(target)} ${risk.what} (SQLSTATE ${risk.sqlstate}): ${typeLabel(from!)} → ${typeLabel(to)}.`,
          help: `Check before deploying: SELECT count(*) FROM ${table} WHERE ${risk.check(quoteIdent(column))}; must return 0 — or keep the wider type.`,
          fix: null,
        },
      ];
    }
    default:
      return [];
  }
}

function addedConstraint(ctx: RuleContext, target: string, c: PgConstraint): RuleFinding[] {
  const columns = names(c.keys ?? c.fk_attrs);
  const nullOnly = columns.length > 0 && columns.every((col) => ctx.effectContext.nullColumns.has(`${target}.${col}`));
  const table = tableName(displayName(target));
  switch (c.contype) {
    case 'CONSTR_UNIQUE':
      return c.indexname || nullOnly ? [] : [duplicates(target, columns, 'ADD CONSTRAINT … UNIQUE', false)];
    case 'CONSTR_PRIMARY':
      return c.indexname ? [] : [duplicates(target, columns, 'ADD PRIMARY KEY', false, true)];
    case 'CONSTR_EXCLUSION':
      return [
        {
          message: `Fails if existing rows of ${displayName(target)} conflict under the new exclusion constraint (SQLSTATE 23P01).`,
          help: 'Look for conflicting rows in production before deploying and resolve them in a data migration that runs first.',
          fix: null,
        },
      ];
    case 'CONSTR_CHECK':
      if (c.skip_validation || nullOnly) return [];
      return [
        {
          message: `Fails if any existing row of ${displayName(target)} violates the new CHECK (SQLSTATE 23514).`,
          help: `Look for violating rows first (SELECT count(*) FROM ${table} WHERE NOT (<the condition>)), fix them in a data migration, or add the constraint NOT VALID and VALIDATE it once the data is clean.`,
          fix: null,
        },
      ];
    case 'CONSTR_FOREIGN': {
      if (c.skip_validation || nullOnly) return [];
      const referenced = relationKey(c.pktable);
      const refColumns = names(c.pk_attrs);
      const parentKey = refColumns.length
        ? refColumns
        : (ctx.effectContext.catalog.relation(referenced)?.constraints.find((k) => k.kind === 'primary')?.columns ?? []);
      const join = columns.map((col, i) => `p.${quoteIdent(parentKey[i] ?? col)} = c.${quoteIdent(col)}`).join(' AND ');
      return [
        {
          message: `Fails if a row of ${displayName(target)} has ${columns.join(', ')} values that match no row of ${displayName(referenced)} (SQLSTATE 23503).`,
          help: `Check before deploying: SELECT count(*) FROM ${table} c WHERE ${columns.map((col) => `c.${quoteIdent(col)} IS NOT NULL`).join(' AND ')} AND NOT EXISTS (SELECT 1 FROM ${tableName(displayName(referenced))} p WHERE ${join}); must return 0.`,
          fix: null,
        },
      ];
    }
    default:
      return [];
  }
}

function duplicates(target: string, columns: string[], what: string, concurrent: boolean, primary = false): RuleFinding {
  const table = tableName(displayName(target));
  const list = columns.map(quoteIdent).join(', ');
  const query = columns.length
    ? `SELECT ${list}, count(*) FROM ${table}${primary ? '' : ` WHERE ${columns.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND ')}`} GROUP BY ${list} HAVING count(*) > 1;`
    : undefined;
  return {
    message: `Fails if ${displayName(target)} already holds duplicate${primary ? ' or NULL' : ''} values in ${columns.length ? `(${columns.join(', ')})` : 'the indexed expressions'}: ${what} stops the deploy with SQLSTATE ${primary ? '23505 or 23502' : '23505'}${concurrent ? ' and leaves an INVALID index that must be dropped' : ''}.`,
    help: query
      ? `Check before deploying: ${query} must return no rows${primary ? `, and no ${columns.join(', ')} may be NULL` : ''}. Remove or merge duplicates in a data migration that runs first.`
      : 'Look for duplicates of the indexed expressions in production before deploying, and resolve them in a data migration that runs first.',
    fix: null,
  };
}

/** How a type change can fail on existing values, or undefined when every value fits the new type. */
function narrowing(from: TypeRef, to: TypeRef): { what: string; sqlstate: string; check: (col: string) => string } | undefined {
  if (from.array !== to.array) return undefined;
  const [toLen] = to.mods;
  if (TEXTUAL.has(to.name) && toLen !== undefined) {
    const [fromLen] = from.mods;
    if (TEXTUAL.has(from.name) && fromLen !== undefined && fromLen <= toLen) return undefined;
    if (!TEXTUAL.has(from.name)) return undefined;
    return { what: `is longer than ${toLen} characters`, sqlstate: '22001', check: (c) => `char_length(${c}) > ${toLen}` };
  }
  const toBits = INTEGER_BITS[to.name];
  if (toBits !== undefined) {
    const fromBits = INTEGER_BITS[from.name];
    if (fromBits !== undefined && fromBits <= toBits) return undefined;
    if (fromBits !== undefined || from.name === 'numeric' || from.name === 'float4' || from.name === 'float8') {
      return {
        what: `lies outside the range of ${to.name}`,
        sqlstate: '22003',
        check: (c) => `${c} NOT BETWEEN ${INTEGER_RANGE[to.name] ?? '-9223372036854775808 AND 9223372036854775807'}`,
      };
    }
  }
  if (from.name === 'numeric' && to.name === 'numeric' && to.mods.length > 0) {
    const [tp = 0, ts = 0] = to.mods;
    const [fp, fs = 0] = from.mods;
    if (fp !== undefined && tp - ts >= fp - fs) return undefined;
    const digits = tp - ts;
    return { what: `has more than ${digits} digits before the decimal point`, sqlstate: '22003', check: (c) => `abs(${c}) >= 1e${digits}` };
  }
  // text into a type with a grammar of its own (integer, uuid, date, jsonb, an enum …): each value must parse
  if (TEXTUAL.has(from.name) && !TEXTUAL.has(to.name)) {
    // pg_input_is_valid exists from PostgreSQL 16; on older servers, try the cast on a copy of the table
    return {
      what: `does not convert to ${typeLabel(to)}`,
      sqlstate: '22P02',
      check: (c) => `${c} IS NOT NULL AND NOT pg_input_is_valid(${c}, '${typeLabel(to).replace(/'/g, "''")}')`,
    };
  }
  return undefined;
}
