import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsUrl, loadDrizzleConfig } from '../../src/drizzle/kit-config.js';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, withPg } from './helpers.js';

afterAll(stopSharedServer);

const ROOT = join(import.meta.dirname, '..', '..');

/** A project folder that resolves drizzle-kit (and anything else) from dbtool's own node_modules. */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-drizzle-config-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('loadDrizzleConfig', () => {
  it('loads a TypeScript config with imports, types and process.env, like drizzle-kit', async () => {
    const dir = project({
      'settings.ts': 'export const schemaName: string = "ops";\n',
      'drizzle.config.ts': [
        "import { defineConfig } from 'drizzle-kit';",
        "import { schemaName } from './settings';",
        'const url: string = process.env.DBTOOL_TEST_URL ?? "";',
        "export default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './db/migrations', dbCredentials: { url }, migrations: { table: 'applied', schema: schemaName } });",
      ].join('\n'),
      'drizzle.config.json': JSON.stringify({ dialect: 'postgresql', out: './ignored' }),
    });
    process.env.DBTOOL_TEST_URL = 'postgres://app@db.internal/app';
    try {
      const config = await loadDrizzleConfig(dir);
      expect(config).toMatchObject({
        path: join(dir, 'drizzle.config.ts'),
        out: join(dir, 'db', 'migrations'),
        url: 'postgres://app@db.internal/app',
        migrationsTable: 'applied',
        migrationsSchema: 'ops',
      });
    } finally {
      delete process.env.DBTOOL_TEST_URL;
    }
  });

  it('falls back to drizzle.config.js, then .json, and finds nothing in a folder without one', async () => {
    const js = project({
      'drizzle.config.js': "module.exports = { dialect: 'postgresql', out: './js-out' };",
      'drizzle.config.json': '{"dialect":"postgresql","out":"./json-out"}',
    });
    expect((await loadDrizzleConfig(js))?.out).toBe(join(js, 'js-out'));
    const json = project({ 'drizzle.config.json': '{"dialect":"postgresql","out":"./json-out"}' });
    expect((await loadDrizzleConfig(json))?.out).toBe(join(json, 'json-out'));
    expect(await loadDrizzleConfig(project({}))).toBeUndefined();
  });

  it('builds a URL from host/user/password credentials, encoding what needs it', () => {
    expect(credentialsUrl({ host: 'db.example.com', port: 6543, user: 'app', password: 'p@ss/w:rd', database: 'main db', ssl: true }, 'x')).toBe(
      'postgres://app:p%40ss%2Fw%3Ard@db.example.com:6543/main%20db?sslmode=require',
    );
    expect(credentialsUrl({ host: 'localhost', database: 'dev' }, 'x')).toBe('postgres://localhost/dev');
    expect(credentialsUrl(undefined, 'x')).toBeUndefined();
  });

  it('reports a broken config, another dialect or a missing explicit file as a config error', async () => {
    const broken = project({ 'drizzle.config.ts': 'export default { dialect: "postgresql", out: ' });
    await expect(loadDrizzleConfig(broken)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`cannot load the drizzle config ${join(broken, 'drizzle.config.ts')}`),
    });
    const mysql = project({ 'drizzle.config.json': '{"dialect":"mysql"}' });
    await expect(loadDrizzleConfig(mysql)).rejects.toThrow(/dialect is "mysql"; dbtool works with PostgreSQL only/);
    await expect(loadDrizzleConfig(mysql, 'nope.config.ts')).rejects.toThrow(/drizzle config nope.config.ts not found/);
    const empty = project({ 'drizzle.config.json': '{"dialect":"postgresql","dbCredentials":{"url":""}}' });
    await expect(loadDrizzleConfig(empty)).rejects.toThrow(/dbCredentials.url is empty/);
  });
});

describe('dbtool migrate with a drizzle config', { timeout: 60_000 }, () => {
  it('takes out, credentials and the migrations table from drizzle.config.ts, and keeps the password out of output', async () => {
    const url = await freshDatabase();
    const password = 'pw-in-config';
    const withPassword = url.replace('postgres://postgres@', `postgres://postgres:${password}@`);
    const dir = project({
      'drizzle.config.ts': `export default { dialect: 'postgresql' as const, out: './migrations', dbCredentials: { url: process.env.APP_DATABASE_URL! }, migrations: { schema: 'ops', table: 'applied' } };`,
    });
    journalFolder({ '0000_init': 'CREATE TABLE "things" ("id" integer PRIMARY KEY);' }, { parent: dir });
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, 'drizzle'), join(dir, 'migrations'));
    const run = await dbtool(['migrate'], { cwd: dir, env: { APP_DATABASE_URL: withPassword } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(from drizzle config dbCredentials)');
    expect(`${run.stdout}${run.stderr}`).not.toContain(password);
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM ops.applied')).rows[0].n)).toBe(1);
    const status = await dbtool(['status'], { cwd: dir, env: { APP_DATABASE_URL: withPassword } });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('1 applied');
  });
});
