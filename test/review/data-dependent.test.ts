import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { dataDependentChange } from '../../src/review/rules/data-dependent-change.js';
import { freshDatabase, stopSharedServer, withPg } from '../migrate/helpers.js';
import { reviewAfter } from './helpers.js';

// The rule claims each of its Bad examples fails on data that does not comply, with a given SQLSTATE, and that
// its Good examples do not depend on the data. Both claims are checked on a PostgreSQL 18 server, against the
// rule's own documented history filled with rows that break every assumption.
const DIRTY_ROWS = `
INSERT INTO users (id, email, name) VALUES (1, 'same@example.com', NULL), (2, 'same@example.com', 'Bo');
INSERT INTO orders (id, user_id, total, note) VALUES (1, 1, -5, repeat('x', 300)), (2, 999, 10, NULL);`;

const docs = dataDependentChange.docs;

beforeAll(loadParser);
afterAll(stopSharedServer);

/** Runs the history, the dirty rows and the example statement by statement; the SQLSTATE it fails with, if any. */
async function outcome(example: string): Promise<string | undefined> {
  const url = await freshDatabase();
  return withPg(url, async (c) => {
    await c.query(`${docs.history ?? ''}\n${DIRTY_ROWS}`);
    try {
      // one statement at a time, outside a transaction block: CREATE INDEX CONCURRENTLY refuses one
      for (const statement of example.split(/;\s*\n/)) await c.query(statement);
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  });
}

describe('data-dependent-change on a real server', { timeout: 60_000 }, () => {
  it.each(docs.bad.map((sql, i) => [i + 1, sql] as const))(
    'Bad example %i fails on non-compliant rows with the SQLSTATE the finding names',
    async (_i, sql) => {
      const findings =
        reviewAfter(docs.history ?? '', sql, { transactionMode: 'none' })
          .files[0]?.statements.flatMap((s) => s.findings)
          .filter((f) => f.rule === 'data-dependent-change') ?? [];
      expect(findings.length).toBeGreaterThan(0);
      const claimed = findings.flatMap((f) => [...f.message.matchAll(/\b(2[0-9A-Z]{4})\b/g)].map((m) => m[1]));
      const code = await outcome(sql);
      expect(code).toBeDefined();
      expect(claimed).toContain(code);
    },
  );

  it.each(docs.good.map((sql, i) => [i + 1, sql] as const))('Good example %i succeeds on the same rows', async (_i, sql) => {
    expect(await outcome(sql)).toBeUndefined();
  });
});
