import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../../src/review/rules/index.js';
import { reviewAfter } from './helpers.js';

// The schema a drizzle app's first migrations build: an enum, varchar and text columns, rows in production.
const HISTORY = `CREATE TYPE "public"."Plan Tier" AS ENUM('free', 'pro');
CREATE TABLE "users" ("id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL, "email" varchar(255) NOT NULL, "display_name" text);`;

function finding(sql: string, rule: string) {
  const report = reviewAfter(HISTORY, sql, { transactionMode: 'per-file' });
  const found = report.files[0]?.statements.flatMap((s) => s.findings).find((f) => f.rule === rule);
  if (!found) throw new Error(`${rule} did not fire on ${sql}`);
  return found;
}

describe('advice written for drizzle users', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(HISTORY);
    await db.exec("INSERT INTO users (email, display_name) VALUES ('a@example.com', 'A'), ('b@example.com', NULL)");
  });
  afterAll(() => db.close());

  it('the NOT NULL fix names the column type, and the fix runs on a table with rows', async () => {
    const { fix } = finding('ALTER TABLE "users" ADD COLUMN "tier" "Plan Tier" NOT NULL;', 'not-null-column-without-default');
    expect(fix).toContain('ADD COLUMN tier "Plan Tier";');
    expect(fix).not.toContain('<type>');
    const varchar = finding('ALTER TABLE "users" ADD COLUMN "country" varchar(2) NOT NULL;', 'not-null-column-without-default');
    expect(varchar.fix).toContain('ADD COLUMN country varchar(2);');
    // the suggested steps are real SQL: add, backfill, constrain, validate, set not null
    const steps = (fix ?? '').split('\n').filter((line) => !line.startsWith('--'));
    await db.exec(steps[0]!);
    await db.exec("UPDATE users SET tier = 'free'");
    for (const step of steps.slice(1)) await db.exec(step);
    const { rows } = await db.query<{ attnotnull: boolean; typname: string }>(
      "SELECT a.attnotnull, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = 'users'::regclass AND a.attname = 'tier'",
    );
    expect(rows[0]).toEqual({ attnotnull: true, typname: 'Plan Tier' });
  });

  it('shrinking a varchar offers a CHECK constraint added NOT VALID and validated, which PostgreSQL accepts without a rewrite', async () => {
    const { help, fix } = finding('ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(100);', 'table-rewrite');
    expect(help).toMatch(/CHECK/);
    expect(fix).toMatch(/CHECK \(char_length\(email\) <= 100\) NOT VALID;/);
    expect(fix).toMatch(/VALIDATE CONSTRAINT email_max_length;/);
    const before = (await db.query<{ f: number }>("SELECT relfilenode AS f FROM pg_class WHERE relname = 'users'")).rows[0]?.f;
    for (const step of (fix ?? '').split('\n').filter((line) => !line.startsWith('--'))) await db.exec(step);
    const after = (await db.query<{ f: number }>("SELECT relfilenode AS f FROM pg_class WHERE relname = 'users'")).rows[0]?.f;
    expect(after).toBe(before);
    await expect(db.exec(`UPDATE users SET email = '${'x'.repeat(101)}' WHERE display_name = 'A'`)).rejects.toThrow(/email_max_length/);
  });

  it('rename-column says a rename of the TypeScript key alone needs no migration', () => {
    const { help } = finding('ALTER TABLE "users" RENAME COLUMN "display_name" TO "full_name";', 'rename-column');
    expect(help).toContain("fullName: varchar('display_name')");
    expect(help).toMatch(/no migration/);
    expect(RULES.find((r) => r.id === 'rename-column')?.docs.drizzle).toMatch(/needs no migration/);
  });

  it("blocking-full-scan points at drizzle's .concurrently() before hand-editing the SQL", () => {
    const { help } = finding('CREATE INDEX "users_email_idx" ON "users" USING btree ("email");', 'blocking-full-scan');
    expect(help).toContain('.concurrently()');
    expect(RULES.find((r) => r.id === 'blocking-full-scan')?.docs.drizzle).toContain('.concurrently()');
  });

  it("drop-column's good example shows the expand/contract sequence", () => {
    const good = RULES.find((r) => r.id === 'drop-column')?.docs.good ?? [];
    expect(good.some((sql) => /release 1/.test(sql) && /release 2/.test(sql) && /DROP COLUMN/.test(sql))).toBe(true);
  });
});
