/// <reference lib="dom" />
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HTMLButtonElement, HTMLElement } from 'happy-dom';
import { beforeAll, describe, expect, it } from 'vitest';
import { redactExpression } from '../src/ai/explain/redact-plan.js';
import { analyzePlan } from '../src/explain/analyze.js';
import { diagnose } from '../src/explain/diagnose.js';
import { viewOf } from '../src/explain/html/data.js';
import { CONTENT_SECURITY_POLICY, renderPlanHtml } from '../src/explain/html/page.js';
import { redactExpressions } from '../src/explain/html/redact.js';
import type { RawExplain, RawNode } from '../src/explain/plan-json.js';
import { readPlan } from '../src/explain/plan-json.js';
import type { ExplainContext } from '../src/explain/report.js';
import { loadParser } from '../src/review/parse.js';
import { loadPage } from './explain-html-dom.js';
import { dbtool } from './migrate/helpers.js';

beforeAll(loadParser);

const DIR = join(import.meta.dirname, '..', 'fixtures', 'explain');
const FIXTURES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const COMPARE = join(DIR, 'compare');
const load = (path: string) => readPlan(readFileSync(path, 'utf8'), path);
const context = (plan: RawExplain, query?: string): ExplainContext => ({
  server: { version: '18.4', major: 18 },
  query,
  analyzed: plan.Plan['Actual Total Time'] !== undefined,
  generic: false,
  settings: plan.Settings ?? {},
});
const html = (plan: RawExplain, options: { query?: string; showLiterals?: boolean } = {}) =>
  renderPlanHtml(viewOf(plan, context(plan, options.query), Boolean(options.showLiterals)), '0.0.0-test');
const nodeTypes = (plan: RawExplain) => [...new Set(analyzePlan(plan).nodes.map((n) => n.nodeType))].sort();

describe('explain --format html: every captured plan renders and its page works', () => {
  it.each(FIXTURES)('%s', async (name) => {
    const plan = load(join(DIR, name));
    const page = await loadPage(html(plan));
    try {
      expect(page.errors).toEqual([]);
      expect(page.document.documentElement.getAttribute('data-ready')).toBe('true');
      const shown = [...new Set([...page.document.querySelectorAll('.tree [role=treeitem]')].map((li) => li.getAttribute('data-type')))].sort();
      expect(shown).toEqual(nodeTypes(plan));
      // the diagnostics on the page are those of the redacted plan; they are the same ids as the plan's own
      const ids = diagnose(analyzePlan(plan))
        .map((d) => d.id)
        .sort();
      expect([...page.document.querySelectorAll('.findings [data-diag]')].map((li) => li.getAttribute('data-diag')).sort()).toEqual(ids);
    } finally {
      await page.close();
    }
  });
});

describe('the HTML page', () => {
  const plan = load(join(DIR, 'seq-scan-filter.pg18.json'));

  it('links each finding to its node: clicking it highlights and focuses the node', async () => {
    const misestimate = load(join(DIR, 'misestimate.pg18.json'));
    const diagnostics = diagnose(analyzePlan(misestimate)).filter((d) => d.nodeId !== undefined);
    expect(diagnostics.length).toBeGreaterThan(0);
    const page = await loadPage(html(misestimate));
    const d = page.document;
    for (const diagnostic of diagnostics) {
      const button = d.querySelector(`.findings [data-diag="${diagnostic.id}"] button.goto`) as unknown as HTMLButtonElement;
      expect(button.getAttribute('data-node')).toBe(String(diagnostic.nodeId));
      button.click();
      const highlighted = [...d.querySelectorAll('.tree .row.hl')];
      expect(highlighted).toHaveLength(1);
      expect(highlighted[0]!.parentElement!.getAttribute('data-node')).toBe(String(diagnostic.nodeId));
      expect(d.activeElement?.getAttribute('data-node')).toBe(String(diagnostic.nodeId));
    }
    await page.close();
  });

  it('collapses and expands a node with its toggle and with the keyboard', async () => {
    const page = await loadPage(html(load(join(DIR, 'nested-loop.pg18.json'))));
    const d = page.document;
    const root = d.querySelector('.tree > li') as unknown as HTMLElement;
    const group = () => root.querySelector(':scope > ul') as unknown as HTMLElement;
    expect(root.getAttribute('aria-expanded')).toBe('true');
    expect(group().hidden).toBe(false);
    (root.querySelector(':scope > .row > .tog') as unknown as HTMLButtonElement).click();
    expect(root.getAttribute('aria-expanded')).toBe('false');
    expect(group().hidden).toBe(true);
    root.focus();
    root.dispatchEvent(new page.window.KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    expect(root.getAttribute('aria-expanded')).toBe('true');
    expect(group().hidden).toBe(false);
    root.dispatchEvent(new page.window.KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    expect(d.activeElement?.getAttribute('data-node')).toBe('1');
    (d.querySelector('button.collapse-all') as unknown as HTMLButtonElement).click();
    expect(d.querySelectorAll('.tree [aria-expanded=true]')).toHaveLength(0);
    await page.close();
  });

  it('draws an icicle block for every node that takes time; clicking one highlights the node in the tree', async () => {
    const nested = load(join(DIR, 'nested-loop.pg18.json'));
    const metrics = analyzePlan(nested);
    const page = await loadPage(html(nested));
    const blocks = [...page.document.querySelectorAll('.icicle .blk')];
    const drawn = blocks.map((b) => Number(b.getAttribute('data-node')));
    // too thin to see (under 0.2% of the width) is left out; everything from 1% is drawn
    const visible = metrics.nodes.filter((n) => n.inclusiveMs >= metrics.nodes[0]!.inclusiveMs * 0.01).map((n) => n.id);
    expect(visible.length).toBeGreaterThan(1);
    for (const id of visible) expect(drawn).toContain(id);
    const last = blocks[blocks.length - 1] as unknown as HTMLElement;
    last.click();
    expect(page.document.querySelector('.tree .row.hl')!.parentElement!.getAttribute('data-node')).toBe(last.getAttribute('data-node'));
    expect(last.classList.contains('hl')).toBe(true);
    await page.close();
  });

  it('names no external resource: no URL, no @import, no url(), only its two inline scripts, a strict CSP', () => {
    for (const name of FIXTURES) {
      const text = html(load(join(DIR, name)));
      expect(text).not.toMatch(/https?:\/\//i);
      expect(text).not.toMatch(/@import|url\(|\ssrc=|\shref=|<link|<iframe|<img/i);
      expect(text.match(/<script/g)).toHaveLength(2);
    }
    expect(CONTENT_SECURITY_POLICY).toMatch(/^default-src 'none';/);
    // it sits in a double-quoted attribute unescaped
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/["<>&]/);
  });

  it("lets the browser run its script: the CSP names the inline script's hash", () => {
    const text = html(plan);
    const script = /<script>([\s\S]*?)<\/script>/.exec(text)![1]!;
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(text).toContain(`script-src 'sha256-${hash}'`);
  });

  it("hides literal values of the query and of the plan's expressions unless asked to show them", async () => {
    const before = load(join(COMPARE, 'seq-to-index.before.pg18.json'));
    const query = (before.dbtool as { query: string }).query;
    expect(JSON.stringify(before.Plan)).toContain('user4242@example.com');
    const hidden = html(before, { query });
    expect(hidden).not.toContain('user4242');
    expect(hidden).toContain('WHERE email = $1');
    const page = await loadPage(hidden);
    expect(page.document.querySelector('.det')!.textContent).toMatch(/Filter: \(users\.email = \$1::text\)/);
    expect(page.document.querySelector('.findings [data-diag="seq-scan-filter"]')).not.toBeNull();
    await page.close();
    const shown = html(before, { query, showLiterals: true });
    expect(shown).toContain('user4242@example.com');
    // the other advice fixtures' distinctive values too
    for (const [name, literal] of [
      ['advice-lower-email', 'user123@example.com'],
      ['advice-uuid-eq', '4dae8edd-4b2c'],
      ['advice-citext-eq', 'handle123'],
      ['advice-enum-range', 'banned'],
    ] as const) {
      const p = load(join(DIR, `${name}.pg18.json`));
      expect(JSON.stringify(p)).toContain(literal);
      expect(html(p)).not.toContain(literal);
      expect(html(p, { showLiterals: true })).toContain(literal);
    }
  });

  it("redacts the way --ai does: each batched expression equals redactExpression's result", () => {
    const texts = [
      "(u.email = 'a''b'::text)",
      '(t.id = 42)',
      "((x)::text ~~ 'p%'::text)",
      'lower((u.email)::text)',
      '(a.v = $1)',
      "(e.ts > '2024-06-01 00:00:00'::timestamp without time zone)",
      '(1.5 < t.f)',
    ];
    const batched = redactExpressions(texts);
    for (const text of texts) expect(batched.get(text)).toBe(redactExpression(text));
    // an unterminated quote cannot be split at the separators: it falls back to redactExpression and is dropped
    const broken = redactExpressions(["(x = 'open", '(y = 7)']);
    expect(broken.get("(x = 'open")).toBeUndefined();
    expect(broken.get('(y = 7)')).toBe('(y = $1)');
  });

  it('escapes names from the database: a relation called </script><script>alert(1)</script> stays text', async () => {
    const evil = '</script><script>alert(1)</script>';
    const quotes = `"'<>&`;
    const node = (extra: Partial<RawNode>): RawNode => ({
      'Node Type': 'Seq Scan',
      'Total Cost': 10,
      'Plan Rows': 5000,
      'Actual Total Time': 20,
      'Actual Rows': 1,
      'Actual Loops': 1,
      'Rows Removed by Filter': 9999,
      Filter: '(a = 1)',
      ...extra,
    });
    const plan: RawExplain = {
      Plan: {
        'Node Type': 'Hash Join',
        'Total Cost': 30,
        'Plan Rows': 1,
        'Actual Total Time': 45,
        'Actual Rows': 1,
        'Actual Loops': 1,
        'Hash Cond': `("${quotes}".id = x.id)`,
        Plans: [
          node({ 'Relation Name': evil, Alias: quotes, 'Parent Relationship': 'Outer' }),
          {
            'Node Type': 'Hash',
            'Parent Relationship': 'Inner',
            'Actual Total Time': 20,
            'Actual Rows': 1,
            'Actual Loops': 1,
            Plans: [node({ 'Relation Name': quotes, Alias: evil })],
          },
        ],
      },
      'Execution Time': 50,
      'Planning Time': 1,
      Settings: { [evil]: quotes },
    };
    for (const showLiterals of [false, true]) {
      const text = html(plan, { query: `SELECT '${evil}' FROM "${quotes}"`, showLiterals });
      expect(text.match(/<script/gi)).toHaveLength(2);
      expect(text.match(/<\/script/gi)).toHaveLength(2);
      const page = await loadPage(text);
      expect(page.errors).toEqual([]);
      expect(page.alerted()).toBe(false);
      const labels = [...page.document.querySelectorAll('.tree .lbl')].map((l) => l.textContent);
      expect(labels).toContain(`Seq Scan on ${evil} ${quotes}`);
      expect(labels).toContain(`Seq Scan on ${quotes} ${evil}`);
      expect(page.document.querySelector('dl.settings')!.textContent).toContain(evil);
      expect(page.document.querySelectorAll('script')).toHaveLength(2);
      await page.close();
    }
  });

  it('shows an estimated plan by cost, with no findings', async () => {
    const estimated = load(join(DIR, 'not-analyzed.pg18.json'));
    const page = await loadPage(html(estimated));
    expect(page.document.querySelector('.flame h2')!.textContent).toBe('Where the estimated cost goes');
    expect(page.document.querySelector('.findings')!.textContent).toContain('Not executed');
    expect(page.document.querySelectorAll('.icicle .blk').length).toBeGreaterThan(0);
    await page.close();
  });

  it('draws only the first levels of a 10,001-node plan and the rest on demand, in chunks', async () => {
    const members: RawNode[] = Array.from({ length: 5000 }, (_, i) => ({
      'Node Type': 'Limit',
      'Parent Relationship': 'Member',
      'Total Cost': 8,
      'Plan Rows': 1,
      'Actual Total Time': 0.01,
      'Actual Rows': 1,
      'Actual Loops': 1,
      Plans: [
        {
          'Node Type': 'Index Scan',
          'Parent Relationship': 'Outer',
          'Index Name': 't_pkey',
          'Relation Name': 't',
          Alias: 't',
          'Index Cond': `(t.id = ${i + 1})`,
          'Total Cost': 8,
          'Plan Rows': 1,
          'Actual Total Time': 0.008,
          'Actual Rows': 1,
          'Actual Loops': 1,
        },
      ],
    }));
    const big: RawExplain = {
      Plan: { 'Node Type': 'Append', 'Total Cost': 40000, 'Plan Rows': 5000, 'Actual Total Time': 60, 'Actual Rows': 5000, 'Actual Loops': 1, Plans: members },
      'Execution Time': 61,
    };
    const page = await loadPage(html(big));
    const d = page.document;
    expect(d.querySelectorAll('.tree [role=treeitem]')).toHaveLength(1 + 500);
    (d.querySelector('.tree button.more') as unknown as HTMLButtonElement).click();
    expect(d.querySelectorAll('.tree [role=treeitem]')).toHaveLength(1 + 1000);
    const last = d.querySelector('.tree li[data-node="10000"]');
    expect(last).toBeNull();
    await page.close();
  }, 60_000);
});

describe('dbtool explain --format html (CLI)', { timeout: 60_000 }, () => {
  const plan = join(DIR, 'seq-scan-filter.pg18.json');

  it('writes the page to --out and prints its path; - writes it to standard output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-html-'));
    const out = join(dir, 'plan.html');
    const run = await dbtool(['explain', '--plan', plan, '--format', 'html', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`${out}\n`);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
    const piped = await dbtool(['explain', '--plan', plan, '--format', 'html', '--out', '-']);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^<!doctype html>[\s\S]*<\/html>\n$/);
  });

  it('writes to a new file in the temp dir by default; --open without a browser says where the file is', async () => {
    const run = await dbtool(['explain', '--plan', plan, '--open'], { env: { DISPLAY: undefined, WAYLAND_DISPLAY: undefined } });
    expect(run.code, run.stderr).toBe(0);
    const path = run.stdout.trim();
    expect(path.startsWith(tmpdir())).toBe(true);
    expect(existsSync(path)).toBe(true);
    expect(run.stderr).toContain(`open ${path} in a browser`);
  });

  it('refuses flags that do not fit: --show-literals outside html, --open with another format, --ai with html', async () => {
    for (const args of [['--show-literals'], ['--format', 'json', '--show-literals'], ['--format', 'json', '--open'], ['--format', 'html', '--ai-dry-run']]) {
      const run = await dbtool(['explain', '--plan', plan, ...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).not.toContain('internal error');
    }
  });
});
