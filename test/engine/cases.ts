import { dependencyCases } from './dependency-cases.js';

/** One statement the knowledge table makes a claim about, on a populated schema. */
export interface KnowledgeCase {
  id: string;
  /** builds and fills the schema (run outside the observed transaction) */
  setup: string;
  sql: string;
  minVersion?: number;
  maxVersion?: number;
  /** needs something PGlite does not ship (contrib extensions) */
  serverOnly?: boolean;
  /** session TimeZone for the statement (default UTC) */
  timezone?: string;
  /** statements that stand before `sql` in the same migration file (run with the setup) */
  sameFile?: string;
  /** PostgreSQL must reject the statement, and the reviewer must say so */
  fails?: boolean;
  /** with `fails`: the SQLSTATE PostgreSQL raises, which the finding must name */
  sqlstate?: string;
}

const USERS = `
CREATE TABLE users (id bigint PRIMARY KEY, email varchar(20), name text, amount numeric(10,2), seen timestamp, age int, bio text);
INSERT INTO users SELECT g, 'u' || g, 'n' || g, g, timestamp '2024-01-01' + g * interval '1 hour', g % 90, NULL FROM generate_series(1, 2000) g;
CREATE INDEX users_email_idx ON users (email);`;

const ORDERS = `${USERS}
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total int, note text);
INSERT INTO orders SELECT g, (g % 2000) + 1, g, NULL FROM generate_series(1, 4000) g;`;

const FK = `${ORDERS}
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);`;

const FK_TO_PRIMARY_KEY = `${ORDERS}
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users;`;

const FK_NOT_VALID = `${ORDERS}
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;`;

const VIEW = `${USERS}
CREATE VIEW user_emails AS SELECT id, email FROM users;`;

const MATVIEW = `${USERS}
CREATE MATERIALIZED VIEW user_ages AS SELECT age, count(*) AS n FROM users GROUP BY age;
CREATE UNIQUE INDEX user_ages_age ON user_ages (age);`;

const PARTITIONED = `
CREATE TABLE events (id bigint, at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT g, date '2024-01-01' + (g % 700), 'k' FROM generate_series(1, 3000) g;
CREATE TABLE events_2023 (id bigint, at date NOT NULL, kind text);
INSERT INTO events_2023 SELECT g, date '2023-01-01' + (g % 300), 'k' FROM generate_series(1, 500) g;`;

const PARTITIONED_WITH_DEFAULT = `${PARTITIONED}
CREATE TABLE events_default PARTITION OF events DEFAULT;
INSERT INTO events VALUES (0, '2030-06-01', 'late');`;

const FK_TARGET = `CREATE TABLE kinds (name text PRIMARY KEY);\nINSERT INTO kinds SELECT 'k' || g FROM generate_series(1, 500) g;\nINSERT INTO kinds VALUES ('k');`;

const ATTACH_2023 = "ALTER TABLE events ATTACH PARTITION events_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')";

const PARTITIONED_NULLABLE = `
CREATE TABLE events (id bigint, at date, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO events SELECT g, date '2024-01-01' + (g % 300), 'k' FROM generate_series(1, 1000) g;
CREATE TABLE events_2023 (id bigint, at date, kind text);
INSERT INTO events_2023 SELECT g, date '2023-01-01' + (g % 300), 'k' FROM generate_series(1, 500) g;`;

const LIST_PARTITIONED = `
CREATE TABLE items (id bigint, kind text NOT NULL) PARTITION BY LIST (kind);
CREATE TABLE items_a PARTITION OF items FOR VALUES IN ('a');
INSERT INTO items SELECT g, 'a' FROM generate_series(1, 500) g;
CREATE TABLE items_bc (id bigint, kind text NOT NULL);
INSERT INTO items_bc SELECT g, CASE WHEN g % 2 = 0 THEN 'b' ELSE 'c' END FROM generate_series(1, 500) g;`;

const LIST_PARTITIONED_NULLABLE_KEY = LIST_PARTITIONED.replace('kind text NOT NULL) PARTITION BY', 'kind text) PARTITION BY');

const ATTACH_BC = "ALTER TABLE items ATTACH PARTITION items_bc FOR VALUES IN ('b', 'c')";

const ENUM = `${USERS}
CREATE TYPE mood AS ENUM ('sad', 'ok');
ALTER TABLE users ADD COLUMN mood mood;`;

const TRIGGERS = `${USERS}
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION noop();`;

const RULE = `${USERS}
CREATE RULE users_no_delete AS ON DELETE TO users DO INSTEAD NOTHING;`;

const FOREIGN = `${USERS}
CREATE FOREIGN DATA WRAPPER w;
CREATE SERVER s FOREIGN DATA WRAPPER w;
CREATE FOREIGN TABLE remote_users (id bigint, name text) SERVER s;`;

const INHERITANCE = `${USERS}
CREATE TABLE base (id bigint);
CREATE TABLE child (id bigint);
CREATE TABLE heir (id bigint) INHERITS (base);`;

const MISC = `${USERS}
CREATE SEQUENCE s;
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE PROCEDURE p() LANGUAGE sql AS $$ SELECT 1 $$;
CREATE TYPE comp AS (a int);
CREATE TABLE typed (a int);
CREATE DOMAIN positive AS int;
ALTER TABLE users ADD COLUMN score positive;
CREATE STATISTICS users_stats ON age, name FROM users;
CREATE POLICY pol ON users USING (true);
CREATE COLLATION coll FROM "C";
CREATE OPERATOR === (LEFTARG = int4, RIGHTARG = int4, FUNCTION = int4eq);
CREATE TEXT SEARCH DICTIONARY dict (TEMPLATE = simple);
CREATE TEXT SEARCH CONFIGURATION cfg (COPY = simple);
CREATE SCHEMA app;`;

/**
 * Representative statements for every row of the knowledge table (src/review/effects). Each runs on
 * real engines and the observed locks, rewrites, scans and transaction rule must equal the prediction.
 */
export const KNOWLEDGE_CASES: KnowledgeCase[] = [
  // ADD COLUMN
  { id: 'add-column-nullable', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c text' },
  { id: 'add-column-constant-default', setup: USERS, sql: "ALTER TABLE users ADD COLUMN c text DEFAULT 'x'" },
  { id: 'add-column-constant-default-not-null', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c int NOT NULL DEFAULT 0' },
  { id: 'add-column-stable-default', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c timestamptz DEFAULT now()' },
  { id: 'add-column-volatile-uuid', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c uuid DEFAULT gen_random_uuid()', minVersion: 13 },
  {
    id: 'add-column-gen-random-uuid-before-13-fails',
    setup: USERS,
    sql: 'ALTER TABLE users ADD COLUMN c uuid DEFAULT gen_random_uuid()',
    maxVersion: 12,
    fails: true,
  },
  {
    id: 'add-column-gen-random-uuid-pgcrypto',
    setup: `${USERS}\nCREATE EXTENSION IF NOT EXISTS pgcrypto;`,
    sql: 'ALTER TABLE users ADD COLUMN c uuid DEFAULT gen_random_uuid()',
    serverOnly: true,
  },
  { id: 'add-column-volatile-clock', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c timestamptz DEFAULT clock_timestamp()' },
  { id: 'add-column-volatile-random', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c float8 DEFAULT random()' },
  { id: 'add-column-serial', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c serial' },
  { id: 'add-column-bigserial', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c bigserial' },
  { id: 'add-column-identity', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY' },
  { id: 'add-column-stored-generated', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c int GENERATED ALWAYS AS (age * 2) STORED' },
  { id: 'add-column-virtual-generated', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c int GENERATED ALWAYS AS (age * 2) VIRTUAL', minVersion: 18 },
  { id: 'add-column-not-null-no-default-fails', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c text NOT NULL', fails: true },
  { id: 'add-column-check', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c int CHECK (c > 0)' },
  { id: 'add-column-unique', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN c int UNIQUE' },
  { id: 'add-column-references', setup: ORDERS, sql: 'ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES users (id)' },
  // DROP COLUMN
  { id: 'drop-column', setup: USERS, sql: 'ALTER TABLE users DROP COLUMN bio' },
  { id: 'drop-column-used-by-view-fails', setup: VIEW, sql: 'ALTER TABLE users DROP COLUMN email', fails: true },
  { id: 'drop-column-cascade-view', setup: VIEW, sql: 'ALTER TABLE users DROP COLUMN email CASCADE' },
  // ALTER COLUMN TYPE
  { id: 'type-varchar-widen', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(50)' },
  { id: 'type-varchar-narrow', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(15)' },
  { id: 'type-varchar-to-text', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN email TYPE text' },
  { id: 'type-text-to-varchar-n', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar(100)' },
  { id: 'type-text-to-varchar', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN name TYPE varchar' },
  { id: 'type-int-to-bigint', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN age TYPE bigint' },
  { id: 'type-numeric-precision', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN amount TYPE numeric(12,2)' },
  { id: 'type-numeric-scale', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN amount TYPE numeric(10,4)' },
  { id: 'type-numeric-unconstrained', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN amount TYPE numeric' },
  { id: 'type-timestamp-to-timestamptz-utc', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN seen TYPE timestamptz' },
  { id: 'type-timestamp-to-timestamptz-berlin', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN seen TYPE timestamptz', timezone: 'Europe/Berlin' },
  { id: 'type-change-foreign-key-column', setup: FK, sql: 'ALTER TABLE orders ALTER COLUMN user_id TYPE int' },
  { id: 'type-change-referenced-column', setup: FK, sql: 'ALTER TABLE users ALTER COLUMN id TYPE numeric' },
  { id: 'type-change-referenced-primary-key-implicitly', setup: FK_TO_PRIMARY_KEY, sql: 'ALTER TABLE users ALTER COLUMN id TYPE numeric' },
  { id: 'type-change-other-column-of-referenced-table', setup: FK, sql: 'ALTER TABLE users ALTER COLUMN age TYPE bigint' },
  { id: 'type-int-to-text-using', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN age TYPE text USING age::text' },
  { id: 'type-column-used-by-view-fails', setup: VIEW, sql: 'ALTER TABLE users ALTER COLUMN email TYPE varchar(50)', fails: true },
  // defaults and NOT NULL
  { id: 'set-default', setup: USERS, sql: "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x'" },
  { id: 'drop-default', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN name DROP DEFAULT' },
  { id: 'set-not-null', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN name SET NOT NULL' },
  {
    id: 'set-not-null-after-valid-check',
    setup: `${USERS}\nALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL);`,
    sql: 'ALTER TABLE users ALTER COLUMN name SET NOT NULL',
  },
  {
    id: 'set-not-null-after-not-valid-check',
    setup: `${USERS}\nALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;`,
    sql: 'ALTER TABLE users ALTER COLUMN name SET NOT NULL',
  },
  {
    id: 'set-not-null-after-valid-check-with-and',
    setup: `${USERS}\nALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL AND length(name) > 0);`,
    sql: 'ALTER TABLE users ALTER COLUMN name SET NOT NULL',
  },
  // a CHECK that is not an IS NOT NULL test proves nothing: it passes on NULL
  {
    id: 'set-not-null-after-strict-check',
    setup: `${USERS}\nALTER TABLE users ADD CONSTRAINT name_long CHECK (length(name) > 0);`,
    sql: 'ALTER TABLE users ALTER COLUMN name SET NOT NULL',
  },
  { id: 'drop-not-null', setup: `${USERS}\nALTER TABLE users ALTER COLUMN name SET NOT NULL;`, sql: 'ALTER TABLE users ALTER COLUMN name DROP NOT NULL' },
  // constraints
  { id: 'add-check', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age >= 0)' },
  { id: 'add-check-not-valid', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age >= 0) NOT VALID' },
  {
    id: 'validate-check',
    setup: `${USERS}\nALTER TABLE users ADD CONSTRAINT age_ok CHECK (age >= 0) NOT VALID;`,
    sql: 'ALTER TABLE users VALIDATE CONSTRAINT age_ok',
  },
  { id: 'add-foreign-key', setup: ORDERS, sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)' },
  {
    id: 'add-foreign-key-on-column-added-in-same-file',
    setup: ORDERS,
    sameFile: 'ALTER TABLE orders ADD COLUMN buyer_id bigint;',
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_buyer_fk FOREIGN KEY (buyer_id) REFERENCES users (id)',
  },
  // once a backfill gave the new column values, the validation reads both tables again
  {
    id: 'add-foreign-key-on-column-backfilled-in-same-file',
    setup: ORDERS,
    sameFile: 'ALTER TABLE orders ADD COLUMN buyer_id bigint;\nUPDATE orders SET buyer_id = user_id;',
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_buyer_fk FOREIGN KEY (buyer_id) REFERENCES users (id)',
  },
  {
    id: 'add-foreign-key-on-table-created-in-same-file',
    setup: ORDERS,
    sameFile: 'CREATE TABLE refs (user_id bigint);',
    sql: 'ALTER TABLE refs ADD CONSTRAINT refs_user_fk FOREIGN KEY (user_id) REFERENCES users (id)',
  },
  {
    id: 'add-foreign-key-on-table-created-and-filled-in-same-file',
    setup: ORDERS,
    sameFile: 'CREATE TABLE refs (user_id bigint);\nINSERT INTO refs SELECT id FROM users;',
    sql: 'ALTER TABLE refs ADD CONSTRAINT refs_user_fk FOREIGN KEY (user_id) REFERENCES users (id)',
  },
  {
    id: 'add-check-on-table-created-in-same-file',
    setup: USERS,
    sameFile: 'CREATE TABLE refs (n int);',
    sql: 'ALTER TABLE refs ADD CONSTRAINT refs_n_positive CHECK (n > 0)',
  },
  {
    id: 'add-foreign-key-not-valid',
    setup: ORDERS,
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID',
  },
  { id: 'validate-foreign-key', setup: FK_NOT_VALID, sql: 'ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk' },
  { id: 'drop-check', setup: `${USERS}\nALTER TABLE users ADD CONSTRAINT age_ok CHECK (age >= 0);`, sql: 'ALTER TABLE users DROP CONSTRAINT age_ok' },
  { id: 'drop-foreign-key', setup: FK, sql: 'ALTER TABLE orders DROP CONSTRAINT orders_user_fk' },
  { id: 'add-unique', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name)' },
  {
    id: 'add-primary-key-using-index',
    setup: `${ORDERS}\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nCREATE UNIQUE INDEX orders_id_idx ON orders (id);`,
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_idx',
  },
  {
    id: 'add-unique-using-index',
    setup: `${USERS}\nCREATE UNIQUE INDEX users_name_idx ON users (name);`,
    sql: 'ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE USING INDEX users_name_idx',
  },
  // other ALTER TABLE forms
  { id: 'set-logged', setup: `${USERS}\nALTER TABLE users SET UNLOGGED;`, sql: 'ALTER TABLE users SET LOGGED' },
  { id: 'set-unlogged', setup: USERS, sql: 'ALTER TABLE users SET UNLOGGED' },
  { id: 'set-access-method', setup: USERS, sql: 'ALTER TABLE users SET ACCESS METHOD heap', minVersion: 15 },
  { id: 'set-fillfactor', setup: USERS, sql: 'ALTER TABLE users SET (fillfactor = 70)' },
  { id: 'set-autovacuum', setup: USERS, sql: 'ALTER TABLE users SET (autovacuum_enabled = false)' },
  { id: 'set-statistics', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN age SET STATISTICS 500' },
  { id: 'set-storage', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN bio SET STORAGE EXTERNAL' },
  { id: 'enable-rls', setup: USERS, sql: 'ALTER TABLE users ENABLE ROW LEVEL SECURITY' },
  { id: 'replica-identity-full', setup: USERS, sql: 'ALTER TABLE users REPLICA IDENTITY FULL' },
  { id: 'cluster-on', setup: USERS, sql: 'ALTER TABLE users CLUSTER ON users_email_idx' },
  {
    id: 'add-identity-to-column',
    setup: `${USERS}\nALTER TABLE users ALTER COLUMN age SET NOT NULL;`,
    sql: 'ALTER TABLE users ALTER COLUMN age ADD GENERATED BY DEFAULT AS IDENTITY',
  },
  {
    id: 'disable-trigger',
    setup: `${USERS}\nCREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION noop();`,
    sql: 'ALTER TABLE users DISABLE TRIGGER t',
  },
  { id: 'rename-table', setup: USERS, sql: 'ALTER TABLE users RENAME TO people' },
  { id: 'rename-column', setup: USERS, sql: 'ALTER TABLE users RENAME COLUMN bio TO about' },
  // partitions
  { id: 'attach-partition', setup: PARTITIONED, sql: "ALTER TABLE events ATTACH PARTITION events_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')" },
  {
    id: 'attach-partition-with-default',
    setup: PARTITIONED_WITH_DEFAULT,
    sql: "ALTER TABLE events ATTACH PARTITION events_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
  },
  // ATTACH skips the bound check when the partition's valid CHECK constraints (and NOT NULL on the key) imply it
  {
    id: 'attach-partition-check-implies-bound',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01');`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-two-checks-imply-bound',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ADD CONSTRAINT lo CHECK ('2023-01-01' <= at), ADD CONSTRAINT hi CHECK (at < DATE '2024-01-01');`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-narrower-check',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at BETWEEN '2023-01-01' AND '2023-12-31');`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-check-not-valid',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01') NOT VALID;`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-check-validated',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01') NOT VALID;\nALTER TABLE events_2023 VALIDATE CONSTRAINT events_2023_bound;`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-check-wider-than-bound',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2022-01-01' AND at < '2024-01-01');`,
    sql: ATTACH_2023,
  },
  // a CHECK passes on NULL: without NOT NULL on the key the range bound is not proven
  {
    id: 'attach-partition-check-nullable-key',
    setup: `${PARTITIONED_NULLABLE}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01');`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-check-is-not-null',
    setup: `${PARTITIONED_NULLABLE}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at IS NOT NULL AND at >= '2023-01-01' AND at < '2024-01-01');`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-minvalue-check',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at < '2024-01-01');`,
    sql: "ALTER TABLE events ATTACH PARTITION events_2023 FOR VALUES FROM (MINVALUE) TO ('2024-01-01')",
  },
  {
    id: 'attach-partition-check-with-default',
    setup: `${PARTITIONED_WITH_DEFAULT}\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01');`,
    sql: ATTACH_2023,
  },
  // the parent's index is built on the partition from every row, unless the partition has a matching one
  {
    id: 'attach-partition-check-parent-index',
    setup: `${PARTITIONED}\nCREATE INDEX events_at_idx ON events (at);\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01');`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-check-parent-index-matched',
    setup: `${PARTITIONED}\nCREATE INDEX events_at_idx ON events (at);\nCREATE INDEX events_2023_at_idx ON events_2023 (at);\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01');`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-parent-foreign-key',
    setup: `${FK_TARGET}\n${PARTITIONED}\nALTER TABLE events ADD CONSTRAINT events_kind_fk FOREIGN KEY (kind) REFERENCES kinds (name);`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-partition-check-parent-foreign-key',
    setup: `${FK_TARGET}\n${PARTITIONED}\nALTER TABLE events ADD CONSTRAINT events_kind_fk FOREIGN KEY (kind) REFERENCES kinds (name);\nALTER TABLE events_2023 ADD CONSTRAINT events_2023_bound CHECK (at >= '2023-01-01' AND at < '2024-01-01');`,
    sql: ATTACH_2023,
  },
  {
    id: 'attach-list-partition-check',
    setup: `${LIST_PARTITIONED}\nALTER TABLE items_bc ADD CONSTRAINT items_bc_kind CHECK (kind IN ('c', 'b'));`,
    sql: ATTACH_BC,
  },
  {
    id: 'attach-list-partition-check-eq-any',
    setup: `${LIST_PARTITIONED}\nALTER TABLE items_bc ADD CONSTRAINT items_bc_kind CHECK (kind = ANY (ARRAY['b', 'c']));`,
    sql: ATTACH_BC,
  },
  {
    id: 'attach-list-partition-check-superset',
    setup: `${LIST_PARTITIONED}\nALTER TABLE items_bc ADD CONSTRAINT items_bc_kind CHECK (kind IN ('b', 'c', 'd'));`,
    sql: ATTACH_BC,
  },
  {
    id: 'attach-list-partition-check-nullable-key',
    setup: `${LIST_PARTITIONED_NULLABLE_KEY}\nALTER TABLE items_bc ALTER COLUMN kind DROP NOT NULL;\nALTER TABLE items_bc ADD CONSTRAINT items_bc_kind CHECK (kind IN ('b', 'c'));`,
    sql: ATTACH_BC,
  },
  {
    id: 'attach-list-partition-check-null-in-bound',
    setup: `${LIST_PARTITIONED_NULLABLE_KEY}\nALTER TABLE items_bc ALTER COLUMN kind DROP NOT NULL;\nALTER TABLE items_bc ADD CONSTRAINT items_bc_kind CHECK (kind IN ('b', 'c'));`,
    sql: "ALTER TABLE items ATTACH PARTITION items_bc FOR VALUES IN ('b', 'c', NULL)",
  },
  {
    id: 'attach-hash-partition-scans',
    setup: 'CREATE TABLE h (a int NOT NULL) PARTITION BY HASH (a);\nCREATE TABLE h0 (a int NOT NULL);\nINSERT INTO h0 SELECT g FROM generate_series(1, 200) g;',
    sql: 'ALTER TABLE h ATTACH PARTITION h0 FOR VALUES WITH (MODULUS 1, REMAINDER 0)',
  },
  // ATTACH PARTITION / INHERIT / PARTITION OF / INHERITS need the child to match the parent
  {
    id: 'attach-partition-missing-column-fails',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 DROP COLUMN kind;`,
    sql: ATTACH_2023,
    fails: true,
    sqlstate: '42804',
  },
  {
    id: 'attach-partition-other-type-fails',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ALTER COLUMN id TYPE int;`,
    sql: ATTACH_2023,
    fails: true,
    sqlstate: '42804',
  },
  {
    id: 'attach-partition-other-collation-fails',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ALTER COLUMN kind TYPE text COLLATE "POSIX";`,
    sql: ATTACH_2023,
    fails: true,
    sqlstate: '42P21',
  },
  {
    id: 'attach-partition-not-null-missing-fails',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ALTER COLUMN at DROP NOT NULL;`,
    sql: ATTACH_2023,
    fails: true,
    sqlstate: '42804',
  },
  {
    id: 'attach-partition-extra-column-fails',
    setup: `${PARTITIONED}\nALTER TABLE events_2023 ADD COLUMN extra int;`,
    sql: ATTACH_2023,
    fails: true,
    sqlstate: '42804',
  },
  {
    id: 'attach-partition-missing-check-fails',
    setup: `${PARTITIONED}\nALTER TABLE events ADD CONSTRAINT events_id_positive CHECK (id > 0);`,
    sql: ATTACH_2023,
    fails: true,
    sqlstate: '42804',
  },
  {
    id: 'attach-partition-after-detach',
    setup: `${PARTITIONED}\nALTER TABLE events ADD COLUMN extra int;\nALTER TABLE events ADD CONSTRAINT events_id_positive CHECK (id > 0);\nALTER TABLE events DETACH PARTITION events_2025;`,
    sql: "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
  },
  {
    id: 'attach-partition-like-parent',
    setup: `${PARTITIONED}\nALTER TABLE events ADD CONSTRAINT events_id_positive CHECK (id > 0);\nCREATE TABLE events_2022 (LIKE events INCLUDING ALL);\nINSERT INTO events_2022 SELECT g, date '2022-01-01' + (g % 300), 'k' FROM generate_series(1, 100) g;`,
    sql: "ALTER TABLE events ATTACH PARTITION events_2022 FOR VALUES FROM ('2022-01-01') TO ('2023-01-01')",
  },
  {
    id: 'inherit-missing-check-fails',
    setup: `${INHERITANCE}\nALTER TABLE base ADD CONSTRAINT base_id_positive CHECK (id > 0);`,
    sql: 'ALTER TABLE child INHERIT base',
    fails: true,
    sqlstate: '42804',
  },
  {
    id: 'inherit-not-null-missing-fails',
    setup: `${INHERITANCE}\nALTER TABLE base ALTER COLUMN id SET NOT NULL;`,
    sql: 'ALTER TABLE child INHERIT base',
    fails: true,
    sqlstate: '42804',
  },
  { id: 'inherit-partitioned-parent-fails', setup: PARTITIONED, sql: 'ALTER TABLE events_2023 INHERIT events', fails: true, sqlstate: '42809' },
  { id: 'create-inherits-type-conflict-fails', setup: INHERITANCE, sql: 'CREATE TABLE heir2 (id int) INHERITS (base)', fails: true, sqlstate: '42804' },
  {
    id: 'create-inherits-collation-conflict-fails',
    setup: `${INHERITANCE}\nCREATE TABLE tagged (label text COLLATE "POSIX");`,
    sql: 'CREATE TABLE heir2 (label text) INHERITS (tagged)',
    fails: true,
    sqlstate: '42P21',
  },
  {
    id: 'create-inherits-parents-disagree-fails',
    setup: `${INHERITANCE}\nCREATE TABLE other (id int);`,
    sql: 'CREATE TABLE heir2 () INHERITS (base, other)',
    fails: true,
    sqlstate: '42804',
  },
  // a name already taken: relations, indexes and sequences share one namespace per schema
  { id: 'rename-table-onto-index-fails', setup: USERS, sql: 'ALTER TABLE users RENAME TO users_email_idx', fails: true, sqlstate: '42P07' },
  { id: 'rename-table-onto-type-fails', setup: ENUM, sql: 'ALTER TABLE users RENAME TO mood', fails: true, sqlstate: '42710' },
  { id: 'rename-index-onto-constraint-index-fails', setup: USERS, sql: 'ALTER INDEX users_email_idx RENAME TO users_pkey', fails: true, sqlstate: '42P07' },
  { id: 'rename-column-onto-column-fails', setup: USERS, sql: 'ALTER TABLE users RENAME COLUMN bio TO name', fails: true, sqlstate: '42701' },
  { id: 'add-column-existing-fails', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN bio text', fails: true, sqlstate: '42701' },
  {
    id: 'add-constraint-existing-name-fails',
    setup: FK,
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk CHECK (total > 0)',
    fails: true,
    sqlstate: '42710',
  },
  {
    id: 'add-unique-named-like-index-fails',
    setup: USERS,
    sql: 'ALTER TABLE users ADD CONSTRAINT users_email_idx UNIQUE (email)',
    fails: true,
    sqlstate: '42P07',
  },
  {
    id: 'add-unnamed-primary-key-beside-pkey-named-index',
    setup: `${ORDERS}\nALTER TABLE orders DROP CONSTRAINT orders_pkey;\nCREATE INDEX orders_pkey ON orders (id);`,
    sql: 'ALTER TABLE orders ADD PRIMARY KEY (id)',
  },
  {
    id: 'rename-constraint-onto-constraint-fails',
    setup: `${FK}\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);`,
    sql: 'ALTER TABLE orders RENAME CONSTRAINT orders_total_positive TO orders_user_fk',
    fails: true,
    sqlstate: '42710',
  },
  { id: 'rename-type-onto-table-fails', setup: ENUM, sql: 'ALTER TYPE mood RENAME TO users', fails: true, sqlstate: '42710' },
  {
    id: 'set-schema-onto-existing-fails',
    setup: `${USERS}\nCREATE SCHEMA app;\nCREATE TABLE app.users (id int);`,
    sql: 'ALTER TABLE users SET SCHEMA app',
    fails: true,
    sqlstate: '42P07',
  },
  {
    id: 'create-partition-of-plain-table-fails',
    setup: INHERITANCE,
    sql: 'CREATE TABLE heir2 PARTITION OF base FOR VALUES IN (1)',
    fails: true,
    sqlstate: '42P17',
  },
  { id: 'detach-partition', setup: PARTITIONED, sql: 'ALTER TABLE events DETACH PARTITION events_2025' },
  { id: 'detach-partition-concurrently', setup: PARTITIONED, sql: 'ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY', minVersion: 14 },
  { id: 'create-partition', setup: PARTITIONED, sql: "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')" },
  {
    id: 'create-partition-with-default',
    setup: PARTITIONED_WITH_DEFAULT,
    sql: "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
  },
  { id: 'create-index-partitioned', setup: PARTITIONED, sql: 'CREATE INDEX events_at_idx ON events (at)' },
  { id: 'create-index-on-only-partitioned', setup: PARTITIONED, sql: 'CREATE INDEX events_at_idx ON ONLY events (at)' },
  { id: 'add-column-partitioned-volatile', setup: PARTITIONED, sql: 'ALTER TABLE events ADD COLUMN r float8 DEFAULT random()' },
  // CREATE / DROP TABLE
  { id: 'create-table', setup: USERS, sql: 'CREATE TABLE t (id int)' },
  { id: 'create-table-references', setup: USERS, sql: 'CREATE TABLE t (id int, user_id bigint REFERENCES users (id))' },
  { id: 'create-table-like', setup: USERS, sql: 'CREATE TABLE t (LIKE users)' },
  { id: 'create-table-if-not-exists-existing', setup: ORDERS, sql: 'CREATE TABLE IF NOT EXISTS orders (id bigint, user_id bigint REFERENCES users (id))' },
  { id: 'drop-table', setup: USERS, sql: 'DROP TABLE users' },
  { id: 'drop-table-referencing', setup: FK, sql: 'DROP TABLE orders' },
  { id: 'drop-table-referenced-fails', setup: FK, sql: 'DROP TABLE users', fails: true },
  { id: 'drop-table-referenced-cascade', setup: FK, sql: 'DROP TABLE users CASCADE' },
  { id: 'drop-table-with-view-cascade', setup: VIEW, sql: 'DROP TABLE users CASCADE' },
  { id: 'drop-partitioned-table', setup: PARTITIONED, sql: 'DROP TABLE events' },
  { id: 'truncate', setup: USERS, sql: 'TRUNCATE users' },
  { id: 'truncate-referenced-fails', setup: FK, sql: 'TRUNCATE users', fails: true },
  { id: 'truncate-cascade', setup: FK, sql: 'TRUNCATE users CASCADE' },
  // indexes
  { id: 'create-index', setup: USERS, sql: 'CREATE INDEX users_name_idx ON users (name)' },
  { id: 'create-unique-index', setup: USERS, sql: 'CREATE UNIQUE INDEX users_name_idx ON users (name)' },
  { id: 'create-index-if-not-exists-existing', setup: USERS, sql: 'CREATE INDEX IF NOT EXISTS users_email_idx ON users (email)' },
  { id: 'add-column-if-not-exists-existing', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN IF NOT EXISTS bio text' },
  { id: 'create-index-concurrently', setup: USERS, sql: 'CREATE INDEX CONCURRENTLY users_name_idx ON users (name)' },
  { id: 'drop-index', setup: USERS, sql: 'DROP INDEX users_email_idx' },
  { id: 'drop-index-concurrently', setup: USERS, sql: 'DROP INDEX CONCURRENTLY users_email_idx' },
  { id: 'reindex-index', setup: USERS, sql: 'REINDEX INDEX users_email_idx' },
  { id: 'reindex-table', setup: USERS, sql: 'REINDEX TABLE users' },
  { id: 'reindex-index-concurrently', setup: USERS, sql: 'REINDEX INDEX CONCURRENTLY users_email_idx' },
  { id: 'reindex-index-concurrently-false', setup: USERS, sql: 'REINDEX (CONCURRENTLY false) INDEX users_email_idx', minVersion: 14 },
  { id: 'reindex-option-list-before-14-fails', setup: USERS, sql: 'REINDEX (CONCURRENTLY false) INDEX users_email_idx', maxVersion: 13, fails: true },
  // the index of a PRIMARY KEY constraint: the history names its table through the constraint
  { id: 'reindex-constraint-index', setup: USERS, sql: 'REINDEX INDEX users_pkey' },
  // REINDEX SCHEMA / DATABASE run each table in a transaction of its own, one after another: the observer sees
  // the first table that queues behind its blocker, not all of them. Its blocker takes locks with LOCK TABLE,
  // which refuses materialized views (42809), so the ShareLock they get too is not observed here.
  {
    id: 'reindex-schema',
    setup: `${ORDERS}\nCREATE SCHEMA app;\nCREATE TABLE app.things (id int PRIMARY KEY);\nCREATE TABLE plain (id int);`,
    sql: 'REINDEX SCHEMA public',
  },
  { id: 'reindex-schema-partitioned', setup: `${PARTITIONED}\nCREATE INDEX events_at_idx ON events (at);`, sql: 'REINDEX SCHEMA public' },
  // PostgreSQL 12–15 also rebuild every system catalog, which can outlast the time the observer waits for the queued lock
  { id: 'reindex-database', setup: ORDERS, sql: 'REINDEX DATABASE postgres', minVersion: 16 },
  { id: 'reindex-database-without-name-before-16-fails', setup: USERS, sql: 'REINDEX DATABASE', maxVersion: 15, fails: true },
  { id: 'reindex-system', setup: USERS, sql: 'REINDEX SYSTEM postgres' },
  // views
  { id: 'create-view', setup: USERS, sql: 'CREATE VIEW v AS SELECT id, name FROM users' },
  { id: 'replace-view', setup: VIEW, sql: 'CREATE OR REPLACE VIEW user_emails AS SELECT id, email FROM users WHERE id > 0' },
  { id: 'drop-view', setup: VIEW, sql: 'DROP VIEW user_emails' },
  { id: 'create-materialized-view', setup: USERS, sql: 'CREATE MATERIALIZED VIEW mv AS SELECT id, name FROM users' },
  { id: 'create-materialized-view-no-data', setup: USERS, sql: 'CREATE MATERIALIZED VIEW mv AS SELECT id, name FROM users WITH NO DATA' },
  { id: 'refresh-materialized-view', setup: MATVIEW, sql: 'REFRESH MATERIALIZED VIEW user_ages' },
  { id: 'refresh-materialized-view-concurrently', setup: MATVIEW, sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY user_ages' },
  // types, sequences, functions, misc
  { id: 'create-enum', setup: USERS, sql: "CREATE TYPE status AS ENUM ('a', 'b')" },
  { id: 'alter-enum-add-value', setup: ENUM, sql: "ALTER TYPE mood ADD VALUE 'happy'" },
  { id: 'alter-enum-add-value-before', setup: ENUM, sql: "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'" },
  { id: 'alter-enum-rename-value', setup: ENUM, sql: "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'" },
  { id: 'create-sequence', setup: USERS, sql: 'CREATE SEQUENCE s' },
  { id: 'create-function', setup: USERS, sql: 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$' },
  {
    id: 'create-sql-function-reading-table',
    setup: USERS,
    sql: 'CREATE FUNCTION adults() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM users WHERE age >= 18 $$',
  },
  {
    id: 'create-sql-function-atomic-body',
    setup: USERS,
    sql: 'CREATE FUNCTION adults() RETURNS bigint LANGUAGE sql STABLE BEGIN ATOMIC SELECT count(*) FROM users WHERE age >= 18; END',
    minVersion: 14,
  },
  {
    id: 'create-plpgsql-function',
    setup: USERS,
    sql: 'CREATE FUNCTION g() RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT count(*) FROM users); END $$',
  },
  {
    id: 'create-trigger',
    setup: `${USERS}\nCREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;`,
    sql: 'CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION noop()',
  },
  { id: 'create-policy', setup: USERS, sql: 'CREATE POLICY p ON users USING (id > 0)' },
  { id: 'comment-on-table', setup: USERS, sql: "COMMENT ON TABLE users IS 'people'" },
  { id: 'comment-on-column', setup: USERS, sql: "COMMENT ON COLUMN users.name IS 'name'" },
  { id: 'grant-select', setup: USERS, sql: 'GRANT SELECT ON users TO PUBLIC' },
  { id: 'create-schema', setup: USERS, sql: 'CREATE SCHEMA app' },
  { id: 'lock-table', setup: USERS, sql: 'LOCK TABLE users' },
  { id: 'lock-table-share', setup: USERS, sql: 'LOCK TABLE users IN SHARE MODE' },
  { id: 'vacuum', setup: USERS, sql: 'VACUUM users' },
  { id: 'vacuum-full', setup: USERS, sql: 'VACUUM FULL users' },
  { id: 'analyze', setup: USERS, sql: 'ANALYZE users' },
  { id: 'cluster', setup: USERS, sql: 'CLUSTER users USING users_email_idx' },
  { id: 'cluster-partitioned', setup: `${PARTITIONED}\nCREATE INDEX events_at_idx ON events (at);`, sql: 'CLUSTER events USING events_at_idx', minVersion: 15 },
  {
    id: 'cluster-partitioned-before-15-fails',
    setup: `${PARTITIONED}\nCREATE INDEX events_at_idx ON events (at);`,
    sql: 'CLUSTER events USING events_at_idx',
    maxVersion: 14,
    fails: true,
  },
  { id: 'vacuum-full-false', setup: USERS, sql: 'VACUUM (FULL false) users' },
  // CLUSTER without a table: every table with an index marked clustered, each in its own transaction
  { id: 'cluster-all', setup: `${ORDERS}\nCLUSTER users USING users_email_idx;`, sql: 'CLUSTER' },
  { id: 'cluster-all-cluster-on', setup: `${ORDERS}\nALTER TABLE orders CLUSTER ON orders_pkey;`, sql: 'CLUSTER' },
  { id: 'cluster-all-index-dropped', setup: `${ORDERS}\nCLUSTER users USING users_email_idx;\nDROP INDEX users_email_idx;`, sql: 'CLUSTER' },
  {
    id: 'cluster-all-without-cluster',
    setup: `${ORDERS}\nALTER TABLE orders CLUSTER ON orders_pkey;\nALTER TABLE orders SET WITHOUT CLUSTER;`,
    sql: 'CLUSTER',
  },
  // CLUSTER events USING … (PostgreSQL 15+) marks each partition's index, but refuses the transaction block the
  // setup runs in: the partitions are marked one by one here
  {
    id: 'cluster-all-partitions',
    setup: `${PARTITIONED}\nCREATE INDEX events_at_idx ON events (at);\nALTER TABLE events_2024 CLUSTER ON events_2024_at_idx;\nALTER TABLE events_2025 CLUSTER ON events_2025_at_idx;`,
    sql: 'CLUSTER',
  },
  // DML
  { id: 'update-all', setup: USERS, sql: "UPDATE users SET bio = 'x'" },
  { id: 'update-by-primary-key', setup: USERS, sql: "UPDATE users SET bio = 'x' WHERE id = 5" },
  { id: 'delete-all', setup: USERS, sql: 'DELETE FROM users WHERE age > 1000' },
  { id: 'insert-values', setup: USERS, sql: "INSERT INTO users (id, email) VALUES (100000, 'x')" },
  { id: 'insert-select', setup: ORDERS, sql: 'INSERT INTO orders (id, user_id, total) SELECT id + 100000, id, 0 FROM users' },
  { id: 'select', setup: USERS, sql: 'SELECT count(*) FROM users' },
  {
    id: 'do-block-foreign-key-already-there',
    setup: FK,
    sql: 'DO $$ BEGIN ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id); EXCEPTION WHEN duplicate_object THEN null; END $$',
  },
  {
    id: 'do-block-enum-already-there',
    setup: ENUM,
    sql: "DO $$ BEGIN CREATE TYPE mood AS ENUM ('sad', 'ok'); EXCEPTION WHEN duplicate_object THEN null; END $$",
  },
  {
    id: 'do-block-foreign-key',
    setup: ORDERS,
    sql: 'DO $$ BEGIN ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id); EXCEPTION WHEN duplicate_object THEN null; END $$',
  },
  // remaining ALTER TABLE subcommands
  { id: 'set-tablespace-same', setup: USERS, sql: 'ALTER TABLE users SET TABLESPACE pg_default' },
  { id: 'owner-to', setup: USERS, sql: 'ALTER TABLE users OWNER TO CURRENT_USER' },
  { id: 'alter-constraint-deferrable', setup: FK, sql: 'ALTER TABLE orders ALTER CONSTRAINT orders_user_fk DEFERRABLE' },
  { id: 'set-without-cluster', setup: USERS, sql: 'ALTER TABLE users SET WITHOUT CLUSTER' },
  { id: 'set-without-oids', setup: USERS, sql: 'ALTER TABLE users SET WITHOUT OIDS' },
  { id: 'reset-fillfactor', setup: USERS, sql: 'ALTER TABLE users RESET (fillfactor)' },
  { id: 'column-set-options', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN age SET (n_distinct = 100)' },
  { id: 'column-reset-options', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN age RESET (n_distinct)' },
  { id: 'set-compression', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN bio SET COMPRESSION pglz', minVersion: 14 },
  { id: 'disable-rls', setup: USERS, sql: 'ALTER TABLE users DISABLE ROW LEVEL SECURITY' },
  { id: 'force-rls', setup: USERS, sql: 'ALTER TABLE users FORCE ROW LEVEL SECURITY' },
  { id: 'no-force-rls', setup: USERS, sql: 'ALTER TABLE users NO FORCE ROW LEVEL SECURITY' },
  { id: 'enable-trigger', setup: TRIGGERS, sql: 'ALTER TABLE users ENABLE TRIGGER t' },
  { id: 'enable-always-trigger', setup: TRIGGERS, sql: 'ALTER TABLE users ENABLE ALWAYS TRIGGER t' },
  { id: 'enable-replica-trigger', setup: TRIGGERS, sql: 'ALTER TABLE users ENABLE REPLICA TRIGGER t' },
  { id: 'enable-trigger-all', setup: TRIGGERS, sql: 'ALTER TABLE users ENABLE TRIGGER ALL' },
  { id: 'disable-trigger-all', setup: TRIGGERS, sql: 'ALTER TABLE users DISABLE TRIGGER ALL' },
  { id: 'enable-trigger-user', setup: TRIGGERS, sql: 'ALTER TABLE users ENABLE TRIGGER USER' },
  { id: 'disable-trigger-user', setup: TRIGGERS, sql: 'ALTER TABLE users DISABLE TRIGGER USER' },
  { id: 'enable-rule', setup: RULE, sql: 'ALTER TABLE users ENABLE RULE users_no_delete' },
  { id: 'enable-always-rule', setup: RULE, sql: 'ALTER TABLE users ENABLE ALWAYS RULE users_no_delete' },
  { id: 'enable-replica-rule', setup: RULE, sql: 'ALTER TABLE users ENABLE REPLICA RULE users_no_delete' },
  { id: 'disable-rule', setup: RULE, sql: 'ALTER TABLE users DISABLE RULE users_no_delete' },
  { id: 'inherit', setup: INHERITANCE, sql: 'ALTER TABLE child INHERIT base' },
  { id: 'no-inherit', setup: INHERITANCE, sql: 'ALTER TABLE heir NO INHERIT base' },
  { id: 'of-type', setup: MISC, sql: 'ALTER TABLE typed OF comp' },
  { id: 'not-of-type', setup: `${MISC}\nALTER TABLE typed OF comp;`, sql: 'ALTER TABLE typed NOT OF' },
  { id: 'create-foreign-table', setup: FOREIGN, sql: 'CREATE FOREIGN TABLE remote_orders (id bigint, total int) SERVER s' },
  { id: 'create-foreign-table-same-column-twice-fails', setup: FOREIGN, sql: 'CREATE FOREIGN TABLE remote_orders (id bigint, id int) SERVER s', fails: true },
  {
    id: 'create-foreign-partition-with-default',
    setup: `${PARTITIONED_WITH_DEFAULT}\nCREATE FOREIGN DATA WRAPPER w;\nCREATE SERVER s FOREIGN DATA WRAPPER w;`,
    sql: "CREATE FOREIGN TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') SERVER s",
  },
  { id: 'foreign-table-options', setup: FOREIGN, sql: "ALTER FOREIGN TABLE remote_users OPTIONS (ADD schema_name 'public')" },
  { id: 'foreign-column-options', setup: FOREIGN, sql: "ALTER FOREIGN TABLE remote_users ALTER COLUMN name OPTIONS (ADD column_name 'full_name')" },
  {
    id: 'drop-expression',
    setup: `${USERS}\nALTER TABLE users ADD COLUMN twice int GENERATED ALWAYS AS (age * 2) STORED;`,
    sql: 'ALTER TABLE users ALTER COLUMN twice DROP EXPRESSION',
    minVersion: 13,
  },
  {
    id: 'set-expression',
    setup: `${USERS}\nALTER TABLE users ADD COLUMN twice int GENERATED ALWAYS AS (age * 2) STORED;`,
    sql: 'ALTER TABLE users ALTER COLUMN twice SET EXPRESSION AS (age * 3)',
    minVersion: 17,
  },
  {
    id: 'set-identity',
    setup: `${USERS}\nALTER TABLE users ADD COLUMN n bigint GENERATED BY DEFAULT AS IDENTITY;`,
    sql: 'ALTER TABLE users ALTER COLUMN n SET INCREMENT BY 2',
  },
  {
    id: 'drop-identity',
    setup: `${USERS}\nALTER TABLE users ADD COLUMN n bigint GENERATED BY DEFAULT AS IDENTITY;`,
    sql: 'ALTER TABLE users ALTER COLUMN n DROP IDENTITY',
  },
  { id: 'add-not-null-constraint-not-valid', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT name_nn NOT NULL name NOT VALID', minVersion: 18 },
  // remaining statement kinds
  {
    id: 'alter-index-attach-partition',
    setup: `${PARTITIONED}\nCREATE INDEX events_at_idx ON ONLY events (at);\nCREATE INDEX events_2024_at_idx ON events_2024 (at);`,
    sql: 'ALTER INDEX events_at_idx ATTACH PARTITION events_2024_at_idx',
  },
  { id: 'set-schema', setup: MISC, sql: 'ALTER TABLE users SET SCHEMA app' },
  { id: 'create-rule', setup: USERS, sql: 'CREATE RULE users_no_delete AS ON DELETE TO users DO INSTEAD NOTHING' },
  { id: 'alter-policy', setup: MISC, sql: 'ALTER POLICY pol ON users USING (id > 0)' },
  { id: 'drop-policy', setup: MISC, sql: 'DROP POLICY pol ON users' },
  { id: 'drop-trigger', setup: TRIGGERS, sql: 'DROP TRIGGER t ON users' },
  { id: 'explain', setup: USERS, sql: 'EXPLAIN SELECT * FROM users' },
  { id: 'explain-analyze-update', setup: USERS, sql: "EXPLAIN ANALYZE UPDATE users SET bio = 'x'" },
  { id: 'explain-analyze-false-update', setup: USERS, sql: "EXPLAIN (ANALYZE false) UPDATE users SET bio = 'x'" },
  // PostgreSQL 12 releases COPY TO's AccessShareLock when the statement ends, before pg_locks can be read
  { id: 'copy-to-file', setup: USERS, sql: "COPY users TO '/dev/null'", serverOnly: true, minVersion: 13 },
  { id: 'merge', setup: ORDERS, sql: "MERGE INTO orders o USING users u ON o.id = u.id WHEN MATCHED THEN UPDATE SET note = 'x'", minVersion: 15 },
  // a column named twice: refused before anything runs
  {
    id: 'merge-update-same-column-twice-fails',
    setup: ORDERS,
    sql: "MERGE INTO orders o USING users u ON o.id = u.id WHEN MATCHED THEN UPDATE SET note = 'x', note = 'y'",
    minVersion: 15,
    fails: true,
  },
  {
    id: 'merge-insert-same-column-twice-fails',
    setup: ORDERS,
    sql: 'MERGE INTO orders o USING users u ON o.id = u.id WHEN NOT MATCHED THEN INSERT (id, total, total) VALUES (u.id, 1, 2)',
    minVersion: 15,
    fails: true,
  },
  { id: 'create-view-same-alias-twice-fails', setup: USERS, sql: 'CREATE VIEW v (a, a) AS SELECT id, name FROM users', fails: true },
  { id: 'create-view-same-name-twice-fails', setup: USERS, sql: 'CREATE VIEW v AS SELECT id, name AS id FROM users', fails: true },
  { id: 'create-view-inferred-names-clash-fails', setup: USERS, sql: 'CREATE VIEW v AS SELECT 1, 2', fails: true },
  { id: 'create-view-star-join-fails', setup: ORDERS, sql: 'CREATE VIEW v AS SELECT * FROM users JOIN orders ON orders.user_id = users.id', fails: true },
  {
    id: 'create-view-star-join-using',
    setup: `${USERS}\nCREATE TABLE profiles (id bigint, bio2 text);`,
    sql: 'CREATE VIEW v AS SELECT * FROM users JOIN profiles USING (id)',
  },
  { id: 'create-materialized-view-same-name-twice-fails', setup: USERS, sql: 'CREATE MATERIALIZED VIEW mv AS SELECT id, age AS id FROM users', fails: true },
  { id: 'create-table-as-same-name-twice-fails', setup: USERS, sql: 'CREATE TABLE copy (a, a) AS SELECT id, name FROM users', fails: true },
  { id: 'select-into-same-name-twice-fails', setup: USERS, sql: 'SELECT id, name AS id INTO copy FROM users', fails: true },
  { id: 'select-into', setup: USERS, sql: 'SELECT id, name INTO copy FROM users' },
  { id: 'select-for-update', setup: USERS, sql: 'SELECT * FROM users WHERE id = 1 FOR UPDATE' },
  { id: 'create-table-as', setup: USERS, sql: 'CREATE TABLE copy AS SELECT * FROM users' },
  { id: 'create-table-inherits', setup: USERS, sql: 'CREATE TABLE vip (level int) INHERITS (users)' },
  { id: 'truncate-partitioned', setup: PARTITIONED, sql: 'TRUNCATE events' },
  { id: 'refresh-materialized-view-no-data', setup: MATVIEW, sql: 'REFRESH MATERIALIZED VIEW user_ages WITH NO DATA' },
  { id: 'drop-schema-cascade', setup: `${MISC}\nCREATE TABLE app.things (id int);`, sql: 'DROP SCHEMA app CASCADE' },
  { id: 'reindex-partitioned-table', setup: `${PARTITIONED}\nCREATE INDEX events_at_idx ON events (at);`, sql: 'REINDEX TABLE events', minVersion: 14 },
  { id: 'create-domain', setup: USERS, sql: 'CREATE DOMAIN email AS text' },
  { id: 'alter-domain-add-check', setup: MISC, sql: 'ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)' },
  { id: 'alter-domain-add-check-not-valid', setup: MISC, sql: 'ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID' },
  {
    id: 'alter-domain-validate',
    setup: `${MISC}\nALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;`,
    sql: 'ALTER DOMAIN positive VALIDATE CONSTRAINT positive_check',
  },
  { id: 'alter-domain-set-not-null', setup: `${MISC}\nUPDATE users SET score = 1;`, sql: 'ALTER DOMAIN positive SET NOT NULL' },
  {
    id: 'alter-domain-drop-not-null',
    setup: `${MISC}\nUPDATE users SET score = 1;\nALTER DOMAIN positive SET NOT NULL;`,
    sql: 'ALTER DOMAIN positive DROP NOT NULL',
  },
  // a domain over the domain: its columns are checked too
  {
    id: 'alter-domain-add-check-sub-domain',
    setup: `${MISC}\nCREATE DOMAIN small_positive AS positive;\nCREATE TABLE orders (id bigint, qty small_positive);\nINSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;`,
    sql: 'ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)',
  },
  {
    id: 'alter-domain-validate-sub-domain',
    setup: `${MISC}\nCREATE DOMAIN small_positive AS positive;\nCREATE TABLE orders (id bigint, qty small_positive);\nINSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;\nALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;`,
    sql: 'ALTER DOMAIN positive VALIDATE CONSTRAINT positive_check',
  },
  // PostgreSQL cannot check values inside an array or a composite of the domain: it refuses
  {
    id: 'alter-domain-add-check-array-column-fails',
    setup: `${MISC}\nALTER TABLE users ADD COLUMN scores positive[];`,
    sql: 'ALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0)',
    fails: true,
  },
  {
    id: 'alter-domain-validate-array-column-fails',
    setup: `${MISC}\nALTER TABLE users ADD COLUMN scores positive[];\nALTER DOMAIN positive ADD CONSTRAINT positive_check CHECK (VALUE > 0) NOT VALID;`,
    sql: 'ALTER DOMAIN positive VALIDATE CONSTRAINT positive_check',
    fails: true,
  },
  { id: 'create-composite-type', setup: USERS, sql: 'CREATE TYPE pair AS (a int, b int)' },
  { id: 'create-range-type', setup: USERS, sql: 'CREATE TYPE intr AS RANGE (subtype = int4)' },
  { id: 'alter-sequence', setup: MISC, sql: 'ALTER SEQUENCE s RESTART WITH 10' },
  { id: 'create-extension', setup: USERS, sql: 'CREATE EXTENSION IF NOT EXISTS plpgsql' },
  { id: 'alter-extension', setup: USERS, sql: 'ALTER EXTENSION plpgsql UPDATE' },
  { id: 'set-search-path', setup: USERS, sql: 'SET search_path = public' },
  { id: 'show', setup: USERS, sql: 'SHOW TimeZone' },
  { id: 'create-role', setup: USERS, sql: 'CREATE ROLE dbtool_probe_role' },
  { id: 'alter-role', setup: USERS, sql: 'ALTER ROLE CURRENT_USER WITH CONNECTION LIMIT -1' },
  { id: 'alter-role-set', setup: USERS, sql: "ALTER ROLE CURRENT_USER SET work_mem = '8MB'" },
  { id: 'drop-role', setup: USERS, sql: 'DROP ROLE IF EXISTS dbtool_absent_role' },
  { id: 'grant-role', setup: USERS, sql: 'GRANT pg_monitor TO CURRENT_USER' },
  { id: 'alter-default-privileges', setup: USERS, sql: 'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC' },
  { id: 'create-cast', setup: ENUM, sql: 'CREATE CAST (int8 AS mood) WITH INOUT' },
  {
    id: 'create-operator-class',
    setup: USERS,
    sql: 'CREATE OPERATOR CLASS int4_ops_copy FOR TYPE int4 USING btree AS OPERATOR 1 <, OPERATOR 2 <=, OPERATOR 3 =, OPERATOR 4 >=, OPERATOR 5 >, FUNCTION 1 btint4cmp(int4, int4)',
  },
  { id: 'create-operator', setup: USERS, sql: 'CREATE OPERATOR ~~~ (LEFTARG = int4, RIGHTARG = int4, FUNCTION = int4eq)' },
  { id: 'alter-function', setup: MISC, sql: 'ALTER FUNCTION f() STABLE' },
  {
    id: 'create-event-trigger',
    setup: `${USERS}\nCREATE FUNCTION evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;`,
    sql: 'CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION evt()',
    serverOnly: true,
  },
  {
    id: 'alter-event-trigger',
    setup: `${USERS}\nCREATE FUNCTION evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;\nCREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION evt();`,
    sql: 'ALTER EVENT TRIGGER et DISABLE',
    serverOnly: true,
  },
  { id: 'create-conversion', setup: USERS, sql: "CREATE CONVERSION conv FOR 'UTF8' TO 'LATIN1' FROM utf8_to_iso8859_1", serverOnly: true },
  { id: 'alter-owner', setup: MISC, sql: 'ALTER FUNCTION f() OWNER TO CURRENT_USER' },
  { id: 'create-fdw', setup: USERS, sql: 'CREATE FOREIGN DATA WRAPPER w2' },
  { id: 'create-server', setup: FOREIGN, sql: 'CREATE SERVER s2 FOREIGN DATA WRAPPER w' },
  { id: 'create-user-mapping', setup: FOREIGN, sql: 'CREATE USER MAPPING FOR CURRENT_USER SERVER s' },
  { id: 'create-publication', setup: USERS, sql: 'CREATE PUBLICATION pub FOR TABLE users', serverOnly: true },
  { id: 'alter-publication', setup: `${ORDERS}\nCREATE PUBLICATION pub FOR TABLE users;`, sql: 'ALTER PUBLICATION pub ADD TABLE orders', serverOnly: true },
  { id: 'create-statistics', setup: USERS, sql: 'CREATE STATISTICS users_age_name ON age, name FROM users' },
  { id: 'alter-statistics', setup: MISC, sql: 'ALTER STATISTICS users_stats SET STATISTICS 100', minVersion: 13 },
  { id: 'notify', setup: USERS, sql: "NOTIFY dbtool_channel, 'hi'" },
  { id: 'listen', setup: USERS, sql: 'LISTEN dbtool_channel', serverOnly: true },
  { id: 'call', setup: MISC, sql: 'CALL p()' },
  { id: 'prepare', setup: USERS, sql: 'PREPARE q AS SELECT 1' },
  { id: 'deallocate', setup: USERS, sql: 'DEALLOCATE ALL' },
  { id: 'checkpoint', setup: USERS, sql: 'CHECKPOINT' },
  { id: 'discard-plans', setup: USERS, sql: 'DISCARD PLANS' },
  { id: 'discard-all', setup: USERS, sql: 'DISCARD ALL' },
  { id: 'alter-collation', setup: MISC, sql: 'ALTER COLLATION coll REFRESH VERSION' },
  { id: 'create-language', setup: USERS, sql: 'CREATE OR REPLACE LANGUAGE plpgsql' },
  { id: 'alter-ts-dictionary', setup: MISC, sql: 'ALTER TEXT SEARCH DICTIONARY dict (Accept = false)' },
  { id: 'alter-ts-configuration', setup: MISC, sql: 'ALTER TEXT SEARCH CONFIGURATION cfg DROP MAPPING IF EXISTS FOR word' },
  { id: 'alter-operator', setup: MISC, sql: 'ALTER OPERATOR === (int4, int4) SET (RESTRICT = eqsel)' },
  { id: 'alter-function-depends', setup: MISC, sql: 'ALTER FUNCTION f() DEPENDS ON EXTENSION plpgsql' },
  { id: 'alter-database-set', setup: USERS, sql: "ALTER DATABASE postgres SET work_mem = '8MB'", serverOnly: true },
  { id: 'alter-database', setup: USERS, sql: 'ALTER DATABASE postgres WITH CONNECTION LIMIT 100', serverOnly: true },
  { id: 'alter-database-refresh-collation', setup: USERS, sql: 'ALTER DATABASE postgres REFRESH COLLATION VERSION', minVersion: 15, serverOnly: true },
  { id: 'set-constraints', setup: USERS, sql: 'SET CONSTRAINTS ALL DEFERRED' },
  { id: 'create-database', setup: USERS, sql: 'CREATE DATABASE dbtool_probe_db', serverOnly: true },
  { id: 'drop-database', setup: USERS, sql: 'DROP DATABASE IF EXISTS dbtool_absent_db', serverOnly: true },
  { id: 'alter-system', setup: USERS, sql: "ALTER SYSTEM SET work_mem = '4MB'", serverOnly: true },
  { id: 'drop-tablespace', setup: USERS, sql: 'DROP TABLESPACE IF EXISTS dbtool_absent_ts', serverOnly: true },
  // {{tablespace_dir}}: an empty directory the server user owns, made by the test
  { id: 'create-tablespace', setup: USERS, sql: "CREATE TABLESPACE dbtool_ts LOCATION '{{tablespace_dir}}'", serverOnly: true },
  ...dependencyCases({ USERS, ORDERS, FK, FK_TO_PRIMARY_KEY, VIEW, ENUM, TRIGGERS, INHERITANCE, MISC }),
  {
    id: 'create-subscription-without-connecting',
    setup: USERS,
    sql: "CREATE SUBSCRIPTION dbtool_sub CONNECTION 'host=127.0.0.1 dbname=none' PUBLICATION pub WITH (connect = false)",
    serverOnly: true,
  },
];
