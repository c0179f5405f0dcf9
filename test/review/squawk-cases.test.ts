import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { KNOWN_GAPS, NOT_COVERED, perCaseCoverage, percent, readSquawkCases, SAFETY, SQUAWK_CASES_PATH, STYLE, squawkCoverage } from './squawk-coverage.js';

// squawk's own test cases (../shared/peers/squawk-cases.jsonl, never copied into the project): wherever squawk
// expects one of its rules to fire on a real safety problem, dbtool must report one of the rules mapped to it.
// The mapping and the counting live in ./squawk-coverage.ts, which bench/review.mjs prints from too.
const CASES = SQUAWK_CASES_PATH;
const loaded = readSquawkCases(CASES);
const present = loaded !== undefined;
if (!present) console.warn(`SKIPPED: ${CASES} is absent, so dbtool's coverage of squawk's cases is not measured`);
if (!present) it.skip(`squawk coverage: ${CASES} is absent (../shared is not checked out)`, () => undefined);

describe.skipIf(!present)("squawk's test cases", () => {
  const cases = loaded ?? [];
  beforeAll(loadParser);

  it('maps or explains every squawk rule the cases use', () => {
    const used = new Set(cases.flatMap((c) => c.expect_rules ?? []));
    const known = new Set([...Object.keys(SAFETY), ...Object.keys(STYLE), ...Object.keys(NOT_COVERED)]);
    expect([...used].filter((r) => !known.has(r))).toEqual([]);
  });

  it('reports a mapped rule wherever squawk expects a safety or style rule to fire', () => {
    const { rules, totals, skipped } = squawkCoverage(cases);
    const { safety, style, rawSafety } = totals;
    const lines = rules.map(
      (r) => `  ${r.rule.padEnd(46)} ${String(r.hit).padStart(3)}/${String(r.total).padEnd(3)}${r.missed.length ? `  missed: ${r.missed.join(', ')}` : ''}`,
    );
    console.log(
      [
        `squawk coverage — safety: ${safety.hit}/${safety.total} (${percent(safety)}%) of the expectations dbtool agrees with; ${rawSafety.hit}/${rawSafety.total} (${percent(rawSafety)}%) of all; style: ${style.hit}/${style.total} (${percent(style)}%)`,
        ...lines,
        `  disagreements: ${skipped.length} expectation(s)`,
        ...skipped.map((s) => `    ${s.id} (${s.rule}): ${s.reason}`),
      ].join('\n'),
    );
    // the misses below are known gaps; anything else missing is a regression and shows up with its case id
    const missed = rules.filter((r) => SAFETY[r.rule]).flatMap((r) => r.missed.map((id) => `${r.rule}: ${id}`));
    expect(missed.filter((m) => !KNOWN_GAPS.includes(m))).toEqual([]);
    expect(safety.hit / safety.total).toBeGreaterThan(0.9);
  });

  it('warns or errs on every case squawk expects a safety rule on, PostgreSQL 11 cases run as 12, except where it says why not', () => {
    const { all, agreed, missed } = perCaseCoverage(cases);
    console.log(
      [
        `squawk safety cases with a dbtool warning or error: ${all.hit}/${all.total} (${percent(all)}%); ${agreed.hit}/${agreed.total} (${percent(agreed)}%) leaving out the ${all.total - agreed.total} dbtool disagrees with`,
        ...missed.map((m) => `    ${m.id} (${m.rules.join(', ')}): ${m.reason ?? 'MISSED'}`),
      ].join('\n'),
    );
    // every case without a warning is one dbtool explains (no lock that blocks traffic, a table the case creates itself)
    expect(missed.filter((m) => m.reason === undefined).map((m) => m.id)).toEqual([]);
    expect(agreed.hit).toBe(agreed.total);
    // PostgreSQL 11 cases are counted, reviewed as 12
    expect(cases.some((c) => Number(c.settings.pg_version) < 12 && (c.expect_rules ?? []).some((r) => SAFETY[r]))).toBe(true);
  });
});
