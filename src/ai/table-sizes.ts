import type { DbClient } from '../db/client.js';
import type { TableSizes } from './tables.js';

interface SizeRow {
  name: string;
  rows: string | number | null;
  bytes: string | number;
}

/**
 * Row estimates and on-disk sizes of the named relations (`users`, `audit.events`), from the planner's
 * statistics: no row is read. Relations the database does not have are left out; a table never analysed
 * (reltuples -1 from PostgreSQL 14) has an unknown row count rather than pretending to be empty.
 */
export async function readTableSizes(db: DbClient, names: readonly string[]): Promise<TableSizes> {
  if (names.length === 0) return {};
  const qualified = names.map((n) => (n.includes('.') ? n : `public.${n}`));
  const { rows } = await db.query<SizeRow>(
    `SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name,
            CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS rows,
            pg_total_relation_size(c.oid) AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname || '.' || c.relname = ANY($1::text[])`,
    [qualified],
  );
  return Object.fromEntries(rows.map((r) => [r.name, { rows: r.rows === null ? null : Number(r.rows), bytes: Number(r.bytes) }]));
}
