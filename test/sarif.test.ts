import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import AjvFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { dbtool, journalFolder } from './migrate/helpers.js';

// the official SARIF 2.1.0 JSON schema (draft-04), as shipped by Microsoft's SARIF SDK on npm
const require = createRequire(import.meta.url);
// CommonJS packages: the ESM default import is module.exports, which carries the real default
const Ajv = AjvDraft04.default;
const addFormats = AjvFormats.default;
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
// the schema's language-tag pattern is only valid as a non-unicode regular expression
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const INIT = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text, "name" text);';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number } } }[];
  partialFingerprints: Record<string, string>;
}
interface SarifRule {
  id: string;
  helpUri?: string;
  help: { text: string; markdown: string };
  defaultConfiguration: { level: string; enabled: boolean };
}
interface SarifLog {
  version: string;
  runs: { tool: { driver: { name: string; rules: SarifRule[] } }; results: SarifResult[] }[];
}

function schemaErrors(log: unknown): string[] {
  return validate(log) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message ?? ''}`);
}

describe('review-migration --format sarif', () => {
  it('is valid SARIF 2.1.0 with every rule described and every finding located, matching the JSON report', async () => {
    const folders = ['drizzle-type-changes', 'drizzle-journal-problems', 'drizzle-syntax-error', 'drizzle-index-on-existing-table'].map((f) =>
      join(FIXTURES, f),
    );
    const sarif = await dbtool(['review-migration', ...folders, '--format', 'sarif'], { cwd: FIXTURES });
    const json = await dbtool(['review-migration', ...folders, '--format', 'json'], { cwd: FIXTURES });
    expect(sarif.stderr).toBe('');
    expect(sarif.code).toBe(json.code);
    const log = JSON.parse(sarif.stdout) as SarifLog;
    expect(schemaErrors(log)).toEqual([]);
    // the validator does reject what the schema forbids
    expect(schemaErrors({ ...log, runs: [{ ...log.runs[0], results: [{ ruleId: 'x', level: 'fatal' }] }] })).not.toEqual([]);
    const run = log.runs[0]!;
    const rules = run.tool.driver.rules;
    const listed = JSON.parse((await dbtool(['rules', '--format', 'json'])).stdout) as { id: string }[];
    expect(rules.map((r) => r.id)).toEqual(listed.map((r) => r.id));
    for (const rule of rules) {
      expect(rule.help.markdown).toContain('### Why');
      expect(rule.help.markdown).toContain('### When to ignore');
    }
    expect(rules.find((r) => r.id === 'table-rewrite')?.helpUri).toBe('https://www.postgresql.org/docs/current/sql-altertable.html');
    expect(rules.find((r) => r.id === 'prefer-bigint')?.defaultConfiguration).toEqual({ level: 'note', enabled: false });

    const report = JSON.parse(json.stdout) as {
      files: { path: string; findings: { rule: string; line: number }[]; statements: { findings: { rule: string; line: number; severity: string }[] }[] }[];
    };
    const expected = report.files.flatMap((f) => [...f.findings, ...f.statements.flatMap((s) => s.findings)].map((x) => `${x.rule}@${f.path}:${x.line}`));
    const actual = run.results.map(
      (r) => `${r.ruleId}@${decodeURIComponent(r.locations[0]!.physicalLocation.artifactLocation.uri)}:${r.locations[0]!.physicalLocation.region.startLine}`,
    );
    expect(actual.sort()).toEqual(expected.sort());
    expect(run.results.map((r) => r.ruleId)).toEqual(
      expect.arrayContaining(['table-rewrite', 'journal-missing-file', 'journal-unlisted-file', 'journal-out-of-order', 'syntax-error']),
    );
    for (const result of run.results) {
      expect(rules[result.ruleIndex]?.id).toBe(result.ruleId);
      expect(result.locations[0]!.physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
    }
    expect(run.results.some((r) => r.level === 'error')).toBe(true);
  });

  it('keeps fingerprints when lines move and gives repeated findings distinct ones', async () => {
    const dir = journalFolder({
      '0000_init': INIT,
      '0001_change':
        'ALTER TABLE "users" ALTER COLUMN "email" TYPE varchar(10);\n--> statement-breakpoint\nALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(10);',
    });
    const first = JSON.parse((await dbtool(['review-migration', dir, '--format', 'sarif'])).stdout) as SarifLog;
    const file = join(dir, '0001_change.sql');
    writeFileSync(file, `-- a comment\n\n${readFileSync(file, 'utf8')}`);
    const moved = JSON.parse((await dbtool(['review-migration', dir, '--format', 'sarif'])).stdout) as SarifLog;
    const prints = (log: SarifLog) => log.runs[0]!.results.map((r) => `${r.ruleId} ${r.partialFingerprints['dbtoolFinding/v1']}`).sort();
    const lines = (log: SarifLog) => log.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.region.startLine);
    expect(prints(moved)).toEqual(prints(first));
    expect(lines(moved)).not.toEqual(lines(first));
    const fingerprints = first.runs[0]!.results.map((r) => r.partialFingerprints['dbtoolFinding/v1']);
    expect(new Set(fingerprints).size).toBe(fingerprints.length);
  });

  it('locates files as the JSON report names them, and is valid for a clean change (no results)', async () => {
    const dir = journalFolder({ '0000_init': INIT });
    const absolute = JSON.parse((await dbtool(['review-migration', dir, '--format', 'sarif'])).stdout) as SarifLog;
    expect(schemaErrors(absolute)).toEqual([]);
    expect(absolute.runs[0]!.results).toEqual([]);
    const file = join(FIXTURES, 'drizzle-syntax-error', '0001_shipping.sql');
    const log = JSON.parse((await dbtool(['review-migration', file, '--format', 'sarif'])).stdout) as SarifLog;
    const report = JSON.parse((await dbtool(['review-migration', file, '--format', 'json'])).stdout) as { files: { path: string }[] };
    expect(schemaErrors(log)).toEqual([]);
    expect(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(report.files[0]!.path);
  });
});

describe('review-migration --max-warnings', () => {
  const dir = journalFolder({
    '0000_init': INIT,
    '0001_drop': 'SET lock_timeout = \'2s\';\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "name";',
  });

  it('exits 1 when warnings exceed the limit, 0 within it, and keeps stdout machine-readable', async () => {
    const base = JSON.parse((await dbtool(['review-migration', dir, '--format', 'json'])).stdout) as { summary: { errors: number; warnings: number } };
    expect(base.summary).toMatchObject({ errors: 0 });
    expect(base.summary.warnings).toBeGreaterThan(0);
    const within = await dbtool(['review-migration', dir, '--max-warnings', String(base.summary.warnings)]);
    expect(within.code).toBe(0);
    const over = await dbtool(['review-migration', dir, '--format', 'json', '--max-warnings', '0']);
    expect(over.code).toBe(1);
    expect(JSON.parse(over.stdout)).toMatchObject({ summary: base.summary });
    expect(over.stderr).toContain(`${base.summary.warnings} warnings, more than --max-warnings 0 allows`);
  });

  it('rejects a limit that is not a whole number with exit 2', async () => {
    const bad = await dbtool(['review-migration', dir, '--max-warnings', 'some']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-warnings: "some" is not a whole number');
  });
});
