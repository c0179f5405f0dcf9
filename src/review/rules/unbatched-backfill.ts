import type { Node, RangeVar } from '@pgsql/types';
import { quoteIdent } from '../../sql-ident.js';
import { asNode, displayName, relationKey } from '../ast.js';
import { expressionVolatility } from '../expressions.js';
import type { Rule, RuleContext } from '../findings.js';
import { SHOP } from './docs-history.js';
import { isExisting, tableName, topLevelClause } from './helpers.js';

const BATCH = 10_000;

export const unbatchedBackfill: Rule = {
  id: 'unbatched-backfill',
  severity: 'warning',
  summary: 'UPDATE or DELETE over a whole existing table inside a schema migration',
  docs: {
    why: "An UPDATE or DELETE without a WHERE clause, or with one no index serves, touches rows across the whole table in one statement. Inside a migration every changed row stays locked until the migration commits (concurrent writes to those rows wait), the table bloats by the number of rows changed, and the whole change goes to the WAL at once, so replicas fall behind. With drizzle's migrator it also shares a transaction with every other pending migration.",
    bad: ["UPDATE orders SET note = '' WHERE note IS NULL;", 'DELETE FROM orders;', "UPDATE users SET name = 'anonymous';"],
    good: [
      "UPDATE orders SET note = '' WHERE id = 42;",
      'CREATE TABLE coupons (id bigint PRIMARY KEY, code text);\nUPDATE coupons SET code = upper(code);',
      'DELETE FROM orders WHERE user_id = 7;',
    ],
    drizzle:
      'drizzle-kit never generates data changes; they come from custom migrations (`drizzle-kit generate --custom`). Run backfills as a separate batched job after the schema migration, or at least in batches that each commit.',
    ignoreWhen: 'the table is small (thousands of rows) in every environment, or the change must be atomic with the schema change.',
    history: SHOP,
  },
  check(ctx) {
    const update = asNode<{ relation?: RangeVar; whereClause?: Node; fromClause?: Node[] }>(ctx.statement.node, 'UpdateStmt');
    const remove = asNode<{ relation?: RangeVar; whereClause?: Node; usingClause?: Node[] }>(ctx.statement.node, 'DeleteStmt');
    const stmt = update ?? remove;
    if (!stmt) return [];
    const key = relationKey(stmt.relation);
    if (!isExisting(ctx, key)) return [];
    const storage = new Set([key, ...ctx.effectContext.catalog.partitionsOf(key).map((p) => p.key)].map(displayName));
    const scansTarget = ctx.effects.scans.some((s) => storage.has(s));
    if (stmt.whereClause && !scansTarget) return [];
    const name = displayName(key);
    const verb = update ? 'Updates' : 'Deletes';
    const scope = stmt.whereClause ? `the rows of ${name} that match (no index serves the WHERE clause, so every row is read)` : `every row of ${name}`;
    return [
      {
        message: `${verb} ${scope} in one statement inside the migration: each changed row stays locked until the migration commits, and the whole change is written to the WAL at once (replicas lag).`,
        help: `Run the change in batches of about ${BATCH.toLocaleString('en-US')} rows that each commit, outside the schema migration (a DO block can COMMIT between batches only when it does not run inside a transaction block).`,
        fix: batchedLoop(ctx, key, Boolean(update), Boolean(update?.fromClause?.length || remove?.usingClause?.length)),
      },
    ];
  },
};

/** The statement as a loop of committed batches, keyed by the primary key (or ctid for a plain table). */
function batchedLoop(ctx: RuleContext, key: string, isUpdate: boolean, joins: boolean): string | null {
  if (joins) return null;
  const relation = ctx.effectContext.catalog.relation(key);
  const primary = relation?.constraints.find((c) => c.kind === 'primary')?.columns;
  const id = primary?.length === 1 ? quoteIdent(primary[0] ?? '') : relation?.kind === 'partitioned' ? undefined : 'ctid';
  if (!id) return null;
  const table = tableName(displayName(key));
  const where = topLevelClause(ctx.statement.sql, 'WHERE', ['RETURNING']);
  const conditions = where ? [`(${where})`] : [];
  let change: string;
  if (isUpdate) {
    const set = topLevelClause(ctx.statement.sql, 'SET', ['FROM', 'WHERE', 'RETURNING']);
    if (!set) return null;
    // without this the loop would pick the same rows again forever; a value that changes between
    // batches (now(), random()) never stops matching, so such an UPDATE gets no mechanical fix
    const pairs = assignments(ctx);
    if (pairs.length === 0) return null;
    conditions.push(...pairs.map(({ column, value }) => `${quoteIdent(column)} IS DISTINCT FROM ${value}`));
    change = `UPDATE ${table} SET ${set} WHERE ${id} IN (SELECT ${id} FROM ${table}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} LIMIT ${BATCH});`;
  } else {
    change = `DELETE FROM ${table} WHERE ${id} IN (SELECT ${id} FROM ${table}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} LIMIT ${BATCH});`;
  }
  return [
    "-- outside the migration's transaction (psql or a job), so that each batch commits:",
    'DO $$',
    'DECLARE changed bigint;',
    'BEGIN',
    '  LOOP',
    `    ${change}`,
    '    GET DIAGNOSTICS changed = ROW_COUNT;',
    '    EXIT WHEN changed = 0;',
    '    COMMIT;',
    '  END LOOP;',
    'END $$;',
  ].join('\n');
}

/** `column = value` pairs of an UPDATE's SET list, values as written. */
function assignments(ctx: RuleContext): Array<{ column: string; value: string }> {
  const targets = asNode<{ targetList?: Node[] }>(ctx.statement.node, 'UpdateStmt')?.targetList ?? [];
  const set = topLevelClause(ctx.statement.sql, 'SET', ['FROM', 'WHERE', 'RETURNING']) ?? '';
  const pieces = splitTopLevel(set);
  if (pieces.length !== targets.length) return [];
  return targets
    .flatMap((t, i) => {
      const target = asNode<{ name?: string; indirection?: Node[]; val?: Node }>(t, 'ResTarget');
      const value = pieces[i]?.replace(/^[^=]*=/, '').trim();
      if (!target?.name || target.indirection?.length || !value || !target.val) return [];
      if (expressionVolatility(target.val, ctx.effectContext.catalog.functions) !== 'immutable') return [];
      return [{ column: target.name, value }];
    })
    .filter((_p, _i, all) => all.length === targets.length);
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") quote = !quote;
    if (quote) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}
