/**
 * explain() from the packed tarball, as an application calls it: an ESM consumer and a CommonJS one run by
 * node, a TypeScript one type-checked, on PGlite and on a real PostgreSQL 18 server. Needs dist/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, stopSharedServer, withPg } from '../migrate/helpers.js';
import type { PackedApp } from './packed-app.js';
import { packApp, ROOT } from './packed-app.js';

let packed: PackedApp;

beforeAll(() => {
  packed = packApp();
}, 120_000);

afterAll(async () => {
  await stopSharedServer();
  packed?.remove();
});

const SCHEMA = `CREATE TABLE items (id integer PRIMARY KEY, v integer NOT NULL);
INSERT INTO items SELECT g, g % 100 FROM generate_series(1, 5000) g;
CREATE SEQUENCE s;
CREATE FUNCTION bump() RETURNS integer LANGUAGE plpgsql VOLATILE AS $$ BEGIN UPDATE items SET v = v + 1; RETURN 1; END $$;
ANALYZE items;`;

/** Every outcome as plain data, so the test can compare it; `errorOf` keeps what a caller would branch on. */
const ESM = `
import { explain, ExplainRefusedError, ExplainQueryError, DatabaseError, UsageError } from 'dbtool';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/node-postgres';

const [url, urlWithPassword, schema] = process.argv.slice(2);
const errorOf = (e) => ({ name: e.name, refused: e instanceof ExplainRefusedError, queryError: e instanceof ExplainQueryError,
  database: e instanceof DatabaseError, usage: e instanceof UsageError, reason: e.reason, sqlstate: e.sqlstate, line: e.line, column: e.column,
  functions: e.functions?.map((f) => f.name), writes: e.writes, message: e.message, hint: e.hint });
const attempt = async (run) => { try { const r = await run(); return { ok: true, analyzed: r.analyzed, root: r.nodes[0]?.nodeType }; } catch (e) { return errorOf(e); } };
const summary = (r) => ({ query: r.query, major: r.server.major, analyzed: r.analyzed, genericPlan: r.genericPlan, root: r.plan.Plan['Node Type'],
  nodes: r.nodes.map((n) => n.label), rootRows: r.nodes[0].actualRows, diagnostics: r.diagnostics.map((d) => d.id), totalMs: r.totals.totalMs,
  rendered: r.render({ width: 100 }), colored: r.render({ color: true }).includes('\\u001b['), markdown: r.toMarkdown(), json: r.toJSON() });
const out = {};

// PGlite: the caller's instance, still open afterwards
const lite = new PGlite();
await lite.exec(schema);
out.lite = summary(await explain(lite, 'SELECT * FROM items WHERE v = $1', { params: [7] }));
out.lite.generic = (await explain(lite, 'SELECT * FROM items WHERE id = $1', { analyze: false })).genericPlan;
out.lite.nextval = await attempt(() => explain(lite, "SELECT nextval('s')"));
out.lite.bump = await attempt(() => explain(lite, 'SELECT bump()'));
out.lite.write = await attempt(() => explain(lite, 'DELETE FROM items WHERE id <= 10'));
const warnings = [];
out.lite.allowedWrite = await attempt(() => explain(lite, 'DELETE FROM items WHERE id <= 10', { allowWrite: true, onWarning: (t) => warnings.push(t) }));
out.lite.warnings = warnings;
out.lite.two = await attempt(() => explain(lite, 'SELECT 1; DROP TABLE items'));
out.lite.missing = await attempt(() => explain(lite, 'SELECT *\\nFROM nope'));
await lite.exec('BEGIN');
out.lite.inTransaction = await attempt(() => explain(lite, 'SELECT 1'));
await lite.exec('ROLLBACK');
out.lite.after = (await lite.query("SELECT count(*)::int AS n, sum(v)::int AS total, (SELECT last_value FROM s)::int AS seq, (SELECT is_called FROM s) AS called FROM items")).rows[0];
await lite.close();

// a real server: a pg Pool, a drizzle database, a Client, a connection string
const pool = new pg.Pool({ connectionString: url, max: 2 });
await pool.query(schema);
out.pool = summary(await explain(pool, 'SELECT v, count(*) FROM items GROUP BY v ORDER BY 2 DESC LIMIT 3'));
out.pool.checkedOut = pool.totalCount - pool.idleCount;
out.pool.drizzle = await attempt(() => explain(drizzle(pool), 'SELECT * FROM items WHERE id = $1', { params: ['42'] }));
out.pool.bump = await attempt(() => explain(pool, 'SELECT bump()'));
out.pool.nextval = await attempt(() => explain(pool, "SELECT nextval('s')"));
out.pool.write = await attempt(() => explain(pool, 'UPDATE items SET v = 0'));
out.pool.timeout = await attempt(() => explain(pool, 'SELECT pg_sleep(2)', { statementTimeout: '100ms' }));
// another session holds the table: the lock timeout gives up, the session goes back to the pool
const holder = await pool.connect();
await holder.query('BEGIN');
await holder.query('LOCK TABLE items IN ACCESS EXCLUSIVE MODE');
out.pool.locked = await attempt(() => explain(url, 'SELECT count(*) FROM items', { lockTimeout: '200ms' }));
await holder.query('ROLLBACK');
holder.release();
out.pool.badOption = await attempt(() => explain(pool, 'SELECT 1', { statementTimeout: 'soon' }));
out.pool.after = (await pool.query("SELECT count(*)::int AS n, sum(v)::int AS total, (SELECT is_called FROM s) AS called FROM items")).rows[0];
out.pool.settings = (await pool.query("SELECT current_setting('statement_timeout') AS st, current_setting('lock_timeout') AS lt")).rows[0];
await pool.end();

// a Client inside the caller's transaction is refused, and the transaction survives
const client = new pg.Client({ connectionString: url });
await client.connect();
await client.query('BEGIN');
await client.query('INSERT INTO items VALUES (100000, 1)');
out.client = { inTransaction: await attempt(() => explain(client, 'SELECT 1')) };
await client.query('COMMIT');
out.client.kept = (await client.query('SELECT count(*)::int AS n FROM items WHERE id = 100000')).rows[0].n;
out.client.ok = await attempt(() => explain(client, 'SELECT count(*) FROM items'));
await client.end();

// a connection string: opened and closed by explain; its password never shows
out.url = { missing: await attempt(() => explain(urlWithPassword, 'SELECT * FROM nope')) };
out.url.unreachable = await attempt(() => explain('postgres://app:hunter2-secret@127.0.0.1:1/app?connect_timeout=2', 'SELECT 1'));
console.log(JSON.stringify(out));
`;

const CJS = `
const { explain, ExplainRefusedError, ExplainQueryError } = require('dbtool');
const { PGlite } = require('@electric-sql/pglite');
(async () => {
  const lite = new PGlite();
  await lite.exec('CREATE TABLE t (id integer PRIMARY KEY)');
  const r = await explain(lite, 'SELECT * FROM t WHERE id = $1', { params: [1] });
  let refused;
  try { await explain(lite, 'INSERT INTO t VALUES (1)'); } catch (e) { refused = [e instanceof ExplainRefusedError, e.reason]; }
  await lite.close();
  console.log(JSON.stringify({ analyzed: r.analyzed, root: r.nodes[0].nodeType, refused, queryError: typeof ExplainQueryError }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

const TYPED = `
import { explain, ExplainRefusedError, ExplainQueryError } from 'dbtool';
import type { ExplainResult, ExplainOptions, Diagnostic, NodeMetrics, RawExplain, RefusedFunction } from 'dbtool';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/node-postgres';

export async function all(url: string): Promise<void> {
  const options: ExplainOptions = { params: [42, 'x', null], analyze: true, allowWrite: false, statementTimeout: '30s', lockTimeout: 2000, onWarning: (t) => console.warn(t) };
  const pool = new pg.Pool({ connectionString: url });
  const results: ExplainResult[] = [await explain(url, 'SELECT 1', options), await explain(pool, 'SELECT 1'), await explain(new pg.Client(url), 'SELECT 1'),
    await explain(new PGlite(), 'SELECT 1'), await explain(drizzle(pool), 'SELECT 1')];
  const r = results[0]!;
  const plan: RawExplain = r.plan;
  const nodes: NodeMetrics[] = r.nodes;
  const worst: Diagnostic | undefined = r.diagnostics[0];
  const severity: 'high' | 'medium' | 'low' | undefined = worst?.severity;
  const text: string = r.render({ width: 120, color: false }) + r.toMarkdown() + JSON.stringify(r.toJSON());
  const ms: number = r.totals.totalMs;
  console.log(plan.Plan['Node Type'], nodes[0]?.label, nodes[0]?.exclusiveMs, severity, text, ms, r.server.major, r.analyzed, r.genericPlan);
  try {
    await explain(pool, "SELECT nextval('s')");
  } catch (error) {
    if (error instanceof ExplainRefusedError) {
      const reason: 'statement' | 'writes' | 'functions' = error.reason;
      const functions: RefusedFunction[] = error.functions;
      console.log(reason, functions.map((f) => f.name), error.writes, error.line, error.hint);
    }
    if (error instanceof ExplainQueryError) console.log(error.sqlstate, error.line, error.column, error.detail, error.serverHint);
  }
}
`;

describe('explain() from the packed package', { timeout: 180_000 }, () => {
  it('ships the declarations and type-checks a TypeScript consumer; a wrong call does not compile', () => {
    writeFileSync(join(packed.dir, 'typed-explain.ts'), TYPED);
    const r = packed.tsc('typed-explain.ts');
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
    writeFileSync(
      join(packed.dir, 'typed-explain.ts'),
      `import { explain } from 'dbtool';\nawait explain({ nope: 1 }, 'SELECT 1');\nawait explain('postgres://x', 'SELECT 1', { analyse: false });\nexport {};\n`,
    );
    const bad = packed.tsc('typed-explain.ts');
    expect(bad.status).not.toBe(0);
    expect(bad.output).toMatch(/typed-explain\.ts\(2,/);
    expect(bad.output).toMatch(/typed-explain\.ts\(3,.*analyse/);
  });

  it("the README's Library API examples type-check against the package", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Library API'), readme.indexOf('\n## ', readme.indexOf('## Library API') + 3));
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBe(3);
    const files = blocks.map((code, i) => {
      writeFileSync(join(packed.dir, `readme-${i}.ts`), `${code}\nexport {};\n`);
      return `readme-${i}.ts`;
    });
    const r = packed.tsc(...files);
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('works from CommonJS: explains on PGlite and refuses a write with the typed error', () => {
    writeFileSync(join(packed.dir, 'explain.cjs'), CJS);
    const r = packed.node('explain.cjs', []);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({
      analyzed: true,
      root: expect.stringMatching(/^Index (Only )?Scan$/),
      refused: [true, 'writes'],
      queryError: 'function',
    });
  });

  it("an ESM app explains on PGlite, a pg Pool, a drizzle database, a Client and a connection string, with the CLI's safety and typed errors", async () => {
    writeFileSync(join(packed.dir, 'explain.mjs'), ESM);
    const url = await freshDatabase();
    const urlWithPassword = url.replace('postgres://postgres@', 'postgres://postgres:s3cret-pw@');
    const r = packed.node('explain.mjs', [url, urlWithPassword, SCHEMA]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // biome-ignore lint/suspicious/noExplicitAny: the consumer script's JSON is checked field by field below
    const out = JSON.parse(r.stdout) as Record<string, any>;

    // the result: the plan tree as the server gave it, its nodes with metrics, the diagnoses, the text forms
    expect(out.lite).toMatchObject({
      query: 'SELECT * FROM items WHERE v = $1',
      analyzed: true,
      genericPlan: false,
      root: 'Seq Scan',
      rootRows: 50,
      colored: true,
      generic: true,
    });
    expect(out.lite.nodes).toEqual([expect.stringMatching(/^Seq Scan on (public\.)?items$/)]);
    expect(out.lite.diagnostics).toContain('seq-scan-filter');
    expect(out.lite.totalMs).toBeGreaterThan(0);
    expect(out.lite.rendered).toMatch(/Seq Scan on (public\.)?items/);
    expect(out.lite.rendered).not.toContain('\u001b[');
    expect(out.lite.markdown).toMatch(/^### dbtool explain/);
    expect(out.lite.json).toMatchObject({ tool: 'dbtool', command: 'explain', reportVersion: 1, analyzed: true, query: 'SELECT * FROM items WHERE v = $1' });

    // refused before anything ran: a sequence, a VOLATILE PL/pgSQL function, a write, two statements; the hints name the options
    expect(out.lite.nextval).toMatchObject({
      name: 'ExplainRefusedError',
      refused: true,
      usage: true,
      reason: 'functions',
      functions: ['nextval'],
      line: 1,
      column: 8,
    });
    expect(out.lite.nextval.hint).toContain('allowWrite: true');
    expect(out.lite.nextval.hint).not.toContain('--allow-write');
    expect(out.lite.bump).toMatchObject({ refused: true, reason: 'functions', functions: ['bump'] });
    expect(out.lite.write).toMatchObject({ refused: true, reason: 'writes', writes: ['DELETE'] });
    expect(out.lite.write.hint).toBe('Pass allowWrite: true to run it in a transaction that is rolled back, or analyze: false for the plan alone.');
    expect(out.lite.allowedWrite).toEqual({ ok: true, analyzed: true, root: 'ModifyTable' });
    expect(out.lite.warnings).toEqual([expect.stringMatching(/^allowWrite: true: DELETE will run\. The transaction is rolled back, but sequence values/)]);
    expect(out.lite.two).toMatchObject({ refused: true, reason: 'statement', line: 1, column: 11 });
    expect(out.lite.missing).toMatchObject({ name: 'ExplainQueryError', queryError: true, sqlstate: '42P01', line: 2, column: 6 });
    expect(out.lite.inTransaction).toMatchObject({ name: 'UsageError', message: expect.stringMatching(/inside a transaction/) });
    // nothing of it stayed: the rows, the sum, the sequence never drawn from
    expect(out.lite.after).toEqual({ n: 5000, total: 247500, seq: 1, called: false });

    expect(out.pool).toMatchObject({ major: 18, analyzed: true, checkedOut: 0 });
    expect(out.pool.nodes[0]).toMatch(/^Limit/);
    expect(out.pool.drizzle).toEqual({ ok: true, analyzed: true, root: 'Index Scan' });
    // the server's catalog says bump() is VOLATILE PL/pgSQL: refused before it runs
    expect(out.pool.bump).toMatchObject({ refused: true, reason: 'functions', functions: ['bump'] });
    expect(out.pool.nextval).toMatchObject({ refused: true, reason: 'functions', functions: ['nextval'] });
    expect(out.pool.write).toMatchObject({ refused: true, reason: 'writes', writes: ['UPDATE'] });
    expect(out.pool.timeout).toMatchObject({ queryError: true, sqlstate: '57014' });
    expect(out.pool.timeout.hint).toContain('(100ms); EXPLAIN ANALYZE runs it in full. Raise it with the statementTimeout option, or use analyze: false.');
    expect(out.pool.locked).toMatchObject({ queryError: true, sqlstate: '55P03' });
    expect(out.pool.locked.hint).toContain('lock timeout (200ms, the lockTimeout option)');
    expect(out.pool.badOption).toMatchObject({
      name: 'ConfigError',
      message: 'statementTimeout: "soon" is not a duration (milliseconds, or e.g. "500ms", "5s", "2min")',
    });
    expect(out.pool.after).toEqual({ n: 5000, total: 247500, called: false });
    // the pool's sessions keep their own settings
    expect(out.pool.settings).toEqual({ st: '0', lt: '0' });

    expect(out.client.inTransaction).toMatchObject({ name: 'UsageError', usage: true });
    expect(out.client.inTransaction.message).toMatch(/inside a transaction/);
    expect(out.client.kept).toBe(1);
    expect(out.client.ok).toEqual({ ok: true, analyzed: true, root: 'Aggregate' });

    // a connection string's password is never in a message
    expect(out.url.missing).toMatchObject({ queryError: true, sqlstate: '42P01' });
    expect(out.url.missing.message).not.toContain('s3cret-pw');
    expect(out.url.missing.message).toContain('***');
    expect(out.url.unreachable).toMatchObject({ name: 'DatabaseError', database: true });
    expect(JSON.stringify(out.url.unreachable)).not.toContain('hunter2-secret');
    // explain's own sessions are gone
    await withPg(url, async (c) => {
      expect((await c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'dbtool'")).rows[0].n).toBe(0);
    });
  });
});
