import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DatabaseError } from '../errors.js';
import type { DbClient } from './client.js';
import type { ConnInfo } from './conninfo.js';
import { describeConnInfo, paramOf, parseConnInfo, toDriverUrl } from './conninfo.js';
import { seedDataDir } from './pglite-seed.js';
import { describeConnection, scrubConnection } from './redact.js';

/** Where the database comes from: a server URL, or the project's embedded PGlite database. */
export type DbTarget =
  | {
      kind: 'server';
      /** a postgres:// URL or a libpq key/value connection string */
      url: string;
      source: string;
      /** PGCONNECT_TIMEOUT from the environment, used when the string has no connect_timeout */
      connectTimeoutEnv?: string | undefined;
    }
  | { kind: 'pglite'; dataDir: string; source: string };

/** A connection the runner owns: its backend pid, and whether a second session can watch it. */
export interface Session extends DbClient {
  pid: number;
  /** opens another session to the same database (real servers only; PGlite has one connection) */
  another?: () => Promise<Session>;
  describe: string;
  /** the extended protocol, which refuses more than one statement in the text even without parameters */
  queryExtended<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<{ rows: T[] }>;
}

export interface TargetInputs {
  url?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** the drizzle config's dbCredentials as a URL, when it has them */
  drizzleUrl?: string | undefined;
  /** the project folder where the embedded database lives (.dbtool/pglite) */
  projectDir: string;
}

/** --url, then DATABASE_URL, then drizzle config credentials, then the embedded database. */
export function chooseTarget(inputs: TargetInputs): DbTarget {
  const timeout = inputs.env.PGCONNECT_TIMEOUT ? { connectTimeoutEnv: inputs.env.PGCONNECT_TIMEOUT } : {};
  if (inputs.url) return { kind: 'server', url: inputs.url, source: '--url', ...timeout };
  if (inputs.env.DATABASE_URL) return { kind: 'server', url: inputs.env.DATABASE_URL, source: 'DATABASE_URL', ...timeout };
  if (inputs.drizzleUrl) return { kind: 'server', url: inputs.drizzleUrl, source: 'drizzle config dbCredentials', ...timeout };
  return { kind: 'pglite', dataDir: join(inputs.projectDir, '.dbtool', 'pglite'), source: 'embedded PGlite database' };
}

/** The database for messages and reports: a server's settings with the password and unknown values as ***. */
export function describeTarget(target: DbTarget): string {
  return target.kind === 'server' ? `${describeConnection(target.url)} (from ${target.source})` : `${target.dataDir} (${target.source})`;
}

export interface SessionOptions {
  /**
   * give up connecting to a server after this long, unless the connection string's connect_timeout or
   * PGCONNECT_TIMEOUT says otherwise (default: DEFAULT_CONNECT_TIMEOUT_MS)
   */
  connectTimeoutMs?: number;
}

/** How long connecting (TCP, TLS, authentication and the first query) may take when nothing says otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export async function openSession(target: DbTarget, options: SessionOptions = {}): Promise<Session> {
  return target.kind === 'server' ? openServer(target, options) : openPglite(target.dataDir);
}

/** Opens a session, hands it to `fn`, and always closes it. */
export async function withSession<T>(target: DbTarget, fn: (session: Session) => Promise<T>, options: SessionOptions = {}): Promise<T> {
  const session = await openSession(target, options);
  try {
    return await fn(session);
  } finally {
    await session.close().catch(() => undefined);
  }
}

/**
 * libpq's connect_timeout: whole seconds; zero or negative waits for ever; 1 counts as 2 (libpq insists on
 * two, so rounding cannot make it give up almost at once). The string's setting wins over PGCONNECT_TIMEOUT,
 * which wins over the caller's and dbtool's default.
 */
export function connectTimeoutOf(info: ConnInfo, env: string | undefined, fallbackMs = DEFAULT_CONNECT_TIMEOUT_MS): number {
  const given = paramOf(info, 'connect_timeout') ?? (env?.trim() ? env : undefined);
  if (given === undefined) return fallbackMs;
  if (!/^\s*[+-]?\d+\s*$/.test(given)) {
    throw new ConfigError(`PGCONNECT_TIMEOUT must be a whole number of seconds, not ${JSON.stringify(given)}`, 'Unset it, or set it to e.g. 10.');
  }
  const seconds = Number(given);
  if (seconds <= 0) return 0;
  return Math.max(seconds, 2) * 1000;
}

async function openServer(target: Extract<DbTarget, { kind: 'server' }>, options: SessionOptions = {}): Promise<Session> {
  const info = parseConnInfo(target.url, target.source);
  const description = describeConnInfo(info);
  const timeoutMs = connectTimeoutOf(info, target.connectTimeoutEnv, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  const { default: pg } = await import('pg');
  // bigint and numeric stay strings (pg's default); dbtool never does arithmetic on them in SQL results it trusts.
  // The driver gets the settings re-encoded, so it reads exactly what dbtool parsed (and redacts).
  let client: import('pg').Client;
  try {
    client = new pg.Client({ connectionString: toDriverUrl(info), application_name: 'dbtool', ...keepAliveOf(info) });
  } catch (error) {
    // the driver reads sslrootcert/sslcert/sslkey files and checks sslmode combinations while it sets up
    const raw = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      `the database connection string from ${target.source} is not valid: ${scrubConnection(raw.split('\n')[0] ?? '', target.url, info)}`,
      'Check its SSL settings (sslmode, sslrootcert, sslcert, sslkey): the files must exist and be readable.',
    );
  }
  client.on('error', () => undefined); // a dropped connection surfaces as the failing query's error
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const deadline = new Promise<never>((_resolve, reject) => {
    if (timeoutMs <= 0) return;
    timer = setTimeout(() => {
      timedOut = true;
      // the socket goes, so whatever pg was waiting for fails and nothing is left running
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
  });
  deadline.catch(() => undefined);
  let pid: number;
  try {
    // connecting includes the first query: a server that completes the startup and then never answers is as dead
    pid = await Promise.race([
      (async () => {
        await client.connect();
        return Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
      })(),
      deadline,
    ]);
  } catch (error) {
    if (timedOut) throw timeoutError(description, target.source, timeoutMs);
    void client.end().catch(() => undefined);
    throw connectionError(target.url, info, error);
  } finally {
    clearTimeout(timer);
  }
  return {
    pid,
    describe: description,
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params as unknown[])).rows as T[] }),
    exec: async (sql: string) => void (await client.query(sql)),
    // queryMode is honoured by pg 8 but missing from its type definitions
    queryExtended: async <T>(sql: string, params: unknown[]) => ({
      rows: (await client.query({ text: sql, values: params, queryMode: 'extended' } as import('pg').QueryConfig)).rows as T[],
    }),
    close: () => client.end(),
    another: () => openServer(target, options),
  };
}

/**
 * TCP keepalives, so a server that vanishes mid-migration is noticed: on unless the string says keepalives=0, probing
 * after keepalives_idle seconds of silence (libpq's keywords), 30 s by default rather than the system's two hours.
 */
function keepAliveOf(info: ConnInfo): { keepAlive: boolean; keepAliveInitialDelayMillis?: number } {
  if (paramOf(info, 'keepalives')?.trim() === '0') return { keepAlive: false };
  const idle = Number(paramOf(info, 'keepalives_idle'));
  return { keepAlive: true, keepAliveInitialDelayMillis: Number.isInteger(idle) && idle > 0 ? idle * 1000 : 30_000 };
}

function timeoutError(description: string, source: string, timeoutMs: number): DatabaseError {
  return new DatabaseError(
    `cannot connect to ${description} (from ${source}): no answer within ${timeoutMs / 1000}s`,
    'Check the host and port (is that a PostgreSQL server, reachable from here, not a proxy or firewall that swallows connections?). ' +
      'Wait longer with connect_timeout=<seconds> in the connection string (or PGCONNECT_TIMEOUT); 0 waits for ever.',
  );
}

function connectionError(url: string, info: ConnInfo, error: unknown): DatabaseError {
  const raw = error instanceof Error ? error.message : String(error);
  // drivers sometimes echo the connection string or a value from it; never let a secret through
  // node-postgres reports a missing password only as a SASL protocol detail
  if (/client password must be a string|password must be a string|no password/i.test(raw) && !info.password) {
    return new DatabaseError(
      `cannot connect to ${describeConnInfo(info)}: the server asks for a password, and the connection string has none`,
      'Put it in the URL (postgres://user:password@host/db, percent-encoded) or set PGPASSWORD.',
    );
  }
  const message = scrubConnection(raw, url, info);
  const code = (error as { code?: string }).code;
  const hint =
    code === '28P01'
      ? 'Check the user and password in the connection URL.'
      : code === '3D000'
        ? 'Create the database first, or fix its name in the URL.'
        : code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH'
          ? 'Is the server running and reachable from here? Check host and port.'
          : 'Check the connection URL (--url, DATABASE_URL or the drizzle config dbCredentials).';
  return new DatabaseError(`cannot connect to ${describeConnInfo(info)}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`, hint);
}

/**
 * PGlite runs inside this process, so two dbtool processes on the same data folder would corrupt it:
 * a lock file next to it serialises them.
 */
async function openPglite(dataDir: string): Promise<Session> {
  mkdirSync(dataDir, { recursive: true });
  const release = await lockFolder(`${dataDir}.lock`);
  let db;
  try {
    // a new database starts from the seed built with dbtool: PGlite's own initdb peaks near 800 MB (pglite-seed.ts)
    await seedDataDir(dataDir);
    const { PGlite } = await import('@electric-sql/pglite');
    db = await PGlite.create(dataDir);
  } catch (error) {
    release();
    throw new DatabaseError(
      `cannot open the embedded database in ${dataDir}: ${(error as Error).message}`,
      'Delete the folder to start from an empty database (it only holds local data).',
    );
  }
  const pglite = db;
  return {
    pid: Number((await pglite.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid),
    describe: `embedded PGlite database in ${dataDir}`,
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pglite.query<T>(sql, params)).rows }),
    exec: async (sql: string) => void (await pglite.exec(sql)),
    // PGlite's query() always uses the extended protocol
    queryExtended: async <T>(sql: string, params: unknown[]) => ({ rows: (await pglite.query<T>(sql, params)).rows }),
    close: async () => {
      try {
        await pglite.close();
      } finally {
        release();
      }
    },
  };
}

const LOCK_WAIT_MS = 60_000;

async function lockFolder(lockPath: string): Promise<() => void> {
  const started = Date.now();
  for (;;) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!holderAlive(lockPath)) {
        rmSync(lockPath, { force: true });
        continue;
      }
      if (Date.now() - started > LOCK_WAIT_MS) {
        throw new DatabaseError(
          `the embedded database is in use by another dbtool process (${lockPath})`,
          'Wait for it to finish, or delete the lock file if no dbtool process is running.',
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function holderAlive(lockPath: string): boolean {
  try {
    const content = readFileSync(lockPath, 'utf8');
    // created but not yet written by its owner: alive, unless it was left like that long ago
    if (content === '') return Date.now() - statSync(lockPath).mtimeMs < 10_000;
    const pid = Number(content);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
