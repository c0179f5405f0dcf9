import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
// drizzle-orm 1.0's release candidate, installed under an alias next to 0.45: its migrator reads the v1 layout
import { drizzle as drizzleV1 } from 'drizzle-orm-v1/node-postgres';
import { migrate as drizzleV1Migrate } from 'drizzle-orm-v1/node-postgres/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { drizzleHash } from '../../src/migrate/local.js';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, v1Folder, withPg } from './helpers.js';

afterAll(stopSharedServer);

const INIT = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);';
const SEED = `INSERT INTO "users" ("email") VALUES ('a@example.com');\n--> statement-breakpoint\nINSERT INTO "users" ("email") VALUES ('b@example.com');`;

async function recorded(url: string): Promise<Array<{ hash: string; created_at: string }>> {
  return withPg(url, async (c) => (await c.query('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id')).rows);
}

describe('dbtool migrate on PostgreSQL 18', { timeout: 60_000 }, () => {
  it('applies a journal folder in order, records exactly what drizzle records, and applies nothing the second time', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': INIT, '0001_seed': SEED });
    const first = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/✔ 0000_init 1 statement/);
    expect(first.stdout).toMatch(/✔ 0001_seed 2 statements/);
    expect(await recorded(url)).toEqual([
      { hash: drizzleHash(INIT), created_at: '1700000000000' },
      { hash: drizzleHash(SEED), created_at: '1700000001000' },
    ]);
    const second = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Nothing to apply');
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n)).toBe(2);
  });

  it("leaves drizzle-orm's migrator nothing to do, and picks up where drizzle's migrator left off", async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': INIT, '0001_seed': SEED, '0002_more': 'ALTER TABLE "users" ADD COLUMN "name" text;' });
    // drizzle first, with only the first two entries in its view of the folder
    const early = journalFolder({ '0000_init': INIT, '0001_seed': SEED });
    await withPg(url, (c) => drizzleMigrate(drizzle(c), { migrationsFolder: early }));
    const ours = await dbtool(['migrate', '--dir', dir, '--url', url, '--format', 'json']);
    expect(ours.code).toBe(0);
    expect(JSON.parse(ours.stdout).applied.map((a: { name: string }) => a.name)).toEqual(['0002_more']);
    // and drizzle after dbtool: nothing left; a re-run of the seed would duplicate rows
    await withPg(url, (c) => drizzleMigrate(drizzle(c), { migrationsFolder: dir }));
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n)).toBe(2);
    expect((await recorded(url)).length).toBe(3);
    const status = await dbtool(['status', '--dir', dir, '--url', url]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('3 applied');
  });

  it('rolls back the failing file only, keeps earlier files, exits 1 and points at file:line:col with the SQLSTATE', async () => {
    const url = await freshDatabase();
    const bad = 'ALTER TABLE "users" ADD COLUMN "age" integer;\n--> statement-breakpoint\nUPDATE "users" SET "agee" = 1;';
    const dir = journalFolder({ '0000_init': INIT, '0001_bad': bad, '0002_later': 'ALTER TABLE "users" ADD COLUMN "x" text;' });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('0001_bad.sql:3:20');
    expect(run.stdout).toContain('column "agee" of relation "users" does not exist');
    expect(run.stdout).toContain('SQLSTATE 42703');
    expect(run.stdout).toMatch(/1 migration applied, 1 failed, 1 not attempted/);
    const columns = await withPg(url, async (c) =>
      (await c.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1")).rows.map((r) => r.column_name),
    );
    expect(columns).toEqual(['email', 'id']);
    expect((await recorded(url)).length).toBe(1);
  });

  it('with --transaction all, a failure rolls back every file of the run, as drizzle would', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': INIT, '0001_ok': 'ALTER TABLE "users" ADD COLUMN "a" text;', '0002_bad': 'SELECT 1 / 0;' });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url, '--transaction', 'all', '--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.failure).toMatchObject({ migration: '0002_bad', sqlstate: '22012', rolledBack: ['0000_init', '0001_ok'], line: 1 });
    expect(report.applied).toEqual([]);
    expect(await withPg(url, async (c) => (await c.query("SELECT to_regclass('public.users')::text AS t")).rows[0].t)).toBeNull();
  });

  it('--dry-run --format json plans without touching the database', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': INIT, '0001_index': 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");' });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url, '--dry-run', '--format', 'json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.dryRun).toBe(true);
    expect(report.plan.map((p: { migration: string; units: Array<{ inTransaction: boolean }> }) => [p.migration, p.units.map((u) => u.inTransaction)])).toEqual(
      [
        ['0000_init', [true]],
        ['0001_index', [false]],
      ],
    );
    expect(await withPg(url, async (c) => (await c.query("SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t")).rows[0].t)).toBeNull();
  });

  it('retries on lock timeout, then names the blocking session; succeeds when the lock is released mid-way', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': INIT });
    expect((await dbtool(['migrate', '--dir', dir, '--url', url])).code).toBe(0);
    const next = journalFolder({ '0000_init': INIT, '0001_alter': 'ALTER TABLE "users" ADD COLUMN "name" text;' });
    await withPg(url, async (blocker) => {
      await blocker.query("SET application_name = 'report-job'");
      await blocker.query('BEGIN');
      await blocker.query('SELECT count(*) FROM users');
      const failed = await dbtool(['migrate', '--dir', next, '--url', url, '--lock-timeout', '100ms', '--retries', '2']);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain('SQLSTATE 55P03');
      expect(failed.stdout).toMatch(/retry 1 in 250 ms/);
      expect(failed.stdout).toMatch(/gave up after 3 attempts/);
      expect(failed.stdout).toMatch(
        /blocked by pid \d+ \(report-job, user postgres, idle in transaction, transaction open [\d.]+s\): SELECT count\(\*\) FROM users/,
      );
      const succeeding = dbtool(['migrate', '--dir', next, '--url', url, '--lock-timeout', '100ms', '--retries', '5']);
      // release only once the run has hit the lock at least once (a slow machine may start it late)
      await withPg(url, async (watcher) => {
        for (let i = 0; i < 300; i++) {
          const { rows } = await watcher.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'dbtool' AND wait_event_type = 'Lock'");
          if (rows.length > 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
      });
      await new Promise((r) => setTimeout(r, 300));
      await blocker.query('COMMIT');
      const ok = await succeeding;
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/lock not granted within lock_timeout; retry 1/);
      expect(ok.stdout).toContain('✔ 0001_alter');
    });
  });

  it('runs CREATE INDEX CONCURRENTLY outside the transaction and rebuilds the INVALID index a failed build left', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': INIT, '0001_seed': SEED });
    expect((await dbtool(['migrate', '--dir', dir, '--url', url])).code).toBe(0);
    await withPg(url, (c) => c.query("UPDATE users SET email = 'same@example.com'"));
    const index =
      'ALTER TABLE "users" ADD COLUMN "nick" text;\n--> statement-breakpoint\nCREATE UNIQUE INDEX CONCURRENTLY "users_email_key" ON "users" ("email");\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "after" text;';
    const next = journalFolder({ '0000_init': INIT, '0001_seed': SEED, '0002_index': index });
    const failed = await dbtool(['migrate', '--dir', next, '--url', url]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('SQLSTATE 23505');
    expect(failed.stdout).toContain('0002_index.sql:3:1');
    const valid = () =>
      withPg(url, async (c) =>
        (await c.query("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'users_email_key'")).rows.map(
          (r) => r.indisvalid,
        ),
      );
    expect(await valid()).toEqual([false]);
    await withPg(url, (c) => c.query("UPDATE users SET email = 'u' || id || '@example.com'"));
    const rerun = await dbtool(['migrate', '--dir', next, '--url', url]);
    expect(rerun.stdout).toContain('resuming after 1 completed step');
    expect(rerun.stdout).toContain('dropped INVALID index public.users_email_key');
    expect(rerun.code).toBe(0);
    expect(await valid()).toEqual([true]);
    const columns = await withPg(url, async (c) =>
      (await c.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1")).rows.map((r) => r.column_name),
    );
    expect(columns).toEqual(['after', 'email', 'id', 'nick']);
    expect((await recorded(url)).map((r) => r.hash)).toEqual([drizzleHash(INIT), drizzleHash(SEED), drizzleHash(index)]);
  });

  it("applies a file written to escape drizzle's transaction: COMMIT, a committing batched backfill, concurrent indexes", async () => {
    const url = await freshDatabase();
    const setup = `CREATE TYPE "kind" AS ENUM ('a');\n--> statement-breakpoint\n${INIT}\n--> statement-breakpoint\nINSERT INTO "users" ("email") SELECT 'u' || g FROM generate_series(1, 50) g;`;
    const escaping = [
      'ALTER TABLE "users" ADD COLUMN IF NOT EXISTS "handle" text;',
      'COMMIT;',
      'ALTER TYPE "kind" ADD VALUE IF NOT EXISTS \'b\';',
      `CREATE OR REPLACE PROCEDURE backfill_handles() LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
  LOOP
    UPDATE "users" SET "handle" = "email" WHERE "id" IN (SELECT "id" FROM "users" WHERE "handle" IS NULL LIMIT 10);
    GET DIAGNOSTICS n = ROW_COUNT;
    EXIT WHEN n = 0;
    COMMIT;
  END LOOP;
END $$;`,
      'CALL backfill_handles();',
      'DROP PROCEDURE backfill_handles();',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_handle_idx" ON "users" ("handle");',
    ].join('\n--> statement-breakpoint\n');
    const dir = journalFolder({ '0000_setup': setup, '0001_escape': escaping });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.stdout).toContain('✔ 0001_escape 6 statements');
    expect(run.code).toBe(0);
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users WHERE handle IS NULL')).rows[0].n)).toBe(0);
    expect((await recorded(url)).length).toBe(2);
  });

  it('applies every migration exactly once when 8 processes migrate the same database at once', async () => {
    const url = await freshDatabase();
    const files: Record<string, string> = { '0000_init': INIT };
    for (let i = 1; i <= 6; i++)
      files[`000${i}_step`] = i % 2 ? `INSERT INTO "users" ("email") VALUES ('row${i}@example.com');` : `ALTER TABLE "users" ADD COLUMN "c${i}" text;`;
    const dir = journalFolder(files);
    const runs = await Promise.all(Array.from({ length: 8 }, () => dbtool(['migrate', '--dir', dir, '--url', url, '--format', 'json'])));
    expect(runs.map((r) => r.code)).toEqual(Array(8).fill(0));
    const reports = runs.map((r) => JSON.parse(r.stdout));
    const appliedTotal = reports.flatMap((r) => r.applied.map((a: { name: string }) => a.name)).sort();
    expect(appliedTotal).toEqual(Object.keys(files).sort());
    expect(reports.filter((r) => r.waitedForLockMs > 0).length).toBeGreaterThan(0);
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n)).toBe(3);
    expect((await recorded(url)).length).toBe(7);
  });

  it('says a waiting run waited for another one', async () => {
    const url = await freshDatabase();
    const slow = `SELECT pg_sleep(1.5);\n--> statement-breakpoint\n${INIT}`;
    const dir = journalFolder({ '0000_slow': slow });
    const first = dbtool(['migrate', '--dir', dir, '--url', url]);
    await new Promise((r) => setTimeout(r, 700));
    const second = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect((await first).code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/another migration run holds the lock \(pid \d+, dbtool\); waiting/);
    expect(second.stdout).toContain('Nothing to apply');
  });

  it('survives SIGKILL in the middle of a migration: nothing half-recorded, the rerun completes', async () => {
    const url = await freshDatabase();
    const slow = `${INIT}\n--> statement-breakpoint\nSELECT pg_sleep(30);\n--> statement-breakpoint\nINSERT INTO "users" ("email") VALUES ('x');`;
    const dir = journalFolder({ '0000_slow': slow });
    const victim = dbtool(['migrate', '--dir', dir, '--url', url]);
    await withPg(url, async (c) => {
      for (let i = 0; i < 100; i++) {
        const { rows } = await c.query("SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'");
        if (rows.length > 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the migration never reached pg_sleep');
    });
    victim.kill('SIGKILL');
    await victim;
    // the server notices the dead client and rolls its transaction back
    await withPg(url, async (c) => {
      await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND pid <> pg_backend_pid()");
    });
    expect(await withPg(url, async (c) => (await c.query("SELECT to_regclass('public.users')::text AS t")).rows[0].t)).toBeNull();
    const fast = journalFolder({ '0000_slow': slow.replace('pg_sleep(30)', 'pg_sleep(0)') });
    // the edited file is a different migration: status must still call the unapplied original pending
    const rerun = await dbtool(['migrate', '--dir', fast, '--url', url]);
    expect(rerun.code).toBe(0);
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n)).toBe(1);
    expect((await recorded(url)).length).toBe(1);
  });

  it('reports a session terminated mid-migration as a failed migration, without a stack trace', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_slow': `${INIT}\n--> statement-breakpoint\nSELECT pg_sleep(30);` });
    const running = dbtool(['migrate', '--dir', dir, '--url', url]);
    await withPg(url, async (c) => {
      for (let i = 0; i < 100; i++) {
        const { rows } = await c.query(
          "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'",
        );
        if (rows.length > 0) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the migration never reached pg_sleep');
    });
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('SQLSTATE 57P01');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at /);
    expect(await withPg(url, async (c) => (await c.query("SELECT to_regclass('public.users')::text AS t")).rows[0].t)).toBeNull();
  });

  it('refuses integrity problems before applying anything: changed, out-of-order, unlisted and missing files', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': INIT, '0001_b': 'ALTER TABLE "users" ADD COLUMN "b" text;' });
    expect((await dbtool(['migrate', '--dir', dir, '--url', url])).code).toBe(0);
    writeFileSync(join(dir, '0000_init.sql'), `${INIT}\n-- edited after it was applied`);
    const changed = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/0000_init was applied, but .*0000_init\.sql has changed since/);
    const status = await dbtool(['status', '--dir', dir, '--url', url, '--format', 'json']);
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['changed', 'applied']);
    writeFileSync(join(dir, '0000_init.sql'), INIT);
    // an entry older than the newest applied one, never applied: drizzle would skip it silently
    const late = journalFolder(
      { '0000_init': INIT, '0001_b': 'ALTER TABLE "users" ADD COLUMN "b" text;', '0002_late': 'ALTER TABLE "users" ADD COLUMN "late" text;' },
      { whens: [1700000000000, 1700000001000, 1700000000500] },
    );
    const refused = await dbtool(['migrate', '--dir', late, '--url', url]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain(
      "0002_late was never applied, and its journal timestamp is older than applied migrations (newest: 0001_b): drizzle's migrator would skip it silently.",
    );
    const allowed = await dbtool(['migrate', '--dir', late, '--url', url, '--allow-out-of-order']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('✔ 0002_late');
    writeFileSync(join(late, '0003_orphan.sql'), 'SELECT 1;');
    const orphan = await dbtool(['migrate', '--dir', late, '--url', url]);
    expect(orphan.code).toBe(1);
    expect(orphan.stdout).toMatch(/0003_orphan\.sql is not listed in meta\/_journal\.json/);
  });

  it('stops before applying when the review finds an error, unless silenced or --allow-unsafe', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': INIT, '0001_seed': SEED });
    expect((await dbtool(['migrate', '--dir', dir, '--url', url])).code).toBe(0);
    const unsafe = 'ALTER TABLE "users" ADD COLUMN "must" text NOT NULL;';
    const next = journalFolder({ '0000_init': INIT, '0001_seed': SEED, '0002_unsafe': unsafe });
    const dry = await dbtool(['migrate', '--dir', next, '--url', url, '--dry-run']);
    expect(dry.stdout).toContain('Dry run: 1 migration would be applied');
    expect(dry.stdout).toContain('not-null-column-without-default');
    expect(dry.code).toBe(1);
    const blocked = await dbtool(['migrate', '--dir', next, '--url', url]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('Nothing applied: the review found 1 error-level finding');
    expect((await recorded(url)).length).toBe(2);
    const forced = await dbtool(['migrate', '--dir', next, '--url', url, '--allow-unsafe']);
    expect(forced.code).toBe(1);
    expect(forced.stdout).toContain('SQLSTATE 23502');
  });

  it('on a fresh database, tables earlier pending files create (or rename) are new and empty for later ones', async () => {
    const url = await freshDatabase();
    const later = 'ALTER TABLE "people" ADD COLUMN "plan" text NOT NULL;\n--> statement-breakpoint\nCREATE INDEX "people_email_idx" ON "people" ("email");';
    const dir = journalFolder({ '0000_init': INIT, '0001_rename': 'ALTER TABLE "users" RENAME TO "people";', '0002_later': later });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.stdout).not.toContain('not-null-column-without-default');
    expect(run.code).toBe(0);
    // once applied, the same change against the now existing table is stopped
    const next = journalFolder({
      '0000_init': INIT,
      '0001_rename': 'ALTER TABLE "users" RENAME TO "people";',
      '0002_later': later,
      '0003_more': 'ALTER TABLE "people" ADD COLUMN "tier" text NOT NULL;',
    });
    const blocked = await dbtool(['migrate', '--dir', next, '--url', url]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('not-null-column-without-default');
  });

  it('records the v1 layout with names, as drizzle v1 does', async () => {
    const url = await freshDatabase();
    const dir = v1Folder({ '20250101120000_init': INIT, '20250102120000_seed': SEED });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.code).toBe(0);
    const rows = await withPg(url, async (c) => (await c.query('SELECT hash, created_at, name FROM drizzle.__drizzle_migrations ORDER BY id')).rows);
    expect(rows).toEqual([
      { hash: drizzleHash(INIT), created_at: String(Date.UTC(2025, 0, 1, 12)), name: '20250101120000_init' },
      { hash: drizzleHash(SEED), created_at: String(Date.UTC(2025, 0, 2, 12)), name: '20250102120000_seed' },
    ]);
  });

  it("v1 layout: leaves drizzle-orm 1.0's migrator nothing to do, and picks up where it left off", async () => {
    const url = await freshDatabase();
    const all = { '20250101120000_init': INIT, '20250102120000_seed': SEED, '20250103120000_more': 'ALTER TABLE "users" ADD COLUMN "name" text;' };
    const dir = v1Folder(all);
    // drizzle 1.0 first, seeing only the first two migrations
    const early = v1Folder({ '20250101120000_init': INIT, '20250102120000_seed': SEED });
    await withPg(url, (c) => drizzleV1Migrate(drizzleV1({ client: c }), { migrationsFolder: early }));
    const ours = await dbtool(['migrate', '--dir', dir, '--url', url, '--format', 'json']);
    expect(ours.code).toBe(0);
    expect(JSON.parse(ours.stdout).applied.map((a: { name: string }) => a.name)).toEqual(['20250103120000_more']);
    // then drizzle 1.0 after dbtool: nothing left to run (a second seed would duplicate rows)
    await withPg(url, (c) => drizzleV1Migrate(drizzleV1({ client: c }), { migrationsFolder: dir }));
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n)).toBe(2);
    const rows = await withPg(url, async (c) => (await c.query('SELECT hash, created_at, name FROM drizzle.__drizzle_migrations ORDER BY id')).rows);
    expect(rows.map((r: { name: string }) => r.name)).toEqual(Object.keys(all));
    expect(rows.map((r: { hash: string }) => r.hash)).toEqual(Object.values(all).map(drizzleHash));
    expect((await dbtool(['status', '--dir', dir, '--url', url])).stdout).toContain('3 applied');
  });

  it('v1 layout: a table dbtool created for a 0.31 journal is upgraded the way drizzle-orm 1.0 upgrades it', async () => {
    const url = await freshDatabase();
    const journal = journalFolder({ '0000_init': INIT, '0001_seed': SEED });
    expect((await dbtool(['migrate', '--dir', journal, '--url', url])).code).toBe(0);
    // the same migrations after `drizzle-kit up`: v1 folders named by the journal's timestamps
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/\D/g, '').slice(0, 14);
    const v1 = v1Folder({
      [`${stamp(1700000000000)}_init`]: INIT,
      [`${stamp(1700000001000)}_seed`]: SEED,
      '20250103120000_more': 'ALTER TABLE "users" ADD COLUMN "name" text;',
    });
    const ours = await dbtool(['migrate', '--dir', v1, '--url', url, '--format', 'json']);
    expect(ours.code).toBe(0);
    expect(JSON.parse(ours.stdout).applied.map((a: { name: string }) => a.name)).toEqual(['20250103120000_more']);
    // drizzle 1.0 finds its own shape (named rows) and nothing to run
    await withPg(url, (c) => drizzleV1Migrate(drizzleV1({ client: c }), { migrationsFolder: v1 }));
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n)).toBe(2);
    const names = await withPg(url, async (c) =>
      (await c.query('SELECT name FROM drizzle.__drizzle_migrations ORDER BY id')).rows.map((r: { name: string }) => r.name),
    );
    expect(names).toEqual([`${stamp(1700000000000)}_init`, `${stamp(1700000001000)}_seed`, '20250103120000_more']);
  });

  it('v1 layout: after drizzle-orm 1.0 upgrades a table dbtool filled from a 0.31 journal, dbtool agrees on what ran', async () => {
    const url = await freshDatabase();
    expect((await dbtool(['migrate', '--dir', journalFolder({ '0000_init': INIT, '0001_seed': SEED }), '--url', url])).code).toBe(0);
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/\D/g, '').slice(0, 14);
    const v1 = v1Folder({
      [`${stamp(1700000000000)}_init`]: INIT,
      [`${stamp(1700000001000)}_seed`]: SEED,
      '20250103120000_more': 'ALTER TABLE "users" ADD COLUMN "name" text;',
    });
    // drizzle 1.0 adds name/applied_at, names the rows it recognises, and runs the new migration
    await withPg(url, (c) => drizzleV1Migrate(drizzleV1({ client: c }), { migrationsFolder: v1 }));
    const status = await dbtool(['status', '--dir', v1, '--url', url, '--format', 'json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['applied', 'applied', 'applied']);
    const again = await dbtool(['migrate', '--dir', v1, '--url', url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to apply');
  });

  it('reads lock timeout and retries from the config file, and lists every bad setting', async () => {
    const project = mkdtempSync(join(tmpdir(), 'dbtool-config-'));
    const dir = journalFolder({ '0000_init': INIT }, { parent: project });
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ migrate: { retries: 'many', lockTimeout: '5 parsecs', bogus: 1 } }));
    const bad = await dbtool(['migrate', '--dir', dir, '--url', 'postgres://nobody@127.0.0.1:1/none'], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('migrate: unknown setting "bogus"');
    expect(bad.stderr).toContain('migrate.retries must be a whole number');
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ migrate: { retries: 0, lockTimeout: '5 parsecs' } }));
    const duration = await dbtool(['migrate', '--dir', dir, '--url', 'postgres://nobody@127.0.0.1:1/none'], { cwd: project });
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain('migrate.lockTimeout: "5 parsecs" is not a duration');
  });

  it('never prints the password of the connection URL', async () => {
    const run = await dbtool(['migrate', '--dir', journalFolder({ '0000_init': INIT }), '--url', 'postgres://app:s3cr3t-pw@127.0.0.1:1/app']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot connect to postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/app/);
    expect(`${run.stdout}${run.stderr}`).not.toContain('s3cr3t-pw');
  });
});

describe('dbtool migrate with no database configured', { timeout: 60_000 }, () => {
  it('uses the embedded PGlite database under .dbtool/ and says so', async () => {
    const project = mkdtempSync(join(tmpdir(), 'dbtool-project-'));
    const dir = journalFolder({ '0000_init': INIT, '0001_seed': SEED }, { parent: project });
    const run = await dbtool(['migrate', '--dir', dir], { cwd: project });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('using the embedded PGlite database');
    expect(existsSync(join(project, '.dbtool', 'pglite'))).toBe(true);
    const status = await dbtool(['status', '--dir', dir, '--format', 'json'], { cwd: project });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).counts).toMatchObject({ applied: 2, pending: 0 });
  });

  it('serialises two processes on the same embedded database instead of corrupting it', async () => {
    const project = mkdtempSync(join(tmpdir(), 'dbtool-project-'));
    const dir = journalFolder({ '0000_init': INIT, '0001_seed': SEED }, { parent: project });
    const runs = await Promise.all([1, 2].map(() => dbtool(['migrate', '--dir', dir, '--format', 'json'], { cwd: project })));
    expect(runs.map((r) => r.code)).toEqual([0, 0]);
    const applied = runs.flatMap((r) => JSON.parse(r.stdout).applied.map((a: { name: string }) => a.name)).sort();
    expect(applied).toEqual(['0000_init', '0001_seed']);
    expect(existsSync(join(project, '.dbtool', 'pglite.lock'))).toBe(false);
  });
});
