import type { DbClient } from '../db/client.js';

/** A session that held a lock dbtool was waiting for. */
export interface Blocker {
  pid: number;
  application: string;
  user: string;
  state: string;
  query: string;
  /** how long its transaction had been open, in seconds */
  transactionSeconds: number | null;
}

/** Sessions blocking `pid` right now, from pg_blocking_pids and pg_stat_activity. */
export async function blockersOf(monitor: DbClient, pid: number): Promise<Blocker[]> {
  const { rows } = await monitor.query<{ pid: number; application_name: string | null; usename: string | null; state: string | null; query: string | null; xact_seconds: string | null }>(
    `SELECT a.pid, a.application_name, a.usename, a.state, a.query,
            extract(epoch FROM now() - a.xact_start)::numeric(12,1)::text AS xact_seconds
       FROM pg_stat_activity a WHERE a.pid = ANY(pg_blocking_pids($1)) ORDER BY a.xact_start`, [pid]);
  return rows.map((r) => ({
    pid: Number(r.pid),
    application: r.application_name ?? '',
    user: r.usename ?? '',
    state: r.state ?? '',
    query: (r.query ?? '').replace(/\s+/g, ' ').trim(),
    transactionSeconds: r.xact_seconds === null ? null : Number(r.xact_seconds),
  }));
}

/** Who holds the session advisory lock a waiting `dbtool migrate` needs. */
export async function advisoryHolder(db: DbClient, key: string): Promise<{ pid: number; application: string } | undefined> {
  const { rows } = await db.query<{ pid: number; application_name: string | null }>(
    `SELECT l.pid, a.application_name FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid = (($1::bigint >> 32) & 4294967295)::oid AND l.objid = ($1::bigint & 4294967295)::oid LIMIT 1`, [key]);
  const row = rows[0];
  return row ? { pid: Number(row.pid), application: row.application_name ?? '' } : undefined;
}

export function describeBlocker(b: Blocker): string {
  const held = b.transactionSeconds === null ? '' : `, transaction open ${b.transactionSeconds}s`;
  const query = b.query.length > 120 ? `${b.query.slice(0, 117)}...` : b.query;
  return `pid ${b.pid} (${b.application || 'no application_name'}, user ${b.user || '?'}, ${b.state || 'unknown state'}${held}): ${query || '<no query>'}`;
}
