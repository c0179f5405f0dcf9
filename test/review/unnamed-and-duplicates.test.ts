import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { lastStatement, reviewAfter, rulesOf } from './helpers.js';

beforeAll(loadParser);

const HISTORY = `CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);
CREATE INDEX users_email_idx ON users (email);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total int);
CREATE TYPE pair AS (x int, y int);
CREATE TABLE points (id bigint, p pair, tags int[]);
CREATE SCHEMA app;
CREATE TABLE app.things (id int PRIMARY KEY);
CREATE TABLE app.bare (id int);`;

/** The statement-will-fail messages of the last statement. */
function failures(sql: string, history = HISTORY, pgVersion = 18): string[] {
  return lastStatement(history, sql, { pgVersion })
    .findings.filter((f) => f.rule === 'statement-will-fail')
    .map((f) => f.message);
}

describe('columns named twice (PostgreSQL refuses the statement; each checked on PGlite)', () => {
  it.each([
    [
      'MERGE … INSERT',
      'MERGE INTO orders o USING users u ON o.id = u.id WHEN NOT MATCHED THEN INSERT (id, total, total) VALUES (u.id, 1, 2);',
      '"total" specified more than once in the MERGE … INSERT column list (SQLSTATE 42701)',
    ],
    [
      'MERGE … UPDATE',
      'MERGE INTO orders o USING users u ON o.id = u.id WHEN MATCHED THEN UPDATE SET total = 1, total = 2;',
      'multiple assignments to same column "total" in MERGE … UPDATE SET (SQLSTATE 42601)',
    ],
    [
      'MERGE … UPDATE, whole and part',
      'MERGE INTO points t USING users u ON t.id = u.id WHEN MATCHED THEN UPDATE SET p = row(1, 2), p.x = 3;',
      'multiple assignments to same column "p"',
    ],
    ['CREATE VIEW column list', 'CREATE VIEW v (a, a) AS SELECT 1, 2;', 'column "a" specified more than once in view v (SQLSTATE 42701)'],
    ['CREATE VIEW AS names', 'CREATE VIEW v AS SELECT 1 a, 2 a;', 'column "a" specified more than once in view v'],
    ['CREATE VIEW inferred names', 'CREATE VIEW v AS SELECT 1, 2;', 'column "?column?" specified more than once in view v'],
    ['CREATE VIEW function names', 'CREATE VIEW v AS SELECT count(*), count(id) FROM users;', 'column "count" specified more than once'],
    ['CREATE VIEW cast names', 'CREATE VIEW v AS SELECT 1::int, 2::integer;', 'column "int4" specified more than once'],
    ['CREATE VIEW column refs', 'CREATE VIEW v AS SELECT users.id, orders.id FROM users, orders;', 'column "id" specified more than once'],
    ['CREATE VIEW * over a join', 'CREATE VIEW v AS SELECT * FROM users JOIN orders ON orders.user_id = users.id;', 'column "id" specified more than once'],
    ['CREATE VIEW t.* and a column', 'CREATE VIEW v AS SELECT u.*, o.id FROM users u, orders o;', 'column "id" specified more than once'],
    ['CREATE VIEW * over a WITH query', 'CREATE VIEW v AS WITH q AS (SELECT 1 AS id) SELECT * FROM q, users;', 'column "id" specified more than once'],
    ['CREATE VIEW of a UNION', 'CREATE VIEW v AS SELECT id, id FROM users UNION SELECT 1, 2;', 'column "id" specified more than once'],
    [
      'CREATE MATERIALIZED VIEW',
      'CREATE MATERIALIZED VIEW mv AS SELECT id, total AS id FROM orders;',
      'column "id" specified more than once in materialized view mv',
    ],
    ['CREATE TABLE AS column list', 'CREATE TABLE copy (a, a) AS SELECT id, name FROM users;', 'column "a" specified more than once in table copy'],
    ['SELECT INTO', 'SELECT 1 a, 2 a INTO z;', 'column "a" specified more than once in table z'],
    ['CREATE FOREIGN TABLE', 'CREATE FOREIGN TABLE ft (a int, a text) SERVER s;', 'column "a" specified more than once (SQLSTATE 42701)'],
    ['CREATE RECURSIVE VIEW', 'CREATE RECURSIVE VIEW rv (n, n) AS SELECT 1, 2;', 'column reference "n" is ambiguous (SQLSTATE 42702)'],
  ])('%s', (_what, sql, message) => {
    expect(failures(sql).join('\n')).toContain(message);
  });

  it.each([
    [
      'distinct MERGE targets',
      'MERGE INTO orders o USING users u ON o.id = u.id WHEN MATCHED THEN UPDATE SET total = 1 WHEN NOT MATCHED THEN INSERT (id, total) VALUES (u.id, 1);',
    ],
    ['parts of one column in MERGE … INSERT', 'MERGE INTO points t USING users u ON t.id = u.id WHEN NOT MATCHED THEN INSERT (p.x, p.y) VALUES (1, 2);'],
    ['parts of one column in INSERT', 'INSERT INTO points (p.x, p.y) VALUES (1, 2);'],
    ['parts of one array', 'UPDATE points SET tags[1] = 1, tags[2] = 2;'],
    ['a column list renaming the clash away', 'CREATE VIEW v (a, b) AS SELECT 1 a, 2 a;'],
    ['names that differ in case when quoted', 'CREATE VIEW v AS SELECT 1 "A", 2 a;'],
    ['JOIN … USING merging the shared column', 'CREATE VIEW v AS SELECT * FROM users JOIN orders USING (id);'],
    ['VALUES', 'CREATE VIEW v AS VALUES (1, 2);'],
    ['a scalar subquery named after its column', 'CREATE VIEW v AS SELECT (SELECT id FROM users LIMIT 1), 1 AS total;'],
    ['* over a relation the history does not know', 'CREATE VIEW v AS SELECT *, id FROM somewhere_else;'],
    ['a column list over * (positions unknown)', 'CREATE VIEW v (email) AS SELECT * FROM users;'],
    ['SELECT without INTO', 'SELECT 1 a, 2 a;'],
    ['CREATE TABLE AS IF NOT EXISTS of an existing table', 'CREATE TABLE IF NOT EXISTS users AS SELECT 1 a, 2 a;'],
  ])('not for %s', (_what, sql) => {
    expect(failures(sql)).toEqual([]);
  });
});

describe('REINDEX', () => {
  it("of an index the history shows, or of a constraint's index: ShareLock on its table, with REINDEX … CONCURRENTLY as the fix", () => {
    for (const sql of ['REINDEX INDEX users_email_idx;', 'REINDEX INDEX users_pkey;']) {
      const s = lastStatement(HISTORY, sql);
      expect(s).toMatchObject({ locks: { users: 'ShareLock' }, scans: ['users'], transaction: 'allowed' });
      const finding = s.findings.find((f) => f.rule === 'blocking-full-scan');
      expect(finding?.message).toContain('so do reads');
      expect(finding?.fix).toBe(sql.replace(' INDEX ', ' INDEX CONCURRENTLY '));
    }
  });

  it('of an index the history does not show: the table cannot be named, but the rebuild is reported', () => {
    const s = lastStatement(HISTORY, 'REINDEX INDEX made_by_hand_idx;');
    expect(s).toMatchObject({ locks: {}, scans: [], transaction: 'allowed' });
    const rules = s.findings.map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['blocking-full-scan', 'missing-lock-timeout']));
    const finding = s.findings.find((f) => f.rule === 'blocking-full-scan');
    expect(finding?.message).toContain('the earlier migrations do not create made_by_hand_idx');
    expect(finding?.fix).toBe('REINDEX INDEX CONCURRENTLY made_by_hand_idx;');
    expect(s.findings.find((f) => f.rule === 'missing-lock-timeout')?.message).toContain(
      'ShareLock on the table of an index the earlier migrations do not create',
    );
  });

  it('CONCURRENTLY false is a plain REINDEX; CONCURRENTLY is not reported', () => {
    expect(lastStatement(HISTORY, 'REINDEX (CONCURRENTLY false) INDEX users_email_idx;')).toMatchObject({
      locks: { users: 'ShareLock' },
      transaction: 'allowed',
    });
    expect(rulesOf(reviewAfter(HISTORY, 'REINDEX (CONCURRENTLY off) INDEX made_by_hand_idx;'))).toContain('blocking-full-scan');
    for (const sql of ['REINDEX INDEX CONCURRENTLY made_by_hand_idx;', 'REINDEX (CONCURRENTLY) TABLE users;', 'REINDEX SCHEMA CONCURRENTLY app;']) {
      expect(rulesOf(reviewAfter(HISTORY, sql, { transactionMode: 'none' }))).not.toContain('blocking-full-scan');
    }
  });

  it('SCHEMA locks each table of the schema the history shows, refuses a transaction, and is reported with the others unnamed', () => {
    const s = lastStatement(HISTORY, 'REINDEX SCHEMA app;', { transactionMode: 'none' });
    expect(s).toMatchObject({ locks: { 'app.bare': 'ShareLock', 'app.things': 'ShareLock' }, scans: ['app.things'], transaction: 'forbidden' });
    const finding = s.findings.find((f) => f.rule === 'blocking-full-scan');
    expect(finding?.message).toContain('every table of schema app (app.things, and any made outside the migrations)');
    expect(finding?.fix).toBe('REINDEX SCHEMA CONCURRENTLY app;');
    expect(rulesOf(reviewAfter(HISTORY, 'REINDEX SCHEMA app;'))).toContain('transaction-forbidden');
    expect(lastStatement('', 'REINDEX SCHEMA app;').findings.find((f) => f.rule === 'blocking-full-scan')?.message).toContain(
      'the earlier migrations create none',
    );
  });

  it('DATABASE covers every schema; without a name it needs PostgreSQL 16', () => {
    const s = lastStatement(HISTORY, 'REINDEX DATABASE shop;');
    expect(Object.keys(s.locks).sort()).toEqual(['app.bare', 'app.things', 'orders', 'points', 'users']);
    expect(s.findings.find((f) => f.rule === 'blocking-full-scan')?.fix).toBe('REINDEX DATABASE CONCURRENTLY shop;');
    expect(rulesOf(reviewAfter(HISTORY, 'REINDEX DATABASE;', { pgVersion: 15 }))).toContain('statement-will-fail');
    expect(rulesOf(reviewAfter(HISTORY, 'REINDEX DATABASE;', { pgVersion: 16 }))).not.toContain('statement-will-fail');
  });

  it('SYSTEM only rebuilds the catalogs: nothing of the migrations to report but the transaction', () => {
    const s = lastStatement(HISTORY, 'REINDEX SYSTEM shop;', { transactionMode: 'none' });
    expect(s).toMatchObject({ locks: {}, transaction: 'forbidden', findings: [] });
  });
});

describe('CLUSTER without a table name', () => {
  it('re-sorts every table the history clustered, and the ones it cannot see', () => {
    const history = `${HISTORY}\nCLUSTER users USING users_email_idx;\nALTER TABLE app.things CLUSTER ON things_pkey;`;
    const s = lastStatement(history, 'CLUSTER;', { transactionMode: 'none' });
    expect(s).toMatchObject({
      locks: { 'app.things': 'AccessExclusiveLock', users: 'AccessExclusiveLock' },
      rewrites: ['app.things', 'users'],
      transaction: 'forbidden',
    });
    const finding = s.findings.find((f) => f.rule === 'table-rewrite');
    expect(finding?.message).toContain('app.things, users (clustered by the earlier migrations) and any table clustered outside them');
    expect(finding?.help).toContain('pg_repack');
    expect(s.findings.map((f) => f.rule)).toContain('missing-lock-timeout');
  });

  it('is reported when the history clusters nothing', () => {
    const s = lastStatement('', 'CLUSTER;', { transactionMode: 'none' });
    expect(s).toMatchObject({ locks: {}, rewrites: [] });
    expect(s.findings.find((f) => f.rule === 'table-rewrite')?.message).toContain('any table clustered outside the migrations');
  });

  it('forgets tables whose clustered index was dropped or unmarked, and follows a renamed index', () => {
    const base = `${HISTORY}\nCLUSTER users USING users_email_idx;`;
    expect(lastStatement(`${base}\nDROP INDEX users_email_idx;`, 'CLUSTER;').rewrites).toEqual([]);
    expect(lastStatement(`${base}\nALTER TABLE users SET WITHOUT CLUSTER;`, 'CLUSTER;').rewrites).toEqual([]);
    const renamed = `${base}\nALTER INDEX users_email_idx RENAME TO users_by_email;`;
    expect(lastStatement(renamed, 'CLUSTER;').rewrites).toEqual(['users']);
    expect(lastStatement(`${renamed}\nDROP INDEX users_by_email;`, 'CLUSTER;').rewrites).toEqual([]);
  });

  it('CLUSTER of a partitioned table marks its partitions', () => {
    const history =
      "CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at);\nCREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\nCREATE INDEX ev_at ON ev (at);\nCLUSTER ev USING ev_at;";
    expect(lastStatement(history, 'CLUSTER;').rewrites).toEqual(['ev_2024']);
    expect(lastStatement(`${history}\nDROP INDEX ev_at;`, 'CLUSTER;').rewrites).toEqual([]);
  });
});

describe('VACUUM (FULL false)', () => {
  it('is a plain VACUUM: no rewrite', () => {
    const s = lastStatement(HISTORY, 'VACUUM (FULL false) users;', { transactionMode: 'none' });
    expect(s).toMatchObject({ locks: { users: 'ShareUpdateExclusiveLock' }, rewrites: [] });
    expect(s.findings.map((f) => f.rule)).not.toContain('table-rewrite');
  });
});

describe('DROP DATABASE', () => {
  it('is reported as destroying another database, whatever the transaction mode', () => {
    for (const transactionMode of ['all', 'none'] as const) {
      const s = lastStatement(HISTORY, 'DROP DATABASE IF EXISTS analytics WITH (FORCE);', { transactionMode });
      const finding = s.findings.find((f) => f.rule === 'drop-database');
      expect(finding?.severity).toBe('error');
      expect(finding?.message).toContain('Drops database analytics');
      expect(finding?.message).toContain('WITH (FORCE) terminates');
      expect(finding?.help).toContain('REVOKE CONNECT ON DATABASE analytics FROM PUBLIC');
    }
  });
});
