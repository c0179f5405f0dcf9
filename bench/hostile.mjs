// Cost of large and hostile inputs, end to end through the built CLI: the pretty report of many findings (against
// the JSON report of the same file), --fix on a file of many fixable statements, and one very long line. Prints wall
// times and peak RSS; never part of `npm test` (test/report-scale.test.ts checks the scaling, not the seconds).
// Sizes: BENCH_FINDINGS (default 100000), BENCH_FIX_STATEMENTS (default 2000), BENCH_LONG_LINE_MB (default 14).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dbtool = join(root, 'bin', 'dbtool.js');
const findings = Number(process.env.BENCH_FINDINGS ?? 100_000);
const fixStatements = Number(process.env.BENCH_FIX_STATEMENTS ?? 2000);
const longLineMb = Number(process.env.BENCH_LONG_LINE_MB ?? 14);
const dir = mkdtempSync(join(tmpdir(), 'dbtool-bench-hostile-'));

/** One run of the CLI: wall time, peak RSS (GNU time, when the machine has it) and the size of what it printed. */
function run(label, args) {
  const time = existsSync('/usr/bin/time');
  const command = time ? '/usr/bin/time' : process.execPath;
  const argv = time ? ['-f', '%M', process.execPath, dbtool, ...args] : [dbtool, ...args];
  const started = process.hrtime.bigint();
  const result = spawnSync(command, argv, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const status = result.status;
  if (status !== 0 && status !== 1) {
    console.error(`${label} failed (exit ${status}): ${result.stderr.slice(-800)}`);
    process.exit(2);
  }
  const lines = result.stderr.trim().split('\n');
  const peakKb = time ? Number(lines[lines.length - 1]) || 0 : 0;
  const out = Buffer.byteLength(result.stdout ?? '');
  console.log(
    `${label.padEnd(58)} ${(ms / 1000).toFixed(2).padStart(8)} s   peak RSS ${peakKb ? `${(peakKb / 1024).toFixed(0)} MB` : 'n/a'}   stdout ${(out / 1e6).toFixed(1)} MB`,
  );
}

// every statement is one blocking-full-scan finding (the first also missing-lock-timeout)
writeFileSync(join(dir, 'many.sql'), Array.from({ length: findings }, (_, i) => `CREATE INDEX i${i} ON t (c);`).join('\n'));
run(`review-migration, ${findings} findings, --format json`, ['review-migration', 'many.sql', '--format', 'json']);
run(`review-migration, ${findings} findings, pretty`, ['review-migration', 'many.sql']);

const fixable = Array.from({ length: fixStatements }, (_, i) => `CREATE INDEX f${i} ON t (c);`).join('\n');
writeFileSync(join(dir, 'fix.sql'), fixable);
run(`review-migration --fix, ${fixStatements} statements`, ['review-migration', 'fix.sql', '--fix', '--transaction-mode', 'none', '--format', 'json']);
const fixed = readFileSync(join(dir, 'fix.sql'), 'utf8');
console.log(`  (${(fixed.match(/CONCURRENTLY/g) ?? []).length} of ${fixStatements} statements rewritten with CONCURRENTLY)`);

// one line of many statements: every finding's code frame shows a window of it, not the whole line
const one = 'CREATE INDEX long_i ON t (c); ';
writeFileSync(join(dir, 'long.sql'), `SELECT '${'x'.repeat(longLineMb * 1_000_000 - 40)}'; ${one}\n`);
run(`review-migration, one ${longLineMb} MB line, pretty`, ['review-migration', 'long.sql']);

rmSync(dir, { recursive: true, force: true });
