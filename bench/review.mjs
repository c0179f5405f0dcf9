// Reviews the whole real-world corpus with dbtool, squawk and pgfence in one run and prints, in order: dbtool's
// coverage of squawk's own test cases, dbtool's error and warning findings per corpus repo, then wall times
// (cold, warm from the review cache, pre-merge, one file), peak RSS and their ratios to the targets. Never part of `npm test`: timings and counts belong here, not in assertions.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createJiti } from 'jiti';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(root, '..', 'shared', 'corpus', 'real-world');
if (!existsSync(corpus)) {
  console.error(`bench: ${corpus} is absent; the corpus benchmark needs ../shared`);
  process.exit(2);
}

// the one mapping from squawk's rules to dbtool's, shared with test/review/squawk-cases.test.ts (TypeScript,
// loaded with jiti, which also resolves the sources' `./x.js` specifiers to their .ts files)
const jiti = createJiti(import.meta.url);
const coverage = await jiti.import('../test/review/squawk-coverage.ts');
const { loadParser } = await jiti.import('../src/review/parse.ts');
const cases = coverage.readSquawkCases();
if (!cases) {
  console.error(`bench: ${coverage.SQUAWK_CASES_PATH} is absent; the coverage of squawk's test cases needs ../shared`);
  process.exit(2);
}

const folders = readdirSync(corpus)
  .filter((p) => statSync(join(corpus, p)).isDirectory())
  .flatMap((p) => readdirSync(join(corpus, p)).map((inner) => join(corpus, p, inner)));

// exactly the files dbtool reviews (journal order, down migrations left out), taken from its own reader
const { loadInput } = await import(join(root, 'dist', 'drizzle', 'inputs.js'));
const files = folders.flatMap((folder) =>
  loadInput(folder, '/', () => '')
    .files.filter((f) => f.text !== undefined)
    .map((f) => resolve('/', f.path)),
);

function squawkBinary() {
  const require = createRequire(join(root, 'package.json'));
  const pkg = `@squawk-cli/${process.platform}-${process.arch}`;
  const dir = dirname(require.resolve(`${pkg}/package.json`));
  return join(dir, 'bin', readdirSync(join(dir, 'bin'))[0]);
}

/**
 * Runs a command `runs` times; returns the median wall time and the largest peak RSS (undefined when an optional
 * one fails). `before(i)` runs untimed ahead of each run (and of the RSS run after it).
 */
function measure(label, command, args, runs, optional = false, before = () => {}) {
  const times = [];
  let peakKb = 0;
  for (let i = 0; i < runs; i++) {
    before(2 * i);
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 28 });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    // 1 means findings, which the corpus certainly has; anything else is a failure of the tool
    if (result.status !== 0 && result.status !== 1) {
      console.error(`${label} failed (exit ${result.status}): ${result.stderr.slice(0, 500)}`);
      if (optional) return undefined;
      process.exit(2);
    }
    times.push(elapsed);
    before(2 * i + 1);
    peakKb = Math.max(peakKb, peakRss(command, args));
  }
  times.sort((a, b) => a - b);
  return { label, ms: times[Math.floor(times.length / 2)], peakKb };
}

/** Peak resident memory of one run, measured with GNU time when the machine has it. */
function peakRss(command, args) {
  if (!existsSync('/usr/bin/time')) return 0;
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = result.stderr.trim().split('\n');
  return Number(lines[lines.length - 1]) || 0;
}

const node = process.execPath;
const dbtool = join(root, 'bin', 'dbtool.js');
const squawk = squawkBinary();
// five: on a shared two-core machine three runs let one slow run decide a median (files/folders read 1.82x once)
const runs = Number(process.env.BENCH_RUNS ?? 5);

// ---- coverage of squawk's own test cases
await loadParser();
const cov = coverage.squawkCoverage(cases);
const frac = (x) => `${`${x.hit}/${x.total}`.padStart(7)} ${`(${coverage.percent(x)}%)`.padStart(8)}`;
const { safety, style, rawSafety, rawStyle } = cov.totals;
console.log(
  `squawk's test cases: ${cases.length} (${relative(root, coverage.SQUAWK_CASES_PATH)}); where squawk expects a rule to fire, dbtool fires a mapped rule on`,
);
console.log(`  ${'squawk rule'.padEnd(46)} ${'kind'.padEnd(6)} ${'agreed cases'.padStart(16)}  ${'all cases'.padStart(16)}`);
for (const r of cov.rules) console.log(`  ${r.rule.padEnd(46)} ${r.kind.padEnd(6)} ${frac(r)}  ${frac(cov.raw[r.rule])}`);
console.log(`  ${'TOTAL safety'.padEnd(53)} ${frac(safety)}  ${frac(rawSafety)}`);
console.log(`  ${'TOTAL style'.padEnd(53)} ${frac(style)}  ${frac(rawStyle)}`);
// per case: any warning or error, PostgreSQL 11 cases run as 12 (issue 15's figure)
const perCase = coverage.perCaseCoverage(cases);
console.log(
  `  per case: ${frac(perCase.all)} of squawk's safety cases get a warning or error from dbtool; ${frac(perCase.agreed)} leaving out the ${perCase.all.total - perCase.agreed.total} it disagrees with`,
);
const whyNot = new Map();
for (const m of perCase.missed) whyNot.set(m.reason ?? 'MISSED', (whyNot.get(m.reason ?? 'MISSED') ?? 0) + 1);
for (const [reason, n] of whyNot) console.log(`    ${String(n).padStart(3)} without a warning: ${reason}`);
// a safety miss outside KNOWN_GAPS fails test/review/squawk-cases.test.ts: marked NEW here
const misses = cov.rules.flatMap((r) => r.missed.map((id) => ({ rule: r.rule, id, kind: r.kind, known: coverage.KNOWN_GAPS.includes(`${r.rule}: ${id}`) })));
const fresh = misses.filter((m) => m.kind === 'safety' && !m.known).length;
console.log(`  misses (expectations dbtool agrees with but does not meet): ${misses.length}; safety misses not in KNOWN_GAPS: ${fresh}`);
for (const m of misses) console.log(`    ${m.kind === 'safety' && !m.known ? 'NEW ' : ''}${m.rule}: ${m.id}${m.kind === 'style' ? ' (style)' : ''}`);
// disagreements grouped by reason; a case that disagrees on several rules for one reason is listed once
const byReason = new Map();
for (const s of cov.skipped) {
  const group = byReason.get(s.reason) ?? new Map();
  group.set(s.id, [...(group.get(s.id) ?? []), s.rule]);
  byReason.set(s.reason, group);
}
/** Case ids of one squawk test written once: `file::test#3`, `file::test#5` → `file::test#{3,5}`. */
function compactIds(ids) {
  const out = [];
  for (const id of ids) {
    const m = /^(.*)#(\d+)$/.exec(id);
    const last = out[out.length - 1];
    if (m && last && last.base === m[1]) last.numbers.push(m[2]);
    else out.push(m ? { base: m[1], numbers: [m[2]] } : { base: id, numbers: [] });
  }
  return out.map(({ base, numbers }) => (numbers.length > 1 ? `${base}#{${numbers.join(',')}}` : numbers.length ? `${base}#${numbers[0]}` : base));
}
console.log(`  disagreements (left out of "agreed"): ${cov.skipped.length} expectation(s), ${byReason.size} reason(s)`);
for (const [reason, group] of byReason) {
  const rules = [...new Set([...group.values()].flat())];
  console.log(`    [${group.size} case(s); ${rules.join(', ')}] ${reason}`);
  const ids = compactIds([...group].map(([id, rs]) => (rules.length > 1 ? `${id} (${rs.join(', ')})` : id)));
  let line = '';
  for (const id of ids) {
    if (line && line.length + id.length + 2 > 110) {
      console.log(`      ${line},`);
      line = '';
    }
    line = line ? `${line}, ${id}` : id;
  }
  if (line) console.log(`      ${line}`);
}
console.log('');

// ---- error and warning findings per corpus repo, from dbtool's JSON report (all folders, one process)
const reviewed = spawnSync(process.execPath, [join(root, 'bin', 'dbtool.js'), 'review-migration', ...folders, '--format', 'json', '--no-cache'], {
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
if (reviewed.status !== 0 && reviewed.status !== 1) {
  console.error(`dbtool review-migration failed (exit ${reviewed.status}): ${reviewed.stderr.slice(0, 500)}`);
  process.exit(2);
}
const report = JSON.parse(reviewed.stdout);
const repos = new Map(
  readdirSync(corpus)
    .filter((p) => statSync(join(corpus, p)).isDirectory())
    .map((p) => [p, { files: 0, errors: 0, warnings: 0, errorRules: new Map() }]),
);
for (const file of report.files) {
  const repo = relative(corpus, resolve(file.path)).split(sep)[0];
  const row = repos.get(repo);
  if (!row) throw new Error(`bench: ${file.path} is not under ${corpus}`);
  row.files++;
  for (const f of [...file.findings, ...file.statements.flatMap((s) => s.findings)]) {
    if (f.severity === 'error') {
      row.errors++;
      row.errorRules.set(f.rule, (row.errorRules.get(f.rule) ?? 0) + 1);
    } else if (f.severity === 'warning') row.warnings++;
  }
}
const rows = [...repos].sort(([a, x], [b, y]) => y.errors - x.errors || a.localeCompare(b));
const sumOf = (key) => rows.reduce((n, [, r]) => n + r[key], 0);
console.log('dbtool findings per corpus repo (review-migration, default settings)');
console.log(`  ${'repo'.padEnd(28)} ${'files'.padStart(5)} ${'errors'.padStart(6)} ${'warnings'.padStart(8)}  top error rules`);
for (const [repo, r] of rows) {
  const top = [...r.errorRules]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, 3)
    .map(([rule, n]) => `${rule} ${n}`)
    .join(', ');
  console.log(`  ${repo.padEnd(28)} ${String(r.files).padStart(5)} ${String(r.errors).padStart(6)} ${String(r.warnings).padStart(8)}  ${top}`);
}
console.log(`  ${'TOTAL'.padEnd(28)} ${String(sumOf('files')).padStart(5)} ${String(sumOf('errors')).padStart(6)} ${String(sumOf('warnings')).padStart(8)}`);
if (sumOf('errors') !== report.summary.errors || sumOf('warnings') !== report.summary.warnings) {
  console.log(`  (the report's own summary says ${report.summary.errors} errors, ${report.summary.warnings} warnings)`);
}
console.log('');

// ---- wall times: cold (--no-cache), warm (the review cache filled, nothing changed), pre-merge, one file
const scratch = mkdtempSync(join(tmpdir(), 'dbtool-bench-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
const corpusCache = join(scratch, 'corpus-cache');
const pgfence = pgfenceBinary();

// pre-merge: one new migration after the 299 files of the largest corpus folder (sim), in a copy of it
const sim = folders.find((f) => f.includes('simstudioai__sim'));
const branch = join(scratch, 'sim');
cpSync(sim, branch, { recursive: true });
const journalPath = join(branch, 'meta', '_journal.json');
const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
const previous = journal.entries[journal.entries.length - 1];
journal.entries.push({ ...previous, idx: previous.idx + 1, when: previous.when + 1000, tag: '0299_bench_new_migration' });
writeFileSync(journalPath, JSON.stringify(journal, null, 2));
const NEW_MIGRATION =
  'ALTER TABLE "workflow" ADD COLUMN "archived_at" timestamp;\n--> statement-breakpoint\nCREATE INDEX "workflow_archived_at_idx" ON "workflow" USING btree ("archived_at");\n';
const newFile = join(branch, '0299_bench_new_migration.sql');
writeFileSync(newFile, NEW_MIGRATION);
const aloneFile = join(scratch, 'alone', '0299_bench_new_migration.sql');
mkdirSync(dirname(aloneFile));
writeFileSync(aloneFile, NEW_MIGRATION);
const preMergeCache = join(scratch, 'pre-merge-cache');

const review = (paths, ...flags) => [dbtool, 'review-migration', ...paths, '--format', 'json', ...flags];
// fills the caches the warm runs read (not timed)
for (const [paths, dir] of [
  [folders, corpusCache],
  [[newFile], preMergeCache],
])
  spawnSync(node, review(paths, '--cache-dir', dir), { stdio: 'ignore' });
const cacheBytes = folderBytes(corpusCache);

console.log(`corpus: ${folders.length} folders, ${files.length} files; ${runs} runs each, median wall time (peak RSS from one more run)`);
console.log('(the machine is shared: other processes load both cores, so absolute times vary between runs; compare ratios)');
const folderCold = measure('dbtool, corpus as folders, cold (--no-cache)', node, review(folders, '--no-cache'), runs);
// the same files named one by one: each against its folder's history, which must not cost a pass per file
const filesCold = measure('dbtool, corpus as files, cold (--no-cache)', node, review(files, '--no-cache'), runs);
const folderWarm = measure('dbtool, corpus as folders, warm (cache filled, unchanged)', node, review(folders, '--cache-dir', corpusCache), runs);
// what a CI job without a restored cache pays: the cold review plus writing the entries
const emptyCache = join(scratch, 'empty-cache');
const folderFirst = measure('dbtool, corpus as folders, first run (empty cache)', node, review(folders, '--cache-dir', emptyCache), runs, false, () =>
  rmSync(emptyCache, { recursive: true, force: true }),
);
const squawkCorpus = measure('squawk 2.66 (same files)', squawk, ['--reporter', 'json', ...files], runs);
// pgfence stops at the first file it cannot parse: it gets the files without a syntax error
const unparsable = new Set(
  report.files.filter((f) => [...f.findings, ...f.statements.flatMap((s) => s.findings)].some((x) => x.rule === 'syntax-error')).map((f) => resolve(f.path)),
);
const parsable = files.filter((f) => !unparsable.has(f));
const pgfenceCorpus =
  pgfence &&
  measure(`pgfence 0.1 (the ${parsable.length} files that parse)`, node, [pgfence, 'analyze', '--format', 'sql', '--output', 'json', ...parsable], runs, true);
const preCold = measure('dbtool, 1 new migration after sim (299 files), cold', node, review([newFile], '--no-cache'), 5);
const preWarm = measure('dbtool, 1 new migration after sim (299 files), warm', node, review([newFile], '--cache-dir', preMergeCache), 5);
// the developer's loop: the new migration edited between runs, so only its own review is new
const edit = (i) => writeFileSync(newFile, `${NEW_MIGRATION}-- edit ${i}\n`);
const preEdited = measure('dbtool, 1 new migration after sim, edited each run, cache', node, review([newFile], '--cache-dir', preMergeCache), 5, false, edit);
writeFileSync(newFile, NEW_MIGRATION);
const preAlone = measure('dbtool, the same new migration alone (no history)', node, review([aloneFile], '--no-cache'), 5);
const squawkNew = measure('squawk, the new migration', squawk, ['--reporter', 'json', aloneFile], 5);
const pgfenceNew = pgfence && measure('pgfence, the new migration', node, [pgfence, 'analyze', '--format', 'sql', '--output', 'json', aloneFile], 5, true);
const single = files.find((f) => f.includes('ai-chatbot')) ?? files[0];
const oneCold = measure('dbtool, one file (with history), cold process', node, review([single], '--no-cache'), 7);
const squawkOne = measure('squawk, one file, cold process', squawk, ['--reporter', 'json', single], 7);
const pgfenceOne = pgfence && measure('pgfence, one file, cold process', node, [pgfence, 'analyze', '--format', 'sql', '--output', 'json', single], 7, true);

const row = (m) => `  ${m.label.padEnd(62)} ${m.ms.toFixed(0).padStart(7)} ms   peak RSS ${m.peakKb ? `${(m.peakKb / 1024).toFixed(0)} MB` : 'n/a'}`;
for (const m of [
  folderCold,
  filesCold,
  folderWarm,
  folderFirst,
  squawkCorpus,
  pgfenceCorpus,
  preCold,
  preWarm,
  preEdited,
  preAlone,
  squawkNew,
  pgfenceNew,
  oneCold,
  squawkOne,
  pgfenceOne,
])
  if (m) console.log(row(m));
if (!pgfence) console.log('  pgfence: not installed (npm ci installs the @flvmnt/pgfence devDependency)');
console.log(`  review cache of the corpus: ${(cacheBytes / 1024 / 1024).toFixed(1)} MB in ${corpusCache.replace(scratch, '<tmp>')}`);
const ratio = (label, value, target) =>
  console.log(`  ${label.padEnd(62)} ${value.toFixed(2).padStart(7)}x  (target <= ${target.toFixed(2)}x) ${value <= target ? 'met' : 'MISSED'}`);
ratio('corpus as files / as folders (cold)', filesCold.ms / folderCold.ms, 1.1);
ratio('corpus cold / squawk', folderCold.ms / squawkCorpus.ms, 2);
ratio('corpus warm / squawk', folderWarm.ms / squawkCorpus.ms, 1);
if (pgfenceCorpus)
  console.log(`  ${'corpus cold / pgfence (pgfence reviews fewer files)'.padEnd(62)} ${(folderCold.ms / pgfenceCorpus.ms).toFixed(2).padStart(7)}x`);
ratio('pre-merge warm / the new migration alone', preWarm.ms / preAlone.ms, 1.3);
console.log(`  ${'corpus first run with the cache / cold without it'.padEnd(62)} ${(folderFirst.ms / folderCold.ms).toFixed(2).padStart(7)}x`);
console.log(`  ${'pre-merge cold / the new migration alone'.padEnd(62)} ${(preCold.ms / preAlone.ms).toFixed(2).padStart(7)}x`);
// the stricter reading of the target: the migration under review is new to the cache, its history is not
ratio('pre-merge, new migration edited, history cached / alone', preEdited.ms / preAlone.ms, 1.3);
console.log(`  ${'one file cold'.padEnd(62)} ${oneCold.ms.toFixed(0).padStart(7)} ms (target <= 150 ms) ${oneCold.ms <= 150 ? 'met' : 'MISSED'}`);
const peak = Math.max(folderCold.peakKb, filesCold.peakKb, folderWarm.peakKb, folderFirst.peakKb, preCold.peakKb, preWarm.peakKb, preEdited.peakKb) / 1024;
console.log(`  ${'peak RSS of dbtool over these runs'.padEnd(62)} ${peak.toFixed(0).padStart(7)} MB (target <= 250 MB) ${peak <= 250 ? 'met' : 'MISSED'}`);

/** pgfence's CLI script, when the devDependency is installed. */
function pgfenceBinary() {
  try {
    const require = createRequire(join(root, 'package.json'));
    const dir = dirname(require.resolve('@flvmnt/pgfence/package.json'));
    const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return join(dir, typeof bin === 'string' ? bin : bin.pgfence);
  } catch {
    return undefined;
  }
}

function folderBytes(dir) {
  let bytes = 0;
  for (const name of readdirSync(dir, { recursive: true })) {
    const stat = statSync(join(dir, String(name)));
    if (stat.isFile()) bytes += stat.size;
  }
  return bytes;
}
