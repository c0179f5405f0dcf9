import type { DbClient } from '../../../src/db/client.js';
import { LOCK_MODES, strongerLock } from '../../../src/review/lock-modes.js';
import type { LockMode, StatementEffects } from '../../../src/review/lock-modes.js';
import type { EngineClient, Session } from './engines.js';

export type Observed = StatementEffects & { error?: { code: string; message: string } };

interface Relation {
  oid: number;
  name: string;
  relkind: string;
  relfilenode: number;
}

/**
 * The user relations that exist before the statement. Reading pg_class and the statistics functions takes
 * locks on catalogs only, never on the user tables being watched.
 */
const RELATIONS = `
  SELECT c.oid::int AS oid, c.relkind::text AS relkind, c.relfilenode::int AS relfilenode,
         CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

const FILENODES = 'SELECT oid::int AS oid, relfilenode::int AS relfilenode FROM pg_class WHERE oid = ANY($1::oid[])';

/** Relation locks of one backend; `granted` matters only when another session reads them. */
const LOCKS = "SELECT relation::int AS oid, mode, granted FROM pg_locks WHERE pid = $1 AND locktype = 'relation' AND relation = ANY($2::oid[])";

/** Kinds whose relfilenode names real storage (partitioned tables and views have 0). */
const STORED = new Set(['r', 'm']);

type Counts = Map<number, number>;

async function scanCounts(client: DbClient, view: 'pg_stat_xact_user_tables' | 'pg_stat_user_tables'): Promise<Counts> {
  const rows = (await client.query<{ oid: number; n: string }>(`SELECT relid::int AS oid, seq_scan AS n FROM ${view}`)).rows;
  return new Map(rows.map((r) => [r.oid, Number(r.n)]));
}

async function filenodes(client: DbClient, relations: Relation[]): Promise<Map<number, number>> {
  const rows = (await client.query<{ oid: number; relfilenode: number }>(FILENODES, [relations.map((r) => r.oid)])).rows;
  return new Map(rows.map((r) => [r.oid, r.relfilenode]));
}

function rewritten(relations: Relation[], after: Map<number, number>): string[] {
  return sorted(relations.filter((r) => STORED.has(r.relkind) && after.has(r.oid) && after.get(r.oid) !== r.relfilenode).map((r) => r.name));
}

function scanned(relations: Relation[], before: Counts, after: Counts): string[] {
  return sorted(relations.filter((r) => (after.get(r.oid) ?? 0) > (before.get(r.oid) ?? 0)).map((r) => r.name));
}

function sorted(names: string[]): string[] {
  return [...new Set(names)].sort();
}

function isLockMode(mode: string): mode is LockMode {
  return (LOCK_MODES as readonly string[]).includes(mode);
}

/** Folds pg_locks rows into the strongest mode per relation name. */
function foldLocks(into: Record<string, LockMode>, rows: Array<{ oid: number; mode: string }>, relations: Relation[]): void {
  const nameOf = new Map(relations.map((r) => [r.oid, r.name]));
  for (const row of rows) {
    const name = nameOf.get(row.oid);
    if (name !== undefined && isLockMode(row.mode)) into[name] = strongerLock(into[name], row.mode);
  }
}

function sortedLocks(locks: Record<string, LockMode>): Record<string, LockMode> {
  return Object.fromEntries(Object.entries(locks).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function failure(error: unknown): { code: string; message: string } {
  const e = error as { code?: unknown; message?: unknown };
  return { code: typeof e.code === 'string' ? e.code : 'XX000', message: typeof e.message === 'string' ? e.message : String(error) };
}

const NOT_IN_TRANSACTION = '25001';

/**
 * What one statement does to the relations that existed before it: the strongest lock this backend holds
 * on each (pg_locks), storage replaced (relfilenode changed), full reads (seq_scan delta in
 * pg_stat_xact_user_tables — index builds and validations count as sequential scans too). All of it inside
 * one transaction that is rolled back, so the engine is unchanged afterwards — except for statements
 * PostgreSQL refuses in a transaction block, which are then run for real (see observeForbidden).
 *
 * A statement that fails leaves no trace to read: PostgreSQL releases an aborted transaction's locks at the
 * error, before ROLLBACK, so `error` comes with empty effects.
 */
export async function observe(client: EngineClient, sql: string): Promise<Observed> {
  await client.exec('BEGIN');
  try {
    const relations = (await client.query<Relation>(RELATIONS)).rows;
    const scansBefore = await scanCounts(client, 'pg_stat_xact_user_tables');
    const refused = await client.exec(sql).then(() => undefined, failure);
    if (refused?.code === NOT_IN_TRANSACTION) {
      await client.exec('ROLLBACK');
      return client.connect ? await observeForbidden(client, client.connect, sql, relations) : await observeAutocommitAlone(client, sql, relations);
    }
    if (refused) return { locks: {}, rewrites: [], scans: [], transaction: 'allowed', error: refused };
    const locks: Record<string, LockMode> = {};
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    foldLocks(locks, (await client.query<{ oid: number; mode: string }>(LOCKS, [pid, relations.map((r) => r.oid)])).rows, relations);
    const after = await filenodes(client, relations);
    const scansAfter = await scanCounts(client, 'pg_stat_xact_user_tables');
    return { locks: sortedLocks(locks), rewrites: rewritten(relations, after), scans: scanned(relations, scansBefore, scansAfter), transaction: 'allowed' };
  } finally {
    // outside a transaction block (the forbidden paths) this only warns
    await client.exec('ROLLBACK');
  }
}

/**
 * PGlite has a single session, so nobody can watch the locks of a statement that must run outside a
 * transaction block. Its storage and scan effects still show: PGlite never flushes pending statistics to
 * the shared counters (pg_stat_user_tables stays 0), so pg_stat_xact_user_tables keeps counting across
 * transactions and a delta around an autocommit statement is exact.
 */
async function observeAutocommitAlone(client: DbClient, sql: string, relations: Relation[]): Promise<Observed> {
  const result: Observed = { locks: {}, rewrites: [], scans: [], transaction: 'forbidden' };
  const scansBefore = await scanCounts(client, 'pg_stat_xact_user_tables');
  try {
    await client.exec(sql);
  } catch (error) {
    result.error = failure(error);
    return result;
  }
  result.rewrites = rewritten(relations, await filenodes(client, relations));
  result.scans = scanned(relations, scansBefore, await scanCounts(client, 'pg_stat_xact_user_tables'));
  return result;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Makes `session`'s finished work visible in pg_stat_user_tables to every other session. PG 15+ flushes on
 * request, when the backend goes idle after pg_stat_force_next_flush(), before it answers. Before 15 the
 * counters travel to the statistics collector over UDP at most every 500 ms per backend, only when it goes
 * idle, and readers accept a stats file up to 500 ms old: so wait, make it go idle once more, and wait again.
 */
async function settleStats(session: DbClient, major: number): Promise<void> {
  if (major >= 15) {
    await session.query('SELECT pg_stat_force_next_flush()');
    return;
  }
  await sleep(600);
  await session.query('SELECT 1');
  await sleep(700);
}

/**
 * A statement refused in a transaction block runs in autocommit in its own session (A). Beforehand, one
 * blocker session per pre-existing table holds ACCESS EXCLUSIVE on it, so A queues on every table it
 * touches. A watcher polls A's pg_locks rows: each time A waits on a blocked table, the mode it asks for is
 * recorded together with everything it already holds, and that table's blocker lets go. Locks A takes on a
 * table it already holds, or after the last wait, between two polls, can be missed: these locks are a lower
 * bound. Rewrites come from relfilenode afterwards, scans from pg_stat_user_tables deltas.
 */
async function observeForbidden(client: EngineClient, connect: () => Promise<Session>, sql: string, relations: Relation[]): Promise<Observed> {
  const result: Observed = { locks: {}, rewrites: [], scans: [], transaction: 'forbidden' };
  const timezone = (await client.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz")).rows[0]?.tz ?? 'UTC';
  const watcher = await connect();
  const runner = await connect();
  const blockers = new Map<number, Session>();
  try {
    await runner.query('SELECT set_config($1, $2, false)', ['TimeZone', timezone]);
    await settleStats(client, client.major);
    const scansBefore = await scanCounts(watcher, 'pg_stat_user_tables');
    for (const r of relations.filter((r) => r.relkind === 'r' || r.relkind === 'p' || r.relkind === 'm')) {
      const blocker = await connect();
      blockers.set(r.oid, blocker);
      await blocker.exec('BEGIN');
      await blocker.exec(`LOCK TABLE ONLY ${quoted(r.name)} IN ACCESS EXCLUSIVE MODE`);
    }
    let done = false;
    const running = runner.exec(sql).then(() => undefined, failure).finally(() => (done = true));
    while (!done) {
      const rows = (await watcher.query<{ oid: number; mode: string; granted: boolean }>(LOCKS, [runner.pid, relations.map((r) => r.oid)])).rows;
      foldLocks(result.locks, rows, relations);
      for (const waiting of rows.filter((r) => !r.granted)) await release(blockers, waiting.oid);
      await sleep(5);
    }
    const error = await running;
    if (error) result.error = error;
    result.locks = sortedLocks(result.locks);
    result.rewrites = rewritten(relations, await filenodes(watcher, relations));
    await settleStats(runner, client.major);
    result.scans = scanned(relations, scansBefore, await scanCounts(watcher, 'pg_stat_user_tables'));
    return result;
  } finally {
    for (const oid of [...blockers.keys()]) await release(blockers, oid);
    await watcher.close();
    await runner.close();
  }
}

async function release(blockers: Map<number, Session>, oid: number): Promise<void> {
  const blocker = blockers.get(oid);
  if (!blocker) return;
  blockers.delete(oid);
  await blocker.exec('ROLLBACK');
  await blocker.close();
}

function quoted(name: string): string {
  return name.split('.').map((part) => `"${part.replace(/"/g, '""')}"`).join('.');
}
