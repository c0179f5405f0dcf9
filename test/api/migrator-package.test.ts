/**
 * dbtool as a library, the way an application uses it: the packed tarball (npm pack) unpacked into a
 * temporary app's node_modules, imported by package name through package.json "exports" from a plain
 * ESM consumer run by node, a CommonJS consumer (require(esm)), and type-checked by tsc.
 * Needs dist/ (npm run build).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, journalFolder, stopSharedServer, withPg } from '../migrate/helpers.js';
import type { PackedApp } from './packed-app.js';
import { packApp, ROOT } from './packed-app.js';

const fixture = (name: string) => join(ROOT, 'fixtures', name);
let packed: PackedApp;
let app: string;

beforeAll(() => {
  packed = packApp();
  app = packed.dir;
}, 120_000);

afterAll(async () => {
  await stopSharedServer();
  packed?.remove();
});

const node = (file: string, args: string[]) => packed.node(file, args);

const CONSUMER = `
import { migrate, status, MigrationError, ReviewBlockedError } from 'dbtool/migrator';
import { reviewMigrations, migrate as migrateFromMain } from 'dbtool';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';

const [folder, failing, unsafe, poolUrl, drizzleUrl, failUrl, gateBefore, gateAfter] = process.argv.slice(2);
const out = { sameFunction: migrate === migrateFromMain };
const names = (r) => r.applied.map((a) => a.name);
const errorOf = (e) => ({ name: e.name, isMigrationError: e instanceof MigrationError, isReviewBlocked: e instanceof ReviewBlockedError,
  sqlstate: e.sqlstate, migration: e.migration, line: e.line, column: e.column, applied: e.applied?.map((a) => a.name), findings: e.findings?.length });

// PGlite: the instance stays the caller's (still open afterwards)
const lite = new PGlite();
out.pglite = { first: names(await migrate(lite, { migrationsFolder: folder })), second: names(await migrate(lite, { migrationsFolder: folder })) };
out.pglite.upToDate = (await status(lite, { migrationsFolder: folder })).upToDate;
out.pglite.open = (await lite.query('SELECT 1 AS x')).rows[0].x;
// another folder on the same database: its 0000_init differs from the one applied
try { await migrate(lite, { migrationsFolder: unsafe }); out.pglite.integrity = 'applied'; } catch (e) { out.pglite.integrity = { ...errorOf(e), problems: e.problems?.map((p) => p.problem) }; }
await lite.close();
const lite2 = new PGlite();
await migrate(lite2, { migrationsFolder: gateBefore });
const rules = { 'rename-column': 'error' };
try { await migrate(lite2, { migrationsFolder: gateAfter, rules }); out.pglite.unsafe = 'applied'; } catch (e) { out.pglite.unsafe = { ...errorOf(e), rule: e.findings?.[0]?.rule }; }
out.pglite.appliedUnsafe = names(await migrate(lite2, { migrationsFolder: gateAfter, rules, allowUnsafe: true }));
await lite2.close();

// a pg Pool
const pool = new pg.Pool({ connectionString: poolUrl, max: 3 });
await pool.query("SET lock_timeout = '7s'");
out.pool = { first: names(await migrate(pool, { migrationsFolder: folder, lockTimeout: '2s' })), second: names(await migrate(pool, { migrationsFolder: folder })) };
out.pool.upToDate = (await status(pool, { migrationsFolder: folder })).upToDate;
out.pool.checkedOut = pool.totalCount - pool.idleCount;
out.pool.rowsBefore = Number((await pool.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).rows[0].n);
await drizzleMigrate(drizzle(pool), { migrationsFolder: folder });
out.pool.rowsAfterDrizzle = Number((await pool.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).rows[0].n);
await pool.end();

// a drizzle node-postgres database
const db = drizzle(drizzleUrl);
out.drizzle = { first: names(await migrate(db, { migrationsFolder: folder })), second: names(await migrate(db, { migrationsFolder: folder })) };
out.drizzle.rowsBefore = Number((await db.$client.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).rows[0].n);
await drizzleMigrate(db, { migrationsFolder: folder });
out.drizzle.rowsAfterDrizzle = Number((await db.$client.query('SELECT count(*) AS n FROM drizzle.__drizzle_migrations')).rows[0].n);
await db.$client.end();

// a failing migration, on a pg Client the caller connected
const client = new pg.Client({ connectionString: failUrl });
await client.connect();
// inside the caller's transaction: refused before anything runs (a file's COMMIT would commit it)
await client.query('BEGIN');
try { await migrate(client, { migrationsFolder: failing }); out.inTransaction = 'applied'; } catch (e) { out.inTransaction = { name: e.name, message: e.message }; }
out.inTransactionTables = (await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'things'")).rows[0].n;
await client.query('ROLLBACK');
try { await migrate(client, { migrationsFolder: failing }); out.failure = 'applied'; } catch (e) { out.failure = errorOf(e); }
out.failureLockReleased = (await client.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0].n;
await client.end();

const report = await reviewMigrations([unsafe], { runner: 'dbtool' });
out.review = { files: report.files.length, errors: report.summary.errors };
console.log(JSON.stringify(out));
`;

const TYPED = `
import { migrate, status, MigrationError, ReviewBlockedError, IntegrityError, LockWaitError } from 'dbtool/migrator';
import type { MigrateResult, StatusResult } from 'dbtool/migrator';
import { reviewMigrations } from 'dbtool';
import type { Report, Finding } from 'dbtool';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/node-postgres';
import { drizzle as drizzleLite } from 'drizzle-orm/pglite';

export async function all(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: url });
  const client = new pg.Client({ connectionString: url });
  const lite = new PGlite();
  const options = { migrationsFolder: './drizzle', migrationsTable: '__drizzle_migrations', migrationsSchema: 'drizzle', lockTimeout: '5s', retries: 3, statementTimeout: 0, lockWait: 60_000, allowUnsafe: false, runner: 'dbtool' as const };
  const results: MigrateResult[] = [await migrate(pool, options), await migrate(client, options), await migrate(lite, options),
    await migrate(drizzle(pool), options), await migrate(drizzle(url), options), await migrate(drizzleLite(lite), options)];
  const s: StatusResult = await status(pool, { migrationsFolder: './drizzle' });
  const report: Report = await reviewMigrations(['./drizzle'], { pgVersion: 16, runner: 'drizzle' });
  const findings: Finding[] = report.files.flatMap((f) => f.statements.flatMap((st) => st.findings));
  try {
    await migrate(pool, options);
  } catch (error) {
    if (error instanceof MigrationError) console.log(error.sqlstate, error.path, error.line, error.column, error.migration);
    if (error instanceof ReviewBlockedError) console.log(error.findings.map((f) => f.rule));
    if (error instanceof IntegrityError) console.log(error.problems.map((p) => p.problem));
    if (error instanceof LockWaitError) console.log(error.waitedMs);
  }
  console.log(results.length, s.upToDate, findings.length);
}
`;

describe('dbtool as a package (npm pack)', { timeout: 180_000 }, () => {
  it('ships type declarations for both entry points', () => {
    const dist = readdirSync(join(app, 'node_modules', 'dbtool', 'dist'));
    expect(dist).toEqual(expect.arrayContaining(['index.js', 'index.d.ts', 'migrator.js', 'migrator.d.ts']));
  });

  it('type-checks a TypeScript consumer (pg Pool and Client, PGlite, drizzle node-postgres and pglite databases, typed errors)', () => {
    writeFileSync(join(app, 'typed.ts'), TYPED);
    const r = packed.tsc('typed.ts');
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
    // and a call with something that is not a database does not compile
    writeFileSync(join(app, 'typed.ts'), `import { migrate } from 'dbtool/migrator';\nawait migrate({ nope: 1 }, { migrationsFolder: 'x' });\nexport {};\n`);
    const bad = packed.tsc('typed.ts');
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/typed\.ts\(2,/);
  });

  it('can be require()d from CommonJS (Node >= 20.19 require(esm))', () => {
    writeFileSync(
      join(app, 'consumer.cjs'),
      `const m = require('dbtool/migrator'); const d = require('dbtool');
console.log(JSON.stringify([typeof m.migrate, typeof m.status, typeof m.MigrationError, typeof d.reviewMigrations, d.migrate === m.migrate]));`,
    );
    const r = node('consumer.cjs', []);
    expect(r.stdout.trim()).toBe('["function","function","function","function",true]');
    expect(r.code).toBe(0);
  });

  it("an ESM app migrates PGlite, a pg Pool, a drizzle database and a pg Client, and drizzle's migrator then has nothing to do", async () => {
    writeFileSync(join(app, 'consumer.mjs'), CONSUMER);
    const failing = journalFolder({
      '0000_table': 'CREATE TABLE "things" ("id" integer PRIMARY KEY);',
      '0001_bad': 'INSERT INTO "things" VALUES (1);\n--> statement-breakpoint\nINSERT INTO "things" VALUES (1 / 0);',
    });
    const table = 'CREATE TABLE "t" ("id" integer PRIMARY KEY, "n" integer);';
    const gateBefore = journalFolder({ '0000_t': table });
    const gateAfter = journalFolder({ '0000_t': table, '0001_rename': 'ALTER TABLE "t" RENAME COLUMN "n" TO "m";' });
    const poolUrl = await freshDatabase();
    const drizzleUrl = await freshDatabase();
    const failUrl = await freshDatabase();
    const r = node('consumer.mjs', [
      fixture('drizzle-safe-additions'),
      failing,
      fixture('drizzle-index-on-existing-table'),
      poolUrl,
      drizzleUrl,
      failUrl,
      gateBefore,
      gateAfter,
    ]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    // biome-ignore lint/suspicious/noExplicitAny: the child's JSON report, read field by field by the expectations below
    const out = JSON.parse(r.stdout) as Record<string, any>;
    const both = ['0000_init', '0001_safe_additions'];
    expect(out.sameFunction).toBe(true);
    expect(out.pglite).toMatchObject({ first: both, second: [], upToDate: true, open: 1 });
    expect(out.pglite.integrity).toMatchObject({ name: 'IntegrityError', problems: expect.arrayContaining(['changed']) });
    // a rule the caller made an error: the review gate refuses the run, allowUnsafe lets it through
    expect(out.pglite.unsafe).toMatchObject({ name: 'ReviewBlockedError', isReviewBlocked: true, rule: 'rename-column' });
    expect(out.pglite.unsafe.findings).toBeGreaterThan(0);
    expect(out.pglite.appliedUnsafe).toEqual(['0001_rename']);
    expect(out.pool).toMatchObject({ first: both, second: [], upToDate: true, checkedOut: 0, rowsBefore: 2, rowsAfterDrizzle: 2 });
    expect(out.drizzle).toMatchObject({ first: both, second: [], rowsBefore: 2, rowsAfterDrizzle: 2 });
    expect(out.failure).toMatchObject({
      name: 'MigrationError',
      isMigrationError: true,
      sqlstate: '22012',
      migration: '0001_bad',
      line: 3,
      applied: ['0000_table'],
    });
    expect(out.failureLockReleased).toBe('0');
    expect(out.inTransaction).toMatchObject({ name: 'UsageError', message: expect.stringMatching(/^migrate\(\) was given a connection inside a transaction/) });
    expect(out.inTransactionTables).toBe(0);
    expect(out.review.files).toBeGreaterThan(0);
    expect(out.review.errors).toBeGreaterThan(0);
    // the database is as the run left it: the first file applied and recorded, the failing one rolled back
    await withPg(failUrl, async (c) => {
      expect((await c.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0].n).toBe(1);
      expect((await c.query('SELECT count(*)::int AS n FROM things')).rows[0].n).toBe(0);
    });
  });
});
