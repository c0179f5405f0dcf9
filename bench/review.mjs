// Reviews the whole real-world corpus with dbtool and with squawk in one run and prints wall times,
// peak RSS and their ratios. Never part of `npm test`: timings belong here, not in assertions.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(root, '..', 'shared', 'corpus', 'real-world');
if (!existsSync(corpus)) {
  console.error(`bench: ${corpus} is absent; the corpus benchmark needs ../shared`);
  process.exit(2);
}

const folders = readdirSync(corpus)
  .filter((p) => statSync(join(corpus, p)).isDirectory())
  .flatMap((p) => readdirSync(join(corpus, p)).map((inner) => join(corpus, p, inner)));

// exactly the files dbtool reviews (journal order, down migrations left out), taken from its own reader
const { loadInput } = await import(join(root, 'dist', 'drizzle', 'inputs.js'));
const files = folders.flatMap((folder) => loadInput(folder, '/', () => '').files.filter((f) => f.text !== undefined).map((f) => resolve('/', f.path)));

function squawkBinary() {
  const require = createRequire(join(root, 'package.json'));
  const pkg = `@squawk-cli/${process.platform}-${process.arch}`;
  const dir = dirname(require.resolve(`${pkg}/package.json`));
  return join(dir, 'bin', readdirSync(join(dir, 'bin'))[0]);
}

/** Runs a command `runs` times; returns the median wall time and the largest peak RSS. */
function measure(label, command, args, runs) {
  const times = [];
  let peakKb = 0;
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 28 });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    // 1 means findings, which the corpus certainly has; anything else is a failure of the tool
    if (result.status !== 0 && result.status !== 1) {
      console.error(`${label} failed (exit ${result.status}): ${result.stderr.slice(0, 500)}`);
      process.exit(2);
    }
    times.push(elapsed);
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
const runs = Number(process.env.BENCH_RUNS ?? 3);

console.log(`corpus: ${folders.length} folders, ${files.length} files; ${runs} runs each, median wall time`);
const ours = measure('dbtool review-migration (all folders, with history)', node, [dbtool, 'review-migration', ...folders, '--format', 'json'], runs);
const theirs = measure('squawk 2.66 (same files)', squawk, ['--reporter', 'json', ...files], runs);
const single = files.find((f) => f.includes('ai-chatbot')) ?? files[0];
const ourSingle = measure('dbtool, one file, cold process', node, [dbtool, 'review-migration', single, '--format', 'json'], 7);
const theirSingle = measure('squawk, one file, cold process', squawk, ['--reporter', 'json', single], 7);

const row = (m) => `${m.label.padEnd(55)} ${m.ms.toFixed(0).padStart(7)} ms   peak RSS ${m.peakKb ? `${(m.peakKb / 1024).toFixed(0)} MB` : 'n/a'}`;
for (const m of [ours, theirs, ourSingle, theirSingle]) console.log(row(m));
console.log(`ratio corpus   dbtool/squawk wall time: ${(ours.ms / theirs.ms).toFixed(2)}x (target <= 1.00x)`);
console.log(`ratio one file dbtool/squawk wall time: ${(ourSingle.ms / theirSingle.ms).toFixed(2)}x (target: dbtool < 150 ms)`);
