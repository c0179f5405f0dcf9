import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { review } from '../../src/review/engine.js';
import { loadParser } from '../../src/review/parse.js';
import type { TransactionMode } from '../../src/review/transaction.js';
import { DEFAULTS } from '../review/helpers.js';
import { freshDatabase, journalFolder, stopSharedServer, withPg } from './helpers.js';

beforeAll(loadParser);
afterAll(stopSharedServer);

const BREAK = '\n--> statement-breakpoint\n';
const table = (name: string) => `CREATE TABLE "${name}" ("id" integer);`;

interface Outcome {
  error?: string;
  warnings: string[];
  tables: string[];
  recorded: number;
}

/** Applies the folder with drizzle-orm's own migrator (node-postgres), as `drizzle-kit migrate` and apps do. */
async function drizzleMigrate(url: string, dir: string): Promise<Outcome> {
  const client = new pg.Client({ connectionString: url });
  const warnings: string[] = [];
  client.on('notice', (n) => warnings.push(`${n.severity} ${n.code}`));
  await client.connect();
  let error: string | undefined;
  try {
    await migrate(drizzle(client), { migrationsFolder: dir });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause ?? (e as { code?: string });
    error = cause.code ?? String(e);
  } finally {
    await client.end();
  }
  return { ...(error ? { error } : {}), warnings, ...(await state(url)) };
}

async function state(url: string): Promise<{ tables: string[]; recorded: number }> {
  return withPg(url, async (c) => {
    const tables = (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map((r) => r.tablename as string);
    const exists = (await c.query("SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS ok")).rows[0].ok as boolean;
    const recorded = exists ? ((await c.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0].n as number) : 0;
    return { tables, recorded };
  });
}

/** The transaction-control messages the review gives for these files, under the given runner. */
function said(files: Record<string, string>, transactionMode: TransactionMode): string[] {
  const report = review([{ files: Object.entries(files).map(([tag, text]) => ({ path: `${tag}.sql`, migration: tag, text, problems: [], review: true })) }], {
    ...DEFAULTS,
    transactionMode,
    newAcrossFiles: true,
  });
  return report.files
    .flatMap((f) => f.statements.flatMap((s) => s.findings))
    .filter((f) => f.rule === 'transaction-control')
    .map((f) => f.message);
}

describe("transaction control under drizzle-orm's migrator (one transaction for every pending file), PostgreSQL 18", { timeout: 60_000 }, () => {
  it('COMMIT commits the earlier files early; everything after it autocommits, so a later failure leaves a half-applied, unrecorded migration that the next run replays and fails on', async () => {
    const url = await freshDatabase();
    const files = {
      '0000_a': table('a'),
      '0001_commit': `${table('b')}${BREAK}COMMIT;${BREAK}${table('c')}`,
      '0002_fails': `${table('d')}${BREAK}SELECT 1/0;`,
    };
    const dir = journalFolder(files);
    const first = await drizzleMigrate(url, dir);
    expect(first).toMatchObject({ error: '22012', tables: ['a', 'b', 'c', 'd'], recorded: 2 });
    // drizzle's ROLLBACK after the failure finds no transaction
    expect(first.warnings).toContain('WARNING 25P01');
    const second = await drizzleMigrate(url, dir);
    expect(second.error).toBe('42P07');
    const message = said(files, 'all')[0];
    expect(message).toContain('the pending migrations before this one and the first part of this one are committed for good');
    expect(message).toContain('every later pending migration');
    expect(message).toContain('next run replays');
  });

  it('ROLLBACK undoes the earlier pending files and their bookkeeping rows, the rest autocommits and is recorded, and the next run skips the undone files for good', async () => {
    const url = await freshDatabase();
    const files = { '0000_a': table('a'), '0001_rollback': `${table('b')}${BREAK}ROLLBACK;${BREAK}${table('c')}`, '0002_d': table('d') };
    const dir = journalFolder(files);
    const first = await drizzleMigrate(url, dir);
    expect(first).toMatchObject({ tables: ['c', 'd'], recorded: 2 });
    expect(first.error).toBeUndefined();
    expect(first.warnings).toContain('WARNING 25P01');
    const second = await drizzleMigrate(url, dir);
    expect(second).toMatchObject({ tables: ['c', 'd'], recorded: 2 });
    const message = said(files, 'all')[0];
    expect(message).toContain('every pending migration before this one too, and their bookkeeping rows');
    expect(message).toContain('skips those migrations for good');
  });

  it('BEGIN inside the transaction is ignored with a WARNING (25001): a later failure still rolls everything back', async () => {
    const url = await freshDatabase();
    const files = { '0000_a': table('a'), '0001_begin': `BEGIN;${BREAK}${table('b')}`, '0002_fails': 'SELECT 1/0;' };
    const outcome = await drizzleMigrate(url, journalFolder(files));
    expect(outcome).toMatchObject({ error: '22012', tables: [], recorded: 0 });
    expect(outcome.warnings).toContain('WARNING 25001');
    expect(said(files, 'all')).toEqual([]);
  });

  it('ROLLBACK TO SAVEPOINT silently discards the statements after the savepoint, and the migration is recorded as applied', async () => {
    const url = await freshDatabase();
    const files = { '0000_a': table('a'), '0001_savepoint': `SAVEPOINT s;${BREAK}${table('b')}${BREAK}ROLLBACK TO SAVEPOINT s;${BREAK}${table('c')}` };
    const outcome = await drizzleMigrate(url, journalFolder(files));
    expect(outcome).toMatchObject({ tables: ['a', 'c'], recorded: 2 });
    expect(outcome.error).toBeUndefined();
    const messages = said(files, 'all');
    expect(messages).toHaveLength(2);
    expect(messages[1]).toContain('discards the statements between the savepoint and it');
    expect(messages[1]).toContain('recorded as applied');
  });

  it('PREPARE TRANSACTION fails where prepared transactions are disabled (the default, 55000) and the whole run is rolled back', async () => {
    const url = await freshDatabase();
    const files = { '0000_a': table('a'), '0001_prepare': `${table('b')}${BREAK}PREPARE TRANSACTION 'm1';${BREAK}${table('c')}` };
    const outcome = await drizzleMigrate(url, journalFolder(files));
    expect(outcome).toMatchObject({ error: '55000', tables: [], recorded: 0 });
    expect(said(files, 'all')[0]).toContain('max_prepared_transactions = 0');
  });

  it('COMMIT inside a DO block fails with 2D000 and the whole run is rolled back; in autocommit the same block commits mid-way', async () => {
    const url = await freshDatabase();
    const block = `DO $$ BEGIN CREATE TABLE "b" ("id" integer); COMMIT; CREATE TABLE "c" ("id" integer); END $$;`;
    const files = { '0000_a': table('a'), '0001_do_commit': block };
    const outcome = await drizzleMigrate(url, journalFolder(files));
    expect(outcome).toMatchObject({ error: '2D000', tables: [], recorded: 0 });
    expect(said(files, 'all')[0]).toContain('SQLSTATE 2D000');
    const autocommit = await withPg(url, async (c) => {
      await c.query(block);
      return (await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('b', 'c')")).rows[0].n as number;
    });
    expect(autocommit).toBe(2);
    expect(said({ '0001_do_commit': block }, 'none')).toEqual([]);
  });
});

describe('transaction control without a runner transaction (runner none: autocommit), PostgreSQL 18', { timeout: 60_000 }, () => {
  it('SAVEPOINT is rejected (25P01); ROLLBACK and COMMIT only warn (25P01) and undo nothing', async () => {
    const url = await freshDatabase();
    const codes = await withPg(url, async (c) => {
      const warnings: string[] = [];
      c.on('notice', (n) => warnings.push(`${n.severity} ${n.code}`));
      const savepoint = await c.query('SAVEPOINT s').then(
        () => 'ok',
        (e: { code?: string }) => e.code,
      );
      await c.query(table('a'));
      await c.query('ROLLBACK');
      await c.query('COMMIT');
      const kept = (await c.query("SELECT to_regclass('a') IS NOT NULL AS ok")).rows[0].ok as boolean;
      return { savepoint, warnings, kept };
    });
    expect(codes).toEqual({ savepoint: '25P01', warnings: ['WARNING 25P01', 'WARNING 25P01'], kept: true });
    expect(said({ '0001': 'SAVEPOINT s;' }, 'none')[0]).toContain('25P01');
  });
});
