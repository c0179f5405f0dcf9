import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { literalsOf } from '../../src/ai/core/redact-sql.js';
import type { ExplainPayload } from '../../src/ai/explain/payload.js';
import { buildExplainPayload } from '../../src/ai/explain/payload.js';
import { redactExpression } from '../../src/ai/explain/redact-plan.js';
import type { TableDefinitions } from '../../src/ai/explain/tables.js';
import { historySql, planRelations } from '../../src/ai/explain/tables.js';
import type { PlanCheckContext } from '../../src/ai/explain/verify.js';
import { checkRewrittenQuery, checkSchemaChange } from '../../src/ai/explain/verify.js';
import type { ExplainFlags } from '../../src/commands/explain.js';
import { run } from '../../src/commands/explain.js';
import { openSession } from '../../src/db/connect.js';
import { DbtoolError } from '../../src/errors.js';
import type { RawExplain, RawNode } from '../../src/explain/plan-json.js';
import { readPlan } from '../../src/explain/plan-json.js';
import { loadParser } from '../../src/review/parse.js';
import { dbtool, freshDatabase, stopSharedServer, withPg } from '../migrate/helpers.js';
import type { FakeAnthropic, FakeReply, Recorded } from './fake-anthropic.js';
import { startFakeAnthropic } from './fake-anthropic.js';
import { API_KEY, captureIo } from './helpers.js';

beforeAll(loadParser);
afterAll(stopSharedServer);

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'explain');
const fixture = (name: string) => join(FIXTURES, name);
const loadFixture = (name: string) => readPlan(readFileSync(fixture(name), 'utf8'));

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function withFake(reply: (request: Recorded, index: number) => FakeReply): Promise<FakeAnthropic> {
  fake = await startFakeAnthropic(reply);
  return fake;
}

/** A project folder (package.json, so .dbtool/ lands in it) and no database configured. */
function project(config?: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-explain-ai-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  if (config !== undefined) writeFileSync(join(dir, 'dbtool.config.json'), JSON.stringify(config));
  return dir;
}

function env(url: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: url, ...extra };
}

const FAST = { aiLimits: { maxRetries: 0, timeoutMs: 5_000 } };
const BASE: ExplainFlags = { format: 'pretty', analyze: true, statementTimeout: '30s', lockTimeout: '2s', cache: true };

async function explain(cwd: string, environment: NodeJS.ProcessEnv, query: string | undefined, flags: Partial<ExplainFlags>, deps = FAST) {
  const captured = captureIo(cwd, environment);
  let code: number | undefined;
  let error: DbtoolError | undefined;
  try {
    code = await run(query, { ...BASE, ...flags }, captured.io, deps);
  } catch (e) {
    if (!(e instanceof DbtoolError)) throw e;
    error = e;
  }
  return { code, error, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** The payload inside a request body (the user message is a sentence, then the JSON). */
function payloadOf(body: Record<string, unknown>): ExplainPayload {
  const content = (body.messages as Array<{ content: string }>)[0]!.content;
  return JSON.parse(content.slice(content.indexOf('{'))) as ExplainPayload;
}

/** Every text field of the plan that is an expression, as the payload carries it. */
function expressionTexts(payload: ExplainPayload): string[] {
  const names = new Set([
    'Parent Relationship',
    'Subplan Name',
    'Schema',
    'Alias',
    'Strategy',
    'Partial Mode',
    'Join Type',
    'Operation',
    'Scan Direction',
    'Sort Method',
    'Sort Space Type',
    'Cache Mode',
    'Command',
    'CTE Name',
  ]);
  const out: string[] = [];
  const visit = (key: string, value: unknown) => {
    if (typeof value === 'string' && !names.has(key)) out.push(value);
    else if (Array.isArray(value)) for (const v of value) visit(key, v);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(k, v);
  };
  for (const node of payload.nodes) visit('details', node.details);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// redaction of expression fragments

describe('redactExpression', () => {
  it.each([
    [`((o.amount > 98765) AND (c.name = 'secret-customer-4711'::text))`, `((o.amount > $1) AND (c.name = $2::text))`],
    [`(big.payload ~~ 'a%'::text)`, `(big.payload ~~ $1::text)`],
    [`(t.a = ANY ('{1,2,3}'::integer[]))`, `(t.a = ANY ($1::integer[]))`],
    [`(x = '-4711'::integer)`, `(x = $1::integer)`],
    [`('2024-01-01'::date < d.day)`, `($1::date < d.day)`],
    [`(t.price)::numeric(10,2)`, `(t.price)::numeric(10,2)`],
    // sort keys are not expressions on their own
    [`(big.payload || 'secret'::text) DESC NULLS LAST`, `(big.payload || $1::text) DESC NULLS LAST`],
    [`o.created_at USING <`, `o.created_at USING <`],
    // plan references that are not SQL
    [`(NOT (hashed SubPlan 1))`, `(NOT (hashed SubPlan 1))`],
    [`((InitPlan 1).col1 = 'secret'::text)`, `((InitPlan 1).col1 = $1::text)`],
    [`(ANY (t.a = (hashed SubPlan 2).col1))`, `(ANY (t.a = (hashed SubPlan 2).col1))`],
    [`(t.b > (SubPlan 3))`, `(t.b > (SubPlan 3))`],
    [`PARTIAL count(*)`, `PARTIAL count(*)`],
    [`(PARTIAL sum(t.v))`, `(PARTIAL sum(t.v))`],
    // a cache key lists several expressions; a window clause its definition; a foreign scan a statement
    [`t.a, 'k'::text`, `t.a, $1::text`],
    [
      `w1 AS (PARTITION BY t.a ORDER BY t.b ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)`,
      `w1 AS (PARTITION BY t.a ORDER BY t.b ROWS BETWEEN $1 PRECEDING AND CURRENT ROW)`,
    ],
    [`SELECT id FROM public.big WHERE ((payload = 'secret-remote'))`, `SELECT id FROM public.big WHERE ((payload = $1))`],
    // comments can say anything
    [`(a = 1) /* pw hunter2 */`, `(a = $1)`],
  ])('%s', (expression, expected) => {
    expect(redactExpression(expression)).toBe(expected);
  });

  it('drops what cannot be normalised instead of sending it', () => {
    expect(redactExpression(`ROWS FROM(secret_fn('secret-unparseable'))`)).toBeUndefined();
    expect(redactExpression(`(a = 'unterminated`)).toBeUndefined();
    expect(redactExpression(`(a = 1); DROP TABLE t`)).toBeUndefined();
    expect(redactExpression(`__dbtool_subplan_1 = 'x'`)).toBeUndefined();
  });
});

/** A real plan with literals planted in every kind of expression field, a field no PostgreSQL has yet, and an auto_explain query text. */
function plantedPlan(): RawExplain {
  const plan = loadFixture('nested-loop.pg18.json');
  const nodes: RawNode[] = [];
  const walk = (n: RawNode) => {
    nodes.push(n);
    (n.Plans ?? []).forEach(walk);
  };
  walk(plan.Plan);
  const [root, outer, inner] = nodes as [RawNode, RawNode, RawNode];
  Object.assign(root, {
    'Join Filter': `((small.big_id = ix.v) AND (ix.v <> 'secret-join-1'::text))`,
    'Hash Cond': `((a.k)::text = upper('secret-hash-2'::text))`,
    'Merge Cond': `(a.k = (b.k + 555111))`,
    'One-Time Filter': `((InitPlan 1).col1 = 'secret-onetime-6'::text)`,
    'Sort Key': [`(ix.payload || 'secret-sort-3'::text) DESC NULLS LAST`],
    'Presorted Key': [`(ix.b + 999444)`],
    'Group Key': [`CASE WHEN (ix.b > 777333) THEN 'secret-group-4'::text ELSE NULL::text END`],
    Output: [`'secret-output-5'::text`, `(ix.b * 888222)`],
    'Frobnicate Cond': `(ix.b = 'secret-future-8'::text)`,
    'Function Call': `ROWS FROM(secret_fn('secret-unparseable-9'))`,
  });
  Object.assign(outer, {
    Filter: `((small.b = 98765) AND ((small.payload)::text = 'secret-customer-4711'::text))`,
    'Index Cond': `(small.id = ANY ('{98765,424242}'::integer[]))`,
    'Recheck Cond': `(small.created < '2031-05-06 07:08:09'::timestamp without time zone)`,
    'TID Cond': `(small.ctid = '(0,31337)'::tid)`,
    'Cache Key': `small.big_id, 'secret-cache-7'::text`,
  });
  Object.assign(inner, { Filter: `(NOT (hashed SubPlan 1))`, 'Remote SQL': `SELECT id FROM public.ix WHERE ((payload = 'secret-remote-11'))` });
  plan['Query Text'] = `SELECT * FROM small JOIN ix ON small.big_id = ix.v WHERE small.b = 98765 AND payload = 'secret-query-10'`;
  return plan;
}

const PLANTED = ['secret-', '98765', '424242', '2031-05-06', '555111', '777333', '888222', '31337', '999444', 'hunter2'];

describe('explain --ai-dry-run with --plan (captured plans, no database)', () => {
  it('carries the plan, metrics and diagnostics of a real plan, without its literals or any table definitions', async () => {
    const server = await withFake(() => ({ kind: 'hang' }));
    const dir = project();
    const { code, stdout, error, stderr } = await explain(dir, { ANTHROPIC_BASE_URL: server.url }, undefined, {
      plan: fixture('workers-launched.pg18.json'),
      aiDryRun: true,
    });
    expect(error).toBeUndefined();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(server.requests).toHaveLength(0);
    const body = JSON.parse(stdout) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'claude-sonnet-5-5',
      max_tokens: 8192,
      stream: true,
      tool_choice: { type: 'tool', name: 'record_plan_review', disable_parallel_tool_use: true },
    });
    const payload = payloadOf(body);
    expect(payload).toMatchObject({
      kind: 'explain',
      source: 'plan-file',
      server: null,
      query: null,
      analyzed: true,
      definitionsKnown: false,
      tables: [],
      omittedExpressions: 0,
    });
    expect(payload.diagnostics).toEqual([
      expect.objectContaining({ id: 'D1', check: 'seq-scan-filter', nodeId: 3, sql: 'CREATE INDEX CONCURRENTLY ON big (payload text_pattern_ops);' }),
    ]);
    expect(payload.nodes[3]).toMatchObject({
      label: 'Seq Scan on big',
      rowsRemovedByFilter: 93825,
      processes: 3,
      details: { Filter: '(big.payload ~~ $1::text)' },
    });
    expect(stdout).not.toContain('a%');
    const schema = (body.tools as Array<{ input_schema: { properties: { issues: { items: { properties: { diagnosticId: { enum: string[] } } } } } } }>)[0]!
      .input_schema;
    expect(schema.properties.issues.items.properties.diagnosticId.enum).toEqual(['D1', 'new']);
  });

  it('leaves no literal in any expression field of any captured plan', () => {
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json'))) {
      const payload = buildExplainPayload({
        plan: loadFixture(file),
        context: { server: undefined, query: undefined, analyzed: true, generic: false, settings: {} },
        source: 'plan-file',
      });
      for (const text of expressionTexts(payload)) expect([file, text, literalsOf(text)]).toEqual([file, text, []]);
      expect(payload.omittedExpressions).toBe(0);
    }
  });

  it('redacts every expression field, known or not, and drops what it cannot normalise', async () => {
    const dir = project();
    const file = join(dir, 'planted.json');
    writeFileSync(file, JSON.stringify([plantedPlan()]));
    const { stdout, error } = await explain(dir, {}, undefined, { plan: file, aiDryRun: true });
    expect(error).toBeUndefined();
    for (const literal of PLANTED) expect(stdout).not.toContain(literal);
    const payload = payloadOf(JSON.parse(stdout));
    const [root, outer, inner] = payload.nodes;
    expect(payload.query).toBe('SELECT * FROM small JOIN ix ON small.big_id = ix.v WHERE small.b = $1 AND payload = $2');
    expect(root?.details).toMatchObject({
      'Join Filter': '((small.big_id = ix.v) AND (ix.v <> $1::text))',
      'Hash Cond': '((a.k)::text = upper($1::text))',
      'Merge Cond': '(a.k = (b.k + $1))',
      'One-Time Filter': '((InitPlan 1).col1 = $1::text)',
      'Sort Key': ['(ix.payload || $1::text) DESC NULLS LAST'],
      'Presorted Key': ['(ix.b + $1)'],
      'Group Key': ['CASE WHEN (ix.b > $1) THEN $2::text ELSE $3::text END'],
      Output: ['$1::text', '(ix.b * $1)'],
      'Frobnicate Cond': '(ix.b = $1::text)',
    });
    expect(root?.details).not.toHaveProperty('Function Call');
    expect(payload.omittedExpressions).toBe(1);
    expect(outer?.details).toMatchObject({
      Filter: '((small.b = $1) AND ((small.payload)::text = $2::text))',
      'Index Cond': '(small.id = ANY ($1::integer[]))',
      'Recheck Cond': '(small.created < $1::timestamp without time zone)',
      'TID Cond': '(small.ctid = $1::tid)',
      'Cache Key': 'small.big_id, $1::text',
    });
    expect(inner?.details).toMatchObject({ Filter: '(NOT (hashed SubPlan 1))', 'Remote SQL': 'SELECT id FROM public.ix WHERE ((payload = $1))' });
  });
});

describe('the explain payload builder', () => {
  const context = {
    server: { version: '18.1', major: 18 },
    query: `SELECT * FROM ix WHERE k < 50 AND v % 10 = 0`,
    analyzed: true,
    generic: false,
    settings: {},
  };
  const tables: TableDefinitions = {
    tables: [
      {
        schema: 'public',
        name: 'ix',
        kind: 'table',
        rows: 100000,
        pages: 443,
        bytes: 5_898_240,
        heapBytes: 3_629_056,
        columns: [
          {
            name: 'k',
            type: 'integer',
            notNull: true,
            hasDefault: false,
            stats: { nullFrac: 0, avgWidth: 4, nDistinct: -1, correlation: 1, inherited: false },
          },
          {
            name: 'v',
            type: 'integer',
            notNull: false,
            hasDefault: true,
            stats: { nullFrac: 0.01234567, avgWidth: 4, nDistinct: 97.0000001, correlation: -0.0123456, inherited: false },
          },
        ],
        indexes: [
          {
            name: 'ix_k',
            definition: 'CREATE INDEX ix_k ON public.ix USING btree (k)',
            unique: false,
            primary: false,
            valid: true,
            bytes: 2_260_992,
            pages: 276,
          },
          {
            name: 'ix_v_hot',
            definition: `CREATE INDEX ix_v_hot ON public.ix USING btree (v) WHERE (v = ANY ('{4711,98765}'::integer[]))`,
            unique: false,
            primary: false,
            valid: true,
            bytes: 16_384,
            pages: 2,
          },
        ],
      },
    ],
    missing: [],
  };

  it('builds the payload of a captured plan (snapshot)', () => {
    expect(
      buildExplainPayload({
        plan: loadFixture('index-filter.pg18.json'),
        context: { server: undefined, query: undefined, analyzed: true, generic: false, settings: {} },
        source: 'plan-file',
      }),
    ).toMatchSnapshot();
  });

  it('adds the tables a database described, index predicates redacted (snapshot)', () => {
    const payload = buildExplainPayload({ plan: loadFixture('index-filter.pg18.json'), context, source: 'server', tables });
    expect({
      query: payload.query,
      server: payload.server,
      source: payload.source,
      definitionsKnown: payload.definitionsKnown,
      tables: payload.tables,
      diagnostics: payload.diagnostics,
    }).toMatchSnapshot();
    expect(JSON.stringify(payload)).not.toMatch(/4711|98765/);
  });

  it("finds the plan's relations, and turns the tables into history for the reviewer", () => {
    expect(planRelations(loadFixture('slow-fk-trigger.pg18.json'))).toEqual([{ schema: 'public', name: 'parent' }]);
    expect(
      planRelations(loadFixture('nested-loop.pg18.json'))
        .map((r) => r.name)
        .sort(),
    ).toEqual(['ix', 'small']);
    expect(historySql(tables.tables)).toBe(
      'CREATE TABLE "public"."ix" ("k" integer NOT NULL, "v" integer);\n--> statement-breakpoint\nCREATE INDEX ix_k ON public.ix USING btree (k);\n--> statement-breakpoint\n' +
        `CREATE INDEX ix_v_hot ON public.ix USING btree (v) WHERE (v = ANY ('{4711,98765}'::integer[]));`,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// checking what the model suggests

describe('checking suggested SQL', () => {
  const context: PlanCheckContext = {
    query: 'SELECT * FROM orders WHERE amount > 98765',
    settings: { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'none' },
    history: 'CREATE TABLE "public"."orders" ("id" integer NOT NULL, "amount" integer NOT NULL);',
  };

  it("schema changes pass through dbtool's own review", () => {
    expect(checkSchemaChange('CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount)', context)).toMatchObject({ status: 'checked', findings: [] });
    expect(checkSchemaChange('CREATE INDEX orders_amount_idx ON orders (amount)', context)).toMatchObject({
      status: 'unsafe',
      reason: expect.stringMatching(/blocking-full-scan/),
    });
    expect(checkSchemaChange('VACUUM FULL orders', context)).toMatchObject({ status: 'unsafe', reason: expect.stringMatching(/table-rewrite/) });
    expect(checkSchemaChange('BEGIN; CREATE INDEX CONCURRENTLY ON orders (amount); COMMIT;', context)).toMatchObject({
      status: 'unsafe',
      reason: expect.stringMatching(/transaction-forbidden/),
    });
    expect(checkSchemaChange(`SET LOCAL work_mem = '64MB'; ANALYZE orders; CREATE STATISTICS s (dependencies) ON id, amount FROM orders`, context).status).toBe(
      'checked',
    );
    expect(checkSchemaChange('CREATE INDEXX CONCURRENTLY ON orders (amount)', context)).toMatchObject({
      status: 'unparseable',
      reason: expect.stringMatching(/syntax error/),
    });
    expect(checkSchemaChange('DELETE FROM orders WHERE amount > $1', context)).toMatchObject({
      status: 'unsafe',
      reason: expect.stringMatching(/may not hold a query or data change \(it holds DELETE\)/),
    });
  });

  it('a rewritten query must be one read-only statement, and more than a restatement', () => {
    expect(checkRewrittenQuery('SELECT id FROM orders WHERE amount > $1 ORDER BY id LIMIT 100', context).status).toBe('checked');
    expect(checkRewrittenQuery('DELETE FROM orders WHERE amount > $1', context)).toMatchObject({
      status: 'unsafe',
      reason: expect.stringMatching(/must be read-only, and this one writes \(DELETE\)/),
    });
    expect(checkRewrittenQuery('WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone', context).status).toBe('unsafe');
    expect(checkRewrittenQuery('SELECT * FROM orders FOR UPDATE', context).status).toBe('unsafe');
    expect(checkRewrittenQuery('SELECT 1; SELECT 2', context)).toMatchObject({ status: 'unsafe', reason: expect.stringMatching(/2 statements given/) });
    expect(checkRewrittenQuery('CREATE INDEX CONCURRENTLY ON orders (amount)', context).status).toBe('unsafe');
    expect(checkRewrittenQuery('SELEC id FROM orders', context).status).toBe('unparseable');
    expect(checkRewrittenQuery('select * from orders where amount > $1', context).status).toBe('unchanged');
  });
});

// ---------------------------------------------------------------------------------------------------
// against a local Messages API, with the embedded database

const QUERY = `SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.name = 'secret-customer-4711' AND o.amount > 98765 ORDER BY o.amount DESC`;
const REWRITE =
  'SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.name = $1 AND o.amount > $2 ORDER BY o.amount DESC LIMIT 100';

/** What a model might answer: a sound index, a blocking one, one that does not parse, a DELETE as a "rewrite", a sound rewrite. */
const ANSWER = {
  issues: [
    {
      diagnosticId: 'D1',
      nodeIds: [2],
      risk: 'high',
      reasoning: 'Node 2 reads all 30,000 orders and keeps none (D1).',
      suggestedSql: 'CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount)',
    },
    {
      diagnosticId: 'new',
      title: 'Quick index',
      nodeIds: [2, 99],
      risk: 'medium',
      reasoning: 'A plain index is quicker to build.',
      suggestedSql: 'CREATE INDEX orders_amount_idx ON orders (amount)',
    },
    {
      diagnosticId: 'new',
      title: 'Typo',
      nodeIds: [3],
      risk: 'low',
      reasoning: 'Index the name.',
      suggestedSql: 'CREATE INDEXX CONCURRENTLY ON customers (name)',
    },
    {
      diagnosticId: 'new',
      title: 'Purge old orders',
      nodeIds: [2],
      risk: 'low',
      reasoning: 'Fewer rows scan faster.',
      rewrittenQuery: 'DELETE FROM orders WHERE amount > $1',
    },
    { diagnosticId: 'new', title: 'Bound the result', nodeIds: [0], risk: 'low', reasoning: 'Node 0 sorts everything.', rewrittenQuery: REWRITE },
  ],
  summary: 'Index orders.amount concurrently.',
};

/** The answer with the id dbtool gave seq-scan-filter: on a cold PGlite, planning-dominates can come first. */
function answerFor(request: Recorded): typeof ANSWER {
  const id = scanDiagnostic(payloadOf(request.body))?.id ?? 'D?';
  return { ...ANSWER, issues: ANSWER.issues.map((i) => (i.diagnosticId === 'D1' ? { ...i, diagnosticId: id } : i)) };
}

const scanDiagnostic = (payload: ExplainPayload) => payload.diagnostics.find((d) => d.check === 'seq-scan-filter');

describe('explain --ai on the embedded database (PGlite)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = project();
    const session = await openSession({ kind: 'pglite', dataDir: join(dir, '.dbtool', 'pglite'), source: 'test' });
    await session.exec(`
      CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, status text DEFAULT 'secret-default-5150');
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id), amount int NOT NULL, note varchar(40));
      INSERT INTO customers SELECT g, CASE WHEN g % 3 = 0 THEN 'secret-customer-4711' ELSE 'customer-' || g END FROM generate_series(1, 2000) g;
      INSERT INTO orders SELECT g, 1 + g % 2000, g, 'secret-note-31337' FROM generate_series(1, 30000) g;
      CREATE INDEX orders_note_idx ON orders (note) WHERE note = 'secret-note-31337';
      ANALYZE;`);
    await session.close();
  });

  it('sends the plan, diagnostics, definitions and value-free statistics, and shows only checked advice', async () => {
    const server = await withFake((r) => ({ kind: 'tool', input: answerFor(r), usage: { input_tokens: 2500, output_tokens: 500 } }));
    const { code, stdout, stderr, error } = await explain(dir, env(server.url), QUERY, { ai: true, cache: false });
    expect(error).toBeUndefined();
    expect(stderr).toContain('embedded PGlite database');
    expect(code).toBe(0);

    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.path).toBe('/v1/messages');
    expect(request.body.tool_choice).toEqual({ type: 'tool', name: 'record_plan_review', disable_parallel_tool_use: true });
    const payload = payloadOf(request.body);
    expect(payload).toMatchObject({ source: 'embedded-pglite', analyzed: true, definitionsKnown: true, tablesNotDescribed: [] });
    expect(payload.query).toBe(
      'SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.name = $1 AND o.amount > $2 ORDER BY o.amount DESC',
    );
    const scan = scanDiagnostic(payload);
    expect(scan).toMatchObject({ check: 'seq-scan-filter', nodeId: 2, sql: 'CREATE INDEX CONCURRENTLY ON orders (amount);' });
    expect(payload.nodes[2]).toMatchObject({ label: 'Seq Scan on orders o', rowsRemovedByFilter: 30000, details: { Filter: '(o.amount > $1)' } });
    const orders = payload.tables.find((t) => t.name === 'orders');
    expect(orders).toMatchObject({ kind: 'table', rows: 30000 });
    expect(orders!.bytes).toBeGreaterThan(0);
    expect(orders!.pages).toBeGreaterThan(0);
    expect(orders!.columns.map((c) => [c.name, c.type, c.notNull])).toEqual([
      ['id', 'integer', true],
      ['customer_id', 'integer', true],
      ['amount', 'integer', true],
      ['note', 'character varying(40)', false],
    ]);
    expect(orders!.columns[2]!.stats).toEqual({ nullFrac: 0, avgWidth: 4, nDistinct: -1, correlation: 1, inherited: false });
    expect(orders!.indexes.map((i) => i.definition)).toEqual([
      'CREATE INDEX orders_note_idx ON public.orders USING btree (note) WHERE ((note)::text = $1::text)',
      'CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)',
    ]);
    const customers = payload.tables.find((t) => t.name === 'customers');
    expect(customers!.columns.find((c) => c.name === 'status')).toMatchObject({ hasDefault: true, stats: { nDistinct: 1 } });
    for (const secret of [
      'secret-customer-4711',
      '98765',
      'secret-note-31337',
      'secret-default-5150',
      'customer-1',
      'most_common',
      'histogram',
      API_KEY,
      '.dbtool',
    ]) {
      expect(request.raw).not.toContain(secret);
    }

    // the plan first, then the second opinion with only the advice that passed dbtool's checks
    expect(stdout.indexOf('seq-scan-filter')).toBeLessThan(stdout.indexOf('Second opinion on the plan (claude-sonnet-5-5)'));
    const opinion = stdout.slice(stdout.indexOf('Second opinion'));
    expect(opinion).toContain(`${scan!.id} seq-scan-filter (node 2: Seq Scan on orders o)  HIGH impact`);
    expect(opinion).toContain('suggested change');
    expect(opinion).toContain('CREATE INDEX CONCURRENTLY orders_amount_idx ON orders (amount)');
    expect(opinion).not.toContain('CREATE INDEX orders_amount_idx');
    expect(opinion).toMatch(/suggested change withheld: dbtool's review of it reports blocking-full-scan \(error\)/);
    expect(opinion).not.toContain('CREATE INDEXX');
    expect(opinion).toMatch(/suggested change withheld: it is not valid SQL \(syntax error/);
    expect(opinion).not.toContain('DELETE FROM orders');
    expect(opinion).toMatch(/rewritten query withheld: a rewritten query must be read-only, and this one writes \(DELETE\)/);
    expect(opinion).toContain(REWRITE);
    expect(opinion).toContain('cited nodes the plan does not have: 99');
    expect(opinion).toContain('Summary: Index orders.amount concurrently.');
    expect(opinion).toContain('2,500 input + 500 output tokens');
    expect(opinion).toMatch(/≈ \$0\.0150 \(estimate at Sonnet list prices/);
  });

  it('adds an "ai" key to --format json with every suggestion and its check status', async () => {
    const server = await withFake((r) => ({ kind: 'tool', input: answerFor(r) }));
    const { code, stdout } = await explain(dir, env(server.url), QUERY, { ai: true, cache: false, format: 'json' });
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ tool: 'dbtool', reportVersion: 1, command: 'explain', query: QUERY });
    expect(json.ai).toMatchObject({ model: 'claude-sonnet-5-5', cached: false, summary: 'Index orders.amount concurrently.' });
    const id = scanDiagnostic(payloadOf(server.requests[0]!.body))!.id;
    expect(json.ai.missing).not.toContain(id);
    const statuses = json.ai.verdicts.map((v: { diagnosticId: string; suggestion: { status: string } | null; rewrittenQuery: { status: string } | null }) => [
      v.diagnosticId,
      v.suggestion?.status ?? null,
      v.rewrittenQuery?.status ?? null,
    ]);
    expect(statuses).toEqual([
      [id, 'checked', null],
      ['new', 'unsafe', null],
      ['new', 'unparseable', null],
      ['new', null, 'unsafe'],
      ['new', null, 'checked'],
    ]);
    expect(json.ai.verdicts[0]).toMatchObject({ check: 'seq-scan-filter', nodeIds: [2] });
    expect(json.ai.verdicts[1]).toMatchObject({
      nodeIds: [2],
      unknownNodeIds: [99],
      suggestion: { findings: expect.arrayContaining([{ rule: 'blocking-full-scan', severity: 'error' }]) },
    });
  });
});

describe('explain --ai-dry-run with parameter values (PGlite)', () => {
  it('sends neither the --param values nor the literals the custom plan puts in their place', async () => {
    const dir = project();
    const session = await openSession({ kind: 'pglite', dataDir: join(dir, '.dbtool', 'pglite'), source: 'test' });
    await session.exec(
      `CREATE TABLE accounts (id int PRIMARY KEY, email text); INSERT INTO accounts SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 3000) g; ANALYZE accounts;`,
    );
    await session.close();
    const { stdout, error } = await explain(dir, {}, 'SELECT id FROM accounts WHERE email = $1 AND id > $2', {
      param: ['secret-param-777@example.com', '424242'],
      aiDryRun: true,
    });
    expect(error).toBeUndefined();
    for (const secret of ['secret-param-777', '424242', '@example.com']) expect(stdout).not.toContain(secret);
    const payload = payloadOf(JSON.parse(stdout));
    expect(payload.query).toBe('SELECT id FROM accounts WHERE email = $1 AND id > $2');
    expect(payload.nodes.some((n) => typeof n.details.Filter === 'string' && /\$\d/.test(n.details.Filter))).toBe(true);
  });
});

describe('explain --ai on a PostgreSQL server', () => {
  it('never sends the connection URL, its password, host or database name', async () => {
    const url = (await freshDatabase()).replace('postgres://postgres@', 'postgres://postgres:s3cret-pw@');
    await withPg(url, (c) =>
      c.query(
        `CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, 'secret-value-' || g FROM generate_series(1, 5000) g; ANALYZE items`,
      ),
    );
    const { error, stdout } = await explain(project(), { DATABASE_URL: url }, `SELECT * FROM items WHERE v = 'secret-value-42'`, { aiDryRun: true });
    expect(error).toBeUndefined();
    const parsed = new URL(url);
    for (const secret of ['s3cret-pw', url, parsed.host, parsed.pathname.slice(1), 'secret-value', 'postgres://']) expect(stdout).not.toContain(secret);
    const payload = payloadOf(JSON.parse(stdout));
    expect(payload).toMatchObject({ source: 'server', server: { major: 18 }, definitionsKnown: true, query: 'SELECT * FROM items WHERE v = $1' });
    expect(payload.tables.map((t) => t.name)).toEqual(['items']);
    expect(payload.diagnostics.map((d) => d.check)).toContain('seq-scan-filter');
  });
});

// ---------------------------------------------------------------------------------------------------
// the API's answers and failures, cache, flags (with a captured plan: no database)

const PLAN = fixture('seq-scan-filter.pg18.json');
const PLAN_ANSWER = {
  issues: [{ diagnosticId: 'D1', nodeIds: [0], risk: 'high', reasoning: 'Node 0 discards most rows.', suggestedSql: 'CREATE INDEX CONCURRENTLY ON big (b)' }],
  summary: 'Index big.b.',
};
const planReply = (): FakeReply => ({ kind: 'tool', input: PLAN_ANSWER, usage: { input_tokens: 900, output_tokens: 100 } });

describe('explain --ai with a captured plan', () => {
  it('--ai-dry-run prints exactly the body --ai sends, and needs no key', async () => {
    const server = await withFake(planReply);
    const dir = project();
    const dry = await explain(dir, { ANTHROPIC_BASE_URL: server.url }, undefined, { plan: PLAN, aiDryRun: true });
    expect(dry.error).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    await explain(dir, env(server.url), undefined, { plan: PLAN, ai: true, cache: false });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body).toEqual(JSON.parse(dry.stdout));
  });

  it('answers an identical request from .dbtool/ai-cache without a request; --no-cache asks again', async () => {
    const server = await withFake(planReply);
    const dir = project();
    const first = await explain(dir, env(server.url), undefined, { plan: PLAN, ai: true });
    expect(first.code).toBe(0);
    expect(server.requests).toHaveLength(1);
    expect(readdirSync(join(dir, '.dbtool', 'ai-cache')).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    const second = await explain(dir, env(server.url), undefined, { plan: PLAN, ai: true, format: 'json' });
    expect(server.requests).toHaveLength(1);
    expect(JSON.parse(second.stdout).ai).toMatchObject({ cached: true, verdicts: [{ diagnosticId: 'D1', suggestion: { status: 'checked' } }] });

    const pretty = await explain(dir, env(server.url), undefined, { plan: PLAN, ai: true });
    expect(server.requests).toHaveLength(1);
    expect(pretty.stdout).toContain('answered from the cache (.dbtool/ai-cache), no request sent');

    await explain(dir, env(server.url), undefined, { plan: PLAN, ai: true, cache: false });
    expect(server.requests).toHaveLength(2);
  });

  it('prints each verdict as soon as it is complete, while the answer is still streaming', async () => {
    let release: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (release = resolve));
    const input = {
      issues: [...PLAN_ANSWER.issues, { diagnosticId: 'new', title: 'Wide rows', nodeIds: [0], risk: 'low', reasoning: 'Select fewer columns.' }],
      summary: 'Index big.b.',
    };
    const server = await withFake(() => ({ kind: 'tool', input, pause: { after: '"diagnosticId":"new"', until } }));
    const captured = captureIo(project(), env(server.url));
    const running = run(undefined, { ...BASE, plan: PLAN, ai: true, cache: false }, captured.io, FAST);
    try {
      await vi.waitFor(() => expect(captured.stdout()).toContain('D1 seq-scan-filter'), { timeout: 3000 });
      expect(captured.stdout()).not.toContain('Wide rows');
      expect(captured.stdout()).not.toContain('Summary:');
    } finally {
      release();
    }
    expect(await running).toBe(0);
    expect(captured.stdout()).toContain('new Wide rows (node 0: Seq Scan on big)  low impact');
    expect(captured.stdout()).toContain('Summary: Index big.b.');
  });

  it('passes --model and --ai-max-tokens through', async () => {
    const server = await withFake(planReply);
    await explain(project(), env(server.url), undefined, { plan: PLAN, ai: true, model: 'claude-haiku-4-5', aiMaxTokens: '1234' });
    expect(server.requests[0]?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 1234 });
  });

  it('an answer that names unknown diagnostics or misses some says so', async () => {
    const plan = loadFixture('misestimate.pg18.json');
    const dir = project();
    const file = join(dir, 'plan.json');
    writeFileSync(file, JSON.stringify(plan));
    const server = await withFake(() => ({
      kind: 'tool',
      input: {
        issues: [
          { diagnosticId: 'D7', nodeIds: [], risk: 'low', reasoning: 'x' },
          { diagnosticId: 'new', nodeIds: [1], risk: 'oops', reasoning: 'x' },
        ],
        summary: '',
      },
    }));
    const { stdout, code } = await explain(dir, env(server.url), undefined, { plan: file, ai: true });
    expect(code).toBe(0);
    expect(stdout).toContain('No verdicts.');
    expect(stdout).toMatch(/no verdict for D1/);
    expect(stdout).toContain('ignored from the answer: verdict 1: unknown diagnostic id "D7"');
    expect(stdout).toContain('ignored from the answer: verdict 2: new: risk "oops" is not one of none, low, medium, high');
  });
});

describe('explain --ai errors', () => {
  it('missing key: exit 2 with how to set it, before any output or request', async () => {
    const server = await withFake(planReply);
    const { error, stdout } = await explain(project(), { ANTHROPIC_BASE_URL: server.url }, undefined, { plan: PLAN, ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/ANTHROPIC_API_KEY is not set/);
    expect(error?.hint).toMatch(/export ANTHROPIC_API_KEY=/);
    expect(stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('401: says the credentials were rejected, without the key', async () => {
    const server = await withFake(() => ({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' }));
    const { error } = await explain(project(), env(server.url), undefined, { plan: PLAN, ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/rejected the credentials \(401\)/);
    expect(`${error?.message} ${error?.hint}`).not.toContain(API_KEY);
  });

  it('429: rate limited, with the retry-after the API sent', async () => {
    const server = await withFake(() => ({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'Number of requests has exceeded your rate limit',
      headers: { 'retry-after': '17' },
    }));
    const { error, stdout } = await explain(project(), env(server.url), undefined, { plan: PLAN, ai: true, format: 'json' });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/Rate limited by the Anthropic API \(429\)/);
    expect(error?.message).toContain('Retry after 17 s');
    expect(stdout).toBe('');
    expect(server.requests).toHaveLength(1);
  });

  it('529: overloaded', async () => {
    const server = await withFake(() => ({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }));
    const { error } = await explain(project(), env(server.url), undefined, { plan: PLAN, ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/overloaded \(529\)/);
  });

  it('config ai.enabled false forbids --ai with exit 2 (and still allows --ai-dry-run)', async () => {
    const server = await withFake(planReply);
    const dir = project({ ai: { enabled: false } });
    const { error, stdout } = await explain(dir, env(server.url), undefined, { plan: PLAN, ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/--ai is disabled for this repository/);
    expect(stdout).toBe('');
    const dry = await explain(dir, env(server.url), undefined, { plan: PLAN, aiDryRun: true });
    expect(dry.error).toBeUndefined();
    expect(server.requests).toHaveLength(0);
  });

  it('--ai with --format markdown, and AI flags without --ai, are usage errors', async () => {
    const markdown = await explain(project(), env('http://127.0.0.1:9'), undefined, { plan: PLAN, ai: true, format: 'markdown' });
    expect(markdown.error?.exitCode).toBe(2);
    expect(markdown.error?.message).toMatch(/--ai works with --format pretty or json, not markdown/);
    const stray = await explain(project(), {}, undefined, { plan: PLAN, model: 'claude-opus-5-5' });
    expect(stray.error?.message).toMatch(/--model only applies with --ai/);
  });
});

describe('dbtool explain --ai (CLI)', () => {
  it('shows the checked verdict and exits 0; a 401 exits 2 with the message on stderr', async () => {
    const server = await withFake((_r, i) =>
      i === 0 ? planReply() : { kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
    );
    const dir = project();
    const ok = await dbtool(['explain', '--plan', PLAN, '--ai', '--no-cache'], {
      cwd: dir,
      env: { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url },
    });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Second opinion on the plan');
    expect(ok.stdout).toContain('CREATE INDEX CONCURRENTLY ON big (b)');
    const rejected = await dbtool(['explain', '--plan', PLAN, '--ai', '--no-cache'], {
      cwd: dir,
      env: { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: server.url },
    });
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/error: The Anthropic API at http:\/\/127\.0\.0\.1:\d+ rejected the credentials \(401\)/);
    expect(rejected.stderr).not.toContain(API_KEY);
  });

  it('--ai-dry-run prints the request body and nothing else', async () => {
    const dry = await dbtool(['explain', '--plan', PLAN, '--ai-dry-run'], { cwd: project(), env: { ANTHROPIC_API_KEY: undefined } });
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ tool_choice: { name: 'record_plan_review' } });
  });
});
