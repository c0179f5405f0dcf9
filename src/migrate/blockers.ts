import { scanSync } from 'libpg-query';
import { OMITTED_SQL, parses, redactSql } from '../ai/core/redact-sql.js';
import type { DbClient } from '../db/client.js';
import { loadParser } from '../review/parse.js';

/** A session that held a lock dbtool was waiting for. */
export interface Blocker {
  pid: number;
  application: string;
  user: string;
  state: string;
  /**
   * its current (or, when idle, last) statement with every literal replaced by a $n placeholder, so a password
   * or a data value it contained is never printed; only its first keywords followed by "…" when it cannot be
   * normalised (not valid SQL, or cut short by track_activity_query_size)
   */
  query: string;
  /** how long its transaction had been open, in seconds */
  transactionSeconds: number | null;
  /** how long it had been in its current state (running that statement, idle in transaction …), in seconds */
  stateSeconds?: number | null;
}

/** Sessions blocking `pid` right now, from pg_blocking_pids and pg_stat_activity. */
export async function blockersOf(monitor: DbClient, pid: number): Promise<Blocker[]> {
  const { rows } = await monitor.query<{
    pid: number;
    application_name: string | null;
    usename: string | null;
    state: string | null;
    query: string | null;
    xact_seconds: string | null;
    state_seconds: string | null;
  }>(
    `SELECT a.pid, a.application_name, a.usename, a.state, a.query,
            extract(epoch FROM now() - a.xact_start)::numeric(12,1)::text AS xact_seconds,
            extract(epoch FROM now() - a.state_change)::numeric(12,1)::text AS state_seconds
       FROM pg_stat_activity a WHERE a.pid = ANY(pg_blocking_pids($1)) ORDER BY a.xact_start`,
    [pid],
  );
  if (rows.length > 0) await loadParser();
  return rows.map((r) => ({
    pid: Number(r.pid),
    application: r.application_name ?? '',
    user: r.usename ?? '',
    state: r.state ?? '',
    query: safeQueryText(r.query ?? ''),
    transactionSeconds: r.xact_seconds === null ? null : Number(r.xact_seconds),
    stateSeconds: r.state_seconds === null ? null : Number(r.state_seconds),
  }));
}

/**
 * Another session's statement as dbtool may show it: normalised (literals → $n, comments dropped) when it
 * parses, else its leading keywords only (`ALTER ROLE …`), else nothing. Needs the parser loaded.
 */
export function safeQueryText(query: string): string {
  if (query.trim() === '') return '';
  if (parses(query)) {
    const redacted = redactSql(query);
    if (redacted !== OMITTED_SQL) return redacted.replace(/\s+/g, ' ').trim();
  }
  const keywords = leadingKeywords(query);
  return keywords ? `${keywords} …` : '';
}

/** Up to two keywords the text starts with (comments skipped), scanned only up to its first quote. */
function leadingKeywords(query: string): string {
  const quote = query.search(/['"$]/);
  const head = quote < 0 ? query : query.slice(0, quote);
  let tokens;
  try {
    tokens = scanSync(head).tokens;
  } catch {
    return '';
  }
  const words: string[] = [];
  for (const token of tokens) {
    if (token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT') continue;
    if (token.keywordKind === 0 || !/^[a-z_]+$/i.test(token.text) || words.length === 2) break;
    words.push(token.text.toUpperCase());
  }
  return words.join(' ');
}

/** Who holds the session advisory lock a waiting `dbtool migrate` needs. */
export async function advisoryHolder(db: DbClient, key: string): Promise<{ pid: number; application: string } | undefined> {
  const { rows } = await db.query<{ pid: number; application_name: string | null }>(
    `SELECT l.pid, a.application_name FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.classid = (($1::bigint >> 32) & 4294967295)::oid AND l.objid = ($1::bigint & 4294967295)::oid LIMIT 1`,
    [key],
  );
  const row = rows[0];
  return row ? { pid: Number(row.pid), application: row.application_name ?? '' } : undefined;
}

export function describeBlocker(b: Blocker): string {
  const held = b.transactionSeconds === null ? '' : `, transaction open ${b.transactionSeconds}s`;
  const query = b.query.length > 120 ? `${b.query.slice(0, 117)}...` : b.query;
  return `pid ${b.pid} (${b.application || 'no application_name'}, user ${b.user || '?'}, ${b.state || 'unknown state'}${held}): ${query || '<query not shown>'}`;
}
