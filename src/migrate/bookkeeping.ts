import { createHash } from 'node:crypto';
import type { DbClient } from '../db/client.js';
import type { AppliedRow } from './state.js';

/** Where drizzle keeps its record of applied migrations (drizzle.__drizzle_migrations by default). */
export interface Bookkeeping {
  schema: string;
  table: string;
}

export const DEFAULT_BOOKKEEPING: Bookkeeping = { schema: 'drizzle', table: '__drizzle_migrations' };

/** dbtool's own note of how far a file with several units got, so a rerun resumes after the last one done. */
const PROGRESS_TABLE = '__dbtool_progress';

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function tableRef(bk: Bookkeeping, table = bk.table): string {
  return `${ident(bk.schema)}.${ident(table)}`;
}

/** The advisory-lock key of one migrations table: runs against different tables do not wait for each other. */
export function advisoryKey(bk: Bookkeeping): string {
  return createHash('sha256').update(`dbtool migrate ${bk.schema}.${bk.table}`).digest().readBigInt64BE(0).toString();
}

export interface TableShape {
  exists: boolean;
  /** the table has drizzle v1's name / applied_at columns */
  hasName: boolean;
}

export async function tableShape(db: DbClient, bk: Bookkeeping): Promise<TableShape> {
  const { rows } = await db.query<{ attname: string }>(
    `SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
    [bk.schema, bk.table],
  );
  return { exists: rows.length > 0, hasName: rows.some((r) => r.attname === 'name') };
}

/** Creates the table exactly as drizzle's migrator would (with v1's columns for a v1 folder). */
export async function ensureTable(db: DbClient, bk: Bookkeeping, v1: boolean): Promise<TableShape> {
  const shape = await tableShape(db, bk);
  if (!shape.exists) {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${ident(bk.schema)};
      CREATE TABLE IF NOT EXISTS ${tableRef(bk)} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint${v1 ? ', name text, applied_at timestamp with time zone DEFAULT now()' : ''})`);
    return { exists: true, hasName: v1 };
  }
  if (v1 && !shape.hasName) {
    // the upgrade drizzle v1 performs itself: the same two columns, filled for matched rows later
    await db.exec(`ALTER TABLE ${tableRef(bk)} ADD COLUMN IF NOT EXISTS name text, ADD COLUMN IF NOT EXISTS applied_at timestamp with time zone DEFAULT now()`);
    return { exists: true, hasName: true };
  }
  return shape;
}

export async function readApplied(db: DbClient, bk: Bookkeeping, shape: TableShape): Promise<AppliedRow[]> {
  if (!shape.exists) return [];
  const { rows } = await db.query<{ id: number; hash: string; created_at: string | null; name: string | null }>(
    `SELECT id, hash, created_at${shape.hasName ? ', name' : ', NULL AS name'} FROM ${tableRef(bk)} ORDER BY id`,
  );
  return rows.map((r) => ({ id: Number(r.id), hash: r.hash, createdAt: r.created_at === null ? null : Number(r.created_at), name: r.name }));
}

export function recordSql(bk: Bookkeeping, shape: TableShape, m: { hash: string; createdAt: number; name: string }): string {
  return shape.hasName
    ? `INSERT INTO ${tableRef(bk)} (hash, created_at, name) VALUES (${literal(m.hash)}, ${m.createdAt}, ${literal(m.name)})`
    : `INSERT INTO ${tableRef(bk)} (hash, created_at) VALUES (${literal(m.hash)}, ${m.createdAt})`;
}

export function nameRowSql(bk: Bookkeeping, id: number, name: string): string {
  return `UPDATE ${tableRef(bk)} SET name = ${literal(name)} WHERE id = ${id} AND name IS NULL`;
}

export async function ensureProgressTable(db: DbClient, bk: Bookkeeping): Promise<void> {
  await db.exec(
    `CREATE TABLE IF NOT EXISTS ${tableRef(bk, PROGRESS_TABLE)} (hash text PRIMARY KEY, name text NOT NULL, units_done integer NOT NULL, updated_at timestamp with time zone NOT NULL DEFAULT now())`,
  );
}

export async function readProgress(db: DbClient, bk: Bookkeeping): Promise<Map<string, number>> {
  const exists = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [tableRef(bk, PROGRESS_TABLE)]);
  if (!exists.rows[0]?.t) return new Map();
  const { rows } = await db.query<{ hash: string; units_done: number }>(`SELECT hash, units_done FROM ${tableRef(bk, PROGRESS_TABLE)}`);
  return new Map(rows.map((r) => [r.hash, Number(r.units_done)]));
}

export function progressSql(bk: Bookkeeping, m: { hash: string; name: string }, unitsDone: number): string {
  return `INSERT INTO ${tableRef(bk, PROGRESS_TABLE)} (hash, name, units_done) VALUES (${literal(m.hash)}, ${literal(m.name)}, ${unitsDone})
    ON CONFLICT (hash) DO UPDATE SET units_done = EXCLUDED.units_done, updated_at = now()`;
}

/** A SQL condition: this session holds the run's advisory lock (`key` from advisoryKey). */
export function holdsLockSql(key: string): string {
  const k = `${BigInt(key)}::bigint`;
  return `EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND objsubid = 1
      AND classid = ((${k} >> 32) & 4294967295)::oid AND objid = (${k} & 4294967295)::oid)`;
}

/**
 * Runs just before a step is recorded, in the same transaction: fails it (SQLSTATE 55000) unless this
 * session still holds the run's advisory lock, or can take it again, and no other run recorded the step
 * meanwhile. A migration that releases advisory locks (pg_advisory_unlock_all(), DISCARD ALL) would
 * otherwise let a concurrent run apply the same file a second time.
 */
export function guardSql(bk: Bookkeeping, key: string, m: { hash: string; createdAt: number; name: string }, step: { index: number; count: number }): string {
  const name = m.name.replace(/[$'\\%]/g, '_');
  const k = `${BigInt(key)}::bigint`;
  const checks: string[] = [];
  if (step.index === step.count - 1) {
    checks.push(`IF EXISTS (SELECT FROM ${tableRef(bk)} WHERE hash = ${literal(m.hash)} AND created_at = ${m.createdAt}) THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'another dbtool migrate run recorded ${name} while this one was applying it (the migration lock had been released)',
      HINT = 'Nothing of this run''s attempt at ${name} is recorded. Remove the statement that releases advisory locks (pg_advisory_unlock_all(), DISCARD ALL) from later migrations.';
  END IF;`);
  }
  if (step.count > 1) {
    checks.push(`IF coalesce((SELECT units_done FROM ${tableRef(bk, PROGRESS_TABLE)} WHERE hash = ${literal(m.hash)}), 0) <> ${step.index} THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = 'another dbtool migrate run recorded progress on ${name} while this one was applying it (the migration lock had been released)',
      HINT = 'Run dbtool status to see how far ${name} got, then dbtool migrate again.';
  END IF;`);
  }
  return `DO $dbtool_guard$ DECLARE holder integer; BEGIN
  IF NOT ${holdsLockSql(key)} THEN
    IF NOT pg_try_advisory_lock(${k}) THEN
      SELECT pid INTO holder FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
        AND classid = ((${k} >> 32) & 4294967295)::oid AND objid = (${k} & 4294967295)::oid LIMIT 1;
      RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = format('dbtool''s migration lock was released while ${name} ran (a statement such as pg_advisory_unlock_all() or DISCARD ALL releases it), and another session (pid %s) holds it now', coalesce(holder::text, '?')),
        HINT = 'Remove the statement that releases advisory locks from the migration, then run dbtool migrate again once the other run has finished.';
    END IF;
  END IF;
  ${checks.join('\n  ')}
END $dbtool_guard$`;
}

export function clearProgressSql(bk: Bookkeeping, hash: string): string {
  return `DELETE FROM ${tableRef(bk, PROGRESS_TABLE)} WHERE hash = ${literal(hash)}`;
}

/** The bookkeeping table a drizzle config names (`migrations.schema` / `migrations.table`), else drizzle's default. */
export function bookkeepingOf(drizzle: { migrationsSchema?: string | undefined; migrationsTable?: string | undefined } | undefined): Bookkeeping {
  return { schema: drizzle?.migrationsSchema ?? DEFAULT_BOOKKEEPING.schema, table: drizzle?.migrationsTable ?? DEFAULT_BOOKKEEPING.table };
}
