import type { Session } from '../db/connect.js';
import { UsageError } from '../errors.js';

/**
 * Connections the library accepts, described by shape so that a consumer needs neither pg's nor PGlite's
 * type definitions to call it: what drizzle-orm's own migrators accept, and the drivers themselves.
 */

/** A connected node-postgres `Client` or a `PoolClient`. */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/** A node-postgres `Pool`: the run checks out one client for its session-level lock and releases it. */
export interface PgPoolLike {
  connect(): Promise<PgClientLike & { release(destroy?: boolean | Error): void }>;
  query(text: string, values?: unknown[]): Promise<unknown>;
  readonly totalCount: number;
}

/** A PGlite instance (`@electric-sql/pglite`). */
export interface PGliteLike {
  query(sql: string, params?: unknown[]): Promise<unknown>;
  exec(sql: string): Promise<unknown>;
  readonly waitReady: Promise<void>;
  /** the transaction status of the last ReadyForQuery (PGlite 0.2+) */
  isInTransaction?(): boolean;
}

/** A drizzle database (node-postgres or pglite driver): its `$client` is the connection. */
export interface DrizzleDatabaseLike {
  readonly $client: PgPoolLike | PgClientLike | PGliteLike;
}

/** Anything `migrate()` and `status()` run on. The caller owns it: dbtool never closes it. */
export type MigrationDatabase = PgPoolLike | PgClientLike | PGliteLike | DrizzleDatabaseLike;

type Rows<T> = { rows: T[] };
type PgQuery = (config: string | { text: string; values?: unknown[]; queryMode?: string }, values?: unknown[]) => Promise<Rows<unknown>>;

/** How long a second session from a pool may take to come: a busy pool must not hold up the run. */
const MONITOR_CHECKOUT_MS = 1000;

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function kindOf(db: unknown): 'pglite' | 'pool' | 'client' | undefined {
  if (!isObject(db)) return undefined;
  if (typeof db.exec === 'function' && typeof db.query === 'function' && 'waitReady' in db) return 'pglite';
  if (typeof db.connect === 'function' && typeof db.query === 'function' && typeof db.totalCount === 'number') return 'pool';
  if (typeof db.query === 'function' && typeof db.connect === 'function') return 'client';
  return undefined;
}

/** A session over a caller's connection. */
export interface BorrowedSession extends Session {
  /**
   * whether the caller left the connection inside a transaction block (or an aborted one). Asked with the
   * simple protocol: in a block, now() is the block's start and differs from the statement's start; the
   * extended protocol can restart the statement clock between its messages, so it cannot be asked that way.
   */
  inTransaction(): Promise<boolean>;
}

const IN_TRANSACTION = 'SELECT now() <> statement_timestamp() AS open';

/**
 * Refuses a connection the caller left inside a transaction: `what` (migrate, explain) commits or rolls
 * back transactions of its own, which would end the caller's.
 */
export async function refuseOpenTransaction(session: BorrowedSession, what: string): Promise<void> {
  if (!(await session.inTransaction())) return;
  await session.close().catch(() => undefined);
  throw new UsageError(
    `${what}() was given a connection inside a transaction: it runs its own transactions, and ending them would end yours`,
    `Call ${what}() outside the transaction, or pass the pool (or the drizzle database) rather than the client running it.`,
  );
}

/**
 * A runner session over a caller's connection. Closing it gives the connection back as it was: the
 * session's lock_timeout and statement_timeout restored, a pool's client released, nothing ended.
 */
export async function borrowSession(db: MigrationDatabase): Promise<BorrowedSession> {
  const target: unknown = isObject(db) && '$client' in db ? db.$client : db;
  const kind = kindOf(target);
  if (kind === 'pglite') return pgliteSession(target as PGliteLike);
  if (kind === 'pool') {
    const pool = target as PgPoolLike;
    const client = await pool.connect();
    return pgSession(
      client,
      'a pg Pool client',
      (broken) => client.release(broken),
      () => monitorFrom(pool),
    );
  }
  if (kind === 'client') return pgSession(target as PgClientLike, 'a pg Client', () => undefined, undefined);
  throw new UsageError(
    'dbtool needs a drizzle database (node-postgres or pglite driver), a pg Pool or Client, or a PGlite instance',
    'Pass the database drizzle() returned, or the pool, client or PGlite instance it was made with.',
  );
}

async function pgSession(
  client: PgClientLike,
  describe: string,
  release: (broken: boolean) => void,
  another: (() => Promise<Session>) | undefined,
): Promise<BorrowedSession> {
  const query = client.query.bind(client) as unknown as PgQuery;
  let saved: { lt: string; st: string; pid: number } | undefined;
  try {
    saved = (await query("SELECT current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st, pg_backend_pid() AS pid"))
      .rows[0] as typeof saved;
  } catch (error) {
    release(true);
    throw error;
  }
  let closed = false;
  return {
    pid: Number(saved?.pid),
    describe,
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await query(sql, params)).rows as T[] }),
    exec: async (sql: string) => void (await query(sql)),
    // queryMode is honoured by pg 8: the extended protocol refuses more than one statement in the text
    queryExtended: async <T>(sql: string, params: unknown[]) => ({ rows: (await query({ text: sql, values: params, queryMode: 'extended' })).rows as T[] }),
    // pg sends a query without values with the simple protocol
    inTransaction: async () => ((await query(IN_TRANSACTION).catch(() => ({ rows: [{ open: true }] }))) as Rows<{ open: boolean }>).rows[0]?.open !== false,
    close: async () => {
      if (closed) return;
      closed = true;
      let broken = false;
      try {
        await query("SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)", [saved?.lt ?? '0', saved?.st ?? '0']);
      } catch {
        // a connection that cannot take a query any more is not given back to the pool
        broken = true;
      }
      release(broken);
    },
    ...(another ? { another } : {}),
  };
}

/** A second client from the pool to watch who blocks the run; none when the pool has none to spare soon. */
async function monitorFrom(pool: PgPoolLike): Promise<Session> {
  const checkout = pool.connect();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('no pool client available to watch blockers')), MONITOR_CHECKOUT_MS);
  });
  try {
    const client = await Promise.race([checkout, timeout]);
    return await pgSession(client, 'a pg Pool client', (broken) => client.release(broken), undefined);
  } catch (error) {
    // a client that arrives after the deadline goes straight back
    checkout.then(
      (c) => c.release(),
      () => undefined,
    );
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function pgliteSession(db: PGliteLike): Promise<BorrowedSession> {
  const query = async <T>(sql: string, params?: unknown[]) => ({ rows: ((await db.query(sql, params)) as Rows<T>).rows });
  const saved = (
    await query<{ lt: string; st: string; pid: number }>(
      "SELECT current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st, pg_backend_pid() AS pid",
    )
  ).rows[0];
  let closed = false;
  return {
    pid: Number(saved?.pid),
    describe: 'a PGlite database',
    query,
    exec: async (sql: string) => void (await db.exec(sql)),
    // PGlite's query() always uses the extended protocol
    queryExtended: query,
    // PGlite knows its transaction status exactly; its clock may not tell a block's start from the statement's
    // within one millisecond, so the timestamp question (over exec(), its simple protocol) is only the fallback
    inTransaction: async () =>
      typeof db.isInTransaction === 'function'
        ? db.isInTransaction()
        : ((await db.exec(IN_TRANSACTION).catch(() => [{ rows: [{ open: true }] }])) as Array<Rows<{ open: boolean }>>)[0]?.rows[0]?.open !== false,
    close: async () => {
      if (closed) return;
      closed = true;
      await db
        .query("SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)", [saved?.lt ?? '0', saved?.st ?? '0'])
        .catch(() => undefined);
    },
  };
}
