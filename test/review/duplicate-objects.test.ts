import { describe, expect, it } from 'vitest';
import { engineBeside } from './engine-beside.js';

// The same object created twice: PostgreSQL refuses the second CREATE. Each case runs on PGlite, and the
// reviewer must predict exactly the SQLSTATE PostgreSQL raises (or stay silent when PostgreSQL accepts it).

const HISTORY = `CREATE SCHEMA app;
CREATE TABLE users (id serial PRIMARY KEY, email text);
CREATE INDEX users_email_idx ON users (email);
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE SEQUENCE invoice_numbers;
CREATE VIEW user_emails AS SELECT id, email FROM users;
CREATE TABLE app.things (id int);`;

const { engine, predicted } = engineBeside(HISTORY);

describe('statement-will-fail: an object created twice', () => {
  it.each([
    ['the same table as an earlier migration', 'CREATE TABLE users (id bigint);', '42P07'],
    ['the same table twice in one file', 'CREATE TABLE t (id int);\nCREATE TABLE t (id int);', '42P07'],
    ['a quoted, schema-qualified table', 'CREATE TABLE "public"."users" ("id" integer);', '42P07'],
    ['a table in another schema', 'CREATE TABLE app.things (id int);', '42P07'],
    ['a table named like an index', 'CREATE TABLE users_email_idx (id int);', '42P07'],
    ['a table named like an enum (its row type clashes)', 'CREATE TABLE mood (id int);', '42710'],
    ['a table named like a view', 'CREATE TABLE user_emails (id int);', '42P07'],
    ['CREATE TABLE AS over an existing table', 'CREATE TABLE users AS SELECT 1 AS id;', '42P07'],
    ['a materialized view named like a table', 'CREATE MATERIALIZED VIEW users AS SELECT 1 AS id;', '42P07'],
    ['a view without OR REPLACE', 'CREATE VIEW user_emails AS SELECT id FROM users;', '42P07'],
    ['a named index twice', 'CREATE INDEX users_email_idx ON users (email, id);', '42P07'],
    ['an index named like a table', 'CREATE INDEX users ON users (email);', '42P07'],
    ['an enum twice', "CREATE TYPE mood AS ENUM ('happy');", '42710'],
    ['an enum named like a table (its row type)', 'CREATE TYPE "public"."users" AS ENUM (\'x\');', '42710'],
    ['a domain named like an enum', 'CREATE DOMAIN mood AS text;', '42710'],
    ['a composite type named like a domain', 'CREATE TYPE positive AS (x int);', '42710'],
    ['a sequence twice', 'CREATE SEQUENCE invoice_numbers;', '42P07'],
    ["a sequence named like a serial column's", 'CREATE SEQUENCE users_id_seq;', '42P07'],
  ])('%s', async (_what, sql, sqlstate) => {
    expect(await engine(sql)).toBe(sqlstate);
    expect(predicted(sql)).toEqual([sqlstate]);
  });

  it.each([
    [
      'IF NOT EXISTS',
      'CREATE TABLE IF NOT EXISTS users (id int);\nCREATE INDEX IF NOT EXISTS users_email_idx ON users (email);\nCREATE SEQUENCE IF NOT EXISTS invoice_numbers;',
    ],
    ['OR REPLACE', 'CREATE OR REPLACE VIEW user_emails AS SELECT id, email FROM users;'],
    [
      'after DROP',
      'DROP VIEW user_emails;\nDROP TABLE users;\nCREATE TABLE users (id int);\nDROP TYPE "public"."mood";\nCREATE TYPE mood AS ENUM (\'x\');\nDROP DOMAIN positive;\nCREATE DOMAIN positive AS int;',
    ],
    ['after DROP INDEX', 'DROP INDEX users_email_idx;\nCREATE INDEX users_email_idx ON users (email, id);'],
    [
      'after RENAME (the enum-change recipe)',
      "ALTER TYPE mood RENAME TO mood_old;\nCREATE TYPE mood AS ENUM ('x');\nALTER TABLE users RENAME TO people;\nCREATE TABLE users (id int);\nALTER SEQUENCE invoice_numbers RENAME TO old_numbers;\nCREATE SEQUENCE invoice_numbers;",
    ],
    [
      'after SET SCHEMA',
      "ALTER TYPE mood SET SCHEMA app;\nCREATE TYPE mood AS ENUM ('x');\nALTER SEQUENCE invoice_numbers SET SCHEMA app;\nCREATE SEQUENCE invoice_numbers;",
    ],
    ['the same name in another schema', 'CREATE TABLE app.users (id int);\nCREATE INDEX users_email_idx ON app.things (id);'],
    ["a primary key's index name in another schema", 'CREATE INDEX users_pkey ON app.things (id);'],
    ['a temporary table', 'CREATE TEMP TABLE users (id int);'],
    ['an unnamed index (PostgreSQL picks a free name)', 'CREATE INDEX ON users (email);'],
  ])('not for %s', async (_what, sql) => {
    expect(await engine(sql)).toBeUndefined();
    expect(predicted(sql)).toEqual([]);
  });
});

describe('statement-will-fail: a name already taken', () => {
  it.each([
    ['RENAME a table onto a view', 'ALTER TABLE users RENAME TO user_emails;', '42P07'],
    ['RENAME a table onto an index', 'ALTER TABLE users RENAME TO users_email_idx;', '42P07'],
    ['RENAME a table onto a sequence', 'ALTER TABLE users RENAME TO invoice_numbers;', '42P07'],
    ['RENAME a table onto an enum (its row type clashes)', 'ALTER TABLE users RENAME TO mood;', '42710'],
    ['RENAME a table to its own name', 'ALTER TABLE users RENAME TO users;', '42P07'],
    ['RENAME a view onto a table', 'ALTER VIEW user_emails RENAME TO users;', '42P07'],
    ['RENAME an index onto a primary key index', 'ALTER INDEX users_email_idx RENAME TO users_pkey;', '42P07'],
    ["RENAME a sequence onto a serial column's", 'ALTER SEQUENCE invoice_numbers RENAME TO users_id_seq;', '42P07'],
    ['RENAME COLUMN onto a column', 'ALTER TABLE users RENAME COLUMN email TO id;', '42701'],
    ['ADD COLUMN of an existing name', 'ALTER TABLE users ADD COLUMN email varchar(320);', '42701'],
    ['ADD CONSTRAINT named like a constraint of the table', 'ALTER TABLE users ADD CONSTRAINT users_pkey CHECK (id > 0);', '42710'],
    ['a named UNIQUE constraint onto an index name', 'ALTER TABLE users ADD CONSTRAINT users_email_idx UNIQUE (email);', '42P07'],
    ['CREATE TABLE with a UNIQUE constraint named like an index', 'CREATE TABLE t (a int CONSTRAINT users_email_idx UNIQUE);', '42P07'],
    ['CREATE INDEX named like a primary key', 'CREATE INDEX users_pkey ON users (email);', '42P07'],
    [
      'RENAME CONSTRAINT onto another of the table',
      'ALTER TABLE users ADD CONSTRAINT a CHECK (id > 0);\nALTER TABLE users ADD CONSTRAINT b CHECK (id < 100);\nALTER TABLE users RENAME CONSTRAINT a TO b;',
      '42710',
    ],
    ["RENAME a primary key onto a view's name (its index is renamed too)", 'ALTER TABLE users RENAME CONSTRAINT users_pkey TO user_emails;', '42P07'],
    ['ALTER TYPE RENAME onto a domain', 'ALTER TYPE mood RENAME TO positive;', '42710'],
    ["ALTER TYPE RENAME onto a table's row type", 'ALTER TYPE mood RENAME TO users;', '42710'],
    ['SET SCHEMA onto a table of that schema', 'CREATE TABLE things (id int);\nALTER TABLE things SET SCHEMA app;', '42P07'],
    ['SET SCHEMA of a type onto a type of that schema', "CREATE TYPE app.mood AS ENUM ('x');\nALTER TYPE mood SET SCHEMA app;", '42710'],
    [
      'SET SCHEMA of a sequence onto a table of that schema',
      'CREATE TABLE app.invoice_numbers (id int);\nALTER SEQUENCE invoice_numbers SET SCHEMA app;',
      '42P07',
    ],
  ])('%s', async (_what, sql, sqlstate) => {
    expect(await engine(sql)).toBe(sqlstate);
    expect(predicted(sql)).toEqual([sqlstate]);
  });

  it.each([
    ['ADD COLUMN IF NOT EXISTS', 'ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;'],
    [
      'an unnamed primary key beside an index named like its default name',
      'CREATE TABLE t (a int);\nCREATE INDEX t_pkey ON t (a);\nALTER TABLE t ADD PRIMARY KEY (a);',
    ],
    ['RENAME after DROP', 'DROP VIEW user_emails;\nALTER TABLE users RENAME TO user_emails;'],
    ['a column renamed away, then added again', 'ALTER TABLE users RENAME COLUMN email TO email_old;\nALTER TABLE users ADD COLUMN email text;'],
    ["a CHECK named like another table's CHECK", 'CREATE TABLE t (a int CONSTRAINT c1 CHECK (a > 0));\nALTER TABLE users ADD CONSTRAINT c1 CHECK (id > 0);'],
    [
      'a CHECK renamed onto a relation name (it has no index)',
      'ALTER TABLE users ADD CONSTRAINT c1 CHECK (id > 0);\nALTER TABLE users RENAME CONSTRAINT c1 TO user_emails;',
    ],
    ['RENAME of a table that IF EXISTS skips', 'ALTER TABLE IF EXISTS nothing_here RENAME TO users;'],
    ['the enum-change recipe', "ALTER TYPE mood RENAME TO mood_old;\nCREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"],
    [
      'a column dropped and added again in one ALTER TABLE',
      'ALTER TABLE users ADD COLUMN bio text;\nALTER TABLE users DROP COLUMN bio, ADD COLUMN bio varchar(320);',
    ],
    [
      'a constraint dropped and added again in one ALTER TABLE',
      'ALTER TABLE users ADD CONSTRAINT c1 CHECK (id > 0);\nALTER TABLE users DROP CONSTRAINT c1, ADD CONSTRAINT c1 CHECK (id > 1);',
    ],
    [
      'a primary key swapped for one on a new index',
      'CREATE UNIQUE INDEX users_id_new ON users (id);\nALTER TABLE users DROP CONSTRAINT users_pkey, ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_new;',
    ],
    [
      'a CHECK that went with a column it read',
      'ALTER TABLE users ADD COLUMN bio text;\nALTER TABLE users ADD CONSTRAINT c1 CHECK (num_nonnulls(id, bio) = 2);\nALTER TABLE users DROP COLUMN bio;\nALTER TABLE users ADD CONSTRAINT c1 CHECK (id > 0);',
    ],
    ['a primary key index renamed, then its old name reused', 'ALTER INDEX users_pkey RENAME TO people_pkey;\nCREATE INDEX users_pkey ON users (email);'],
  ])('not for %s', async (_what, sql) => {
    expect(await engine(sql)).toBeUndefined();
    expect(predicted(sql)).toEqual([]);
  });
});
