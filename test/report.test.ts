import { Chalk } from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { reviewToJson } from '../src/report/json.js';
import { reviewToPretty } from '../src/report/pretty.js';
import { loadParser } from '../src/review/parse.js';
import { reviewAfter as reviewWith } from './review/helpers.js';

beforeAll(loadParser);

const HISTORY = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);';
const CHANGE =
  'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\nCREATE INDEX users_email ON users (email);\nALTER TABLE users ADD COLUMN nick text;';
// the runner sets lock_timeout, so the reports show the two errors and nothing else
const reviewAfter = (history: string, sql: string) => reviewWith(history, sql, { runnerLockTimeout: true });

describe('pretty report', () => {
  it('explains locks, rewrites and findings with a code frame, without colour at level 0', () => {
    const text = reviewToPretty(reviewAfter(HISTORY, CHANGE), { color: new Chalk({ level: 0 }), verbose: false, width: 100 });
    expect(text).not.toMatch(/\u001b\[/);
    expect(text).toContain('0001_change.sql:1:1');
    expect(text).toContain('lock     AccessExclusiveLock on users — blocks all reads and writes');
    expect(text).toContain('rewrite  users (the table is copied)');
    expect(text).toContain('error table-rewrite');
    expect(text).toContain('> 2 | CREATE INDEX users_email ON users (email);');
    expect(text).toContain('CREATE INDEX CONCURRENTLY users_email ON users (email);');
    expect(text).toContain('1 statement without findings (--verbose shows their effects)');
    expect(text).toMatch(/1 file, 3 statements reviewed for PostgreSQL 18: 2 errors, 0 warnings, 0 info/);
  });

  it('shows every statement with --verbose', () => {
    const text = reviewToPretty(reviewAfter(HISTORY, CHANGE), { color: new Chalk({ level: 0 }), verbose: true, width: 100 });
    expect(text).toContain('0001_change.sql:3:1  ALTER TABLE users ADD COLUMN nick text');
  });
});

describe('json report', () => {
  it('keeps the contract fields and nothing internal', () => {
    const body = JSON.parse(reviewToJson(reviewAfter(HISTORY, CHANGE), '9.9.9'));
    expect(body).toMatchObject({ tool: 'dbtool', version: '9.9.9', reportVersion: 1, pgVersion: 18 });
    expect(body.summary).toEqual({ files: 1, statements: 3, errors: 2, warnings: 0, infos: 0, suppressed: 0 });
    const first = body.files[0].statements[0];
    expect(first).toEqual({
      line: 1,
      column: 1,
      endLine: 1,
      sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()',
      locks: { users: 'AccessExclusiveLock' },
      rewrites: ['users'],
      scans: ['users'],
      transaction: 'allowed',
      findings: [
        expect.objectContaining({
          rule: 'table-rewrite',
          severity: 'error',
          line: 1,
          column: 1,
          fix: expect.stringContaining('SET DEFAULT gen_random_uuid()'),
        }),
      ],
    });
  });
});

describe('github and markdown reports', () => {
  it('emit one escaped workflow command per finding', async () => {
    const { reviewToGithub } = await import('../src/report/github.js');
    const text = reviewToGithub(reviewAfter(HISTORY, CHANGE));
    const commands = text.split('\n').filter((l) => l.startsWith('::'));
    expect(commands).toHaveLength(2);
    expect(commands[1]).toMatch(/^::error file=0001_change\.sql,line=2,col=1,title=dbtool blocking-full-scan::Reads every row of users/);
    expect(commands[1]).toContain('%0ACREATE INDEX CONCURRENTLY');
    expect(commands.every((c) => !c.includes('\n'))).toBe(true);
  });

  it('render a table per file with the safer SQL folded away', async () => {
    const { reviewToMarkdown } = await import('../src/report/markdown.js');
    const text = reviewToMarkdown(reviewAfter(HISTORY, CHANGE));
    expect(text).toContain('| 2:1 | 🔴 error | `blocking-full-scan` | `CREATE INDEX users_email ON users (email)` |');
    expect(text).toContain('```sql\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n```');
    expect(text).toContain('| file | errors | warnings | info |');
    expect(text).toMatch(/\| `0001_change\.sql` \| 2 \| 0 \| 0 \|/);
  });

  it("stays under GitHub's comment limit on a 1,000-statement change and counts what it leaves out", async () => {
    const { reviewToMarkdown, MARKDOWN_BUDGET } = await import('../src/report/markdown.js');
    const history = Array.from(
      { length: 20 },
      (_v, t) => `CREATE TABLE t${t} (id bigint PRIMARY KEY, ${Array.from({ length: 50 }, (_w, c) => `c${c} text`).join(', ')});`,
    ).join('\n');
    // 1,000 index builds on existing tables spread over 20 migration files: 1,000 errors with fixes
    const { review } = await import('../src/review/engine.js');
    const files = Array.from({ length: 20 }, (_v, t) => ({
      path: `drizzle/${String(t + 1).padStart(4, '0')}_indexes.sql`,
      migration: `${t + 1}`,
      problems: [],
      review: true,
      text: Array.from({ length: 50 }, (_w, c) => `CREATE INDEX t${t}_c${c}_idx ON t${t} (c${c});`).join('\n'),
    }));
    const report = review([{ files: [{ path: '0000_init.sql', migration: '0', text: history, problems: [], review: false }, ...files] }], {
      pgVersion: 18,
      timezoneIsUtc: true,
      transactionMode: 'per-file',
      runnerLockTimeout: true,
    });
    expect(report.summary.statements).toBe(1000);
    expect(report.summary.errors).toBe(1000);
    const text = reviewToMarkdown(report);
    expect(text.length).toBeLessThanOrEqual(MARKDOWN_BUDGET);
    expect(text.length).toBeGreaterThan(MARKDOWN_BUDGET / 2);
    expect(text).toContain('**1000 errors**');
    expect(text).toMatch(/> \d+ more findings in \d+ files do not fit in one comment/);
    expect(text).toContain('… and 25 more findings in this file.');
    // the summary table still lists every file (up to 50), though not every section fits
    expect(text.match(/^\| `drizzle\//gm)).toHaveLength(20);
    // nothing is cut mid-section: every details block is closed
    expect(text.split('<details>').length).toBe(text.split('</details>').length);
  });
});
