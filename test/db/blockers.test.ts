import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, withPg } from '../migrate/helpers.js';

afterAll(stopSharedServer);

const INIT = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);';
const ALTER = 'ALTER TABLE "users" ADD COLUMN "name" text;';

/**
 * A session holds ACCESS EXCLUSIVE on users (so the migration's ALTER TABLE waits), then runs `last`, whose text
 * carries a secret, and stays idle in its transaction; `dbtool migrate` gives up and names the blocker.
 */
async function blockedBy(
  last: (c: pg.Client) => Promise<unknown>,
  format: 'pretty' | 'json',
  release?: (other: pg.Client, pid: number) => Promise<unknown>,
): Promise<{ stdout: string; stderr: string; code: number | null; blockerPid: number }> {
  const url = await freshDatabase();
  expect((await dbtool(['migrate', '--dir', journalFolder({ '0000_init': INIT }), '--url', url])).code).toBe(0);
  const next = journalFolder({ '0000_init': INIT, '0001_alter': ALTER });
  return withPg(url, async (blocker) => {
    await blocker.query("SET application_name = 'secret-job'");
    const blockerPid = Number((await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
    await last(blocker);
    const run = await dbtool(['migrate', '--dir', next, '--url', url, '--lock-timeout', '100ms', '--retries', '2', '--format', format]);
    if (release) await withPg(url, (other) => release(other, blockerPid));
    await blocker.query('ROLLBACK');
    return { ...run, blockerPid };
  });
}

describe('dbtool migrate names who blocks it without printing what they ran', { timeout: 60_000 }, () => {
  it('an idle-in-transaction session whose last statement has a secret literal: pid, application, state, normalised query', async () => {
    for (const format of ['pretty', 'json'] as const) {
      const run = await blockedBy((c) => c.query("SELECT 'sekret-123' AS token, 4242 AS pin FROM users"), format);
      expect(run.code).toBe(1);
      const all = run.stdout + run.stderr;
      expect(all).not.toContain('sekret-123');
      expect(all).not.toContain('4242');
      if (format === 'pretty') {
        expect(run.stdout).toMatch(
          new RegExp(
            `blocked by pid ${run.blockerPid} \\(secret-job, user postgres, idle in transaction, transaction open [\\d.]+s\\): SELECT \\$1 AS token, \\$2 AS pin FROM users`,
          ),
        );
      } else {
        const blockers = JSON.parse(run.stdout).failure.blockers;
        expect(blockers).toEqual([
          expect.objectContaining({
            pid: run.blockerPid,
            application: 'secret-job',
            state: 'idle in transaction',
            query: 'SELECT $1 AS token, $2 AS pin FROM users',
          }),
        ]);
      }
    }
  });

  it('a session that ran ALTER ROLE … PASSWORD: the password is a placeholder', async () => {
    const run = await blockedBy(async (c) => {
      await c.query('CREATE ROLE blocker_role');
      await c.query("ALTER ROLE blocker_role PASSWORD 'sekret-456'");
    }, 'pretty');
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toContain('sekret-456');
    expect(run.stdout).toMatch(new RegExp(`blocked by pid ${run.blockerPid} .*: ALTER ROLE blocker_role PASSWORD \\$1`));
  });

  it('a running statement cut short by track_activity_query_size (it does not parse): only its first keyword', async () => {
    let running: Promise<unknown> = Promise.resolve();
    const run = await blockedBy(
      async (c) => {
        // pg_stat_activity keeps the first 1023 bytes: the padding literal is cut, so the text is not valid SQL
        running = c.query(`SELECT pg_sleep(60), 'sekret-789', '${'x'.repeat(2000)}'`).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 200));
      },
      'json',
      async (c, pid) => {
        await c.query('SELECT pg_cancel_backend($1)', [pid]);
        await running;
      },
    );
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).not.toContain('sekret-789');
    const blockers = JSON.parse(run.stdout).failure.blockers;
    expect(blockers).toEqual([expect.objectContaining({ pid: run.blockerPid, state: 'active', query: 'SELECT …' })]);
  });
});
