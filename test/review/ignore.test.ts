import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { reviewAfter, rulesOf } from './helpers.js';

beforeAll(loadParser);

const HISTORY = 'CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);';

describe('dbtool-ignore comments', () => {
  it('silence the named rule on the next statement only, whatever its length', () => {
    const sql = `-- dbtool-ignore blocking-full-scan: users has 40 rows, built during the maintenance window
CREATE INDEX users_email
  ON users
  (email);
CREATE INDEX users_name ON users (name);`;
    const report = reviewAfter(HISTORY, sql, { runnerLockTimeout: true });
    expect(report.files[0]?.statements.map((s) => s.findings.map((f) => f.rule))).toEqual([[], ['blocking-full-scan']]);
    expect(report.summary.suppressed).toBe(1);
    expect(rulesOf(report)).toEqual(['blocking-full-scan']);
  });

  it('take several rules, and a file-wide form', () => {
    const sql = `-- dbtool-ignore-file blocking-full-scan: a new feature table, still empty in production
CREATE INDEX users_email ON users (email);
-- dbtool-ignore table-rewrite, drop-column: the column was never written
ALTER TABLE users DROP COLUMN name, ADD COLUMN token uuid DEFAULT gen_random_uuid();
CREATE INDEX users_name ON users (name);`;
    const report = reviewAfter(HISTORY, sql, { runnerLockTimeout: true });
    expect(rulesOf(report)).toEqual([]);
    expect(report.summary.suppressed).toBe(4);
  });

  it('are reported when they lack a reason, name an unknown rule, or match nothing', () => {
    const sql = `-- dbtool-ignore blocking-full-scan
CREATE INDEX users_email ON users (email);
-- dbtool-ignore no-such-rule: because
-- dbtool-ignore table-rewrite: not a rewrite at all
ALTER TABLE users ADD COLUMN nick text;`;
    const report = reviewAfter(HISTORY, sql, { runnerLockTimeout: true });
    const file = report.files[0];
    expect(file?.findings.map((f) => [f.rule, f.line])).toEqual([
      ['invalid-ignore', 1],
      ['invalid-ignore', 3],
      ['unused-ignore', 4],
    ]);
    expect(file?.findings[0]?.message).toContain('gives no reason');
    expect(file?.findings[1]?.message).toContain('"no-such-rule"');
    expect(report.summary.suppressed).toBe(1);
  });
});
