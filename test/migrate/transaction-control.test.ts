import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, withPg } from './helpers.js';

afterAll(stopSharedServer);

const INIT = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);';
// a ROLLBACK in the middle: under a per-file transaction it discards the INSERT, and the ALTER after it autocommits
const ROLLBACK = [
  `INSERT INTO "users" ("email") VALUES ('a@example.com');`,
  '--> statement-breakpoint',
  'ROLLBACK;',
  '--> statement-breakpoint',
  'ALTER TABLE "users" ADD COLUMN "name" text;',
].join('\n');

async function state(url: string): Promise<{ users: boolean; rows: number }> {
  return withPg(url, async (c) => {
    const users = (await c.query("SELECT to_regclass('public.users') IS NOT NULL AS ok")).rows[0].ok as boolean;
    const rows = (await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'drizzle' AND tablename = '__drizzle_migrations'")).rows[0]
      .n as number;
    const recorded = rows > 0 ? ((await c.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')).rows[0].n as number) : 0;
    return { users, rows: recorded };
  });
}

describe('dbtool migrate and transaction control inside a migration file (PostgreSQL 18)', { timeout: 60_000 }, () => {
  it.each([[[]], [['--allow-unsafe']]])(
    'refuses a file with ROLLBACK in the middle before running anything (flags: %j), exit 1, at file:line:col',
    async (flags) => {
      const url = await freshDatabase();
      const dir = journalFolder({ '0000_init': INIT, '0001_rollback': ROLLBACK });
      const run = await dbtool(['migrate', '--dir', dir, '--url', url, ...flags]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('0001_rollback.sql:3:1');
      expect(run.stdout).toContain('transaction-control');
      expect(run.stdout).toContain('Nothing applied');
      expect(run.stdout).toMatch(/hint: .*even with --allow-unsafe/);
      expect(run.stdout).not.toMatch(/or pass --allow-unsafe/);
      // not even the harmless first migration: the run is refused as a whole
      expect(await state(url)).toEqual({ users: false, rows: 0 });
    },
  );

  it('reports the refusal in --format json too (blockedByReview, the finding, nothing applied)', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({
      '0000_init': INIT,
      '0001_savepoint': `SAVEPOINT s;\n--> statement-breakpoint\n${INIT.replace('users', 'others')}\n--> statement-breakpoint\nROLLBACK TO SAVEPOINT s;`,
    });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url, '--allow-unsafe', '--format', 'json']);
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout);
    expect(out.blockedByReview).toBe(true);
    expect(out.applied).toEqual([]);
    const findings = out.review.files.flatMap((f: { statements: Array<{ findings: Array<{ rule: string; line: number }> }> }) =>
      f.statements.flatMap((s) => s.findings),
    );
    expect(findings.filter((f: { rule: string }) => f.rule === 'transaction-control').map((f: { line: number }) => f.line)).toEqual([1, 5]);
    expect(await state(url)).toEqual({ users: false, rows: 0 });
  });

  it('still runs a plain COMMIT as a boundary between its own transactions (no finding)', async () => {
    const url = await freshDatabase();
    const dir = journalFolder({
      '0000_init': INIT,
      '0001_commit': `ALTER TABLE "users" ADD COLUMN "a" text;\nCOMMIT;\nCREATE INDEX CONCURRENTLY "users_a_idx" ON "users" ("a");`,
    });
    const run = await dbtool(['migrate', '--dir', dir, '--url', url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('transaction-control');
    expect(await state(url)).toEqual({ users: true, rows: 2 });
  });

  it('what the refusal prevents: with the rule turned off, PostgreSQL discards the INSERT, autocommits the ALTER, and the file is recorded as applied', async () => {
    const url = await freshDatabase();
    const parent = mkdtempSync(join(tmpdir(), 'dbtool-tc-'));
    const dir = journalFolder({ '0000_init': INIT, '0001_rollback': ROLLBACK }, { parent });
    writeFileSync(join(parent, 'dbtool.config.json'), JSON.stringify({ rules: { 'transaction-control': 'off' } }));
    const run = await dbtool(['migrate', '--dir', dir, '--url', url, '--config', join(parent, 'dbtool.config.json')], { cwd: parent });
    expect(run.code).toBe(0);
    const after = await withPg(url, async (c) => ({
      rows: (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n,
      name: (await c.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'name'")).rows[0].n,
    }));
    expect(after).toEqual({ rows: 0, name: 1 });
    expect((await state(url)).rows).toBe(2);
  });
});
