import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_GATES, VERSION_GATES } from '../../src/review/effects/version-gates.js';
import { loadParser } from '../../src/review/parse.js';
import { FUNCTION_CALLS, VERSION_FORMS } from '../engine/version-forms.js';
import { reviewAfter } from './helpers.js';

const MAJORS = [12, 13, 14, 15, 16, 17, 18];

function failures(setup: string, sql: string, pgVersion: number) {
  const statements = reviewAfter(setup, sql, { pgVersion }).files[0]?.statements ?? [];
  return (statements.at(-1)?.findings ?? []).filter((f) => f.rule === 'statement-will-fail');
}

describe('version gates (the forms test/engine/version-forms.test.ts runs on PostgreSQL 12–18)', () => {
  beforeAll(loadParser);

  const judged = VERSION_FORMS.filter((f) => !f.staticallyBlind);
  it.each(judged.map((f) => [f.id, f] as const))('%s: a failure exactly on the majors before its first', (_id, form) => {
    for (const major of MAJORS) {
      const found = failures(form.setup, form.sql, major);
      if (major < form.since) {
        expect(found.length, `PostgreSQL ${major}`).toBeGreaterThan(0);
        expect(
          found.some((f) => f.help.includes('requires PostgreSQL')),
          `PostgreSQL ${major}: ${found.map((f) => f.help).join(' | ')}`,
        ).toBe(true);
      } else {
        expect(
          found.map((f) => f.message),
          `PostgreSQL ${major}`,
        ).toEqual([]);
      }
    }
  });

  it('names the first major in the message and the hint', () => {
    const [finding] = failures('CREATE TABLE orders (id int, total int);', 'MERGE INTO orders o USING orders s ON o.id = s.id WHEN MATCHED THEN DELETE;', 14);
    expect(finding?.message).toBe('PostgreSQL 14 will reject this statement: MERGE requires PostgreSQL 15 or later (reviewing for 14) (SQLSTATE 42601).');
    expect(finding?.help).toMatch(/^requires PostgreSQL 15/);
  });

  it('every gate has a form that trips it on the major before its first', () => {
    const untripped = VERSION_GATES.filter(
      (gate) =>
        !VERSION_FORMS.some(
          (form) =>
            form.since === gate.since &&
            failures(form.setup, form.sql, gate.since - 1).some((f) => f.message.includes(`${gate.feature} requires PostgreSQL ${gate.since}`)),
        ),
    );
    expect(untripped.map((g) => g.feature)).toEqual([]);
  });

  it('every gated function has a call among the forms, with the same first major', () => {
    expect(Object.fromEntries(Object.entries(FUNCTION_GATES).map(([name, gate]) => [name, gate.since]))).toEqual(
      Object.fromEntries(Object.entries(FUNCTION_CALLS).map(([name, call]) => [name, call.since])),
    );
  });

  it('a function the migrations define themselves is not a missing built-in', () => {
    const setup = 'CREATE TABLE t (id int);\nCREATE FUNCTION uuidv7() RETURNS uuid LANGUAGE sql AS $$ SELECT NULL::uuid $$;';
    expect(failures(setup, 'ALTER TABLE t ADD COLUMN u uuid DEFAULT uuidv7();', 16)).toEqual([]);
  });

  it('gen_random_uuid() before 13 is fine once pgcrypto is installed', () => {
    expect(failures('CREATE TABLE t (id int);\nCREATE EXTENSION pgcrypto;', 'SELECT gen_random_uuid();', 12)).toEqual([]);
    expect(failures('CREATE TABLE t (id int);', 'SELECT gen_random_uuid();', 12)[0]?.help).toMatch(/pgcrypto/);
  });

  it('RETURNING old.x is new syntax only when no relation of the statement is called old', () => {
    expect(failures('CREATE TABLE old (id int, v int);', 'UPDATE old SET v = 1 RETURNING old.v;', 17)).toEqual([]);
    expect(failures('CREATE TABLE t (id int, v int);', 'UPDATE t SET v = 1 RETURNING old.v;', 17)).toHaveLength(1);
  });

  it('statements inside a DO block and a BEGIN ATOMIC body are gated too', () => {
    const setup = 'CREATE TABLE t (id int, v int);';
    expect(failures(setup, 'DO $$ BEGIN MERGE INTO t USING t s ON t.id = s.id WHEN MATCHED THEN DELETE; END $$;', 14)).toHaveLength(1);
    expect(
      failures(setup, 'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT any_value(v) FROM t; END;', 15)
        .map((f) => f.message)
        .join(),
    ).toMatch(/any_value/);
  });
});
