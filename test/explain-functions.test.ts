import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcCandidate } from '../src/explain/function-safety.js';
import { judgeProc, refusedByName } from '../src/explain/function-safety.js';
import { checkExplainable } from '../src/explain/guard.js';
import { bodyCalls } from '../src/explain/resolve-functions.js';
import { loadParser } from '../src/review/parse.js';
import { dbtool, freshDatabase, stopSharedServer, withPg } from './migrate/helpers.js';

beforeAll(loadParser);
afterAll(stopSharedServer);

const proc = (p: Partial<ProcCandidate>): ProcCandidate => ({
  oid: 1,
  schema: 'pg_catalog',
  name: 'f',
  kind: 'f',
  volatility: 'i',
  language: 'internal',
  body: undefined,
  ...p,
});

describe('function safety table (pure)', () => {
  it.each([
    ['pg_terminate_backend', /signals another server process/],
    ['pg_cancel_backend', /signals another server process/],
    ['pg_create_logical_replication_slot', /replication slot/],
    ['pg_replication_origin_create', /replication origin/],
    ['pg_stat_reset_shared', /resets statistics/],
    ['dblink_exec', /another connection/],
    ['lo_export', /writes a file/],
    ['pg_read_file', /reads a file/],
    ['pg_ls_dir', /lists files/],
    ['pg_advisory_lock', /session-level advisory lock/],
    ['set_config', /settings/],
    ['nextval', /sequence/],
    ['query_to_xml', /SQL given as text/],
  ])('refuses %s by name', (name, reason) => {
    expect(refusedByName(name)).toMatch(reason);
    expect(judgeProc(proc({ name, volatility: 'v' }))).toMatchObject({ kind: 'refused' });
  });

  it('allows built-ins that are IMMUTABLE/STABLE or known harmless, and refuses unknown VOLATILE built-ins', () => {
    for (const name of ['lower', 'jsonb_build_object', 'now', 'date_trunc']) expect(judgeProc(proc({ name, volatility: 's' })).kind).toBe('safe');
    for (const name of ['random', 'gen_random_uuid', 'clock_timestamp', 'pg_sleep', 'currval', 'pg_relation_size', 'pg_try_advisory_xact_lock', 'pg_notify']) {
      expect(judgeProc(proc({ name, volatility: 'v' })).kind, name).toBe('safe');
    }
    expect(judgeProc(proc({ name: 'gin_clean_pending_list', volatility: 'v' })).kind).toBe('refused');
    expect(judgeProc(proc({ name: 'some_new_volatile_builtin', volatility: 'v' }))).toMatchObject({ kind: 'refused', reason: /VOLATILE built-in/ });
  });

  it('judges user functions by language and volatility', () => {
    const user = (p: Partial<ProcCandidate>) => judgeProc(proc({ schema: 'public', name: 'mine', ...p }));
    expect(user({ language: 'plpgsql', volatility: 'v', body: 'BEGIN END' })).toMatchObject({ kind: 'refused', reason: /VOLATILE PL\/pgSQL/ });
    expect(user({ language: 'plpgsql', volatility: 's', body: 'BEGIN RETURN 1; END' })).toMatchObject({ kind: 'inspect' });
    expect(user({ language: 'sql', volatility: 'v', body: 'SELECT 1' })).toMatchObject({ kind: 'inspect' });
    expect(user({ language: 'plpython3u', volatility: 's' })).toMatchObject({ kind: 'refused', reason: /plpython3u/ });
    expect(user({ language: 'c', volatility: 'i' }).kind).toBe('safe');
    expect(user({ language: 'c', volatility: 'v' })).toMatchObject({ kind: 'refused' });
    expect(user({ language: 'c', volatility: 'v', name: 'uuid_generate_v4' }).kind).toBe('safe');
  });

  it('finds the calls in a PL/pgSQL body and refuses dynamic SQL', () => {
    const found = bodyCalls('plpgsql', 'BEGIN PERFORM pg_catalog.pg_terminate_backend(p); x := "Mixed"(1); RETURN lower(y); END');
    expect('calls' in found && found.calls.map((c) => `${c.schema ?? ''}.${c.name}`)).toEqual(['pg_catalog.pg_terminate_backend', '.Mixed', '.lower']);
    expect(bodyCalls('plpgsql', "BEGIN EXECUTE 'DROP TABLE t'; END")).toMatchObject({ refused: /dynamic SQL/ });
  });

  it('gives every call its line and column', () => {
    const v = checkExplainable('SELECT 1,\n  pg_catalog.pg_terminate_backend(pid) FROM pg_stat_activity');
    expect(v.ok && v.calls).toEqual([{ name: 'pg_terminate_backend', schema: 'pg_catalog', args: 1, line: 2, column: 3 }]);
  });
});

describe('dbtool explain refuses functions a rollback cannot undo (PostgreSQL 18)', { timeout: 120_000 }, () => {
  let url: string;
  const sql = (text: string) => withPg(url, (c) => c.query(text));
  const one = async <T = unknown>(text: string): Promise<T> => (await sql(text)).rows[0]?.v as T;
  const explain = (query: string, ...flags: string[]) => dbtool(['explain', query, '--url', url, '--format', 'json', ...flags]);
  const expectRefused = (run: { code: number | null; stderr: string }, text: RegExp) => {
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(text);
    expect(run.stderr).toContain('--allow-write');
    expect(run.stderr).not.toContain('internal error');
  };

  beforeAll(async () => {
    url = await freshDatabase();
    await sql(`
      CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, g::text FROM generate_series(1, 200) g;
      CREATE TABLE victim (a int); INSERT INTO victim VALUES (1);
      CREATE SEQUENCE s;
      CREATE EXTENSION dblink;
      CREATE FUNCTION purge() RETURNS int LANGUAGE plpgsql AS $$ BEGIN DELETE FROM victim; RETURN 1; END $$;
      CREATE FUNCTION kill_others() RETURNS int LANGUAGE plpgsql STABLE AS $$ BEGIN PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database(); RETURN 1; END $$;
      CREATE FUNCTION reset_stats() RETURNS void LANGUAGE sql STABLE AS $$ SELECT pg_stat_reset() $$;
      CREATE FUNCTION item_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM items $$;
      CREATE FUNCTION wrapper() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT item_count() + (SELECT reset_stats() IS NULL)::int $$;
      CREATE VIEW busy AS SELECT id, purge() AS p FROM items;
      CREATE VIEW counted AS SELECT item_count() AS n;
    `);
  });

  it('refuses pg_terminate_backend and pg_cancel_backend: the other session survives', async () => {
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      const pid = (await other.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      const kill = await explain(`SELECT pg_terminate_backend(${pid})`);
      expectRefused(kill, /pg_terminate_backend\(\) can act outside the rolled-back transaction \(signals another server process.*\(line 1, column 8\)/);
      expectRefused(await explain(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = ${pid}`), /pg_cancel_backend\(\)/);
      expect((await other.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
    } finally {
      await other.end();
    }
  });

  it('refuses replication slots, stats resets, session advisory locks, set_config, large objects and server files; none happened', async () => {
    const resetBefore = await one<string>("SELECT coalesce(stats_reset::text, 'never') AS v FROM pg_stat_database WHERE datname = current_database()");
    expectRefused(await explain("SELECT pg_create_physical_replication_slot('dbtool_slot')"), /replication slot/);
    expectRefused(await explain("SELECT * FROM pg_create_logical_replication_slot('dbtool_slot2', 'test_decoding')"), /replication slot/);
    expectRefused(await explain('SELECT pg_stat_reset()'), /pg_stat_reset\(\).*resets statistics/);
    expectRefused(await explain('SELECT pg_advisory_lock(42)'), /session-level advisory lock/);
    expectRefused(await explain("SELECT set_config('statement_timeout', '0', false)"), /set_config\(\)/);
    expectRefused(await explain("SELECT lo_from_bytea(0, 'x')"), /large object/);
    expectRefused(await explain("SELECT pg_read_file('postgresql.conf')"), /reads a file/);
    expectRefused(await explain('SELECT pg_reload_conf()'), /reload/);
    expect(await one<number>('SELECT count(*)::int AS v FROM pg_replication_slots')).toBe(0);
    expect(await one<string>("SELECT coalesce(stats_reset::text, 'never') AS v FROM pg_stat_database WHERE datname = current_database()")).toBe(resetBefore);
    expect(await one<number>("SELECT count(*)::int AS v FROM pg_locks WHERE locktype = 'advisory'")).toBe(0);
    expect(await one<number>('SELECT count(*)::int AS v FROM pg_largeobject_metadata')).toBe(0);
  });

  it('refuses dblink, qualified or not: the table it would drop is still there', async () => {
    const conn = `dbname=${new URL(url).pathname.slice(1)} host=${new URL(url).hostname} port=${new URL(url).port} user=postgres`;
    expectRefused(await explain(`SELECT dblink_exec('${conn}', 'DROP TABLE victim')`), /dblink_exec\(\) can act outside/);
    expectRefused(await explain(`SELECT * FROM public.dblink('${conn}', 'SELECT 1') AS t(a int)`), /dblink\(\)/);
    expect(await one<number>('SELECT count(*)::int AS v FROM victim')).toBe(1);
  });

  it('follows user functions: VOLATILE PL/pgSQL refused, bodies and views inspected, readers allowed', async () => {
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      expectRefused(await explain('SELECT purge()'), /purge\(\) can act outside the rolled-back transaction \(a VOLATILE PL\/pgSQL function/);
      // STABLE is a promise PostgreSQL does not check: the body is scanned
      expectRefused(await explain('SELECT kill_others()'), /kill_others\(\) → pg_terminate_backend\(\) can act outside/);
      expectRefused(await explain('SELECT wrapper()'), /wrapper\(\) → reset_stats\(\) → pg_stat_reset\(\)/);
      expectRefused(await explain('SELECT * FROM busy WHERE id < 3'), /view busy → purge\(\).*\(line 1, column 15\)/);
      expect((await other.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
      expect(await one<number>('SELECT count(*)::int AS v FROM victim')).toBe(1);
    } finally {
      await other.end();
    }
    const reader = await explain('SELECT item_count(), n FROM counted');
    expect(reader.code, reader.stderr).toBe(0);
    expect(JSON.parse(reader.stdout).nodes.length).toBeGreaterThan(0);
  });

  it('explains everyday functions: string, date, json, aggregates, windows, random uuids', async () => {
    const run = await explain(
      `SELECT lower(v), upper(v), length(v), now(), date_trunc('day', now()), coalesce(v, 'x'), jsonb_build_object('id', id),
      gen_random_uuid(), random(), count(*) OVER (), row_number() OVER (ORDER BY id), string_agg(v, ',') OVER (), to_char(now(), 'YYYY'),
      extract(year FROM now()), substring(v FROM 1 FOR 2), greatest(id, 3), abs(id), round(id / 3.0, 2), array_agg(id) OVER ()
      FROM items WHERE v LIKE $1`,
      '--param',
      '1%',
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('--allow-write really runs nextval() (read-write, rolled back) and says what stays', async () => {
    expectRefused(await explain("SELECT nextval('s')"), /nextval\(\) can act outside the rolled-back transaction \(advances a sequence/);
    expect(await one<boolean>('SELECT is_called AS v FROM s')).toBe(false);
    const run = await explain("SELECT nextval('s')", '--allow-write');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('--allow-write: nextval() can act outside');
    expect(await one<boolean>('SELECT is_called AS v FROM s')).toBe(true);
  });

  it('--no-analyze plans a VOLATILE call without refusing it: the planner never runs one', async () => {
    const run = await explain("SELECT nextval('s'), purge()", '--no-analyze');
    expect(run.code, run.stderr).toBe(0);
    expect(await one<number>('SELECT count(*)::int AS v FROM victim')).toBe(1);
  });
});

describe('dbtool explain sends user SQL so the server reads it as dbtool did (PostgreSQL 18)', { timeout: 60_000 }, () => {
  let url: string;
  beforeAll(async () => {
    url = await freshDatabase();
    await withPg(url, async (c) => {
      await c.query('CREATE TABLE victim (a int); INSERT INTO victim VALUES (1); CREATE TABLE items (id int PRIMARY KEY, v text)');
      await c.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET standard_conforming_strings = off`);
    });
  });
  const victimExists = () => withPg(url, async (c) => (await c.query("SELECT to_regclass('victim') IS NOT NULL AS v")).rows[0].v as boolean);

  it('a backslash-quote under standard_conforming_strings=off cannot smuggle a second statement through --no-analyze', async () => {
    // one statement to dbtool's parser; three to a server lexing with standard_conforming_strings off
    const run = await dbtool(['explain', "SELECT $1::int AS a, 'x\\''; COMMIT; DROP TABLE victim; --'", '--no-analyze', '--url', url, '--format', 'json']);
    expect(run.stderr).not.toContain('internal error');
    expect(await victimExists()).toBe(true);
    // explained as the one statement dbtool checked
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).nodes[0].label).toBe('Result');
  });

  it('generic plans keep $n unbound (gaps included) and leave no prepared statement or transaction behind', async () => {
    const run = await dbtool(['explain', 'SELECT * FROM items WHERE id = $1 AND v > $3', '--no-analyze', '--url', url, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(JSON.stringify(report)).toContain('$3');
    expect(report.genericPlan).toBe(true);
    const limit = await dbtool(['explain', 'SELECT * FROM items LIMIT $1', '--no-analyze', '--url', url, '--format', 'json']);
    expect(limit.code, limit.stderr).toBe(0);
    // a NULL bound for $1 would have removed the Limit node
    expect(JSON.parse(limit.stdout).nodes[0].label).toBe('Limit');
    expect(JSON.stringify(JSON.parse(limit.stdout))).not.toContain('force_generic_plan');
  });
});
