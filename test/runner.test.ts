import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, withPg } from './migrate/helpers.js';

afterAll(stopSharedServer);

const INIT = 'CREATE TABLE "orders" ("id" serial PRIMARY KEY NOT NULL, "customer_id" integer);';
// what drizzle-kit writes for index().concurrently(): the index in a migration of its own
const CIC = 'CREATE INDEX CONCURRENTLY "orders_customer_idx" ON "orders" USING btree ("customer_id");';
const ADD_COLUMN = 'ALTER TABLE "orders" ADD COLUMN "note" text;';

interface Review {
  runner?: string;
  files: { migration: string; findings: { rule: string }[]; statements: { findings: { rule: string }[] }[] }[];
}
const rulesOf = (review: Review, migration: string) => {
  const file = review.files.find((f) => f.migration === migration);
  return [...(file?.findings ?? []), ...(file?.statements.flatMap((s) => s.findings) ?? [])].map((f) => f.rule).sort();
};

/** A project folder (cwd) holding drizzle/ with the given migrations and, optionally, a dbtool.config.json. */
function project(files: Record<string, string>, config?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-runner-'));
  journalFolder(files, { parent: dir });
  if (config !== undefined) writeFileSync(join(dir, 'dbtool.config.json'), JSON.stringify(config));
  return dir;
}

describe('one runner setting for review-migration, generate and migrate', { timeout: 120_000 }, () => {
  it('CREATE INDEX CONCURRENTLY in its own file: fine with --runner dbtool, an error with drizzle (the default)', async () => {
    const cwd = project({ '0000_init': INIT, '0001_orders_idx': CIC });
    const dbtoolRun = await dbtool(['review-migration', 'drizzle', '--runner', 'dbtool', '--format', 'json'], { cwd });
    expect(dbtoolRun.stderr).toBe('');
    expect(dbtoolRun.code).toBe(0);
    const asDbtool = JSON.parse(dbtoolRun.stdout) as Review;
    expect(asDbtool.runner).toBe('dbtool');
    expect(rulesOf(asDbtool, '0001_orders_idx')).toEqual([]);

    const drizzleRun = await dbtool(['review-migration', 'drizzle', '--runner', 'drizzle', '--format', 'json'], { cwd });
    expect(drizzleRun.code).toBe(1);
    expect(JSON.parse(drizzleRun.stdout).runner).toBe('drizzle');
    expect(rulesOf(JSON.parse(drizzleRun.stdout) as Review, '0001_orders_idx')).toContain('transaction-forbidden');

    const byDefault = await dbtool(['review-migration', 'drizzle'], { cwd });
    expect(byDefault.code).toBe(1);
    expect(byDefault.stdout).toContain('transaction-forbidden');
    expect(byDefault.stdout).toContain("Assumed runner: drizzle-orm's migrator (every pending migration in one transaction), the default");
  });

  it('"runner": "dbtool" in the config: the review passes, and dbtool migrate applies the file (the same verdict)', async () => {
    const cwd = project({ '0000_init': INIT, '0001_orders_idx': CIC }, { runner: 'dbtool' });
    const review = await dbtool(['review-migration', 'drizzle'], { cwd });
    expect(review.stderr).toBe('');
    expect(review.code).toBe(0);
    expect(review.stdout).toMatch(/Assumed runner: dbtool migrate .*from .*dbtool\.config\.json: runner\./);

    const url = await freshDatabase();
    const migrate = await dbtool(['migrate', '--dir', 'drizzle', '--url', url], { cwd });
    expect(migrate.stderr).toBe('');
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain('2 migrations applied');
    const valid = await withPg(
      url,
      async (c) => (await c.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_customer_idx'::regclass")).rows[0]?.indisvalid,
    );
    expect(valid).toBe(true);
  });

  it("review-migration --runner dbtool judges a pending file exactly as migrate's gate does", async () => {
    const cwd = project({
      '0000_init': INIT,
      '0001_orders_idx': CIC,
      '0002_note': `${ADD_COLUMN}\n--> statement-breakpoint\nCREATE INDEX "orders_note_idx" ON "orders" ("note");`,
    });
    const url = await freshDatabase();
    // the first migration is applied, so the others are judged against an existing table
    await withPg(url, async (c) => {
      await c.query(`CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint); ${INIT}`);
      const { createHash } = await import('node:crypto');
      await c.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, 1700000000000)', [
        createHash('sha256').update(INIT).digest('hex'),
      ]);
    });
    const gate = JSON.parse((await dbtool(['migrate', '--dir', 'drizzle', '--url', url, '--dry-run', '--format', 'json'], { cwd })).stdout) as {
      review: Review;
    };
    const review = JSON.parse((await dbtool(['review-migration', 'drizzle', '--runner', 'dbtool', '--format', 'json'], { cwd })).stdout) as Review;
    for (const migration of ['0001_orders_idx', '0002_note']) expect(rulesOf(review, migration)).toEqual(rulesOf(gate.review, migration));
    // not vacuous: the plain CREATE INDEX on an existing table is reported by both
    expect(rulesOf(review, '0002_note').length).toBeGreaterThan(0);
  });

  it('the deprecated names still work, each with a one-line note on stderr', async () => {
    const cwd = project({ '0000_init': INIT, '0001_orders_idx': CIC });
    const flag = await dbtool(['review-migration', 'drizzle', '--transaction-mode', 'per-file'], { cwd });
    expect(flag.code).toBe(0);
    expect(flag.stderr.trim().split('\n')).toEqual(['dbtool: --transaction-mode is deprecated: use --runner dbtool (what "per-file" is taken as).']);
    const all = await dbtool(['review-migration', 'drizzle', '--transaction-mode', 'all'], { cwd });
    expect(all.code).toBe(1);
    expect(all.stderr).toContain('use --runner drizzle');

    const keyed = project({ '0000_init': INIT, '0001_orders_idx': CIC }, { transactionMode: 'per-file' });
    const key = await dbtool(['review-migration', 'drizzle'], { cwd: keyed });
    expect(key.code).toBe(0);
    expect(key.stderr).toMatch(/^dbtool: .*dbtool\.config\.json: transactionMode is deprecated: use "runner": "dbtool"/);

    const url = await freshDatabase();
    const migrate = await dbtool(['migrate', '--dir', 'drizzle', '--url', url, '--transaction', 'all'], { cwd });
    expect(migrate.code).toBe(0);
    expect(migrate.stderr.trim()).toBe('dbtool: --transaction is deprecated: use --runner drizzle (what "all" is taken as).');

    const section = project({ '0000_init': INIT }, { migrate: { transaction: 'per-file' } });
    const fromSection = await dbtool(['migrate', '--dir', 'drizzle', '--url', await freshDatabase()], { cwd: section });
    expect(fromSection.code).toBe(0);
    expect(fromSection.stderr.trim().split('\n')).toHaveLength(1);
    expect(fromSection.stderr).toContain('migrate.transaction is deprecated: use "runner": "dbtool"');
  });

  it('an old config that set both old keys keeps working as before: the review as drizzle, migrate per file', async () => {
    const cwd = project({ '0000_init': INIT, '0001_orders_idx': CIC }, { transactionMode: 'all', migrate: { transaction: 'per-file' } });
    const review = await dbtool(['review-migration', 'drizzle'], { cwd });
    expect(review.code).toBe(1);
    expect(review.stdout).toContain('transaction-forbidden');
    expect(review.stderr.trim().split('\n')).toHaveLength(1);
    const migrate = await dbtool(['migrate', '--dir', 'drizzle', '--url', await freshDatabase()], { cwd });
    expect(migrate.code).toBe(0);
    expect(migrate.stderr).toContain('migrate.transaction is deprecated: use "runner": "dbtool"');
  });

  it('bad values exit 2 with the choices, for the review and for migrate', async () => {
    const bad = project({ '0000_init': INIT }, { runner: 'psql' });
    for (const args of [
      ['review-migration', 'drizzle'],
      ['migrate', '--dir', 'drizzle', '--url', 'postgres://nobody@127.0.0.1:1/none'],
    ]) {
      const run = await dbtool(args, { cwd: bad });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        'runner must be "drizzle" (drizzle-orm\'s migrator), "dbtool" (dbtool migrate) or "none" (no transaction, like psql), not "psql"',
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    const conflict = project({ '0000_init': INIT }, { runner: 'dbtool', transactionMode: 'all' });
    const both = await dbtool(['review-migration', 'drizzle'], { cwd: conflict });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('runner ("dbtool") and transactionMode ("all") name different runners');

    const flags = await dbtool(['review-migration', 'drizzle', '--runner', 'dbtool', '--transaction-mode', 'all'], { cwd: conflict });
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('--runner and --transaction-mode (its deprecated name) were both given');

    const none = await dbtool(['migrate', '--dir', 'drizzle', '--url', 'postgres://nobody@127.0.0.1:1/none', '--runner', 'none'], {
      cwd: project({ '0000_init': INIT }),
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('dbtool migrate always runs migrations in transactions');

    const unknown = await dbtool(['review-migration', 'drizzle', '--runner', 'flyway'], { cwd: conflict });
    expect(unknown.code).toBe(2);
  });

  it('generate --runner dbtool reviews a concurrently() index drizzle-kit wrote without transaction-forbidden', async () => {
    const ROOT = join(import.meta.dirname, '..');
    const schema = (withIndex: boolean) => `import { index, integer, pgTable, serial } from 'drizzle-orm/pg-core';
export const orders = pgTable('orders', { id: serial('id').primaryKey(), customerId: integer('customer_id') }${withIndex ? ", (t) => [index('orders_customer_idx').on(t.customerId).concurrently()]" : ''});
`;
    const results: Record<string, { code: number | null; review: Review; text: string }> = {};
    for (const runner of ['dbtool', 'drizzle']) {
      const dir = mkdtempSync(join(tmpdir(), 'dbtool-runner-generate-'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
      writeFileSync(
        join(dir, 'drizzle.config.ts'),
        "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle' });\n",
      );
      writeFileSync(join(dir, 'schema.ts'), schema(false));
      expect((await dbtool(['generate', '--name', 'init'], { cwd: dir })).code).toBe(0);
      writeFileSync(join(dir, 'schema.ts'), schema(true));
      const run = await dbtool(['generate', '--name', 'orders_idx', '--runner', runner, '--format', 'json'], { cwd: dir });
      results[runner] = { code: run.code, review: JSON.parse(run.stdout) as Review, text: readFileSync(join(dir, 'drizzle', '0001_orders_idx.sql'), 'utf8') };
    }
    expect(results.dbtool!.text).toContain('CREATE INDEX CONCURRENTLY');
    expect(results.dbtool!.code).toBe(0);
    expect(results.dbtool!.review.runner).toBe('dbtool');
    expect(rulesOf(results.dbtool!.review, '0001_orders_idx')).not.toContain('transaction-forbidden');
    expect(results.drizzle!.code).toBe(1);
    expect(rulesOf(results.drizzle!.review, '0001_orders_idx')).toContain('transaction-forbidden');
  });
});
