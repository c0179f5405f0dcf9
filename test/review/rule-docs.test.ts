import { beforeAll, describe, expect, it } from 'vitest';
import type { Rule } from '../../src/review/findings.js';
import { loadParser } from '../../src/review/parse.js';
import { STATEMENT_RULE_IDS } from '../../src/review/rules/ids.js';
import { INPUT_RULES, RULES } from '../../src/review/rules/index.js';
import { KNOWN_RULE_IDS } from '../../src/review/rules/known-ids.js';
import { reviewAfter, rulesOf } from './helpers.js';

// Docs are tests: every Bad example reports its rule and every Good example does not.
beforeAll(loadParser);

/** The rule at its default severity, turned on even when it is off by default. */
function findingsOf(rule: Rule, sql: string): string[] {
  return rulesOf(reviewAfter(rule.docs.history ?? '', sql, { rules: { [rule.id]: rule.severity } }));
}

describe.each(RULES.map((r) => [r.id, r] as const))('%s', (_id, rule) => {
  it('has a page: why, at least one Bad and one Good example, Drizzle advice, when to ignore', () => {
    expect(rule.docs.why.length).toBeGreaterThan(80);
    expect(rule.docs.bad.length).toBeGreaterThan(0);
    expect(rule.docs.good.length).toBeGreaterThan(0);
    expect(rule.docs.drizzle).not.toBe('');
    expect(rule.docs.ignoreWhen).not.toBe('');
  });

  it.each(rule.docs.bad.map((sql, i) => [i + 1, sql] as const))('Bad example %i reports it', (_i, sql) => {
    expect(findingsOf(rule, sql)).toContain(rule.id);
  });

  it.each(rule.docs.good.map((sql, i) => [i + 1, sql] as const))('Good example %i does not', (_i, sql) => {
    expect(findingsOf(rule, sql)).not.toContain(rule.id);
  });

  it('the history itself is valid: it reviews without syntax errors', () => {
    expect(findingsOf(rule, rule.docs.history ?? '')).not.toContain('syntax-error');
  });
});

describe('input rules', () => {
  it.each(Object.entries(INPUT_RULES))('%s says why it matters and when to ignore it', (_id, rule) => {
    expect(rule.docs.why.length).toBeGreaterThan(80);
    expect(rule.docs.ignoreWhen).not.toBe('');
  });
});

describe('rules that are off by default', () => {
  it('report nothing until the configuration gives them a severity', () => {
    const sql = 'CREATE TABLE events (id serial PRIMARY KEY, at timestamp, code varchar(8));';
    const styles = ['prefer-bigint', 'prefer-identity', 'prefer-timestamptz', 'prefer-text'];
    expect(rulesOf(reviewAfter('', sql)).filter((r) => styles.includes(r))).toEqual([]);
    expect(rulesOf(reviewAfter('', sql, { rules: { 'prefer-identity': 'warning' } }))).toContain('prefer-identity');
    expect(
      RULES.filter((r) => r.defaultEnabled === false)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...styles].sort());
  });
});

describe('the list of rule ids', () => {
  // configuration files are checked against it without loading the rules: a rule missing from it would be refused
  it('names every statement rule once, in the order findings are listed', () => {
    expect(RULES.map((r) => r.id)).toEqual([...STATEMENT_RULE_IDS]);
  });
  it('is what a configuration may name, input rules included', () => {
    expect([...KNOWN_RULE_IDS].sort()).toEqual([...RULES.map((r) => r.id), ...Object.keys(INPUT_RULES)].sort());
  });
});
