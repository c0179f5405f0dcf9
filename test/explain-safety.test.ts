import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../src/db/connect.js';
import { openSession } from '../src/db/connect.js';
import { checkExplainable } from '../src/explain/guard.js';
import type { ExplainRequest } from '../src/explain/run.js';
import { explainOn } from '../src/explain/run.js';
import { loadParser } from '../src/review/parse.js';
import { dbtool, freshDatabase, stopSharedServer, withPg } from './migrate/helpers.js';

beforeAll(loadParser);
afterAll(stopSharedServer);

describe('checkExplainable', () => {
  it.each([
    ['SELECT 1; SELECT 2', /2 statements given/],
    ['COMMIT; DELETE FROM t', /2 statements given/],
    ['COMMIT', /transaction or session control/],
    ['SET statement_timeout = 0', /transaction or session control/],
    ['EXPLAIN ANALYZE SELECT 1', /already an EXPLAIN/],
    ['VACUUM t', /VACUUM is not a query/],
    ['CREATE INDEX ON t (a)', /INDEX is not a query/],
    ['SELEC 1', /syntax error/],
    ['-- nothing', /no SQL statement/],
  ])('refuses %s', (sql, reason) => {
    const verdict = checkExplainable(sql);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  it('names writes, including data-modifying CTEs, SELECT INTO and row locks', () => {
    const writes = (sql: string) => {
      const v = checkExplainable(sql);
      return v.ok ? v.writes : ['refused'];
    };
    expect(writes('SELECT * FROM t WHERE a = $1')).toEqual([]);
    expect(writes('DELETE FROM t')).toEqual(['DELETE']);
    expect(writes('WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone')).toEqual(['DELETE in a WITH clause']);
    expect(writes('SELECT * INTO copy FROM t')).toEqual(['SELECT INTO (creates a table)']);
    expect(writes('SELECT * FROM t FOR UPDATE')).toEqual(['SELECT … FOR UPDATE/SHARE (locks rows)']);
    expect(writes('MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN UPDATE SET b = 1')).toEqual(['MERGE']);
  });

  it('counts $n placeholders', () => {
    const v = checkExplainable('SELECT * FROM t WHERE a = $1 AND b > $3');
    expect(v.ok && v.placeholders).toBe(3);
  });
});

const request = (sql: string, extra: Partial<ExplainRequest> = {}): ExplainRequest => {
  const verdict = checkExplainable(sql);
  if (!verdict.ok) throw new Error(verdict.reason);
  return { verdict, params: [], analyze: true, allowWrite: false, statementTimeoutMs: 5000, lockTimeoutMs: 1000, ...extra };
};

/** SAVEPOINT only works inside a transaction block: if it succeeds, something was left open. */
async function openTransactions(session: Session): Promise<string> {
  try {
    await session.exec('SAVEPOINT probe');
  } catch {
    return 'none';
  }
  await session.exec('ROLLBACK');
  return 'open';
}

for (const engine of ['pglite', 'postgres-18'] as const) {
  describe(`explainOn (${engine})`, () => {
    let session: Session;
    beforeAll(async () => {
      session =
        engine === 'pglite'
          ? await openSession({ kind: 'pglite', dataDir: `${await import('node:os').then((os) => os.tmpdir())}/dbtool-explain-${process.pid}`, source: 'test' })
          : await openSession({ kind: 'server', url: await freshDatabase(), source: 'test' });
      await session.exec(
        'DROP TABLE IF EXISTS items; CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, g::text FROM generate_series(1, 500) g; CREATE SEQUENCE IF NOT EXISTS s',
      );
    });
    afterAll(async () => session?.close());

    it('returns an analysed JSON plan with actual rows and leaves nothing open', async () => {
      const out = await explainOn(session, request('SELECT * FROM items WHERE id > $1', { params: [100] }));
      expect(out.ok).toBe(true);
      if (!out.ok) return;
      const root = (out.plan.json as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan;
      expect(root['Actual Rows']).toBe(400);
      expect(out.plan.serverMajor).toBeGreaterThanOrEqual(18);
      expect(await openTransactions(session)).toBe('none');
    });

    it('refuses to write in the read-only transaction unless --allow-write, and rolls the write back', async () => {
      const refused = await explainOn(session, request('DELETE FROM items WHERE id <= 10'));
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error.code).toBe('25006');
      const allowed = await explainOn(session, request('DELETE FROM items WHERE id <= 10', { allowWrite: true }));
      expect(allowed.ok).toBe(true);
      expect((await session.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]!.n).toBe(500);
      const cte = await explainOn(session, request('WITH gone AS (DELETE FROM items RETURNING id) SELECT count(*) FROM gone'));
      expect(cte.ok).toBe(false);
      expect((await session.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]!.n).toBe(500);
      // nextval() advances the sequence for good: refused before anything runs, unless --allow-write
      await expect(explainOn(session, request("SELECT nextval('s')"))).rejects.toThrow(
        /nextval\(\) can act outside the rolled-back transaction \(advances a sequence/,
      );
      const before = (await session.query<{ v: string }>("SELECT last_value::text || '/' || is_called::text AS v FROM s")).rows[0]!.v;
      const allowedNextval = await explainOn(session, request("SELECT nextval('s')", { allowWrite: true }));
      expect(allowedNextval.ok).toBe(true);
      expect((await session.query<{ v: string }>("SELECT last_value::text || '/' || is_called::text AS v FROM s")).rows[0]!.v).not.toBe(before);
    });

    // PGlite runs in this thread and cannot interrupt a running query: timeouts are a server feature
    if (engine !== 'pglite')
      it('cancels a query that outlives the statement timeout and leaves no open transaction', async () => {
        const out = await explainOn(session, request('SELECT pg_sleep(2)', { statementTimeoutMs: 100 }));
        expect(out.ok).toBe(false);
        if (!out.ok) expect(out.error.code).toBe('57014');
        expect(await openTransactions(session)).toBe('none');
      });

    it('gives a generic plan for placeholders without values when not analysing', async () => {
      const out = await explainOn(session, request('SELECT * FROM items WHERE id = $1', { analyze: false }));
      expect(out.ok).toBe(true);
      if (out.ok) expect(out.plan.generic).toBe(true);
      await expect(explainOn(session, request('SELECT * FROM items WHERE id = $1'))).rejects.toThrow(/uses \$1 but no values were given/);
    });
  });
}

describe('dbtool explain (CLI, PostgreSQL 18)', { timeout: 60_000 }, () => {
  const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'explain', 'sort-spill.pg18.json');
  let url: string;
  beforeAll(async () => {
    url = await freshDatabase();
    await withPg(url, (c) => c.query('CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, g::text FROM generate_series(1, 1000) g'));
  });
  const count = () => withPg(url, async (c) => (await c.query('SELECT count(*)::int AS n FROM items')).rows[0].n);

  it('explains a parameterised query and diagnoses it', async () => {
    const run = await dbtool(['explain', 'SELECT * FROM items WHERE v = $1', '--param', '7', '--url', url, '--format', 'json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.server.major).toBe(18);
    expect(report.nodes[0]).toMatchObject({ label: 'Seq Scan on items', actualRows: 1 });
    expect(report.diagnostics.map((d: { id: string }) => d.id)).toEqual([]);
  });

  it('refuses writes without --allow-write, and with it leaves the data as it was', async () => {
    const refused = await dbtool(['explain', 'DELETE FROM items', '--url', url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to run: the statement writes (DELETE)');
    const cte = await dbtool(['explain', 'WITH gone AS (DELETE FROM items RETURNING id) SELECT count(*) FROM gone', '--url', url]);
    expect(cte.code).toBe(2);
    expect(cte.stderr).toContain('DELETE in a WITH clause');
    const allowed = await dbtool(['explain', 'DELETE FROM items', '--url', url, '--allow-write']);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain('sequence values it drew stay used');
    expect(allowed.stdout).toMatch(/^Delete\b.*\n.*Seq Scan on items/m);
    expect(await count()).toBe(1000);
  });

  it('refuses several statements and transaction tricks', async () => {
    for (const sql of ['SELECT 1; SELECT 2', 'COMMIT; DELETE FROM items', 'BEGIN', 'SET statement_timeout = 0']) {
      const run = await dbtool(['explain', sql, '--url', url]);
      expect(run.code, sql).toBe(2);
      expect(run.stderr, sql).toContain('refusing to explain');
    }
    expect(await count()).toBe(1000);
  });

  it('stops a query at the statement timeout with a hint, and leaves no session behind', async () => {
    const run = await dbtool(['explain', 'SELECT pg_sleep(3)', '--url', url, '--statement-timeout', '200ms']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SQLSTATE 57014');
    expect(run.stderr).toContain('--statement-timeout');
    const left = await withPg(url, async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtool'")).rows[0].n);
    expect(left).toBe(0);
  });

  it("takes its timeouts from the config's explain section, flags winning, and lists bad settings", async () => {
    const project = mkdtempSync(join(tmpdir(), 'dbtool-explain-config-'));
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ explain: { statementTimeout: '150ms' } }));
    const fromConfig = await dbtool(['explain', 'SELECT pg_sleep(3)', '--url', url], { cwd: project });
    expect(fromConfig.code).toBe(1);
    expect(fromConfig.stderr).toContain('statement timeout (150ms)');
    const flagWins = await dbtool(['explain', 'SELECT pg_sleep(0.3)', '--url', url, '--statement-timeout', '5s', '--format', 'json'], { cwd: project });
    expect(flagWins.code).toBe(0);
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ explain: { statementTimeout: 'soon', lockTimout: '1s' } }));
    const bad = await dbtool(['explain', 'SELECT 1', '--url', url], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('explain.statementTimeout: "soon" is not a duration');
    expect(bad.stderr).toContain('unknown setting "lockTimout"');
  });

  it('analyses a captured plan with no database, and rejects a file that is not one', async () => {
    const md = await dbtool(['explain', '--plan', FIXTURE, '--format', 'markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('**sort-spill**');
    const missing = await dbtool(['explain', '--plan', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.json: no such file');
  });
});
