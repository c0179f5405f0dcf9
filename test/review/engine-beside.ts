import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { reviewAfter } from './helpers.js';

/**
 * A PGlite engine and the reviewer side by side, after `history`: `engine(sql)` runs history + sql in a
 * transaction that is rolled back and gives the SQLSTATE of the failure (or undefined); `predicted(sql)` gives
 * the SQLSTATEs of the reviewer's statement-will-fail errors. Registers its own beforeAll/afterAll.
 */
export function engineBeside(history: string): { engine(sql: string): Promise<string | undefined>; predicted(sql: string): string[] } {
  let db: PGlite;
  beforeAll(async () => {
    await loadParser();
    db = new PGlite();
    await db.waitReady;
  });
  afterAll(() => db.close());
  return {
    async engine(sql) {
      await db.exec('BEGIN');
      try {
        await db.exec(history);
        await db.exec(sql);
        return undefined;
      } catch (error) {
        return (error as { code?: string }).code;
      } finally {
        await db.exec('ROLLBACK');
      }
    },
    predicted(sql) {
      return reviewAfter(history, sql)
        .files.flatMap((f) => f.statements.flatMap((s) => s.findings))
        .filter((f) => f.rule === 'statement-will-fail' && f.severity === 'error')
        .map((f) => f.message.match(/SQLSTATE (\w+)/)?.[1] ?? '?');
    },
  };
}
