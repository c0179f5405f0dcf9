// The HTML plan page in a real browser: Debian's chromium (/usr/bin/chromium, or DBTOOL_CHROMIUM), driven by
// playwright-core. Every captured plan and each before/after pair is loaded from file:// and checked: no
// console error (a CSP violation is one), no request other than file: / data:, every node type and finding
// shown; screenshots go to a temp dir (phone and wide, light and dark); a 10,001-node plan must render and
// answer a click quickly. Not part of `npm test`: run `npm run test:browser` (it builds first).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(import.meta.dirname, '..');
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { analyzePlan } = await dist('explain/analyze.js');
const { comparePlans } = await dist('explain/compare.js');
const { diagnose } = await dist('explain/diagnose.js');
const { viewOf } = await dist('explain/html/data.js');
const { renderCompareHtml, renderPlanHtml } = await dist('explain/html/page.js');
const { readPlan } = await dist('explain/plan-json.js');
const { loadParser } = await dist('review/parse.js');

const executablePath = process.env.DBTOOL_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`test:browser needs chromium at ${executablePath} (apt-get install -y chromium), or DBTOOL_CHROMIUM`);
  process.exit(2);
}
await loadParser();
const work = mkdtempSync(join(tmpdir(), 'dbtool-browser-'));
const shots = join(work, 'screenshots');
const started = Date.now();
const failures = [];
const fail = (what) => {
  failures.push(what);
  console.error(`FAIL ${what}`);
};

const fixtures = join(root, 'fixtures', 'explain');
const contextOf = (plan) => ({
  server: plan.dbtool?.server ?? null,
  query: plan.dbtool?.query,
  analyzed: plan.Plan['Actual Total Time'] !== undefined,
  generic: false,
  settings: plan.Settings ?? {},
});
const pages = readdirSync(fixtures)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((name) => {
    const plan = readPlan(readFileSync(join(fixtures, name), 'utf8'), name);
    const metrics = analyzePlan(plan);
    return {
      name,
      html: renderPlanHtml(viewOf(plan, contextOf(plan), false), 'browser-test'),
      types: [...new Set(metrics.nodes.map((n) => n.nodeType))].sort(),
      diagnostics: diagnose(metrics)
        .map((d) => d.id)
        .sort(),
    };
  });
const compareDir = join(fixtures, 'compare');
for (const name of readdirSync(compareDir).filter((f) => f.includes('.before.'))) {
  const before = readPlan(readFileSync(join(compareDir, name), 'utf8'), name);
  const after = readPlan(readFileSync(join(compareDir, name.replace('.before.', '.after.')), 'utf8'), name);
  const bv = viewOf(before, contextOf(before), false);
  const av = viewOf(after, contextOf(after), false);
  pages.push({ name: name.replace('.before.', '.compare.'), html: renderCompareHtml(bv, av, comparePlans(bv, av), 'browser-test'), compare: true });
}

const userDataDir = mkdtempSync(join(work, 'profile-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = context.pages()[0] ?? (await context.newPage());
let problems = [];
page.on('console', (m) => {
  if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
});
page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
page.on('request', (r) => {
  if (!/^(file|data):/.test(r.url())) problems.push(`network request: ${r.url()}`);
});

async function open(name, html) {
  const file = join(work, `${name}.html`);
  writeFileSync(file, html);
  problems = [];
  const t = Date.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('html[data-ready=true]', { timeout: 20_000 });
  return Date.now() - t;
}

try {
  for (const p of pages) {
    await open(p.name, p.html);
    if (p.compare) {
      const headline = await page.locator('.headlines li').first().textContent();
      if (!headline || !/→/.test(headline)) fail(`${p.name}: no headline (${headline})`);
    } else {
      const types = await page.$$eval('.tree [role=treeitem]', (lis) => [...new Set(lis.map((li) => li.getAttribute('data-type')))].sort());
      if (JSON.stringify(types) !== JSON.stringify(p.types)) fail(`${p.name}: node types ${types} != ${p.types}`);
      const ids = await page.$$eval('.findings [data-diag]', (lis) => lis.map((li) => li.getAttribute('data-diag')).sort());
      if (JSON.stringify(ids) !== JSON.stringify(p.diagnostics)) fail(`${p.name}: findings ${ids} != ${p.diagnostics}`);
      const go = page.locator('.findings button.goto').first();
      if (await go.count()) {
        await go.click();
        if ((await page.locator('.tree .row.hl').count()) !== 1) fail(`${p.name}: clicking a finding highlights no node`);
      }
    }
    for (const m of problems) fail(`${p.name}: ${m}`);
    await page.screenshot({ path: join(shots, `${p.name}.png`), fullPage: true });
  }

  // phone-sized and dark
  const sample = pages.find((p) => p.name === 'nested-loop.pg18.json');
  await page.setViewportSize({ width: 390, height: 844 });
  await open('phone', sample.html);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 1) fail(`phone: the page is ${overflow}px wider than the screen`);
  await page.screenshot({ path: join(shots, 'phone.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await open('phone-dark', sample.html);
  await page.screenshot({ path: join(shots, 'phone-dark.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const m of problems) fail(`phone: ${m}`);

  // a 10,001-node plan stays responsive
  const members = Array.from({ length: 5000 }, (_, i) => ({
    'Node Type': 'Limit',
    'Parent Relationship': 'Member',
    'Total Cost': 8.3,
    'Plan Rows': 1,
    'Actual Total Time': 0.01,
    'Actual Rows': 1,
    'Actual Loops': 1,
    Output: ['t.v'],
    Plans: [
      {
        'Node Type': 'Index Scan',
        'Parent Relationship': 'Outer',
        'Index Name': 't_pkey',
        'Relation Name': 't',
        Schema: 'public',
        Alias: 't',
        'Index Cond': `(t.id = ${i + 1})`,
        Output: ['t.v'],
        'Total Cost': 8.3,
        'Plan Rows': i === 4999 ? 1 : 1,
        'Actual Total Time': i === 4999 ? 5 : 0.008,
        'Actual Rows': i === 4999 ? 5000 : 1,
        'Actual Loops': 1,
      },
    ],
  }));
  const big = {
    Plan: { 'Node Type': 'Append', 'Total Cost': 41500, 'Plan Rows': 5000, 'Actual Total Time': 60, 'Actual Rows': 5000, 'Actual Loops': 1, Plans: members },
    'Execution Time': 61,
    'Planning Time': 20,
  };
  const t = Date.now();
  const bigHtml = renderPlanHtml(viewOf(big, contextOf(big), false), 'browser-test');
  const renderMs = Date.now() - t;
  const loadMs = await open('big', bigHtml);
  const clickStart = Date.now();
  await page.locator('.findings button.goto').first().click();
  await page.waitForSelector('.tree .row.hl');
  const clickMs = Date.now() - clickStart;
  const expandStart = Date.now();
  await page.locator('button.expand-all').first().click();
  await page.waitForFunction(() => document.querySelectorAll('.tree [role=treeitem]').length > 5000);
  const expandMs = Date.now() - expandStart;
  for (const m of problems) fail(`big: ${m}`);
  console.log(
    `10,001-node plan: HTML ${renderMs} ms in Node, page ready in ${loadMs} ms, a finding's node shown in ${clickMs} ms, expand all in ${expandMs} ms`,
  );
  if (loadMs > 5000) fail(`big: the page took ${loadMs} ms to render (limit 5000)`);
  if (clickMs > 2000) fail(`big: a click took ${clickMs} ms (limit 2000)`);
  await page.screenshot({ path: join(shots, 'big.png') });
} finally {
  await context.close();
}
console.log(`${pages.length} pages checked in chromium in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${shots}`);
// the plain closing line CI reads: pages that passed every check, and failures
const failedPages = new Set(failures.map((f) => String(f).split(':')[0]));
console.log(`browser: ${pages.length + 1 - Math.min(failedPages.size, pages.length + 1)} passed, ${failures.length} failed`);
if (failures.length > 0) process.exit(1);
