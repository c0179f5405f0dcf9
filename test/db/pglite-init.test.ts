import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { pgliteVersion, seedPathFor, tar, unpackSeed, untar } from '../../src/db/pglite-seed.js';
import { dbtool } from '../migrate/helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'dbtool-pglite-init-'));
// the built module: seedDataDir unpacks in a child process running that file, which plain node cannot do from src/
const { seedDataDir } = (await import(join(root, 'dist', 'db', 'pglite-seed.js'))) as typeof import('../../src/db/pglite-seed.js');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a new embedded PGlite database', () => {
  it('has a seed built with dbtool for the installed PGlite', () => {
    const version = pgliteVersion();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    // the built seed lives in dist/ (npm run build makes it); src/ and dist/ resolve the same place
    expect(existsSync(seedPathFor(version!).replace(`${join(root, 'src')}`, join(root, 'dist')))).toBe(true);
  });

  it('starts from the seed, and migrate, status and a query work on it like on a normal initdb', async () => {
    const project = join(scratch, 'project');
    cpSync(join(root, 'fixtures', 'drizzle-type-changes'), join(project, 'drizzle'), { recursive: true });
    const migrate = await dbtool(['migrate'], { cwd: project });
    expect(migrate.stderr).not.toContain('internal error');
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('2 migrations applied (PostgreSQL 18');
    const status = await dbtool(['status'], { cwd: project });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/0001_products_types\s+applied/);
    expect(status.stdout).toContain('2 applied');
    const dataDir = join(project, '.dbtool', 'pglite');
    expect(readdirSync(join(project, '.dbtool')).filter((name) => name.includes('seeding'))).toEqual([]);
    // what PGlite's own initdb makes (checked against a normally initialised folder when the seed was introduced)
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(dataDir);
    try {
      const row = (
        await db.query<Record<string, unknown>>(`SELECT version() AS version, current_setting('server_encoding') AS encoding,
        current_setting('TimeZone') AS tz, datcollate, datctype, datlocprovider::text AS provider,
        (SELECT count(*)::int FROM pg_database) AS databases, to_regclass('products')::text AS products
        FROM pg_database WHERE datname = current_database()`)
      ).rows[0];
      expect(row).toMatchObject({ encoding: 'UTF8', tz: 'UTC', datcollate: 'C', datctype: 'C.UTF-8', provider: 'c', databases: 3, products: 'products' });
      expect(String(row!.version)).toMatch(/^PostgreSQL 18\.\d+ \(PGlite /);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('is never unpacked over an existing folder, and a damaged seed leaves the folder empty for initdb', async () => {
    const seed = seedPathFor(pgliteVersion()!).replace(`${join(root, 'src')}`, join(root, 'dist'));
    const used = join(scratch, 'used');
    mkdirSync(used);
    writeFileSync(join(used, 'keep'), 'x');
    expect(await seedDataDir(used, seed)).toBe(false);
    expect(readdirSync(used)).toEqual(['keep']);

    const damaged = join(scratch, 'damaged.tar.br');
    writeFileSync(damaged, readFileSync(seed).subarray(0, 200_000));
    const empty = join(scratch, 'empty');
    mkdirSync(empty);
    mkdirSync(join(scratch, 'partial'));
    await expect(unpackSeed(damaged, join(scratch, 'partial'))).rejects.toThrow(/unexpected end|truncated/i);
    expect(await seedDataDir(empty, damaged)).toBe(false);
    expect(readdirSync(empty)).toEqual([]);
    expect(readdirSync(scratch).filter((name) => name.includes('seeding'))).toEqual([]);
    expect(await seedDataDir(empty, join(scratch, 'absent.tar.br'))).toBe(false);
    // and the good seed does fill it
    expect(await seedDataDir(empty, seed)).toBe(true);
    expect(readFileSync(join(empty, 'PG_VERSION'), 'utf8')).toBe('18\n');
  });

  it('archives a folder with its files, sizes and modes', () => {
    const from = join(scratch, 'from');
    mkdirSync(join(from, 'base', `${'n'.repeat(80)}`, `${'m'.repeat(60)}`), { recursive: true });
    writeFileSync(join(from, 'PG_VERSION'), '18\n', { mode: 0o600 });
    writeFileSync(join(from, 'base', `${'n'.repeat(80)}`, `${'m'.repeat(60)}`, 'big'), Buffer.alloc(70_001, 7));
    writeFileSync(join(from, 'empty'), '');
    const to = join(scratch, 'to');
    mkdirSync(to);
    untar(tar(from), to);
    expect(readFileSync(join(to, 'PG_VERSION'), 'utf8')).toBe('18\n');
    expect(statSync(join(to, 'PG_VERSION')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(to, 'base', `${'n'.repeat(80)}`, `${'m'.repeat(60)}`, 'big')).equals(Buffer.alloc(70_001, 7))).toBe(true);
    expect(statSync(join(to, 'empty')).size).toBe(0);
    expect(() => untar(tar(from).subarray(0, 1024), join(scratch, 'to'))).toThrow(/truncated/);
  });
});
