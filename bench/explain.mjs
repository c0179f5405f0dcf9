// Explain benchmarks: render and diagnose a 10,000-node plan captured from a real PostgreSQL 18 server
// (target ≤ 300 ms), render it as the HTML page (target ≤ 1 s), and dbtool's own overhead beyond the server's EXPLAIN on a simple query, warm
// (target ≤ 50 ms). Never part of `npm test`.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Chalk } from 'chalk';
import { startBenchServer } from './embedded-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', p));
const { openSession } = await dist('db/connect.js');
const { analyzePlan } = await dist('explain/analyze.js');
const { diagnose } = await dist('explain/diagnose.js');
const { readPlan } = await dist('explain/plan-json.js');
const { renderPlan } = await dist('explain/tree.js');
const { viewOf } = await dist('explain/html/data.js');
const { renderPlanHtml } = await dist('explain/html/page.js');
const { checkExplainable } = await dist('explain/guard.js');
const { explainOn } = await dist('explain/run.js');
const { loadParser } = await dist('review/parse.js');

const work = mkdtempSync(join(tmpdir(), 'dbtool-bench-explain-'));
chmodSync(work, 0o755);
const { server, port } = await startBenchServer(work);
const session = await openSession({ kind: 'server', url: `postgres://postgres:bench@127.0.0.1:${port}/postgres`, source: 'bench' });
await loadParser();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const t = process.hrtime.bigint();
  const r = fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
};
const timeAsync = async (fn) => {
  const t = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
};

// a plan of ~10,000 nodes: an Append over 5,000 index lookups, each under a Result or Limit
await session.exec('CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, g::text FROM generate_series(1, 10000) g; ANALYZE t');
const branches = Array.from({ length: 5000 }, (_, i) => `(SELECT v FROM t WHERE id = ${i + 1} LIMIT 1)`).join(' UNION ALL ');
const { rows } = await session.query(`EXPLAIN (ANALYZE, BUFFERS, VERBOSE, SETTINGS, FORMAT JSON) ${branches}`);
const big = readPlan(rows[0]['QUERY PLAN']);
const color = new Chalk({ level: 1 });
const renders = [];
let nodes = 0;
for (let i = 0; i < 7; i++) {
  const [ms, out] = time(() => {
    const m = analyzePlan(big);
    const d = diagnose(m);
    return { n: m.nodes.length, text: renderPlan(m, d, { color, width: 120 }) };
  });
  renders.push(ms);
  nodes = out.n;
}

// the HTML page of the same plan: literals hidden (the default: every expression redacted) and shown
const htmlContext = { server: { version: '18', major: 18 }, query: branches, analyzed: true, generic: false, settings: {} };
const htmlHidden = [];
const htmlShown = [];
const htmlNoQuery = [];
let htmlBytes = 0;
for (let i = 0; i < 7; i++) {
  // the 240 kB query's 55,000 tokens alone take about 0.4 s to redact
  htmlNoQuery.push(time(() => renderPlanHtml(viewOf(big, { ...htmlContext, query: undefined }, false), 'bench'))[0]);
  const [hidden, page] = time(() => renderPlanHtml(viewOf(big, htmlContext, false), 'bench'));
  htmlHidden.push(hidden);
  htmlBytes = page.length;
  htmlShown.push(time(() => renderPlanHtml(viewOf(big, htmlContext, true), 'bench'))[0]);
}

// overhead: dbtool's whole path (guard, version query, read-only transaction with timeouts, EXPLAIN,
// rollback, metrics, diagnostics, rendering) minus the bare EXPLAIN round trip on the same connection
const sql = 'SELECT v FROM t WHERE id = 42';
const raw = [];
const tool = [];
for (let i = 0; i < 30; i++) {
  const [rawMs] = await timeAsync(() => session.queryExtended(`EXPLAIN (ANALYZE, BUFFERS, VERBOSE, SETTINGS, FORMAT JSON) ${sql}`, []));
  const [toolMs] = await timeAsync(async () => {
    const verdict = checkExplainable(sql);
    const out = await explainOn(session, { verdict, params: [], analyze: true, allowWrite: false, statementTimeoutMs: 30000, lockTimeoutMs: 2000 });
    const m = analyzePlan(readPlan(out.plan.json));
    renderPlan(m, diagnose(m), { color, width: 120 });
  });
  if (i >= 5) {
    raw.push(rawMs);
    tool.push(toolMs);
  }
}
await session.close();
await server.stop();
rmSync(work, { recursive: true, force: true });

console.log(
  `explain: render + diagnose a ${nodes.toLocaleString('en-US')}-node plan from PostgreSQL 18: ${median(renders).toFixed(0)} ms (median of 7; target <= 300 ms)`,
);
console.log(
  `explain: --format html of the ${nodes.toLocaleString('en-US')}-node plan: ${median(htmlHidden).toFixed(0)} ms with literals hidden (${median(htmlNoQuery).toFixed(0)} ms for the plan without its 5,000-branch query text), ${median(htmlShown).toFixed(0)} ms with --show-literals, ${(htmlBytes / 1e6).toFixed(1)} MB (median of 7; target <= 1000 ms)`,
);
console.log(
  `explain: bare EXPLAIN ANALYZE round trip ${median(raw).toFixed(2)} ms, dbtool's whole path ${median(tool).toFixed(2)} ms: overhead ${(median(tool) - median(raw)).toFixed(2)} ms warm (target <= 50 ms)`,
);
