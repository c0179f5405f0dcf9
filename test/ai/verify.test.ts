import { beforeAll, describe, expect, it } from 'vitest';
import { completedItems, parseMigrationAnswer } from '../../src/ai/migration/answer.js';
import type { MigrationReview } from '../../src/ai/migration/history.js';
import { statementRefs } from '../../src/ai/migration/history.js';
import { checkSuggestion, verifyMigrationAnswer } from '../../src/ai/migration/verify.js';
import { review } from '../../src/review/engine.js';
import type { ReviewSettings } from '../../src/review/findings.js';
import { loadParser } from '../../src/review/parse.js';
import type { FolderSource } from '../../src/review/report-types.js';
import type { TransactionMode } from '../../src/review/transaction.js';

beforeAll(() => loadParser());

const HISTORY = 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text NOT NULL);';

function migration(change: string, transactionMode: TransactionMode = 'all'): MigrationReview {
  const settings: ReviewSettings = { pgVersion: 18, timezoneIsUtc: true, transactionMode };
  const folders: FolderSource[] = [
    {
      files: [
        { path: '0000_init.sql', migration: '0000_init', text: HISTORY, problems: [], review: false },
        { path: '0001_change.sql', migration: '0001_change', text: change, problems: [], review: true },
      ],
    },
  ];
  return { folders, settings, report: review(folders, settings) };
}

function check(change: string, statement: number, suggestion: string, mode: TransactionMode = 'all') {
  const m = migration(change, mode);
  const ref = statementRefs(m)[statement];
  if (!ref) throw new Error('no statement');
  return checkSuggestion(suggestion, ref, m);
}

const INDEX = 'CREATE INDEX "users_email_idx" ON "users" ("email");';

describe('checkSuggestion', () => {
  it('drops SQL the parser rejects', () => {
    expect(check(INDEX, 0, 'CREAT INDEX oops')).toMatchObject({ status: 'unparseable', parseError: expect.stringMatching(/syntax error/) });
    expect(check(INDEX, 0, '-- only a comment')).toMatchObject({ status: 'unparseable', parseError: 'it holds no SQL statement' });
  });

  it('marks a suggestion that reintroduces a blocking index build on an existing table unsafe', () => {
    const result = check('ALTER TABLE "users" ADD COLUMN "x" text;', 0, 'ALTER TABLE "users" ADD COLUMN "x" text; CREATE INDEX ON "users" ("x")');
    expect(result.status).toBe('unsafe');
    expect(result.findings).toContainEqual({ rule: 'blocking-full-scan', severity: 'error' });
  });

  it("judges CONCURRENTLY by the runner: unsafe inside drizzle's one transaction, checked without one", () => {
    const concurrent = 'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" ("email")';
    expect(check(INDEX, 0, concurrent, 'all')).toMatchObject({
      status: 'unsafe',
      findings: expect.arrayContaining([{ rule: 'transaction-forbidden', severity: 'error' }]),
    });
    expect(check(INDEX, 0, concurrent, 'none').status).toBe('checked');
  });

  it('judges the suggestion with what the file did before it (a table created earlier in the file is new and empty)', () => {
    const change = 'CREATE TABLE "teams" ("id" bigint, "name" text);\nALTER TABLE "teams" ADD COLUMN "slug" text;';
    expect(check(change, 1, 'CREATE INDEX ON "teams" ("name")').status).toBe('checked');
  });

  it("judges exactly the replacement's statements, with or without a trailing semicolon or breakpoint", () => {
    const change = `ALTER TABLE "users" ADD COLUMN "a" text;\n--> statement-breakpoint\n${INDEX}\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "b" text;`;
    expect(check(change, 1, 'ALTER TABLE "users" ADD COLUMN "c" text;').status).toBe('checked');
    const unsafe = check(change, 1, 'ALTER TABLE "users" ADD COLUMN "c" text;\n--> statement-breakpoint\nCREATE INDEX ON "users" ("c");');
    expect(unsafe.status).toBe('unsafe');
    expect(unsafe.findings.filter((f) => f.severity === 'error').map((f) => f.rule)).toEqual(['blocking-full-scan']);
  });

  it('calls a restatement of the original unchanged, literals and layout aside', () => {
    const change = `UPDATE "users" SET "email" = 'a@example.com' WHERE "id" = 1;`;
    expect(check(change, 0, 'update users set email = $1 where id = $2').status).toBe('unchanged');
  });

  it('keeps non-error findings of a checked suggestion as notes', () => {
    const result = check(INDEX, 0, 'ALTER TABLE "users" ADD COLUMN "nickname" text', 'all');
    expect(result.status).toBe('checked');
    expect(result.findings.every((f) => f.severity !== 'error')).toBe(true);
  });
});

describe('parseMigrationAnswer', () => {
  const ids = ['S1', 'S2'];

  it('keeps well-formed verdicts and reports the rest', () => {
    const answer = parseMigrationAnswer(
      {
        statements: [
          { statementId: 'S1', risk: 'low', reasoning: ' ok ', ruleIds: ['missing-lock-timeout', 7], suggestedSql: '  ' },
          { statementId: 'S9', risk: 'low', reasoning: 'x', ruleIds: [] },
          { statementId: 'S1', risk: 'high', reasoning: 'again', ruleIds: [] },
          { statementId: 'S2', risk: 'catastrophic', reasoning: 'x', ruleIds: [] },
          'nonsense',
        ],
        summary: ' Fine. ',
      },
      ids,
    );
    expect(answer.verdicts).toEqual([{ statementId: 'S1', risk: 'low', reasoning: 'ok', ruleIds: ['missing-lock-timeout'] }]);
    expect(answer.summary).toBe('Fine.');
    expect(answer.problems).toEqual([
      'verdict 2: unknown statement id "S9"',
      'verdict 3: a second verdict for S1 was ignored',
      'verdict 4: S2: risk "catastrophic" is not one of none, low, medium, high',
      'verdict 5: not an object',
    ]);
  });

  it('survives an answer that is not an object', () => {
    expect(parseMigrationAnswer('text', ids)).toEqual({ verdicts: [], summary: '', problems: ['the answer has no list of statement verdicts'] });
  });

  it('a streamed snapshot yields only the verdicts already complete', () => {
    expect(completedItems({ statements: [{ statementId: 'S1' }, { statementId: 'S' }] })).toEqual([{ statementId: 'S1' }]);
    expect(completedItems({ summary: 'x' })).toEqual([]);
  });

  it('lists statements without a verdict and cited rule ids dbtool does not have', () => {
    const m = migration('ALTER TABLE "users" ADD COLUMN "a" text; ALTER TABLE "users" ADD COLUMN "b" text;');
    const refs = statementRefs(m);
    const verified = verifyMigrationAnswer(
      parseMigrationAnswer(
        { statements: [{ statementId: 'S2', risk: 'none', reasoning: 'fine', ruleIds: ['no-such-rule', 'missing-lock-timeout'] }], summary: '' },
        ['S1', 'S2'],
      ),
      m,
      refs,
    );
    expect(verified.missing).toEqual(['S1']);
    expect(verified.verdicts[0]).toMatchObject({ statementId: 'S2', path: '0001_change.sql', line: 1, unknownRuleIds: ['no-such-rule'] });
  });
});
