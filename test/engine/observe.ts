import type { DbClient } from '../../src/db/client.js';
import type { LockMode, StatementEffects } from '../../src/review/lock-modes.js';
import { LOCK_MODES, strongerLock } from '../../src/review/lock-modes.js';
import type { Engine } from './server.js';

export interface Observed extends StatementEffects {
  error?: { code: string; message: string };
}

interface RelationRow {
  oid: number;
  name: string;
  relkind: string;
  relfilenode: number;
}

/** Every user relation that exists now: what the contract calls "existed before the statement". */
const RELATIONS = `
  SELECT c.oid::int AS oid, CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name,
         c.relkind::text AS relkind, c.relfilenode::int AS relfilenode
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/**
 * Rows read by sequential scans in this transaction. Counting rows rather than scans ignores the scans of
 * brand-new, empty storage that TRUNCATE and rewrites do to rebuild indexes: the contract's "scans" means
 * the table's rows were read.
 */
const XACT_SCANS = 'SELECT relid::int AS oid, seq_tup_read::bigint AS seq_scan FROM pg_stat_xact_user_tables';

async function seqScans(client: DbClient, sql = XACT_SCANS): Promise<Map<number, number>> {
  const rows = (await client.query<{ oid: number; seq_scan: number }>(sql)).rows;
  return new Map(rows.map((r) => [r.oid, Number(r.seq_scan)]));
}

function sqlstate(error: unknown): { code: string; message: string } {
  const e = error as { code?: string; message?: string };
  return { code: e.code ?? 'XX000', message: e.message ?? String(error) };
}

function sortedNames(names: Iterable<string>): string[] {
  return [...new Set(names)].sort();
}

/**
 * Runs one statement inside a transaction that is always rolled back, and reports what PostgreSQL
 * did to the relations that existed before it: the strongest lock per relation held by this backend
 * (`pg_locks`), storage replaced (`relfilenode` changed), full reads (`seq_scan` in this transaction).
 */
export async function observe(engine: Engine, sql: string, expected: Record<string, LockMode> = {}): Promise<Observed> {
  const client = engine.client;
  await client.exec('BEGIN');
  try {
    const before = (await client.query<RelationRow>(RELATIONS)).rows;
    const scansBefore = await seqScans(client);
    await client.exec('SAVEPOINT observed');
    try {
      await client.exec(sql);
    } catch (error) {
      const failure = sqlstate(error);
      await client.exec('ROLLBACK TO SAVEPOINT observed');
      if (failure.code === '25001') return await observeOutsideTransaction(engine, sql, before, expected);
      return { locks: {}, rewrites: [], scans: [], transaction: 'allowed', error: failure };
    }
    const oids = before.map((r) => r.oid);
    const locks: Record<string, LockMode> = {};
    const lockRows = (
      await client.query<{ oid: number; mode: LockMode }>(
        "SELECT relation::int AS oid, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation = ANY($1::oid[])",
        [oids],
      )
    ).rows;
    const nameOf = new Map(before.map((r) => [r.oid, r.name]));
    for (const row of lockRows) {
      const name = nameOf.get(row.oid);
      if (name && (LOCK_MODES as readonly string[]).includes(row.mode)) locks[name] = strongerLock(locks[name], row.mode);
    }
    const after = new Map(
      (
        await client.query<{ oid: number; relfilenode: number }>(
          'SELECT oid::int AS oid, relfilenode::int AS relfilenode FROM pg_class WHERE oid = ANY($1::oid[])',
          [oids],
        )
      ).rows.map((r) => [r.oid, r.relfilenode]),
    );
    const scansAfter = await seqScans(client);
    const rewrites = before.filter((r) => r.relfilenode !== 0 && after.has(r.oid) && after.get(r.oid) !== r.relfilenode).map((r) => r.name);
    const scans = before.filter((r) => (scansAfter.get(r.oid) ?? 0) > (scansBefore.get(r.oid) ?? 0)).map((r) => r.name);
    return { locks: sortKeys(locks), rewrites: sortedNames(rewrites), scans: sortedNames(scans), transaction: 'allowed' };
  } finally {
    await client.exec('ROLLBACK');
  }
}

function sortKeys(locks: Record<string, LockMode>): Record<string, LockMode> {
  return Object.fromEntries(Object.entries(locks).sort(([a], [b]) => a.localeCompare(b)));
}

/** The weakest lock mode that conflicts with `mode`: holding it makes a request for `mode` wait. */
const WEAKEST_CONFLICT: Record<LockMode, LockMode> = {
  AccessShareLock: 'AccessExclusiveLock',
  RowShareLock: 'ExclusiveLock',
  RowExclusiveLock: 'ShareLock',
  ShareUpdateExclusiveLock: 'ShareUpdateExclusiveLock',
  ShareLock: 'RowExclusiveLock',
  ShareRowExclusiveLock: 'RowExclusiveLock',
  ExclusiveLock: 'RowShareLock',
  AccessExclusiveLock: 'AccessShareLock',
};

/**
 * A statement PostgreSQL refuses in a transaction block cannot be watched from its own backend. On a
 * server, a second session holds, on each table the prediction names, the weakest lock that conflicts
 * with the predicted mode: weaker requests pass, the predicted one queues, and the queued request's
 * mode is read from pg_locks. A statement that never queues took a weaker lock than predicted; one that
 * queues on a different mode took another. PGlite has one session: there only the refusal is observed.
 */
async function observeOutsideTransaction(engine: Engine, sql: string, before: RelationRow[], expected: Record<string, LockMode>): Promise<Observed> {
  await engine.client.exec('ROLLBACK');
  await engine.client.exec('BEGIN');
  const result: Observed = { locks: {}, rewrites: [], scans: [], transaction: 'forbidden' };
  if (!engine.connect) return result;
  const blocker = await engine.connect();
  const runner = await engine.connect();
  try {
    const lockable = new Map(before.filter((r) => r.relkind === 'r' || r.relkind === 'p' || r.relkind === 'm').map((r) => [r.name, r]));
    await blocker.exec('BEGIN');
    for (const [name, mode] of Object.entries(expected)) {
      if (lockable.has(name)) await blocker.exec(`LOCK TABLE ONLY ${quoteName(name)} IN ${lockSyntax(WEAKEST_CONFLICT[mode])} MODE`);
    }
    const running = runner.exec(sql).then(
      () => undefined,
      (error: unknown) => sqlstate(error),
    );
    const nameOf = new Map(before.map((r) => [r.oid, r.name]));
    for (let i = 0; i < 50; i++) {
      const waiting = (
        await blocker.query<{ oid: number; mode: LockMode }>(
          "SELECT relation::int AS oid, mode FROM pg_locks WHERE pid = $1 AND locktype = 'relation' AND NOT granted",
          [runner.pid],
        )
      ).rows.filter((w) => nameOf.has(w.oid));
      if (waiting.length > 0) {
        for (const w of waiting) result.locks[nameOf.get(w.oid) ?? ''] = w.mode;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await blocker.exec('ROLLBACK');
    const failure = await running;
    if (failure) result.error = failure;
    const after = new Map(
      (
        await blocker.query<{ oid: number; relfilenode: number }>(
          'SELECT oid::int AS oid, relfilenode::int AS relfilenode FROM pg_class WHERE oid = ANY($1::oid[])',
          [before.map((r) => r.oid)],
        )
      ).rows.map((r) => [r.oid, r.relfilenode]),
    );
    result.rewrites = sortedNames(before.filter((r) => r.relfilenode !== 0 && after.has(r.oid) && after.get(r.oid) !== r.relfilenode).map((r) => r.name));
    return result;
  } finally {
    await blocker.close();
    await runner.close();
  }
}

/** `ShareUpdateExclusiveLock` → `SHARE UPDATE EXCLUSIVE`, as LOCK TABLE spells modes. */
function lockSyntax(mode: LockMode): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

function quoteName(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}
