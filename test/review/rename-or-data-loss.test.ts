import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { reviewAfter, rulesOf } from './helpers.js';

beforeAll(loadParser);

const HISTORY =
  'CREATE TABLE users (id bigint PRIMARY KEY, name text, age integer);\nCREATE TABLE logs (id serial PRIMARY KEY, at timestamptz NOT NULL, line text);';
const findings = (sql: string) =>
  reviewAfter(HISTORY, sql)
    .files[0]!.statements.flatMap((s) => s.findings)
    .filter((f) => f.rule === 'rename-or-data-loss');

describe('rename-or-data-loss', () => {
  it('drizzle-kit order (ADD then DROP): an error on the DROP with the RENAME it probably meant', () => {
    const [finding, ...rest] = findings('ALTER TABLE "users" ADD COLUMN "full_name" text;--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "name";');
    expect(rest).toEqual([]);
    expect(finding?.severity).toBe('error');
    expect(finding?.line).toBe(2);
    expect(finding?.fix).toBe('ALTER TABLE users RENAME COLUMN name TO full_name;');
    expect(finding?.message).toContain('every value of name is lost');
  });

  it('hand-written order (DROP then ADD) too', () => {
    expect(findings('ALTER TABLE users DROP COLUMN name;\nALTER TABLE users ADD COLUMN display_name text;').map((f) => f.fix)).toEqual([
      'ALTER TABLE users RENAME COLUMN name TO display_name;',
    ]);
  });

  it('drop table + create table with the same columns: the table rename', () => {
    const sql =
      'CREATE TABLE "app_logs" ("id" serial PRIMARY KEY NOT NULL, "at" timestamp with time zone NOT NULL, "line" text);\n--> statement-breakpoint\nDROP TABLE "logs" CASCADE;';
    expect(findings(sql).map((f) => f.fix)).toEqual(['ALTER TABLE logs RENAME TO app_logs;']);
  });

  it('stays quiet when the types differ, the pairing is ambiguous, the values are copied first, or the table differs', () => {
    expect(findings('ALTER TABLE users ADD COLUMN full_name varchar(100);\nALTER TABLE users DROP COLUMN name;')).toEqual([]);
    expect(findings('ALTER TABLE users ADD COLUMN a text;\nALTER TABLE users ADD COLUMN b text;\nALTER TABLE users DROP COLUMN name;')).toEqual([]);
    expect(findings('ALTER TABLE users ADD COLUMN full_name text;\nUPDATE users SET full_name = name;\nALTER TABLE users DROP COLUMN name;')).toEqual([]);
    expect(findings('ALTER TABLE logs ADD COLUMN name text;\nALTER TABLE users DROP COLUMN name;')).toEqual([]);
    expect(findings('CREATE TABLE app_logs (id serial PRIMARY KEY, at timestamptz NOT NULL);\nDROP TABLE logs;')).toEqual([]);
    expect(rulesOf(reviewAfter(HISTORY, 'ALTER TABLE users RENAME COLUMN name TO full_name;'))).not.toContain('rename-or-data-loss');
  });
});
