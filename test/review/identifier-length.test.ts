import { beforeAll, describe, expect, it } from 'vitest';
import { byteLength, makeObjectName, truncateIdentifier } from '../../src/review/identifiers.js';
import { loadParser } from '../../src/review/parse.js';
import { reviewAfter } from './helpers.js';

beforeAll(loadParser);

const HISTORY = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL);\nCREATE TABLE "orders" ("id" serial PRIMARY KEY NOT NULL, "user_id" integer);';
const FK = 'orders_customer_shipping_address_id_customer_shipping_addresses_id_fk';

function found(sql: string, history = HISTORY): string[] {
  return reviewAfter(history, sql)
    .files.flatMap((f) => f.statements.flatMap((s) => s.findings))
    .filter((f) => f.rule === 'identifier-too-long' || f.rule === 'truncated-name-collision')
    .map((f) => `${f.rule} ${f.line}:${f.column}`);
}

describe('names longer than 63 bytes', () => {
  it('cuts on a character boundary, counting UTF-8 bytes', () => {
    expect(truncateIdentifier('é'.repeat(40))).toBe('é'.repeat(31));
    expect(byteLength(truncateIdentifier(`${'a'.repeat(62)}é`))).toBe(62);
    // makeObjectName shortens the longer part first, then each on a character boundary
    expect(makeObjectName('a'.repeat(50), 'b'.repeat(20), 'idx').name).toBe(`${'a'.repeat(38)}_${'b'.repeat(20)}_idx`);
    expect(makeObjectName('t', undefined, 'pkey')).toEqual({ name: 't_pkey', full: 't_pkey' });
  });

  it('points at the long name itself, in a drizzle-kit foreign key', () => {
    const sql = `ALTER TABLE "orders" ADD COLUMN "x" integer;--> statement-breakpoint\nALTER TABLE "orders" ADD CONSTRAINT "${FK}" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;`;
    expect(found(sql)).toEqual(['identifier-too-long 2:37']);
  });

  it('inside a DO block, at the inner position', () => {
    const sql = `DO $$ BEGIN\n ALTER TABLE "orders" ADD CONSTRAINT "${FK}" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id");\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;`;
    expect(found(sql)).toEqual(['identifier-too-long 2:38']);
  });

  it('says nothing about a long name that is only referred to (PostgreSQL truncates the reference the same way)', () => {
    const history = `${HISTORY}\nCREATE TABLE "${FK}" ("id" int);`;
    expect(found(`ALTER TABLE "${FK}" ADD COLUMN "note" text;\nDROP TABLE "${FK}";`, history)).toEqual([]);
  });

  it('a collision is an error at the second name, once', () => {
    const sql = `CREATE TABLE "t" (\n  "${FK}_a" int,\n  "${FK}_b" int\n);`;
    expect(found(sql)).toEqual(['truncated-name-collision 3:3', 'identifier-too-long 2:3', 'identifier-too-long 3:3']);
  });

  it('a name PostgreSQL makes up is reported with the shortened name it gets', () => {
    const report = reviewAfter(HISTORY, `CREATE INDEX ON "orders" ("user_id", "id", "user_id", "id", "user_id", "id", "user_id", "id", "user_id", "id");`);
    const messages = report.files[0]!.statements[0]!.findings.filter((f) => f.rule === 'identifier-too-long').map((f) => f.message);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('PostgreSQL names this index "orders_user_id_id_user_id1_id1_user_id2_id2_user_id3_id3_us_idx"');
  });
});
