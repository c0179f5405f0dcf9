import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ruleTableMarkdown } from '../src/commands/rules.js';
import { INPUT_RULES, RULES } from '../src/review/rules/index.js';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

/** `| \`rule-id\` | severity | … |` rows of the README's rule table. */
function documentedRules(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const match of README.matchAll(/^\| `([a-z-]+)` \| (error|warning|info)(?: \(off\))? \|/gm)) rows.set(match[1] ?? '', match[2] ?? '');
  return rows;
}

/** The generated section between the rule-table markers. */
function generatedSection(): string {
  const start = README.indexOf('<!-- rule-table:start');
  const end = README.indexOf('<!-- rule-table:end -->');
  return README.slice(README.indexOf('\n', start) + 1, end).trim();
}

describe('README', () => {
  it('documents every rule with its default severity, and no rule that does not exist', () => {
    const actual = new Map<string, string>([
      ...RULES.map((r) => [r.id, r.severity] as [string, string]),
      ...Object.entries(INPUT_RULES).map(([id, r]) => [id, r.severity] as [string, string]),
    ]);
    expect(Object.fromEntries(documentedRules())).toEqual(Object.fromEntries(actual));
  });

  it('has the rule table the registry generates (fix: npm run rules:table)', () => {
    expect(generatedSection(), 'README.md rule table is out of date: run `npm run rules:table`').toBe(ruleTableMarkdown());
  });

  it('opens with the install + test and install + review commands CI and newcomers run', () => {
    const firstBlock = README.slice(README.indexOf('```sh'), README.indexOf('```', README.indexOf('```sh') + 5));
    expect(firstBlock).toContain('npm install && npm test');
    const fixture = firstBlock.match(/npx dbtool review-migration (fixtures\/[a-z0-9-]+)/)?.[1] ?? '';
    expect(existsSync(join(import.meta.dirname, '..', fixture, 'meta', '_journal.json'))).toBe(true);
    expect(readFileSync(join(import.meta.dirname, '..', '.ci', 'run'), 'utf8')).toMatch(/npm ci\nnpm test/);
  });
});
