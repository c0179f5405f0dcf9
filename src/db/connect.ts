import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseError } from '../errors.js';
import type { DbClient } from './client.js';
import { redactUrl } from './redact.js';

/** Where the database comes from: a server URL, or the project's embedded PGlite database. */
export type DbTarget =
  | { kind: 'server'; url: string; source: string }
  | { kind: 'pglite'; dataDir: string; source: string };

/** A connection the runner owns: its backend pid, and whether a second session can watch it. */
export interface Session extends DbClient {
  pid: number;
  /** opens another session to the same database (real servers only; PGlite has one connection) */
  another?: () => Promise<Session>;
  describe: string;
  /** the extended protocol, which refuses more than one statement in the text even without parameters */
  queryExtended<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<{ rows: T[] }>;
  /** the simple protocol, for text with $n placeholders the server must not try to bind (EXPLAIN GENERIC_PLAN) */
  querySimple<T = Record<string, unknown>>(sql: string): Promise<{ rows: T[] }>;
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
  if (inputs.url) return { kind: 'server', url: inputs.url, source: '--url' };
  if (inputs.env.DATABASE_URL) return { kind: 'server', url: inputs.env.DATABASE_URL, source: 'DATABASE_URL' };
  if (inputs.drizzleUrl) return { kind: 'server', url: inputs.drizzleUrl, source: 'drizzle config dbCredentials' };
  return { kind: 'pglite', dataDir: join(inputs.projectDir, '.dbtool', 'pglite'), source: 'embedded PGlite database' };
}

export function describeTarget(target: DbTarget): string {
  return target.kind === 'server' ? `${redactUrl(target.url)} (from ${target.source})` : `${target.dataDir} (${target.source})`;
}

export interface SessionOptions {
  /** give up connecting to a server after this long (default: wait as long as the network does) */
  connectTimeoutMs?: number;
}

export async function openSession(target: DbTarget, options: SessionOptions = {}): Promise<Session> {
  return target.kind === 'server' ? openServer(target.url, options) : openPglite(target.dataDir);
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

async function openServer(url: string, options: SessionOptions = {}): Promise<Session> {
  const { default: pg } = await import('pg');
  // bigint and numeric stay strings (pg's default); dbtool never does arithmetic on them in SQL results it trusts
  const client = new pg.Client({ connectionString: url, application_name: 'dbtool', ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}) });
  client.on('error', () => undefined); // a dropped connection surfaces as the failing query's error
  try {
    await client.connect();
  } catch (error) {
    throw connectionError(url, error);
  }
  const pid = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
  return {
    pid,
    describe: redactUrl(url),
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params as unknown[])).rows as T[] }),
    exec: async (sql: string) => void (await client.query(sql)),
    // queryMode is honoured by pg 8 but missing from its type definitions
    queryExtended: async <T>(sql: string, params: unknown[]) => ({ rows: (await client.query({ text: sql, values: params, queryMode: 'extended' } as import('pg').QueryConfig)).rows as T[] }),
    querySimple: async <T>(sql: string) => ({ rows: (await client.query(sql)).rows as T[] }),
    close: () => client.end(),
    another: () => openServer(url, options),
  };
}

function connectionError(url: string, error: unknown): DatabaseError {
  const raw = error instanceof Error ? error.message : String(error);
  // drivers sometimes echo the connection string; never let the password through
  const message = redactUrl(raw.split(url).join(redactUrl(url)));
  const code = (error as { code?: string }).code;
  const hint = code === '28P01' ? 'Check the user and password in the connection URL.'
    : code === '3D000' ? 'Create the database first, or fix its name in the URL.'
    : code === 'ECONNREFUSED' || code === 'ENOTFOUND' ? 'Is the server running and reachable from here? Check host and port.'
    : 'Check the connection URL (--url, DATABASE_URL or the drizzle config dbCredentials).';
  return new DatabaseError(`cannot connect to ${redactUrl(url)}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`, hint);
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
    const { PGlite } = await import('@electric-sql/pglite');
    db = await PGlite.create(dataDir);
  } catch (error) {
    release();
    throw new DatabaseError(`cannot open the embedded database in ${dataDir}: ${(error as Error).message}`, 'Delete the folder to start from an empty database (it only holds local data).');
  }
  const pglite = db;
  return {
    pid: Number((await pglite.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid),
    describe: `embedded PGlite database in ${dataDir}`,
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await pglite.query<T>(sql, params)).rows }),
    exec: async (sql: string) => void (await pglite.exec(sql)),
    // PGlite's query() always uses the extended protocol
    queryExtended: async <T>(sql: string, params: unknown[]) => ({ rows: (await pglite.query<T>(sql, params)).rows }),
    querySimple: async <T>(sql: string) => ({ rows: ((await pglite.exec(sql)).at(-1)?.rows ?? []) as T[] }),
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
        throw new DatabaseError(`the embedded database is in use by another dbtool process (${lockPath})`, 'Wait for it to finish, or delete the lock file if no dbtool process is running.');
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
