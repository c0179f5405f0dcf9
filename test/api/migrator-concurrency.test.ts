/**
 * The "done when": an app that swapped drizzle-orm's migrate for dbtool/migrator's gets the CLI's
 * guarantees. The concurrency and lock-timeout scenarios of test/migrate run here through the packed
 * package: several node processes, each an app calling migrate() on its own pg Pool, on PostgreSQL 18.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drizzleHash } from '../../src/migrate/local.js';
import { freshDatabase, journalFolder, stopSharedServer, withPg } from '../migrate/helpers.js';
import type { PackedApp } from './packed-app.js';
import { packApp } from './packed-app.js';

let packed: PackedApp;

beforeAll(() => {
  packed = packApp();
  // an app's deploy step: import { migrate } from 'drizzle-orm/node-postgres/migrator' swapped for dbtool's
  writeFileSync(
    join(packed.dir, 'deploy.mjs'),
    `
import { migrate, MigrationError } from 'dbtool/migrator';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';

const [url, folder, lockTimeout, retries] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, application_name: 'deploy' });
const events = [];
try {
  const result = await migrate(drizzle(pool), { migrationsFolder: folder, lockTimeout, retries: Number(retries), onEvent: (e) => events.push(e.type) });
  console.log(JSON.stringify({ applied: result.applied.map((a) => a.name), waitedMs: result.waitedMs, events }));
} catch (e) {
  console.log(JSON.stringify({ error: e.name, isMigrationError: e instanceof MigrationError, sqlstate: e.sqlstate, migration: e.migration, attempts: e.attempts,
    blockers: e.blockers?.map((b) => ({ application: b.application, state: b.state, query: b.query })), message: e.message, events }));
} finally {
  await pool.end();
}
`,
  );
}, 120_000);

afterAll(async () => {
  await stopSharedServer();
  packed?.remove();
});

const FILES: Record<string, string> = {
  '0000_init': `CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);\n--> statement-breakpoint\nINSERT INTO "users" ("email") SELECT 'u' || g || '@example.com' FROM generate_series(1, 2000) g;`,
  '0001_name': 'ALTER TABLE "users" ADD COLUMN "name" text;',
  '0002_index': 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");',
  '0003_flag': 'ALTER TABLE "users" ADD COLUMN "flag" boolean DEFAULT false;',
  '0004_seed': `INSERT INTO "users" ("email") VALUES ('late@example.com');`,
};

describe('dbtool/migrator under concurrency and locks (PostgreSQL 18, packed package)', { timeout: 240_000 }, () => {
  it('6 app processes migrate at once on a folder with a CONCURRENTLY build: all succeed, every file applied and recorded once, the index valid', async () => {
    const dir = journalFolder(FILES);
    const url = await freshDatabase();
    const runs = await Promise.all(Array.from({ length: 6 }, () => packed.nodeAsync('deploy.mjs', [url, dir, '5s', '5'])));
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    const reports = runs.map((r) => JSON.parse(r.stdout) as { applied?: string[]; error?: string; events: string[] });
    expect(reports.filter((r) => r.error)).toEqual([]);
    // the runs did overlap: some waited for another's migration lock
    expect(reports.filter((r) => r.events.includes('waiting')).length).toBeGreaterThan(0);
    expect(reports.flatMap((r) => r.applied ?? []).sort()).toEqual(Object.keys(FILES));
    await withPg(url, async (c) => {
      expect((await c.query('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).rows.map((r) => r.hash)).toEqual(
        Object.values(FILES).map(drizzleHash),
      );
      expect(
        (await c.query("SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'users_email_idx'")).rows,
      ).toEqual([{ valid: true }]);
      expect((await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n).toBe(2001);
    });
  });

  it('a lock held by another session: retries with back-off, then a MigrationError 55P03 naming the blocker; with more retries it goes through once the lock is released', async () => {
    const url = await freshDatabase();
    const init = { '0000_init': FILES['0000_init']! };
    expect(JSON.parse(packed.node('deploy.mjs', [url, journalFolder(init), '5s', '5']).stdout)).toMatchObject({ applied: ['0000_init'] });
    const next = journalFolder({ ...init, '0001_name': FILES['0001_name']! });
    await withPg(url, async (blocker) => {
      await blocker.query("SET application_name = 'report-job'");
      await blocker.query('BEGIN');
      await blocker.query('SELECT count(*) FROM users');
      const failed = JSON.parse((await packed.nodeAsync('deploy.mjs', [url, next, '100ms', '2'])).stdout);
      expect(failed).toMatchObject({ error: 'MigrationError', isMigrationError: true, sqlstate: '55P03', migration: '0001_name', attempts: 3 });
      expect(failed.events.filter((e: string) => e === 'lock-retry')).toHaveLength(2);
      expect(failed.blockers).toEqual([
        expect.objectContaining({ application: 'report-job', state: 'idle in transaction', query: 'SELECT count(*) FROM users' }),
      ]);
      expect(
        await withPg(
          url,
          async (c) =>
            (await c.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'")).rows[0].n,
        ),
      ).toBe(0);

      const succeeding = packed.nodeAsync('deploy.mjs', [url, next, '100ms', '8']);
      // release only once the run has waited on the lock (a loaded machine may start it late)
      await withPg(url, async (watcher) => {
        for (let i = 0; i < 1500; i++) {
          const { rows } = await watcher.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'deploy' AND wait_event_type = 'Lock'");
          if (rows.length > 0) return;
          await new Promise((r) => setTimeout(r, 20));
        }
        throw new Error('the run never waited for the lock');
      });
      await new Promise((r) => setTimeout(r, 300));
      await blocker.query('COMMIT');
      const ok = JSON.parse((await succeeding).stdout);
      expect(ok).toMatchObject({ applied: ['0001_name'] });
      expect(ok.events).toContain('lock-retry');
    });
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0].n)).toBe(2);
  });
});
