import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { codeFrame, FRAME_WIDTH } from '../src/report/code-frame.js';
import { reviewToPretty } from '../src/report/pretty.js';
import { review } from '../src/review/engine.js';
import type { ReviewSettings } from '../src/review/findings.js';
import { fixFolder } from '../src/review/fix.js';
import { loadParser } from '../src/review/parse.js';
import type { Report } from '../src/review/report-types.js';

// Cost checks (issue 11, item 9): each runs the same work at n and 4n and asserts the time grows far less than the
// 16x a quadratic algorithm takes. The sizes are chosen so the quadratic versions took seconds at 4n (the pretty
// report re-split the whole file per finding; --fix re-reviewed the whole file per candidate fix), while the linear
// ones take well under a second; the bound (8x) leaves room for noise, and CPU time rather than wall time keeps
// other processes out of it. Absolute times belong to bench/hostile.mjs.

// every review --fix makes goes through the engine's review: counted, so the number of reviews is asserted exactly
const reviews = vi.hoisted(() => ({ count: 0 }));
vi.mock('../src/review/engine.js', async (original) => {
  const engine = await original<typeof import('../src/review/engine.js')>();
  return {
    ...engine,
    review: (...args: Parameters<typeof engine.review>) => {
      reviews.count++;
      return engine.review(...args);
    },
  };
});

const SETTINGS: ReviewSettings = { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'none' };
const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 3 });

function indexes(n: number, prefix = 'i'): string {
  return Array.from({ length: n }, (_, i) => `CREATE INDEX ${prefix}${i} ON t (c);`).join('\n');
}

/**
 * The best of five runs, in ms of this process's CPU time (user + system): other processes on a busy machine
 * slow the wall clock of a run, hardly its CPU time, and the best run is the least disturbed one.
 */
function best(run: () => unknown): number {
  let min = Infinity;
  for (let k = 0; k < 5; k++) {
    const started = process.cpuUsage();
    run();
    const used = process.cpuUsage(started);
    min = Math.min(min, (used.user + used.system) / 1000);
  }
  return min;
}

function reportOf(sql: string): Report {
  return review([{ files: [{ path: 'big.sql', migration: 'big', text: sql, problems: [], review: true }] }], SETTINGS);
}

/** The report of a file's first n statements (one per line), without reviewing again. */
function firstStatements(report: Report, n: number): Report {
  const file = report.files[0];
  if (!file?.text) throw new Error('no file');
  let end = -1;
  for (let k = 0; k < n; k++) end = file.text.indexOf('\n', end + 1);
  const statements = file.statements.slice(0, n);
  return { ...report, files: [{ ...file, statements, text: file.text.slice(0, end) }] };
}

beforeAll(async () => {
  await loadParser();
});

describe('pretty report cost', () => {
  it('grows linearly with the number of findings (n = 3,000 and 12,000)', () => {
    const large = reportOf(indexes(12_000));
    // one blocking-full-scan per statement (plus the once-per-file lock_timeout)
    expect(large.summary.errors).toBe(12_000);
    const small = firstStatements(large, 3000);
    const render = (r: Report) => () => reviewToPretty(r, { color: colour, verbose: false, width: 100 });
    render(small)();
    const ratio = best(render(large)) / best(render(small));
    expect(ratio).toBeLessThan(8);
  });

  it("shows a window of a long line, so the output does not grow with the line's length", () => {
    const line = (n: number) => `SELECT '${'x'.repeat(n)}'; ${indexes(200, 'long_').replace(/\n/g, ' ')}\n`;
    const small = reportOf(line(200_000));
    const large = reportOf(line(800_000));
    const out = (r: Report) => reviewToPretty(r, { color: plain, verbose: false, width: 100 });
    const text = out(large);
    // 200 findings with their frames, never the 800 KB line itself
    expect(text.length).toBeLessThan(200 * 2000);
    // the same output for a line four times as long: the work is the window's, not the line's (time is a bench matter)
    expect(text.length).toBe(out(small).length);
  });

  it('keeps the caret under the column in a windowed line, with … where the line was cut', () => {
    const line = `${'a'.repeat(500)}HERE${'b'.repeat(500)}`;
    const frame = codeFrame(`x\n${line}\ny`, 2, 501, plain).split('\n');
    const shown = frame[1] ?? '';
    const caret = frame[2] ?? '';
    expect(shown.length).toBeLessThan(FRAME_WIDTH + 20);
    expect(shown).toMatch(/\| …a+HEREb+…$/);
    expect(shown[caret.indexOf('^')]).toBe('H');
    // the context lines are shown through the same window: all of this one is left of it
    expect(frame[0]).toMatch(/1 \| …$/);
  });
});

describe('--fix cost', () => {
  const fix = (n: number) => () =>
    fixFolder({ files: [{ path: 'fix.sql', migration: 'fix', text: indexes(n), problems: [], review: true }] }, SETTINGS, { breakpoints: false });

  it('confirms every fix by a review, in a number of reviews that does not grow with the statements', () => {
    const reviewsFor = (n: number) => {
      reviews.count = 0;
      const [result] = fix(n)();
      const count = reviews.count;
      // every statement became CONCURRENTLY, each confirmed by the review of the result (which then needs no lock_timeout)
      expect(result?.applied.filter((a) => a.rule === 'blocking-full-scan')).toHaveLength(n);
      expect(result?.text.match(/CREATE INDEX CONCURRENTLY/g)).toHaveLength(n);
      const after = reportOf(result?.text ?? '');
      expect(after.summary.errors + after.summary.warnings).toBe(0);
      return count;
    };
    // the review before, the review of all fixes together, and nothing per statement (one review per fix was n + 1)
    expect(reviewsFor(50)).toBe(2);
    expect(reviewsFor(600)).toBe(2);
  });

  it('takes time linear in the statements (n = 600 and 2,400)', () => {
    fix(600)();
    fix(2400)();
    const ratio = best(fix(2400)) / best(fix(600));
    expect(ratio).toBeLessThan(8);
  });

  it('still rejects, one by one, the fixes the review of the result refuses, and applies the rest', () => {
    // inside a transaction, CONCURRENTLY is refused; the lock_timeout is not
    const sql = indexes(300);
    const [result] = fixFolder(
      { files: [{ path: 'tx.sql', migration: 'tx', text: sql, problems: [], review: true }] },
      { ...SETTINGS, transactionMode: 'all' },
      { breakpoints: false },
    );
    expect(result?.applied.map((a) => a.rule)).toEqual(['missing-lock-timeout']);
    const refused = result?.skipped.filter((s) => s.rule === 'blocking-full-scan') ?? [];
    expect(refused).toHaveLength(300);
    expect(refused[0]?.reason).toContain('transaction-forbidden');
    expect(result?.text).not.toContain('CONCURRENTLY');
  });
});
