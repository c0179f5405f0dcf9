import { beforeAll, describe, expect, it } from 'vitest';
import { review } from '../../src/review/engine.js';
import type { ReviewSettings } from '../../src/review/findings.js';
import { loadParser } from '../../src/review/parse.js';
import { DEFAULTS } from './helpers.js';

beforeAll(loadParser);

const HISTORY = 'CREATE TABLE users (id bigint PRIMARY KEY, name text);';
/** what dbtool migrate reviews with: per-file transactions, CONCURRENTLY and plain BEGIN/COMMIT handled by the runner */
const MIGRATE: Partial<ReviewSettings> = { transactionMode: 'per-file', forbiddenRunOutside: true };

/** `line:column message-start` of the transaction-control findings of one reviewed file. */
function found(sql: string, settings: Partial<ReviewSettings> = {}): string[] {
  const report = review(
    [
      {
        files: [
          { path: '0000.sql', migration: '0000', text: HISTORY, problems: [], review: false },
          { path: '0001.sql', migration: '0001', text: sql, problems: [], review: true },
        ],
      },
    ],
    { ...DEFAULTS, ...settings },
  );
  return report.files
    .flatMap((f) => f.statements.flatMap((s) => s.findings))
    .filter((f) => f.rule === 'transaction-control' && f.severity === 'error')
    .map((f) => `${f.line}:${f.column} ${f.message.split(/[ :(]/).slice(0, 3).join(' ')}`);
}

const ADD = 'ALTER TABLE users ADD COLUMN a text;';

describe('transaction-control', () => {
  it.each([
    ['ROLLBACK', `${ADD}\nROLLBACK;\n${ADD}`, '2:1 ROLLBACK discards every'],
    ['ABORT', `${ADD}\n  ABORT;`, '2:3 ABORT discards every'],
    ['ROLLBACK AND CHAIN', `${ADD}\nROLLBACK AND CHAIN;`, '2:1 ROLLBACK AND CHAIN'],
    ['SAVEPOINT', 'SAVEPOINT s;', '1:1 SAVEPOINT in a'],
    ['RELEASE', 'RELEASE SAVEPOINT s;', '1:1 RELEASE SAVEPOINT in'],
    ['ROLLBACK TO', 'ROLLBACK TO s;', '1:1 ROLLBACK TO SAVEPOINT'],
    ['PREPARE TRANSACTION', "PREPARE TRANSACTION 'x';", '1:1 PREPARE TRANSACTION in'],
    ['COMMIT PREPARED', "COMMIT PREPARED 'x';", '1:1 COMMIT PREPARED in'],
    ['ROLLBACK PREPARED', "ROLLBACK PREPARED 'x';", '1:1 ROLLBACK PREPARED in'],
  ])('%s is an error for every runner: drizzle, dbtool migrate, per-file, none', (_what, sql, expected) => {
    for (const settings of [{}, MIGRATE, { transactionMode: 'per-file' as const }, { transactionMode: 'none' as const }]) {
      // in autocommit a ROLLBACK finds no transaction: it only warns and undoes nothing
      const said = settings.transactionMode === 'none' ? expected.replace('discards every', 'outside a') : expected;
      expect(found(sql, settings), JSON.stringify(settings)).toEqual([said]);
    }
  });

  it("flags COMMIT / END / COMMIT AND CHAIN when the runner sends it inside its own transaction (drizzle's migrator, another per-file runner)", () => {
    expect(found(`${ADD}\nCOMMIT;\nCREATE INDEX CONCURRENTLY users_a ON users (a);`)).toEqual(['2:1 COMMIT commits the']);
    expect(found(`${ADD}\nEND;`, { transactionMode: 'per-file' })).toEqual(['2:1 END commits the']);
    expect(found(`${ADD}\nCOMMIT AND CHAIN;`)).toEqual(['2:1 COMMIT AND CHAIN']);
    // a second COMMIT commits nothing more: reported once, where the transaction ended
    expect(found(`COMMIT;\n${ADD}\nCOMMIT;`)).toEqual(['1:1 COMMIT commits the']);
  });

  it('is silent on plain BEGIN / COMMIT that dbtool migrate turns into boundaries, and on a file that manages its own transaction (transactionMode none)', () => {
    const wrapped = `BEGIN;\n${ADD}\nCOMMIT;\nCREATE INDEX CONCURRENTLY users_a ON users (a);\nSTART TRANSACTION;\n${ADD}\nEND;`;
    expect(found(wrapped, MIGRATE)).toEqual([]);
    expect(found(wrapped, { transactionMode: 'none' })).toEqual([]);
    expect(found(`BEGIN ISOLATION LEVEL SERIALIZABLE;\n${ADD}\nCOMMIT;`, { transactionMode: 'none' })).toEqual([]);
    // BEGIN alone inside drizzle's transaction is a no-op (PostgreSQL warns); its COMMIT is the problem
    expect(found(`BEGIN;\n${ADD}`)).toEqual([]);
  });

  it('flags BEGIN with options where they would not be applied', () => {
    expect(found(`BEGIN ISOLATION LEVEL SERIALIZABLE;\n${ADD}\nCOMMIT;`, MIGRATE)).toEqual(['1:1 BEGIN with transaction']);
    expect(found(`START TRANSACTION READ ONLY;\n${ADD}`)).toEqual(['1:1 START TRANSACTION with']);
  });

  it('tells dbtool migrate users the file is refused even with --allow-unsafe, and says how to run CONCURRENTLY with dbtool', () => {
    const report = review([{ files: [{ path: 'm.sql', migration: 'm', text: `${HISTORY}\nROLLBACK;`, problems: [], review: true }] }], {
      ...DEFAULTS,
      ...MIGRATE,
    });
    const finding = report.files[0]!.statements[1]!.findings[0]!;
    expect(finding.message).toContain('refuses to run this file, even with --allow-unsafe');
    expect(finding.help).toContain('migration file of its own');
    expect(finding.help).toContain('dbtool migrate` runs such statements outside its transaction');
  });
});

describe('transaction-control inside DO blocks', () => {
  const block = `DO $$ BEGIN\n  ${ADD}\n  COMMIT;\nEND $$;`;
  it('COMMIT in a DO body is an error wherever the DO runs in a transaction block, and fine in autocommit', () => {
    expect(found(block)).toEqual(['1:1 COMMIT inside a']);
    expect(found(block, MIGRATE)).toEqual(['1:1 COMMIT inside a']);
    expect(found(block, { transactionMode: 'none' })).toEqual([]);
    expect(found(`BEGIN;\n${block}\nCOMMIT;`, { transactionMode: 'none' })).toEqual(['2:1 COMMIT inside a']);
  });
});
