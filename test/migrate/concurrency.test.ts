import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { advisoryKey, DEFAULT_BOOKKEEPING } from '../../src/migrate/bookkeeping.js';
import { drizzleHash } from '../../src/migrate/local.js';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, withPg } from './helpers.js';

afterAll(stopSharedServer);

const STACK = /\n\s+at /;

const FILES: Record<string, string> = {
  '0000_init': `CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);\n--> statement-breakpoint\nINSERT INTO "users" ("email") SELECT 'u' || g || '@example.com' FROM generate_series(1, 2000) g;`,
  '0001_name': 'ALTER TABLE "users" ADD COLUMN "name" text;',
  '0002_index': 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");',
  '0003_flag': 'ALTER TABLE "users" ADD COLUMN "flag" boolean DEFAULT false;',
  '0004_seed': `INSERT INTO "users" ("email") VALUES ('late@example.com');`,
};

describe('concurrent dbtool migrate runs (PostgreSQL 18)', { timeout: 120_000 }, () => {
  it('10 runs at once on a folder with a CONCURRENTLY build: all exit 0, every file recorded once, the index valid (3 rounds)', async () => {
    const dir = journalFolder(FILES);
    for (let round = 0; round < 3; round++) {
      const url = await freshDatabase();
      const runs = await Promise.all(Array.from({ length: 10 }, () => dbtool(['migrate', '--dir', dir, '--url', url, '--format', 'json'])));
      for (const run of runs) {
        expect(`${run.stdout}${run.stderr}`).not.toContain('internal error');
        expect(`${run.stdout}${run.stderr}`).not.toMatch(STACK);
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
      }
      const applied = runs.flatMap((r) => JSON.parse(r.stdout).applied.map((a: { name: string }) => a.name)).sort();
      expect(applied).toEqual(Object.keys(FILES));
      const rows = await withPg(url, async (c) => (await c.query('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).rows.map((r) => r.hash));
      expect(rows).toEqual(Object.values(FILES).map(drizzleHash));
      const index = await withPg(
        url,
        async (c) =>
          (await c.query("SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'users_email_idx'")).rows,
      );
      expect(index).toEqual([{ valid: true }]);
      expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n)).toBe(2001);
    }
  });

  it('gives up after --lock-wait with exit 2, naming the session that holds the migration lock', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': FILES['0000_init']! });
    await withPg(url, async (other) => {
      await other.query("SET application_name = 'deploy-7'");
      await other.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey(DEFAULT_BOOKKEEPING)]);
      const pid = (await other.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const started = Date.now();
      const run = await dbtool(['migrate', '--dir', dir, '--url', url, '--lock-wait', '1500ms']);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      expect(run.code).toBe(2);
      expect(run.stdout).toContain(`another migration run holds the lock (pid ${pid}, deploy-7); waiting for it to finish (at most 1.5 s, --lock-wait)`);
      expect(run.stderr).toMatch(
        new RegExp(`error: another migration run still holds the migration lock after 1\\.\\d s: pid ${pid} \\(deploy-7\\)\\. Nothing was applied\\.`),
      );
      expect(run.stderr).toContain(`pg_terminate_backend(${pid})`);
      expect(run.stderr).not.toMatch(STACK);
      // the same limit from dbtool.config.json's migrate section
      const project = mkdtempSync(join(tmpdir(), 'dbtool-lockwait-'));
      const inProject = journalFolder({ '0000_init': FILES['0000_init']! }, { parent: project });
      writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ migrate: { lockWait: '300ms' } }));
      const configured = await dbtool(['migrate', '--dir', inProject, '--url', url], { cwd: project });
      expect(configured.code).toBe(2);
      expect(configured.stdout).toContain('(at most 300 ms, --lock-wait)');
      // while waiting, the run held no transaction open (a snapshot would stall CREATE INDEX CONCURRENTLY elsewhere)
      expect(await withPg(url, async (c) => (await c.query("SELECT to_regclass('public.users')::text AS t")).rows[0].t)).toBeNull();
    });
  });

  it('a waiting run whose session is terminated ends with exit 2 and a message, not an internal error', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': FILES['0000_init']! });
    await withPg(url, async (other) => {
      await other.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey(DEFAULT_BOOKKEEPING)]);
      const waiter = dbtool(['migrate', '--dir', dir, '--url', url, '--lock-wait', '30s']);
      for (let i = 0; i < 300; i++) {
        const { rows } = await other.query(
          "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = 'dbtool' AND query LIKE '%advisory_lock%'",
        );
        if (rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const run = await waiter;
      expect(`${run.stdout}${run.stderr}`).not.toContain('internal error');
      expect(`${run.stdout}${run.stderr}`).not.toMatch(STACK);
      expect(run.stderr).toMatch(
        /^error: (the database refused dbtool's own bookkeeping: terminating connection due to administrator command \(SQLSTATE 57P01\)|lost the database connection)/m,
      );
      expect(run.code).toBe(2);
    });
  });

  it('a waiting run keeps no snapshot open: a CONCURRENTLY build in the lock holder does not wait for it', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({ '0000_init': FILES['0000_init']! });
    expect((await dbtool(['migrate', '--dir', dir, '--url', url])).code).toBe(0);
    await withPg(url, async (other) => {
      await other.query('SELECT pg_advisory_lock($1::bigint)', [advisoryKey(DEFAULT_BOOKKEEPING)]);
      const waiter = dbtool(['migrate', '--dir', dir, '--url', url, '--lock-wait', '30s']);
      await withPg(url, async (watcher) => {
        for (let i = 0; i < 300; i++) {
          const { rows } = await watcher.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'dbtool' AND query LIKE 'SELECT pg_try_advisory_lock%'",
          );
          if (rows.length > 0) return;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error('the second run never polled for the lock');
      });
      // as the holding run would: with a waiter around, the build must not wait for the waiter's snapshot
      await other.query("SET lock_timeout = '3s'");
      await other.query('CREATE INDEX CONCURRENTLY users_email_idx ON users (email)');
      await other.query('SELECT pg_advisory_unlock_all()');
      const run = await waiter;
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Nothing to apply');
    });
  });

  it('a migration that releases the advisory lock (pg_advisory_unlock_all) does not let a concurrent run apply a file twice', async () => {
    const url = await freshDatabase();
    const files = {
      '0000_init': 'CREATE TABLE "log" ("file" text NOT NULL);',
      '0001_release': `INSERT INTO "log" VALUES ('0001');\n--> statement-breakpoint\nSELECT pg_advisory_unlock_all();\n--> statement-breakpoint\nSELECT pg_sleep(1.5);`,
      '0002_next': `INSERT INTO "log" VALUES ('0002');`,
    };
    const dir = journalFolder(files);
    const first = dbtool(['migrate', '--dir', dir, '--url', url, '--format', 'json']);
    await withPg(url, async (watcher) => {
      for (let i = 0; i < 300; i++) {
        const { rows } = await watcher.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'dbtool' AND query LIKE 'SELECT pg_sleep(1.5)%'");
        if (rows.length > 0) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('the first run never reached pg_sleep');
    });
    // the first run released the lock inside 0001_release and has not committed it: a second run starts now
    const second = dbtool(['migrate', '--dir', dir, '--url', url, '--format', 'json']);
    const runs = [await first, await second];
    for (const run of runs) {
      expect(`${run.stdout}${run.stderr}`).not.toMatch(STACK);
      expect(`${run.stdout}${run.stderr}`).not.toContain('internal error');
    }
    const log = await withPg(url, async (c) => (await c.query('SELECT file FROM log ORDER BY file')).rows.map((r) => r.file));
    const hashes = await withPg(url, async (c) => (await c.query('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).rows.map((r) => r.hash));
    // whatever each run reports, nothing was applied or recorded twice
    expect(new Set(log).size).toBe(log.length);
    expect(new Set(hashes).size).toBe(hashes.length);
    const reports = runs.map((r) => JSON.parse(r.stdout));
    const failed = reports.filter((r) => r.failure || r.stopped);
    for (const r of failed) {
      expect(`${r.failure?.message ?? ''}${r.stopped?.message ?? ''}`).toMatch(/migration lock|another dbtool migrate run recorded/);
    }
    // a rerun finishes the folder, and still nothing is doubled
    const rerun = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(rerun.code).toBe(0);
    expect(await withPg(url, async (c) => (await c.query('SELECT file FROM log ORDER BY file')).rows.map((r) => r.file))).toEqual(['0001', '0002']);
    expect(await withPg(url, async (c) => (await c.query('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).rows.map((r) => r.hash))).toEqual(
      Object.values(files).map(drizzleHash),
    );
  });

  it('a migration that released the lock cannot commit once another session holds it: rolled back, exit 1, the holder named', async () => {
    const url = await freshDatabase();
    const files = {
      '0000_init': 'CREATE TABLE "log" ("file" text NOT NULL);',
      '0001_release': `INSERT INTO "log" VALUES ('0001');\n--> statement-breakpoint\nSELECT pg_advisory_unlock_all();\n--> statement-breakpoint\nSELECT pg_sleep(1);`,
      '0002_next': `INSERT INTO "log" VALUES ('0002');`,
    };
    const dir = journalFolder(files);
    await withPg(url, async (other) => {
      await other.query("SET application_name = 'deploy-b'");
      const run = dbtool(['migrate', '--dir', dir, '--url', url]);
      // once the run sleeps, it no longer holds the lock: another deploy takes it
      let taken = false;
      for (let i = 0; i < 300 && !taken; i++) {
        const { rows } = await other.query(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = 'dbtool' AND state = 'active' AND query LIKE 'SELECT pg_sleep(1)%'",
        );
        if (rows.length > 0) taken = (await other.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [advisoryKey(DEFAULT_BOOKKEEPING)])).rows[0].ok;
        else await new Promise((r) => setTimeout(r, 20));
      }
      expect(taken).toBe(true);
      const pid = (await other.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      const failed = await run;
      expect(failed.code).toBe(1);
      expect(failed.stdout).toContain(
        `dbtool's migration lock was released while 0001_release ran (a statement such as pg_advisory_unlock_all() or DISCARD ALL releases it), and another session (pid ${pid}) holds it now (SQLSTATE 55000)`,
      );
      expect(failed.stdout).toContain('0001_release was rolled back');
      expect(failed.stdout).not.toMatch(STACK);
      expect(await withPg(url, async (c) => (await c.query('SELECT file FROM log')).rows)).toEqual([]);
      expect((await withPg(url, async (c) => (await c.query('SELECT hash FROM drizzle.__drizzle_migrations')).rows)).length).toBe(1);
      await other.query('SELECT pg_advisory_unlock_all()');
    });
    const rerun = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(rerun.code).toBe(0);
    expect(await withPg(url, async (c) => (await c.query('SELECT file FROM log ORDER BY file')).rows.map((r) => r.file))).toEqual(['0001', '0002']);
  });

  it('DISCARD ALL in a migration (run alone, outside a transaction) does not lose the lock for the rest of the run', async () => {
    const url = await freshDatabase();
    const files = {
      '0000_init': 'CREATE TABLE "log" ("file" text NOT NULL);',
      '0001_discard': 'DISCARD ALL;',
      '0002_next': `INSERT INTO "log" VALUES ('0002');`,
    };
    const run = await dbtool(['migrate', '--dir', journalFolder(files), '--url', url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✔ 0002_next');
    expect((await withPg(url, async (c) => (await c.query('SELECT hash FROM drizzle.__drizzle_migrations')).rows)).length).toBe(3);
  });
});
