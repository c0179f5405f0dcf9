import { PGlite } from '@electric-sql/pglite';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReviewSettings } from '../../src/review/findings.js';
import { loadParser } from '../../src/review/parse.js';
import { lastStatement, reviewAfter } from './helpers.js';

/** The SQLSTATEs of the statement-will-fail findings on the last statement of `sql`. */
function failures(history: string, sql: string, settings: Partial<ReviewSettings> = {}): string[] {
  return lastStatement(history, sql, settings)
    .findings.filter((f) => f.rule === 'statement-will-fail')
    .map((f) => /SQLSTATE (\w{5})/.exec(f.message)?.[1] ?? '?');
}

function messages(history: string, sql: string): string {
  return lastStatement(history, sql)
    .findings.map((f) => `${f.message} ${f.help}`)
    .join('\n');
}

const USERS = 'CREATE TABLE users (id bigint PRIMARY KEY, name text, age int);';
const MOOD = `${USERS}\nCREATE TYPE mood AS ENUM ('sad', 'ok');\nALTER TABLE users ADD COLUMN mood mood;`;

beforeAll(loadParser);

describe('statement-will-fail: drops other objects depend on', () => {
  it('names the dependents the way PostgreSQL does, with a concrete hint', () => {
    const text = messages(MOOD, 'DROP TYPE mood;');
    expect(text).toContain('cannot drop type mood because other objects depend on it (column mood of table users)');
    expect(text).toContain('SQLSTATE 2BP01');
    expect(text).toContain('ALTER COLUMN … TYPE text');
  });

  it('follows a renamed enum to its columns until they change type (the enum-change recipe)', () => {
    const renamed = `${MOOD}\nALTER TYPE mood RENAME TO mood_old;\nCREATE TYPE mood AS ENUM ('sad', 'ok', 'glad');`;
    expect(failures(renamed, 'DROP TYPE mood_old;')).toEqual(['2BP01']);
    expect(failures(renamed, 'DROP TYPE mood;')).toEqual([]);
    expect(failures(`${renamed}\nALTER TABLE users ALTER COLUMN mood TYPE mood USING mood::text::mood;`, 'DROP TYPE mood_old;')).toEqual([]);
  });

  it('forgets what CASCADE dropped and what was dropped first', () => {
    expect(failures(`${MOOD}\nDROP TYPE mood CASCADE;\nCREATE TYPE mood AS ENUM ('a');`, 'DROP TYPE mood;')).toEqual([]);
    expect(failures(`${MOOD}\nALTER TABLE users DROP COLUMN mood;`, 'DROP TYPE mood;')).toEqual([]);
    expect(failures(`${MOOD}\nDROP TABLE users;`, 'DROP TYPE mood;')).toEqual([]);
    // a type dropped together with the domain over it
    expect(failures(`${USERS}\nCREATE TYPE mood AS ENUM ('a');\nCREATE DOMAIN cheerful AS mood;`, 'DROP TYPE cheerful, mood;')).toEqual([]);
  });

  it('stays quiet about types the history did not create', () => {
    expect(failures(`${USERS}\nALTER TABLE users ADD COLUMN tags citext;`, 'DROP TYPE citext;')).toEqual([]);
  });

  it('a sequence: defaults block it, OWNED BY alone does not, an identity column owns it even under CASCADE', () => {
    const serial = 'CREATE TABLE counters (id serial, n int);';
    expect(failures(serial, 'DROP SEQUENCE counters_id_seq;')).toEqual(['2BP01']);
    expect(failures(serial, 'DROP SEQUENCE counters_id_seq CASCADE;')).toEqual([]);
    expect(failures(`${serial}\nALTER TABLE counters ALTER COLUMN id DROP DEFAULT;`, 'DROP SEQUENCE counters_id_seq;')).toEqual([]);
    expect(
      failures(`${serial}\nALTER TABLE counters RENAME COLUMN id TO key;\nALTER TABLE counters RENAME TO tallies;`, 'DROP SEQUENCE counters_id_seq;'),
    ).toEqual(['2BP01']);
    expect(failures(`${USERS}\nCREATE SEQUENCE s OWNED BY users.age;`, 'DROP SEQUENCE s;')).toEqual([]);
    expect(failures(`${USERS}\nCREATE SEQUENCE s;\nALTER TABLE users ALTER COLUMN age SET DEFAULT nextval('public.s'::regclass);`, 'DROP SEQUENCE s;')).toEqual(
      ['2BP01'],
    );
    expect(failures(`${USERS}\nCREATE SEQUENCE s;\nALTER TABLE users ALTER COLUMN age SET DEFAULT nextval('s'::text);`, 'DROP SEQUENCE s;')).toEqual([]);
    const identity = `${USERS}\nALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;`;
    expect(messages(identity, 'DROP SEQUENCE users_n_seq CASCADE;')).toContain('because column n of table users requires it');
    expect(failures(`${identity}\nALTER TABLE users ALTER COLUMN n DROP IDENTITY;`, 'DROP SEQUENCE users_n_seq;')).toEqual([]);
  });

  it('a function: matched by name and argument count; without an argument list every overload counts', () => {
    const fn = `${USERS}\nCREATE FUNCTION twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 2 $$;\nCREATE INDEX users_twice ON users (twice(age));`;
    expect(failures(fn, 'DROP FUNCTION twice(int);')).toEqual(['2BP01']);
    expect(failures(fn, 'DROP FUNCTION twice;')).toEqual(['2BP01']);
    expect(failures(fn, 'DROP FUNCTION twice(int, int);')).toEqual([]);
    expect(failures(`${fn}\nDROP INDEX users_twice;`, 'DROP FUNCTION twice(int);')).toEqual([]);
    expect(failures(`${fn}\nALTER FUNCTION twice(int) RENAME TO double;`, 'DROP FUNCTION double(int);')).toEqual(['2BP01']);
    // a call in another function's body records nothing
    expect(
      failures(
        `${USERS}\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nCREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT f() $$;`,
        'DROP FUNCTION f();',
      ),
    ).toEqual([]);
  });

  it('a generated column blocks dropping its function and its source column from PostgreSQL 15', () => {
    const generated = `${USERS}\nCREATE FUNCTION twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 2 $$;\nALTER TABLE users ADD COLUMN d int GENERATED ALWAYS AS (twice(age)) STORED;`;
    expect(failures(generated, 'DROP FUNCTION twice(int);', { pgVersion: 15 })).toEqual(['2BP01']);
    expect(failures(generated, 'DROP FUNCTION twice(int);', { pgVersion: 14 })).toEqual([]);
    expect(failures(generated, 'ALTER TABLE users DROP COLUMN age;', { pgVersion: 15 })).toEqual(['2BP01']);
    expect(failures(generated, 'ALTER TABLE users DROP COLUMN age;', { pgVersion: 14 })).toEqual([]);
    expect(failures(generated, 'ALTER TABLE users ALTER COLUMN age TYPE bigint;', { pgVersion: 18 })).toEqual(['0A000']);
    expect(failures(generated, 'ALTER TABLE users ALTER COLUMN age TYPE bigint;', { pgVersion: 14 })).toEqual(['42601']);
    expect(failures(`${generated}\nALTER TABLE users ALTER COLUMN d DROP EXPRESSION;`, 'ALTER TABLE users ALTER COLUMN age TYPE bigint;')).toEqual([]);
  });

  it("an index: a constraint's own index, and the unique index a foreign key leans on", () => {
    expect(messages(USERS, 'DROP INDEX users_pkey;')).toContain('ALTER TABLE users DROP CONSTRAINT users_pkey');
    const fk = `${USERS}\nCREATE UNIQUE INDEX users_name_uidx ON users (name);\nCREATE TABLE orders (id int, buyer text REFERENCES users (name));`;
    expect(failures(fk, 'DROP INDEX users_name_uidx;')).toEqual(['2BP01']);
    expect(failures(`${fk}\nALTER TABLE orders DROP CONSTRAINT orders_buyer_fkey;`, 'DROP INDEX users_name_uidx;')).toEqual([]);
    // two indexes could back it: which one PostgreSQL picked is not known, so nothing is said
    const ambiguous = `${USERS}\nCREATE UNIQUE INDEX users_name_uidx ON users (name);\nCREATE UNIQUE INDEX users_name_uidx2 ON users (name);\nCREATE TABLE orders (id int, buyer text REFERENCES users (name));`;
    expect(failures(ambiguous, 'DROP INDEX users_name_uidx;')).toEqual([]);
    const byKey = `${USERS}\nCREATE TABLE orders (id int, user_id bigint REFERENCES users);`;
    expect(failures(byKey, 'ALTER TABLE users DROP CONSTRAINT users_pkey;')).toEqual(['2BP01']);
    expect(failures(`${byKey}\nALTER TABLE orders RENAME TO purchases;`, 'ALTER TABLE users DROP CONSTRAINT users_pkey;')).toEqual(['2BP01']);
    expect(failures(`${byKey}\nDROP TABLE orders;`, 'ALTER TABLE users DROP CONSTRAINT users_pkey;')).toEqual([]);
  });

  it("a column another table's foreign key references, its own foreign key does not", () => {
    const fk = `${USERS}\nCREATE TABLE orders (id int, user_id bigint REFERENCES users);`;
    expect(messages(fk, 'ALTER TABLE users DROP COLUMN id;')).toContain('constraint orders_user_id_fkey on table orders');
    expect(failures(fk, 'ALTER TABLE orders DROP COLUMN user_id;')).toEqual([]);
    expect(failures(fk, 'ALTER TABLE users DROP COLUMN id CASCADE;')).toEqual([]);
    expect(failures(`${USERS}\nALTER TABLE users ADD COLUMN parent bigint REFERENCES users;`, 'ALTER TABLE users DROP COLUMN parent;')).toEqual([]);
  });

  it('triggers and policies that read a column block its drop (2BP01) and its type change (0A000)', () => {
    const trigger = `${USERS}\nCREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER t BEFORE UPDATE OF age ON users FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION noop();`;
    expect(failures(trigger, 'ALTER TABLE users DROP COLUMN age;')).toEqual(['2BP01']);
    expect(failures(trigger, 'ALTER TABLE users ALTER COLUMN name TYPE varchar(50);')).toEqual(['0A000']);
    expect(failures(`${trigger}\nDROP TRIGGER t ON users;`, 'ALTER TABLE users DROP COLUMN age;')).toEqual([]);
    const policy = `${USERS}\nCREATE TABLE teams (id int, age int);\nCREATE POLICY p ON users USING (name IS NOT NULL AND EXISTS (SELECT 1 FROM teams WHERE teams.id = 1 AND age > 0));`;
    expect(failures(policy, 'ALTER TABLE users DROP COLUMN name;')).toEqual(['2BP01']);
    // a bare name inside a subquery may belong to the subquery's table: nothing is said
    expect(failures(policy, 'ALTER TABLE users DROP COLUMN age;')).toEqual([]);
    expect(failures(`${policy}\nALTER POLICY p ON users USING (true);`, 'ALTER TABLE users DROP COLUMN name;')).toEqual([]);
  });

  it('an inheritance parent, not a partitioned table', () => {
    expect(failures(`${USERS}\nCREATE TABLE vip (level int) INHERITS (users);`, 'DROP TABLE users;')).toEqual(['2BP01']);
    expect(
      failures(
        "CREATE TABLE ev (at date) PARTITION BY RANGE (at);\nCREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        'DROP TABLE ev;',
      ),
    ).toEqual([]);
  });
});

describe('drop-column names what PostgreSQL drops silently with the column', () => {
  const history = `${USERS}\nALTER TABLE users ADD CONSTRAINT users_name_age_key UNIQUE (name, age);\nCREATE INDEX users_age_name ON users (age, name);\nCREATE INDEX users_lower ON users (lower(name)) WHERE age > 0;\nCREATE INDEX users_name ON users (name);`;

  it('the reviewer lists the multi-column keys and indexes, and the indexes whose expression or predicate reads it', () => {
    const finding = lastStatement(history, 'ALTER TABLE users DROP COLUMN age;').findings.find((f) => f.rule === 'drop-column');
    expect(finding?.message).toContain('constraint users_name_age_key (name, age)');
    expect(finding?.message).toContain('index users_age_name (age, name)');
    expect(finding?.message).toContain('index users_lower');
    expect(finding?.message).not.toContain('index users_name ');
    expect(
      reviewAfter(USERS, 'ALTER TABLE users DROP COLUMN age;').files[0]?.statements[0]?.findings.find((f) => f.rule === 'drop-column')?.message,
    ).not.toContain('also drops');
  });

  it('PostgreSQL does drop exactly those', async () => {
    const db = await PGlite.create();
    try {
      await db.exec(`${history}\nALTER TABLE users DROP COLUMN age;`);
      const indexes = (
        await db.query<{ relname: string }>(
          "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = 'users' ORDER BY 1",
        )
      ).rows.map((r) => r.relname);
      expect(indexes).toEqual(['users_name', 'users_pkey']);
    } finally {
      await db.close();
    }
  });
});
