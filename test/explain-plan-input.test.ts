import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_PLAN_DEPTH } from '../src/explain/plan-json.js';
import { dbtool } from './migrate/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'dbtool-plan-input-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
/** A chain of `depth` nodes, each the only child of the one above (written as text: too deep for JSON.stringify). */
const chain = (depth: number) =>
  `[{"Plan": ${'{"Node Type": "Nested Loop", "Total Cost": 1, "Plan Rows": 1, "Plans": ['.repeat(depth - 1)}` +
  '{"Node Type": "Seq Scan", "Relation Name": "items", "Total Cost": 1, "Plan Rows": 1}' +
  `${']}'.repeat(depth - 1)}}]`;

describe('dbtool explain --plan with malformed input (CLI)', { timeout: 60_000 }, () => {
  it.each([
    ['not JSON', 'Seq Scan on items  (cost=0.00..1.00 rows=1)', /is not JSON/],
    ['empty', '', /is not JSON/],
    ['an empty array', '[]', /no "Plan" with a "Node Type"/],
    ['a Plan that is a number', '[{"Plan": 5}]', /no "Plan" with a "Node Type"/],
    ['Plans that is not an array', '[{"Plan": {"Node Type": "Seq Scan", "Plans": 5}}]', /Plan\."Plans" is not an array/],
    ['a child that is not an object', '[{"Plan": {"Node Type": "Limit", "Plans": [null]}}]', /Plan\.Plans\[0\] is not an object/],
    ['a child without a Node Type', '[{"Plan": {"Node Type": "Limit", "Plans": [{"Total Cost": 1}]}}]', /Plan\.Plans\[0\] has no "Node Type"/],
    ['a Filter that is a number', '[{"Plan": {"Node Type": "Seq Scan", "Filter": 42}}]', /"Filter" is not a string/],
    ['an Output that is a string', '[{"Plan": {"Node Type": "Seq Scan", "Output": "id"}}]', /"Output" is not a list of strings/],
    ['Actual Rows as text', '[{"Plan": {"Node Type": "Seq Scan", "Actual Rows": "many"}}]', /"Actual Rows" is not a number/],
    ['Triggers that is an object', '[{"Plan": {"Node Type": "Seq Scan"}, "Triggers": {}}]', /"Triggers" is not an array/],
    ['Settings that is a string', '[{"Plan": {"Node Type": "Seq Scan"}, "Settings": "x"}]', /"Settings" is not an object/],
  ])('%s: a clear input error, exit 2', async (_label, content, message) => {
    for (const format of ['pretty', 'json']) {
      const run = await dbtool(['explain', '--plan', file('plan.json', content), '--format', format]);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain('internal error');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it(`refuses a plan nested deeper than ${MAX_PLAN_DEPTH} levels without blowing the stack`, async () => {
    const run = await dbtool(['explain', '--plan', file('deep.json', chain(2000))]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`nests more than ${MAX_PLAN_DEPTH} levels deep`);
    expect(run.stderr).not.toContain('internal error');
    const huge = await dbtool(['explain', '--plan', file('huge.json', chain(200_000))]);
    expect(huge.code).toBe(2);
    expect(huge.stderr).not.toContain('internal error');
  });

  it(`reads a plan exactly ${MAX_PLAN_DEPTH} levels deep in every format`, async () => {
    const path = file('limit.json', chain(MAX_PLAN_DEPTH));
    for (const format of ['pretty', 'json', 'markdown']) {
      const run = await dbtool(['explain', '--plan', path, '--format', format]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
  });
});
