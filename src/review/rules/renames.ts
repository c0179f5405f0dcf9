import type { RangeVar } from '@pgsql/types';
import { asNode, displayName, relationKey } from '../ast.js';
import type { Rule, RuleContext } from '../findings.js';
import { SHOP } from './docs-history.js';
import { isExisting } from './helpers.js';

function renameOf(ctx: RuleContext, types: readonly string[]): { key: string; from: string; to: string } | undefined {
  const stmt = asNode<{ renameType?: string; relation?: RangeVar; subname?: string; newname?: string }>(ctx.statement.node, 'RenameStmt');
  if (!stmt?.relation || !types.includes(stmt.renameType ?? '')) return undefined;
  const key = relationKey(stmt.relation);
  if (!isExisting(ctx, key)) return undefined;
  return { key, from: stmt.subname ?? stmt.relation.relname ?? '', to: stmt.newname ?? '' };
}

export const renameTable: Rule = {
  id: 'rename-table',
  severity: 'warning',
  summary: 'RENAME of an existing table or view: running code that uses the old name fails',
  docs: {
    why: 'A rename takes effect for every session at commit. Application instances still running the previous release keep querying the old name and fail with "relation does not exist" (SQLSTATE 42P01) until they are replaced.',
    bad: ['ALTER TABLE orders RENAME TO purchases;'],
    good: ['CREATE TABLE drafts (id bigint);\nALTER TABLE drafts RENAME TO draft_orders;'],
    drizzle:
      'drizzle-kit asks whether a table was renamed and then emits `ALTER TABLE … RENAME TO …`. To rename without downtime: create the new name as a view of the old table (or the reverse), deploy code that uses the new name, then rename and drop the view in a later release.',
    ignoreWhen: 'no deployed release uses the old name, or all instances are stopped during the deploy.',
    history: SHOP,
  },
  check(ctx) {
    const rename = renameOf(ctx, ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW']);
    if (!rename) return [];
    return [
      {
        message: `Renames ${displayName(rename.key)} to ${rename.to}: instances still running the previous release fail with "relation does not exist" (SQLSTATE 42P01) on their next query to it.`,
        help: `Keep both names working across the deploy: e.g. rename, then CREATE VIEW ${rename.from} AS SELECT * FROM ${rename.to} in the same migration (a simple view is updatable), and drop that view once no release uses the old name.`,
        fix: null,
      },
    ];
  },
};

export const renameColumn: Rule = {
  id: 'rename-column',
  severity: 'warning',
  summary: 'RENAME COLUMN on an existing table: running code that uses the old name fails',
  docs: {
    why: 'A column rename is instant, but instances still running the previous release select, insert and filter by the old name, and fail with "column does not exist" (SQLSTATE 42703) until they are replaced. drizzle names every column explicitly in its queries, so any query on the table breaks, not only the ones that use the column.',
    bad: ['ALTER TABLE users RENAME COLUMN name TO full_name;'],
    good: ['CREATE TABLE drafts (id bigint, title text);\nALTER TABLE drafts RENAME COLUMN title TO name;', 'ALTER TABLE users ADD COLUMN full_name text;'],
    drizzle:
      'drizzle-kit asks whether a column was renamed and emits `RENAME COLUMN`. When only the name in TypeScript should change, rename the key and keep the database name as the column\'s name argument — `fullName: varchar("display_name", { length: 255 })` — which needs no migration at all. To rename the database column without downtime: add the new column, write both from the application, backfill, switch reads, and drop the old column in a later release.',
    ignoreWhen: 'no deployed release uses the table, or all instances are stopped during the deploy.',
    history: SHOP,
  },
  check(ctx) {
    const rename = renameOf(ctx, ['OBJECT_COLUMN']);
    if (!rename) return [];
    return [
      {
        message: `Renames column ${rename.from} of ${displayName(rename.key)} to ${rename.to}: instances still running the previous release fail with "column does not exist" (SQLSTATE 42703) on queries that name it.`,
        help: `If only the name in code should change, rename the drizzle key and keep the database name (the column builder's first argument is the database name, e.g. ${camelCase(rename.to)}: varchar('${rename.from}')): no migration is needed. To rename the column itself, expand and contract: add the new column, write both, backfill in batches, move reads to the new column, and drop the old one in a later release.`,
        fix: null,
      },
    ];
  },
};

/** A snake_case column name as the camelCase key a drizzle schema usually gives it. */
function camelCase(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
