/// <reference lib="dom" />
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HTMLButtonElement, HTMLElement } from 'happy-dom';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePlan } from '../src/explain/analyze.js';
import type { ComparedPlan } from '../src/explain/compare.js';
import { comparePlans, isRegression, matchNodes } from '../src/explain/compare.js';
import { diagnose } from '../src/explain/diagnose.js';
import { viewOf } from '../src/explain/html/data.js';
import { renderCompareHtml } from '../src/explain/html/page.js';
import type { RawExplain } from '../src/explain/plan-json.js';
import { readPlan } from '../src/explain/plan-json.js';
import { loadParser } from '../src/review/parse.js';
import { loadPage } from './explain-html-dom.js';
import { dbtool } from './migrate/helpers.js';

beforeAll(loadParser);

const DIR = join(import.meta.dirname, '..', 'fixtures', 'explain');
const PAIRS = join(DIR, 'compare');
const path = (name: string) => join(PAIRS, `${name}.pg18.json`);
const load = (file: string) => readPlan(readFileSync(file, 'utf8'), file);
const side = (plan: RawExplain): ComparedPlan => {
  const metrics = analyzePlan(plan);
  return { metrics, diagnostics: diagnose(metrics) };
};
const pair = (name: string) => comparePlans(side(load(path(`${name}.before`))), side(load(path(`${name}.after`))));

describe('explain --compare on before/after pairs captured from PostgreSQL 18', () => {
  it('CREATE INDEX: names the relation, the change of access method, the index and the speed-up', () => {
    const c = pair('seq-to-index');
    const top = c.headlines[0]!;
    expect(top.kind).toBe('improvement');
    expect(top.text).toMatch(/^users: Seq Scan → Index Scan using users_email_idx, [\d.]+ ms → [\d.]+ ms \([\d,]+× faster\)$/);
    const before = side(load(path('seq-to-index.before'))).metrics;
    const after = side(load(path('seq-to-index.after'))).metrics;
    expect(before.nodes[top.before!]!.nodeType).toBe('Seq Scan');
    expect(after.nodes[top.after!]!.label).toBe('Index Scan using users_email_idx on users');
    expect(c.matched.find((m) => m.before === top.before)!.kind).toBe('access-method');
    expect(c.verdict).toBe('faster');
    expect(c.speedup!).toBeGreaterThan(100);
    expect(c.diagnostics.resolved.map((d) => d.id)).toEqual(['seq-scan-filter']);
    expect(c.diagnostics.appeared).toEqual([]);
    expect(c.totals.buffers.hit[1]).toBeLessThan(c.totals.buffers.hit[0] / 100);
    expect(isRegression(c)).toBe(false);
  });

  it('more work_mem: names the Sort and its method and space, before and after', () => {
    const c = pair('sort-spill-to-memory');
    const sort = c.headlines.find((h) => h.text.startsWith('Sort: '))!;
    expect(sort.text).toMatch(/^Sort: external merge Disk: [\d.]+ MB → quicksort Memory: [\d.]+ MB, [\d.]+ ms → [\d.]+ ms \([\d.]+× faster\)$/);
    expect(c.diagnostics.resolved.map((d) => d.id)).toEqual(['sort-spill']);
    expect(c.totals.buffers.temp[0]).toBeGreaterThan(0);
    expect(c.totals.buffers.temp[1]).toBe(0);
    expect(c.matched.every((m) => m.kind === 'same')).toBe(true);
    expect(c.added).toEqual([]);
    expect(c.removed).toEqual([]);
  });

  it('the other way round is a regression, the new finding appears', () => {
    const c = comparePlans(side(load(path('seq-to-index.after'))), side(load(path('seq-to-index.before'))));
    expect(c.verdict).toBe('slower');
    expect(c.headlines[0]!.kind).toBe('regression');
    expect(c.headlines[0]!.text).toMatch(/^users: Index Scan using users_email_idx → Seq Scan, .*× slower\)$/);
    expect(c.diagnostics.appeared.map((d) => d.id)).toEqual(['seq-scan-filter']);
    expect(isRegression(c)).toBe(true);
  });

  it('a plan compared with itself: every node matched as the same, nothing to name', () => {
    for (const name of ['nested-loop.pg18', 'hash-spill.pg16', 'memoize-evictions.pg18', 'workers-launched.pg14']) {
      const plan = load(join(DIR, `${name}.json`));
      const c = comparePlans(side(plan), side(plan));
      expect(c.matched.map((m) => [m.before, m.after, m.kind])).toEqual(analyzePlan(plan).nodes.map((n) => [n.id, n.id, 'same']));
      expect(c.headlines).toEqual([]);
      expect(c.verdict).toBe('unchanged');
      expect(c.diagnostics.resolved).toEqual([]);
      expect(c.diagnostics.appeared).toEqual([]);
    }
  });

  it('matches by parent context, falls back to the relation, then to the kind of operation', () => {
    const scan = (relation: string, alias: string, type = 'Seq Scan', index?: string) => ({
      'Node Type': type,
      'Relation Name': relation,
      Alias: alias,
      ...(index ? { 'Index Name': index } : {}),
      'Actual Total Time': 1,
      'Actual Rows': 1,
      'Actual Loops': 1,
    });
    const join2 = (type: string, outer: object, inner: object) => ({
      'Node Type': type,
      'Actual Total Time': 5,
      'Actual Rows': 1,
      'Actual Loops': 1,
      Plans: [
        { ...outer, 'Parent Relationship': 'Outer' },
        { ...inner, 'Parent Relationship': 'Inner' },
      ],
    });
    const before = analyzePlan({
      Plan: join2('Hash Join', scan('orders', 'o'), {
        'Node Type': 'Hash',
        'Actual Total Time': 2,
        'Actual Rows': 1,
        'Actual Loops': 1,
        Plans: [scan('users', 'u')],
      }),
    });
    const after = analyzePlan({ Plan: join2('Nested Loop', scan('orders', 'o'), scan('users', 'u', 'Index Scan', 'users_pkey')) });
    const m = matchNodes(before, after).map((x) => [before.nodes[x.before]!.label, after.nodes[x.after]!.label, x.kind]);
    expect(m).toEqual([
      ['Hash Join', 'Nested Loop', 'operation'],
      ['Seq Scan on orders o', 'Seq Scan on orders o', 'same'],
      ['Seq Scan on users u', 'Index Scan using users_pkey on users u', 'access-method'],
    ]);
    // two scans of the same table under different aliases are told apart by alias
    const self = analyzePlan({ Plan: join2('Hash Join', scan('users', 'a'), { 'Node Type': 'Hash', Plans: [scan('users', 'b')] }) });
    const swapped = analyzePlan({ Plan: join2('Hash Join', scan('users', 'b'), { 'Node Type': 'Hash', Plans: [scan('users', 'a')] }) });
    const pairs = matchNodes(self, swapped).map((x) => [self.nodes[x.before]!.label, swapped.nodes[x.after]!.label]);
    expect(pairs).toContainEqual(['Seq Scan on users a', 'Seq Scan on users a']);
    expect(pairs).toContainEqual(['Seq Scan on users b', 'Seq Scan on users b']);
  });
});

describe('the comparison page', () => {
  it('shows what changed, the findings that went away, and links each change to its node in either plan', async () => {
    const before = load(path('seq-to-index.before'));
    const after = load(path('seq-to-index.after'));
    const context = (p: RawExplain) => ({
      server: { version: '18.4', major: 18 },
      query: (p.dbtool as { query: string }).query,
      analyzed: true,
      generic: false,
      settings: p.Settings ?? {},
    });
    const bv = viewOf(before, context(before), false);
    const av = viewOf(after, context(after), false);
    const text = renderCompareHtml(bv, av, comparePlans(bv, av), '0.0.0-test');
    expect(text).not.toContain('user4242');
    const page = await loadPage(text);
    const d = page.document;
    expect(page.errors).toEqual([]);
    const headline = d.querySelector('.headlines li')!;
    expect(headline.textContent).toMatch(/users: Seq Scan → Index Scan using users_email_idx/);
    expect(d.querySelector('[data-resolved="seq-scan-filter"]')).not.toBeNull();
    const [beforeButton, afterButton] = [...headline.querySelectorAll('button')] as unknown as HTMLButtonElement[];
    beforeButton!.click();
    expect((d.getElementById('b-panel') as unknown as HTMLElement).hidden).toBe(false);
    expect(d.querySelector('#b-panel .row.hl')!.parentElement!.getAttribute('data-type')).toBe('Seq Scan');
    afterButton!.click();
    expect((d.getElementById('b-panel') as unknown as HTMLElement).hidden).toBe(true);
    expect(d.querySelector('#a-panel .row.hl')!.parentElement!.getAttribute('data-type')).toBe('Index Scan');
    await page.close();
  });
});

describe('dbtool explain --compare (CLI)', { timeout: 60_000 }, () => {
  it('pretty: names the improvement and the node; json: the same, versioned', async () => {
    const run = await dbtool(['explain', '--compare', path('seq-to-index.before'), path('seq-to-index.after')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/✔ users: Seq Scan → Index Scan using users_email_idx, .*× faster\)/);
    expect(run.stdout).toContain('gone   seq-scan-filter (Seq Scan on users)');
    const json = await dbtool(['explain', '--compare', path('sort-spill-to-memory.before'), path('sort-spill-to-memory.after'), '--format', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ tool: 'dbtool', reportVersion: 1, command: 'explain-compare', verdict: 'faster', regression: false });
    expect(report.headlines[0].text).toMatch(/^Sort: external merge Disk/);
    expect(report.diagnostics.resolved[0].id).toBe('sort-spill');
  });

  it('--fail-on-regression exits 1 when the after plan is slower, 0 when it is faster', async () => {
    const slower = await dbtool(['explain', '--compare', path('seq-to-index.after'), path('seq-to-index.before'), '--fail-on-regression']);
    expect(slower.code).toBe(1);
    expect(slower.stderr).toContain('--fail-on-regression');
    const faster = await dbtool(['explain', '--compare', path('seq-to-index.before'), path('seq-to-index.after'), '--fail-on-regression']);
    expect(faster.code).toBe(0);
  });

  it('html: writes the comparison page', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dbtool-compare-')), 'c.html');
    const run = await dbtool(['explain', '--compare', path('seq-to-index.before'), path('seq-to-index.after'), '--format', 'html', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('"kind":"compare"');
  });

  it('refuses a missing plan file, one side only, and --compare with --baseline; exit 2 and no stack', async () => {
    const cases = [
      ['--compare', 'nope.json', path('seq-to-index.after')],
      ['--compare', path('seq-to-index.after')],
      ['--compare', path('seq-to-index.before'), path('seq-to-index.after'), '--baseline', path('seq-to-index.before')],
      ['--fail-on-regression', '--plan', path('seq-to-index.before')],
    ];
    for (const args of cases) {
      const run = await dbtool(['explain', ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).not.toContain('internal error');
    }
  });

  it('--save writes the plan of a query run with its query; --baseline compares a new run against it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dbtool-save-'));
    writeFileSync(join(cwd, 'package.json'), '{}');
    const saved = join(cwd, 'before.json');
    const sql = 'SELECT g FROM generate_series(1, 20000) g WHERE g % 1000 = 7';
    const first = await dbtool(['explain', sql, '--save', saved, '--format', 'json'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    const file = JSON.parse(readFileSync(saved, 'utf8'));
    expect(file[0].Plan['Node Type']).toBe('Function Scan');
    expect(file[0].dbtool.query).toBe(sql);
    // the saved query is run again when none is given
    const again = await dbtool(['explain', '--baseline', saved, '--format', 'json'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report.command).toBe('explain-compare');
    expect(report.nodes[0]).toMatchObject({ kind: 'same', beforeLabel: 'Function Scan', afterLabel: 'Function Scan' });
    // the saved file is a plan --plan reads, and it knows its query
    const plan = await dbtool(['explain', '--plan', saved, '--format', 'json'], { cwd });
    expect(JSON.parse(plan.stdout).query).toBe(sql);
  });
});
