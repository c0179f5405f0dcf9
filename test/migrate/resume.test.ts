import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { drizzleHash } from '../../src/migrate/local.js';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, withPg } from './helpers.js';

afterAll(stopSharedServer);

const INIT = `CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);\n--> statement-breakpoint\nINSERT INTO "users" ("email") SELECT 'u' || g || '@example.com' FROM generate_series(1, 200) g;`;
const CIC = 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email");';
/** three steps: a transaction, the index build alone, a transaction */
const THREE_STEPS = `ALTER TABLE "users" ADD COLUMN "nick" text;\n--> statement-breakpoint\n${CIC}\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "after" text;`;

const STACK = /\n\s+at /;

async function recorded(url: string): Promise<string[]> {
  return withPg(url, async (c) => (await c.query('SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id')).rows.map((r) => r.hash));
}

async function indexes(url: string): Promise<Array<{ name: string; valid: boolean; def: string }>> {
  return withPg(
    url,
    async (c) =>
      (
        await c.query(
          `SELECT c.relname AS name, i.indisvalid AS valid, pg_get_indexdef(c.oid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = 'public.users'::regclass AND NOT i.indisprimary ORDER BY 1`,
        )
      ).rows,
  );
}

async function columns(url: string): Promise<string[]> {
  return withPg(url, async (c) =>
    (await c.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY 1")).rows.map((r) => r.column_name),
  );
}

/**
 * Waits until a dbtool session runs a query matching `like` and waits for a lock (from a session of its
 * own: inside a transaction, pg_stat_activity keeps showing what it showed first).
 */
async function waitForLockWait(url: string, like: string): Promise<number> {
  return withPg(url, async (watcher) => {
    for (let i = 0; i < 500; i++) {
      const { rows } = await watcher.query(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'dbtool' AND wait_event_type = 'Lock' AND query LIKE $1",
        [like],
      );
      if (rows.length > 0) return Number(rows[0].pid);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no dbtool session waited for a lock in ${like}`);
  });
}

/** Applies the first migration, then returns a folder with it and `next`. */
async function initialised(url: string, next: Record<string, string>): Promise<string> {
  expect((await dbtool(['migrate', '--dir', journalFolder({ '0000_init': INIT }), '--url', url])).code).toBe(0);
  return journalFolder({ '0000_init': INIT, ...next });
}

/**
 * Runs `start` while another session keeps a snapshot open, which CREATE INDEX CONCURRENTLY waits for
 * once it has built the index; when the build waits, locks `bookkeeping` in ACCESS EXCLUSIVE mode (in
 * `holder`, left open) and ends the snapshot, so the build finishes and recording it is what waits.
 */
async function buildThenBlockRecording(
  url: string,
  holder: pg.Client,
  bookkeeping: string,
  start: () => ReturnType<typeof dbtool>,
): Promise<{ run: ReturnType<typeof dbtool> }> {
  return withPg(url, async (gate) => {
    await gate.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await gate.query('SELECT 1');
    const started = start();
    await waitForLockWait(url, 'CREATE INDEX CONCURRENTLY%');
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE ${bookkeeping} IN ACCESS EXCLUSIVE MODE`);
    await gate.query('COMMIT');
    // wrapped: returning the promise itself would wait for the run to end
    return { run: started };
  });
}

describe('non-transactional steps resume after an unrecorded success (PostgreSQL 18)', { timeout: 60_000 }, () => {
  it('a CONCURRENTLY build whose recording timed out on a locked migrations table is recorded, not rebuilt, by the next run', async () => {
    const url = await freshDatabase();
    const dir = await initialised(url, { '0001_index': CIC });
    const failed = await withPg(url, async (holder) => {
      await holder.query("SET application_name = 'table-locker'");
      const { run } = await buildThenBlockRecording(url, holder, 'drizzle.__drizzle_migrations', () =>
        dbtool(['migrate', '--dir', dir, '--url', url, '--lock-timeout', '2s', '--retries', '1']),
      );
      const result = await run;
      await holder.query('COMMIT');
      return result;
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('SQLSTATE 55P03');
    // the retry did not try to build the index again (that fails with 42P07)
    expect(failed.stdout).not.toContain('42P07');
    expect(failed.stdout).toMatch(/gave up after 2 attempts/);
    // the wait on drizzle's table is reported like a wait on a user table: who blocked it
    expect(failed.stdout).toMatch(/blocked by pid \d+ \(table-locker, user postgres, idle in transaction/);
    expect(failed.stdout).toContain('ran outside a transaction and completed, but recording it failed');
    expect(failed.stdout).not.toContain('was rolled back');
    expect(await indexes(url)).toEqual([{ name: 'users_email_idx', valid: true, def: expect.stringContaining('(email)') }]);
    expect(await recorded(url)).toEqual([drizzleHash(INIT)]);

    const status = await dbtool(['status', '--dir', dir, '--url', url]);
    expect(status.stdout).toMatch(
      /0001_index\s+pending\n\s+step 1 of 1 ran outside a transaction and looks done but unrecorded: index public.users_email_idx exists and is VALID/,
    );

    const rerun = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(rerun.stdout).toContain(
      '0001_index: step 1 of 1 was completed by an earlier run that could not record it (index public.users_email_idx is already built, VALID, with this definition)',
    );
    expect(rerun.code).toBe(0);
    expect(await recorded(url)).toEqual([drizzleHash(INIT), drizzleHash(CIC)]);
    expect((await indexes(url)).map((i) => i.valid)).toEqual([true]);
  });

  it('a recording that waits on a locked migrations table is retried with lock_timeout and succeeds once the lock goes, without building twice', async () => {
    const url = await freshDatabase();
    const dir = await initialised(url, { '0001_index': CIC });
    const run = await withPg(url, async (holder) => {
      await holder.query("SET application_name = 'table-locker'");
      const { run: started } = await buildThenBlockRecording(url, holder, 'drizzle.__drizzle_migrations', () =>
        dbtool(['migrate', '--dir', dir, '--url', url, '--lock-timeout', '1s', '--retries', '6']),
      );
      await waitForLockWait(url, 'DO $dbtool_guard$%');
      // past the first lock timeout and into the watched retry
      await new Promise((r) => setTimeout(r, 1700));
      await holder.query('COMMIT');
      return started;
    });
    expect(run.stdout).toMatch(/0001_index: lock not granted within lock_timeout; retry 1 in 250 ms/);
    expect(run.stdout).not.toContain('42P07');
    expect(run.code).toBe(0);
    expect(await recorded(url)).toEqual([drizzleHash(INIT), drizzleHash(CIC)]);
    expect((await indexes(url)).map((i) => i.valid)).toEqual([true]);
  });

  it('after kill -9 while recording the build (step 2 of 3), status shows the partial progress and the rerun records the index and goes on', async () => {
    const url = await freshDatabase();
    const dir = await initialised(url, { '0001_three': THREE_STEPS });
    await withPg(url, async (holder) => {
      // the progress table exists once a run of a file with several steps started; make it exist first
      await holder.query(
        'CREATE TABLE IF NOT EXISTS drizzle.__dbtool_progress (hash text PRIMARY KEY, name text NOT NULL, units_done integer NOT NULL, updated_at timestamp with time zone NOT NULL DEFAULT now())',
      );
      const { run: victim } = await buildThenBlockRecording(url, holder, 'drizzle.__dbtool_progress', () =>
        dbtool(['migrate', '--dir', dir, '--url', url, '--lock-timeout', '30s']),
      );
      const pid = await waitForLockWait(url, '%dbtool_guard%');
      victim.kill('SIGKILL');
      await victim;
      // the server would only notice the dead client when it next writes to it: end the session as a crash would
      await holder.query('SELECT pg_terminate_backend($1)', [pid]);
      await holder.query('COMMIT');
    });
    // the build finished; its step is not recorded
    expect((await indexes(url)).map((i) => [i.name, i.valid])).toEqual([['users_email_idx', true]]);
    expect(await columns(url)).toEqual(['email', 'id', 'nick']);

    const status = await dbtool(['status', '--dir', dir, '--url', url]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/0001_three\s+pending — partially applied: 1 of 3 steps \(an interrupted run; the next one resumes at step 2\)/);
    const json = JSON.parse((await dbtool(['status', '--dir', dir, '--url', url, '--format', 'json'])).stdout);
    expect(json.migrations[1]).toMatchObject({
      name: '0001_three',
      state: 'pending',
      progress: { stepsDone: 1, steps: 3 },
      unrecordedStep: { step: 2, steps: 3 },
    });

    const rerun = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(rerun.stdout).toContain('0001_three: resuming after 1 completed step');
    expect(rerun.stdout).toContain('0001_three: step 2 of 3 was completed by an earlier run that could not record it');
    expect(rerun.code).toBe(0);
    expect(await columns(url)).toEqual(['after', 'email', 'id', 'nick']);
    expect(await recorded(url)).toEqual([drizzleHash(INIT), drizzleHash(THREE_STEPS)]);
    expect(await withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM drizzle.__dbtool_progress')).rows[0].n)).toBe(0);
    expect((await dbtool(['status', '--dir', dir, '--url', url])).stdout).toContain('2 applied');
  });

  it('accepts an index built by hand with the same definition written differently (qualified, USING btree, casts in the predicate)', async () => {
    const url = await freshDatabase();
    const file = `CREATE UNIQUE INDEX CONCURRENTLY "users_lower_email" ON "users" (lower("email")) WHERE "email" <> '' AND "id" > 0;`;
    const dir = await initialised(url, { '0001_index': file });
    await withPg(url, (c) =>
      c.query("CREATE UNIQUE INDEX users_lower_email ON public.users USING btree (lower(email) text_ops ASC) WHERE ((email <> ''::text) AND (id > 0))"),
    );
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.stdout).toContain('index public.users_lower_email is already built, VALID, with this definition');
    expect(run.code).toBe(0);
    expect(await recorded(url)).toEqual([drizzleHash(INIT), drizzleHash(file)]);
  });

  it('refuses a same-named index with a different definition: exit 1, both definitions named, nothing recorded or dropped', async () => {
    const url = await freshDatabase();
    const file = `ALTER TABLE "users" ADD COLUMN "nick" text;\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email") WHERE "email" IS NOT NULL;`;
    const dir = await initialised(url, { '0001_index': file });
    await withPg(url, (c) => c.query('CREATE INDEX users_email_idx ON users (email)'));
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('0001_index.sql:3:1');
    expect(run.stdout).toContain('index public.users_email_idx already exists with a different definition (SQLSTATE 42P07)');
    expect(run.stdout).toContain(
      [
        '  detail: in the database:       CREATE INDEX users_email_idx ON public.users USING btree (email)',
        '          this statement builds: CREATE INDEX users_email_idx ON public.users USING btree (email) WHERE (email IS NOT NULL)',
      ].join('\n'),
    );
    expect(run.stdout).toContain('DROP INDEX CONCURRENTLY public.users_email_idx');
    expect(run.stdout).toContain('Steps 1–1 of 0001_index are applied and recorded; the next run resumes at step 2.');
    expect(`${run.stdout}${run.stderr}`).not.toMatch(STACK);
    expect(run.stderr).toBe('');
    expect(await recorded(url)).toEqual([drizzleHash(INIT)]);
    expect((await indexes(url)).map((i) => i.def)).toEqual(['CREATE INDEX users_email_idx ON public.users USING btree (email)']);
  });

  it('refuses a same-named index on another table', async () => {
    const url = await freshDatabase();
    const dir = await initialised(url, { '0001_index': CIC });
    await withPg(url, (c) => c.query('CREATE TABLE other (email text); CREATE INDEX users_email_idx ON other (email)'));
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('index public.users_email_idx already exists, on other, not on public.users');
    expect(await recorded(url)).toEqual([drizzleHash(INIT)]);
  });

  it('DROP INDEX CONCURRENTLY of an index an interrupted run already dropped is recorded and the file goes on', async () => {
    const url = await freshDatabase();
    const build = journalFolder({ '0000_init': INIT, '0001_index': CIC });
    expect((await dbtool(['migrate', '--dir', build, '--url', url])).code).toBe(0);
    const drop = `DROP INDEX CONCURRENTLY "users_email_idx";\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "after" text;`;
    const dir = journalFolder({ '0000_init': INIT, '0001_index': CIC, '0002_drop': drop });
    // the drop ran, the run died before recording it
    await withPg(url, (c) => c.query('DROP INDEX users_email_idx'));
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.stdout).toContain('0002_drop: step 1 of 2 was completed by an earlier run that could not record it (index "users_email_idx" is already gone)');
    expect(run.code).toBe(0);
    expect(await columns(url)).toEqual(['after', 'email', 'id']);
    expect((await recorded(url)).length).toBe(3);
  });

  it('a CONCURRENTLY build that fails says what it left behind instead of "rolled back"', async () => {
    const url = await freshDatabase();
    const file = `ALTER TABLE "users" ADD COLUMN "nick" text;\n--> statement-breakpoint\nCREATE UNIQUE INDEX CONCURRENTLY "users_id_mod" ON "users" (("id" % 2));`;
    const dir = await initialised(url, { '0001_index': file });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('SQLSTATE 23505');
    expect(run.stdout).toContain(
      'The statement (step 2 of 2) ran outside a transaction, so nothing was rolled back: a failed concurrent build leaves an INVALID index users_id_mod, which the next run drops and builds again.',
    );
    expect(run.stdout).toContain('Steps 1–1 of 0001_index are applied and recorded; the next run resumes at step 2.');
    expect(run.stdout).not.toContain('0001_index was rolled back');
    const json = JSON.parse((await dbtool(['migrate', '--dir', dir, '--url', url, '--format', 'json'])).stdout);
    expect(json.failure).toMatchObject({ migration: '0001_index', step: 2, steps: 2, inTransaction: false, completedButNotRecorded: false });
  });
});
