import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { lastStatement, reviewAfter, rulesOf } from './helpers.js';

beforeAll(loadParser);

const USERS = `CREATE TABLE users (id bigint PRIMARY KEY, email varchar(20), name text, amount numeric(10,2), seen timestamp, age int);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);
CREATE INDEX users_email_idx ON users (email);
CREATE VIEW user_emails AS SELECT id, email FROM users;`;

describe('ADD COLUMN defaults', () => {
  it.each([
    ['DEFAULT 0', false],
    ['DEFAULT now()', false],
    ["DEFAULT 'x'::text", false],
    ['DEFAULT gen_random_uuid()', true],
    ['DEFAULT clock_timestamp()', true],
    ['DEFAULT random()', true],
  ])('%s rewrites: %s', (clause, rewrites) => {
    const s = lastStatement(USERS, `ALTER TABLE users ADD COLUMN c text ${clause};`);
    expect(s.locks).toEqual({ users: 'AccessExclusiveLock' });
    expect(s.rewrites).toEqual(rewrites ? ['users'] : []);
  });

  it.each(['serial', 'bigserial', 'bigint GENERATED ALWAYS AS IDENTITY', 'int GENERATED ALWAYS AS (age * 2) STORED'])('%s rewrites', (type) => {
    expect(lastStatement(USERS, `ALTER TABLE users ADD COLUMN c ${type};`).rewrites).toEqual(['users']);
  });

  it('a virtual generated column does not rewrite on PG 18 and is rejected before', () => {
    expect(lastStatement(USERS, 'ALTER TABLE users ADD COLUMN c int GENERATED ALWAYS AS (age * 2) VIRTUAL;').rewrites).toEqual([]);
    expect(rulesOf(reviewAfter(USERS, 'ALTER TABLE users ADD COLUMN c int GENERATED ALWAYS AS (age * 2) VIRTUAL;', { pgVersion: 17 }))).toContain(
      'statement-will-fail',
    );
  });

  it('a function declared STABLE by an earlier migration is not volatile', () => {
    const history = `${USERS}\nCREATE FUNCTION tenant() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'x' $$;`;
    expect(lastStatement(history, 'ALTER TABLE users ADD COLUMN t text DEFAULT tenant();').rewrites).toEqual([]);
  });
});

describe('ALTER COLUMN TYPE', () => {
  it.each([
    ['email', 'varchar(50)', false],
    ['email', 'varchar(10)', true],
    ['email', 'text', false],
    ['name', 'varchar(100)', true],
    ['name', 'varchar', false],
    ['age', 'bigint', true],
    ['amount', 'numeric(12,2)', false],
    ['amount', 'numeric(10,4)', true],
    ['amount', 'numeric', false],
  ])('%s → %s rewrites: %s', (column, type, rewrites) => {
    const s = lastStatement(
      USERS.replace('CREATE VIEW user_emails AS SELECT id, email FROM users;', ''),
      `ALTER TABLE users ALTER COLUMN ${column} TYPE ${type};`,
    );
    expect(s.rewrites).toEqual(rewrites ? ['users'] : []);
  });

  it('timestamp → timestamptz rewrites only outside UTC', () => {
    const sql = 'ALTER TABLE users ALTER COLUMN seen TYPE timestamptz;';
    expect(lastStatement(USERS, sql).rewrites).toEqual([]);
    expect(lastStatement(USERS, sql, { timezoneIsUtc: false }).rewrites).toEqual(['users']);
  });

  it('a column used by a view cannot change type', () => {
    const report = reviewAfter(USERS, 'ALTER TABLE users ALTER COLUMN email TYPE text;');
    expect(rulesOf(report)).toContain('statement-will-fail');
    expect(rulesOf(reviewAfter(USERS, 'ALTER TABLE users ALTER COLUMN name TYPE varchar(5);'))).not.toContain('statement-will-fail');
  });
});

describe('NOT NULL and constraints', () => {
  it('SET NOT NULL scans unless a validated CHECK proves it', () => {
    expect(lastStatement(USERS, 'ALTER TABLE users ALTER COLUMN name SET NOT NULL;').scans).toEqual(['users']);
    const proven = `${USERS}\nALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT name_nn;`;
    expect(lastStatement(proven, 'ALTER TABLE users ALTER COLUMN name SET NOT NULL;').scans).toEqual([]);
    const unvalidated = `${USERS}\nALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;`;
    expect(lastStatement(unvalidated, 'ALTER TABLE users ALTER COLUMN name SET NOT NULL;').scans).toEqual(['users']);
  });

  it('a foreign key locks the referenced table; NOT VALID skips the scan; VALIDATE takes weaker locks', () => {
    const add = lastStatement(USERS, 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);');
    expect(add.locks).toEqual({ orders: 'ShareRowExclusiveLock', users: 'ShareRowExclusiveLock' });
    expect(add.scans).toContain('orders');
    const notValid = lastStatement(USERS, 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;');
    expect(notValid.scans).toEqual([]);
    const validate = lastStatement(
      `${USERS}\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;`,
      'ALTER TABLE orders VALIDATE CONSTRAINT fk;',
    );
    expect(validate.locks).toEqual({ orders: 'ShareUpdateExclusiveLock', users: 'RowShareLock' });
  });
});

describe('indexes and transactions', () => {
  it('CREATE INDEX blocks writes and scans; CONCURRENTLY does neither but is forbidden in a transaction', () => {
    const plain = lastStatement(USERS, 'CREATE INDEX i ON users (name);');
    expect(plain).toMatchObject({ locks: { users: 'ShareLock' }, scans: ['users'], transaction: 'allowed' });
    const concurrent = lastStatement(USERS, 'CREATE INDEX CONCURRENTLY i ON users (name);');
    expect(concurrent).toMatchObject({ locks: { users: 'ShareUpdateExclusiveLock' }, transaction: 'forbidden' });
    expect(rulesOf(reviewAfter(USERS, 'CREATE INDEX CONCURRENTLY i ON users (name);'))).toContain('transaction-forbidden');
    expect(rulesOf(reviewAfter(USERS, 'CREATE INDEX CONCURRENTLY i ON users (name);', { transactionMode: 'none' }))).not.toContain('transaction-forbidden');
  });

  it('CREATE INDEX on a partitioned table locks and scans every partition', () => {
    const history =
      "CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at);\nCREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');";
    const s = lastStatement(history, 'CREATE INDEX ev_at ON ev (at);');
    expect(s.locks).toEqual({ ev: 'ShareLock', ev_2024: 'ShareLock' });
    expect(s.scans).toEqual(['ev_2024']);
    expect(lastStatement(history, 'CREATE INDEX ev_at ON ONLY ev (at);').scans).toEqual([]);
  });

  it('DETACH PARTITION CONCURRENTLY needs PG 14 and no transaction', () => {
    const history =
      "CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at);\nCREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');";
    const s = lastStatement(history, 'ALTER TABLE ev DETACH PARTITION ev_2024 CONCURRENTLY;');
    expect(s).toMatchObject({ transaction: 'forbidden', locks: { ev: 'ShareUpdateExclusiveLock', ev_2024: 'AccessExclusiveLock' } });
    expect(rulesOf(reviewAfter(history, 'ALTER TABLE ev DETACH PARTITION ev_2024 CONCURRENTLY;', { pgVersion: 13 }))).toContain('statement-will-fail');
  });

  it('ALTER TYPE … ADD VALUE takes no table lock and may run in a transaction on 12+', () => {
    const s = lastStatement("CREATE TYPE mood AS ENUM ('a');", "ALTER TYPE mood ADD VALUE 'b';", { pgVersion: 12 });
    expect(s).toMatchObject({ locks: {}, transaction: 'allowed' });
  });

  it('REFRESH MATERIALIZED VIEW rewrites; CONCURRENTLY takes ExclusiveLock and does not', () => {
    const history = `${USERS}\nCREATE MATERIALIZED VIEW mv AS SELECT id, name FROM users;`;
    expect(lastStatement(history, 'REFRESH MATERIALIZED VIEW mv;')).toMatchObject({
      locks: { mv: 'AccessExclusiveLock', users: 'AccessShareLock' },
      rewrites: ['mv'],
    });
    expect(lastStatement(history, 'REFRESH MATERIALIZED VIEW CONCURRENTLY mv;')).toMatchObject({
      locks: { mv: 'ExclusiveLock', users: 'AccessShareLock' },
      rewrites: [],
    });
  });
});

describe('DDL on tables created in the same file', () => {
  it('is not reported: the table is new and empty', () => {
    const report = reviewAfter('', 'CREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();');
    expect(rulesOf(report)).toEqual([]);
    expect(report.files[0]?.statements[1]?.locks).toEqual({ t: 'ShareLock' });
  });
});

describe('DROP and CASCADE', () => {
  it('DROP TABLE … CASCADE locks dependent views; without CASCADE it fails', () => {
    expect(lastStatement(USERS, 'DROP TABLE users CASCADE;').locks).toEqual({ user_emails: 'AccessExclusiveLock', users: 'AccessExclusiveLock' });
    expect(rulesOf(reviewAfter(USERS, 'DROP TABLE users;'))).toEqual(expect.arrayContaining(['statement-will-fail', 'drop-table']));
  });

  it('DROP COLUMN used by a view fails without CASCADE', () => {
    expect(rulesOf(reviewAfter(USERS, 'ALTER TABLE users DROP COLUMN email;'))).toEqual(expect.arrayContaining(['statement-will-fail', 'drop-column']));
    expect(rulesOf(reviewAfter(USERS, 'ALTER TABLE users DROP COLUMN name;', { runnerLockTimeout: true }))).toEqual(['drop-column']);
  });
});

describe('DO blocks', () => {
  it('are analysed through the SQL they execute', () => {
    const s = lastStatement(
      USERS,
      `DO $$ BEGIN
  ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);
EXCEPTION WHEN duplicate_object THEN null;
END $$;`,
    );
    expect(s.locks).toEqual({ orders: 'ShareRowExclusiveLock', users: 'ShareRowExclusiveLock' });
  });
});

describe('facts that differ between PostgreSQL versions (found on real servers)', () => {
  const PARTITIONED =
    "CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at);\nCREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');";

  it('DETACH PARTITION locks the partition ShareUpdateExclusive on 12–13 and AccessExclusive from 14', () => {
    expect(lastStatement(PARTITIONED, 'ALTER TABLE ev DETACH PARTITION ev_2024;', { pgVersion: 13 }).locks.ev_2024).toBe('ShareUpdateExclusiveLock');
    expect(lastStatement(PARTITIONED, 'ALTER TABLE ev DETACH PARTITION ev_2024;', { pgVersion: 14 }).locks.ev_2024).toBe('AccessExclusiveLock');
  });

  it('GRANT locks the table only on 18', () => {
    expect(lastStatement(USERS, 'GRANT SELECT ON users TO PUBLIC;', { pgVersion: 17 }).locks).toEqual({});
    expect(lastStatement(USERS, 'GRANT SELECT ON users TO PUBLIC;', { pgVersion: 18 }).locks).toEqual({ users: 'AccessShareLock' });
  });

  it('gen_random_uuid() needs pgcrypto before 13', () => {
    const sql = 'ALTER TABLE users ADD COLUMN u uuid DEFAULT gen_random_uuid();';
    expect(rulesOf(reviewAfter(USERS, sql, { pgVersion: 12 }))).toContain('statement-will-fail');
    expect(rulesOf(reviewAfter(`${USERS}\nCREATE EXTENSION pgcrypto;`, sql, { pgVersion: 12 }))).not.toContain('statement-will-fail');
    expect(rulesOf(reviewAfter(USERS, sql, { pgVersion: 13 }))).not.toContain('statement-will-fail');
  });
});

describe('rewrites that are and are not copies', () => {
  it('TRUNCATE gives new storage without reading the table and is not reported as a rewrite finding', () => {
    const s = lastStatement(USERS, 'TRUNCATE users;');
    expect(s).toMatchObject({ rewrites: ['users'], scans: [], locks: { users: 'AccessExclusiveLock' } });
    expect(s.findings.map((f) => f.rule)).not.toContain('table-rewrite');
  });

  it('REFRESH MATERIALIZED VIEW is a blocking rewrite whose fix is CONCURRENTLY when a unique index allows it', () => {
    const view = `${USERS}\nCREATE MATERIALIZED VIEW mv AS SELECT id FROM users;`;
    const withIndex = lastStatement(`${view}\nCREATE UNIQUE INDEX mv_id ON mv (id);`, 'REFRESH MATERIALIZED VIEW mv;');
    expect(withIndex.rewrites).toEqual(['mv']);
    expect(withIndex.findings[0]).toMatchObject({ rule: 'refresh-materialized-view', fix: 'REFRESH MATERIALIZED VIEW CONCURRENTLY mv;' });
    // CONCURRENTLY without a unique index fails, so there is no mechanical fix
    expect(lastStatement(view, 'REFRESH MATERIALIZED VIEW mv;').findings[0]).toMatchObject({ rule: 'refresh-materialized-view', fix: null });
  });
});

describe('idempotent DO blocks', () => {
  const ADD_FK = `DO $$ BEGIN
  ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);
EXCEPTION WHEN duplicate_object THEN null;
END $$;`;

  it('take no locks when the constraint already exists: the handler rolls the block back', () => {
    const s = lastStatement(`${USERS}\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);`, ADD_FK);
    expect(s.locks).toEqual({});
    expect(s.notes.join(' ')).toContain('already exists');
  });

  it('but do when the handler catches something else', () => {
    const history = `${USERS}\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);`;
    expect(lastStatement(history, ADD_FK.replace('duplicate_object', 'undefined_table')).locks).toEqual({
      orders: 'ShareRowExclusiveLock',
      users: 'ShareRowExclusiveLock',
    });
  });
});

describe('DO blocks in the history', () => {
  const FK_IN_DO = `DO $$ BEGIN
  ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
EXCEPTION WHEN duplicate_object THEN null;
END $$;`;

  it('build the catalog: a foreign key drizzle-kit wrapped in a DO block is known to later migrations', () => {
    // the referencing table is locked and re-validated only because the catalog knows the key
    const s = lastStatement(`${USERS}\n${FK_IN_DO}`, 'ALTER TABLE users ALTER COLUMN id TYPE numeric;');
    expect(s.locks.orders).toBe('AccessExclusiveLock');
    expect(s.scans).toContain('orders');
    // and the same DO block again is a no-op, not a second constraint
    expect(lastStatement(`${USERS}\n${FK_IN_DO}`, FK_IN_DO).locks).toEqual({});
  });

  it('build the catalog: an enum type created in a DO block exists for later migrations', () => {
    const history = `DO $$ BEGIN
  CREATE TYPE mood AS ENUM ('sad', 'ok');
EXCEPTION WHEN duplicate_object THEN null;
END $$;`;
    // the same guarded block again fails with duplicate_object and is rolled back by its handler
    expect(lastStatement(history, history).notes.join(' ')).toContain('already exists');
    expect(lastStatement('', history).notes.join(' ')).not.toContain('already exists');
  });
});
