import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalMigration } from '../../src/migrate/local.js';
import { planFile } from '../../src/migrate/plan.js';
import { review } from '../../src/review/engine.js';
import { loadParser, parseSql } from '../../src/review/parse.js';

beforeAll(loadParser);

const migration = (text: string): LocalMigration => ({ name: 'm', path: 'm.sql', text, hash: 'h', createdAt: 1, listed: true });

/** Plans a file with the review's own verdict on which statements refuse a transaction. */
function plan(text: string) {
  const parsed = parseSql(text);
  const report = review([{ files: [{ path: 'm.sql', migration: 'm', text, problems: [], review: true, parsed }] }], {
    pgVersion: 18,
    timezoneIsUtc: true,
    transactionMode: 'per-file',
    forbiddenRunOutside: true,
  });
  const statements = report.files[0]!.statements;
  return planFile(migration(text), parsed, (i) => statements[i]?.transaction === 'forbidden');
}

const shape = (p: ReturnType<typeof plan>) => p.units.map((u) => `${u.inTransaction ? 'tx' : 'alone'}:${u.statements.map((s) => s.line).join(',')}`);

describe('planFile', () => {
  it('keeps a file without special statements in one transaction', () => {
    expect(shape(plan('CREATE TABLE a (id int);\nCREATE TABLE b (id int);'))).toEqual(['tx:1,2']);
  });

  it('runs CREATE INDEX CONCURRENTLY alone, between the transactions before and after it, and remembers its index', () => {
    const p = plan('ALTER TABLE a ADD COLUMN x int;\nCREATE INDEX CONCURRENTLY "a_x" ON a (x);\nALTER TABLE a ADD COLUMN y int;');
    expect(shape(p)).toEqual(['tx:1', 'alone:2', 'tx:3']);
    expect(p.units[1]!.statements[0]!.concurrentIndex).toEqual({ schema: undefined, name: 'a_x' });
  });

  it('turns an explicit COMMIT / BEGIN into a boundary instead of sending it', () => {
    const p = plan('ALTER TABLE a ADD COLUMN x int;\nCOMMIT;\nALTER TABLE a ADD COLUMN y int;\nBEGIN;\nALTER TABLE a ADD COLUMN z int;');
    expect(shape(p)).toEqual(['tx:1', 'tx:3', 'tx:5']);
    expect(p.boundaries).toEqual([
      { line: 2, keyword: 'COMMIT' },
      { line: 4, keyword: 'BEGIN' },
    ]);
  });

  it('calls a procedure that commits outside a transaction, and an ordinary one inside', () => {
    const text = [
      'CREATE PROCEDURE batched() LANGUAGE plpgsql AS $$ BEGIN LOOP EXIT; END LOOP; COMMIT; END $$;',
      'CREATE PROCEDURE plain() LANGUAGE sql AS $$ SELECT 1 $$;',
      'CALL public.batched();',
      'CALL plain();',
    ].join('\n');
    expect(shape(plan(text))).toEqual(['tx:1,2', 'alone:3', 'tx:4']);
  });

  it('still records an empty migration (drizzle-kit generate --custom)', () => {
    expect(shape(plan('-- Custom SQL migration file, put your code below! --\n'))).toEqual(['tx:']);
  });
});

const SIM = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'shared',
  'corpus',
  'real-world',
  'simstudioai__sim',
  'packages__db__migrations',
  '0220_early_hellion.sql',
);
if (!existsSync(SIM)) console.warn(`SKIPPED: planning sim's COMMIT-escaping migration — ${SIM} is absent`);

describe.skipIf(!existsSync(SIM))("sim's 0220 migration (COMMIT to escape drizzle's transaction, a committing backfill procedure, concurrent indexes)", () => {
  it('is planned so that each statement runs where PostgreSQL accepts it', () => {
    const p = plan(readFileSync(SIM, 'utf8'));
    expect(p.boundaries.map((b) => b.keyword)).toEqual(['COMMIT']);
    const alone = p.units.filter((u) => !u.inTransaction).flatMap((u) => u.statements.map((s) => s.sql.split(/\s+/).slice(0, 3).join(' ')));
    expect(alone).toEqual(['CALL backfill_wel_cost_total_0220()', 'CREATE INDEX CONCURRENTLY', 'CREATE INDEX CONCURRENTLY', 'CREATE INDEX CONCURRENTLY']);
  });
});
