import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { reviewAfter } from './helpers.js';

beforeAll(loadParser);

const HISTORY = [
  'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text, "plan" text);',
  'CREATE TABLE "orders" ("id" serial PRIMARY KEY NOT NULL, "user_id" integer, "note" text);',
].join('\n');

/** `rule line:column` of every finding of the reviewed file. */
function found(sql: string, history = HISTORY): string[] {
  const report = reviewAfter(history, sql);
  return report.files.flatMap((f) => f.statements.flatMap((s) => s.findings)).map((f) => `${f.rule} ${f.line}:${f.column}`);
}

describe('rules see the statements a DO block runs, at their own positions', () => {
  it("foreign-key-without-index points at the ALTER inside drizzle-kit's duplicate_object guard (drizzle-kit before 0.30)", () => {
    const sql = [
      'ALTER TABLE "orders" ADD COLUMN "shop_id" integer;',
      '--> statement-breakpoint',
      'DO $$ BEGIN',
      ' ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;',
      'EXCEPTION',
      ' WHEN duplicate_object THEN null;',
      'END $$;',
    ].join('\n');
    const findings = found(sql);
    expect(findings).toContain('foreign-key-without-index 4:2');
    // the scan of the validation is reported once, at the inner statement, not at the DO
    expect(findings.filter((f) => f.startsWith('blocking-full-scan'))).toEqual(['blocking-full-scan 4:2']);
    expect(findings.some((f) => f.endsWith(' 3:1'))).toBe(false);
  });

  it('a block the guard rolls back (the constraint exists) reports nothing', () => {
    const history = `${HISTORY}\nALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");`;
    const sql =
      'DO $$ BEGIN\n ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;';
    expect(found(sql, history).filter((f) => !f.startsWith('missing-lock-timeout'))).toEqual([]);
  });

  it('data-dependent-change, unbatched-backfill and not-null-column-without-default see hand-written DO blocks, each statement at its line', () => {
    const sql = [
      'DO $$',
      'BEGIN',
      '  ALTER TABLE "users" ADD COLUMN "age" integer NOT NULL;',
      '  UPDATE "users" SET "plan" = \'free\';',
      '  ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;',
      'END $$;',
    ].join('\n');
    const findings = found(sql);
    expect(findings).toContain('not-null-column-without-default 3:3');
    expect(findings).toContain('unbatched-backfill 4:3');
    expect(findings.some((f) => f.startsWith('data-dependent-change 5:3') || f.startsWith('blocking-full-scan 5:3'))).toBe(true);
    expect(findings.some((f) => f.endsWith(' 1:1') && !f.startsWith('missing-lock-timeout'))).toBe(false);
  });

  it('counts columns in characters on a line with multi-byte text before the statement, and reads single-quoted bodies', () => {
    const sql =
      'DO $$ BEGIN /* café */ UPDATE "users" SET "plan" = \'free\'; END $$;\n--> statement-breakpoint\nDO \'BEGIN UPDATE "orders" SET "note" = \'\'x\'\'; END\';';
    const findings = found(sql).filter((f) => f.startsWith('unbatched-backfill'));
    expect(findings).toEqual(['unbatched-backfill 1:24', 'unbatched-backfill 3:11']);
  });

  it("a failure the block's EXCEPTION handler may catch is not reported as a failed migration", () => {
    const sql = 'DO $$ BEGIN\n  CREATE TABLE "users" ("id" int);\nEXCEPTION WHEN duplicate_table THEN null;\nEND $$;';
    expect(found(sql).filter((f) => f.startsWith('statement-will-fail'))).toEqual([]);
    expect(found('DO $$ BEGIN\n  CREATE TABLE "users" ("id" int);\nEND $$;').filter((f) => f.startsWith('statement-will-fail'))).toEqual([
      'statement-will-fail 2:3',
    ]);
  });
});

describe('a DO block that creates a table and then indexes it', () => {
  it('treats the table as new for the statements after it in the block', () => {
    const sql = [
      'DO $$',
      'BEGIN',
      "  IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'sessions') THEN",
      '    CREATE TABLE "sessions" ("id" text PRIMARY KEY, "user_id" integer NOT NULL);',
      '    ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");',
      '    CREATE INDEX "sessions_user_idx" ON "sessions" ("user_id");',
      '  END IF;',
      'END $$;',
    ].join('\n');
    const findings = found(sql).filter((f) => !f.startsWith('missing-lock-timeout'));
    // the new table is empty: its foreign key and index read nothing, from inside the block or as a whole
    expect(findings.filter((f) => f.startsWith('blocking-full-scan') || f.startsWith('data-dependent-change'))).toEqual([]);
    // the same statements written plainly agree
    const plain = found(
      'CREATE TABLE "sessions" ("id" text PRIMARY KEY, "user_id" integer NOT NULL);\nALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");\nCREATE INDEX "sessions_user_idx" ON "sessions" ("user_id");',
    );
    expect(plain.filter((f) => f.startsWith('blocking-full-scan') || f.startsWith('data-dependent-change'))).toEqual([]);
  });

  it('a table created in a DO block is new for the statements after the block', () => {
    const sql = 'DO $$ BEGIN\n  CREATE TABLE "sessions" ("id" text, "user_id" integer);\nEND $$;\nCREATE INDEX "sessions_user_idx" ON "sessions" ("user_id");';
    expect(found(sql).filter((f) => f.startsWith('blocking-full-scan'))).toEqual([]);
  });
});
