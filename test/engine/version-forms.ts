/**
 * Statement forms a PostgreSQL major introduced, gathered from the release notes of 13–18. Each runs on
 * every major 12–18 (scripts/version-syntax.mjs, test/engine/version-forms.test.ts): majors before `since`
 * must reject it and the reviewer must say so for them; `since` and later must accept it without that finding.
 */
export interface VersionForm {
  id: string;
  /** builds the schema the statement needs (runs on every major, so only PostgreSQL 12 syntax) */
  setup: string;
  sql: string;
  /** the first major that accepts the statement (12: every major does, and the reviewer must not say otherwise) */
  since: number;
  /** needs something PGlite does not ship (contrib extensions) */
  serverOnly?: boolean;
  /** from `since` on the statement still fails, for a reason that is not the version (this SQLSTATE) */
  laterError?: string;
  /** why the reviewer cannot tell this form from an older one in the parse tree (it is then only reported) */
  staticallyBlind?: string;
}

const USERS = `
CREATE TABLE users (id bigint PRIMARY KEY, email text, name text, age int, bio text, doc jsonb, during tstzrange);
INSERT INTO users SELECT g, 'u' || g, 'n' || g, g % 90, NULL, jsonb_build_object('a', g), NULL FROM generate_series(1, 50) g;`;

const ORDERS = `${USERS}
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total int);
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 50) g;`;

const GENERATED = `${USERS}
ALTER TABLE users ADD COLUMN twice int GENERATED ALWAYS AS (age * 2) STORED;`;

const PARTITIONED = `
CREATE TABLE events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_at_idx ON events (at);`;

const TRIGGER = `${USERS}
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;`;

const VIEW = `${USERS}
CREATE VIEW user_emails AS SELECT id, email FROM users;`;

const FOREIGN = `${USERS}
CREATE FOREIGN DATA WRAPPER w;
CREATE SERVER s FOREIGN DATA WRAPPER w;
CREATE FOREIGN TABLE remote_users (id bigint, name text) SERVER s;`;

const MATVIEW = `${USERS}
CREATE MATERIALIZED VIEW user_ages AS SELECT age, count(*) AS n FROM users GROUP BY age;`;

const FUNCTION = `${USERS}
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;`;

const STATS = `${USERS}
CREATE STATISTICS users_stats ON age, name FROM users;`;

const CURATED_FORMS: VersionForm[] = [
  // PostgreSQL 13
  { id: 'drop-expression', setup: GENERATED, sql: 'ALTER TABLE users ALTER COLUMN twice DROP EXPRESSION', since: 13 },
  { id: 'gen-random-uuid-default', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()', since: 13 },
  { id: 'gen-random-uuid-create-table', setup: USERS, sql: 'CREATE TABLE sessions (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id bigint)', since: 13 },
  { id: 'fetch-first-with-ties', setup: USERS, sql: 'SELECT * FROM users ORDER BY age FETCH FIRST 3 ROWS WITH TIES', since: 13 },
  { id: 'alter-type-set', setup: USERS, sql: 'ALTER TYPE int4 SET (STORAGE = plain)', since: 13 },
  { id: 'alter-statistics-set-statistics', setup: STATS, sql: 'ALTER STATISTICS users_stats SET STATISTICS 100', since: 13 },
  { id: 'alter-view-rename-column', setup: VIEW, sql: 'ALTER VIEW user_emails RENAME COLUMN email TO mail', since: 13 },
  { id: 'vacuum-parallel', setup: USERS, sql: 'VACUUM (PARALLEL 2) users', since: 13 },
  { id: 'drop-database-force', setup: USERS, sql: 'DROP DATABASE IF EXISTS dbtool_absent_db WITH (FORCE)', since: 13, serverOnly: true },
  { id: 'explain-wal', setup: USERS, sql: 'EXPLAIN (ANALYZE, WAL) SELECT * FROM users', since: 13 },
  {
    id: 'index-opclass-parameters',
    setup: USERS,
    sql: "CREATE INDEX users_bio_idx ON users USING gist (to_tsvector('simple', coalesce(bio, '')) tsvector_ops (siglen = 100))",
    since: 13,
  },
  { id: 'no-depends-on-extension', setup: FUNCTION, sql: 'ALTER FUNCTION f() NO DEPENDS ON EXTENSION plpgsql', since: 13 },
  {
    id: 'before-row-trigger-on-partitioned',
    setup: `${PARTITIONED}\nCREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;`,
    sql: 'CREATE TRIGGER t BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION noop()',
    since: 13,
  },
  { id: 'xid8-type', setup: USERS, sql: 'CREATE TABLE txs (x xid8)', since: 13 },
  // PostgreSQL 14
  { id: 'set-compression', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN bio SET COMPRESSION pglz', since: 14 },
  { id: 'column-compression', setup: USERS, sql: 'CREATE TABLE notes (body text COMPRESSION pglz)', since: 14 },
  {
    id: 'create-or-replace-trigger',
    setup: TRIGGER,
    sql: 'CREATE OR REPLACE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION noop()',
    since: 14,
  },
  { id: 'detach-partition-concurrently', setup: PARTITIONED, sql: 'ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY', since: 14 },
  {
    id: 'reindex-concurrently-option',
    setup: USERS,
    sql: 'REINDEX (CONCURRENTLY) TABLE users',
    since: 14,
    staticallyBlind: 'the parser gives (CONCURRENTLY) and the PG 12 keyword form TABLE CONCURRENTLY the same valueless option',
  },
  { id: 'reindex-concurrently-option-with-value', setup: USERS, sql: 'REINDEX (CONCURRENTLY true) TABLE users', since: 14 },
  { id: 'reindex-tablespace-option', setup: USERS, sql: 'REINDEX (TABLESPACE pg_default) TABLE users', since: 14 },
  // 12 and 13 skip a partitioned table with a warning: not an error
  { id: 'reindex-partitioned', setup: PARTITIONED, sql: 'REINDEX TABLE events', since: 12 },
  { id: 'reindex-partitioned-index', setup: PARTITIONED, sql: 'REINDEX INDEX events_at_idx', since: 14 },
  { id: 'detach-partition-finalize', setup: PARTITIONED, sql: 'ALTER TABLE events DETACH PARTITION events_2024 FINALIZE', since: 14, laterError: '55000' },
  { id: 'statistics-on-expressions', setup: USERS, sql: 'CREATE STATISTICS users_lower ON (lower(name)), age FROM users', since: 14 },
  { id: 'multirange-type', setup: USERS, sql: 'CREATE TABLE busy (slots int4multirange)', since: 14 },
  { id: 'multirange-constructor', setup: USERS, sql: 'SELECT int4multirange(int4range(1, 3), int4range(5, 8))', since: 14 },
  { id: 'range-agg', setup: USERS, sql: 'SELECT range_agg(during) FROM users', since: 14 },
  {
    id: 'range-multirange-type-name',
    setup: USERS,
    sql: 'CREATE TYPE floatrange AS RANGE (subtype = float8, multirange_type_name = floatmultirange)',
    since: 14,
  },
  {
    id: 'cte-search',
    setup: USERS,
    sql: 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SEARCH DEPTH FIRST BY n SET ord SELECT * FROM t',
    since: 14,
  },
  {
    id: 'cte-cycle',
    setup: USERS,
    sql: 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) CYCLE n SET seen USING path SELECT * FROM t',
    since: 14,
  },
  {
    id: 'sql-function-begin-atomic',
    setup: USERS,
    sql: 'CREATE FUNCTION adults() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM users WHERE age >= 18; END',
    since: 14,
  },
  {
    id: 'procedure-out-parameter',
    setup: USERS,
    sql: 'CREATE PROCEDURE count_users(OUT n bigint) LANGUAGE sql AS $$ SELECT count(*) FROM users $$',
    since: 14,
  },
  { id: 'group-by-distinct', setup: USERS, sql: 'SELECT age, name, count(*) FROM users GROUP BY DISTINCT ROLLUP (age, name), ROLLUP (age)', since: 14 },
  { id: 'join-using-alias', setup: ORDERS, sql: 'SELECT j.id FROM users JOIN orders USING (id) AS j', since: 14 },
  { id: 'vacuum-process-toast', setup: USERS, sql: 'VACUUM (PROCESS_TOAST false) users', since: 14 },
  { id: 'like-including-compression', setup: USERS, sql: 'CREATE TABLE users_copy (LIKE users INCLUDING COMPRESSION)', since: 14 },
  {
    id: 'truncate-foreign-table',
    setup: FOREIGN,
    sql: 'TRUNCATE remote_users',
    since: 14,
    laterError: '55000',
    staticallyBlind: 'the schema history does not replay CREATE FOREIGN TABLE into the catalog, so the target is not known to be a foreign table',
  },
  {
    id: 'alter-subscription-add-publication',
    setup: `${USERS}\nCREATE SUBSCRIPTION dbtool_sub CONNECTION 'host=127.0.0.1 dbname=none' PUBLICATION pub WITH (connect = false);`,
    sql: 'ALTER SUBSCRIPTION dbtool_sub ADD PUBLICATION pub2 WITH (refresh = false)',
    since: 14,
    serverOnly: true,
  },
  { id: 'role-pg-read-all-data', setup: USERS, sql: 'GRANT pg_read_all_data TO CURRENT_USER', since: 14 },
  { id: 'role-pg-write-all-data', setup: USERS, sql: 'GRANT pg_write_all_data TO CURRENT_USER', since: 14 },
  { id: 'jsonb-subscript-literal', setup: USERS, sql: "SELECT ('{\"a\": 1}'::jsonb)['a']", since: 14 },
  {
    id: 'jsonb-subscript-column',
    setup: USERS,
    sql: "SELECT doc['a'] FROM users",
    since: 14,
    staticallyBlind: 'the subscripted value is a column: knowing it is jsonb needs the expression typed, which dbtool does not do',
  },
  {
    id: 'bytea-ltrim',
    setup: USERS,
    sql: "SELECT ltrim('\\x0001'::bytea, '\\x00'::bytea)",
    since: 14,
    staticallyBlind: 'a new overload of an old function: which one is called depends on the argument types',
  },
  // PostgreSQL 15
  { id: 'merge', setup: ORDERS, sql: 'MERGE INTO orders o USING users u ON o.id = u.id WHEN MATCHED THEN UPDATE SET total = 0', since: 15 },
  { id: 'unique-nulls-not-distinct', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE NULLS NOT DISTINCT (email)', since: 15 },
  { id: 'unique-index-nulls-not-distinct', setup: USERS, sql: 'CREATE UNIQUE INDEX users_email_idx ON users (email) NULLS NOT DISTINCT', since: 15 },
  { id: 'create-table-nulls-not-distinct', setup: USERS, sql: 'CREATE TABLE tags (name text UNIQUE NULLS NOT DISTINCT)', since: 15 },
  { id: 'set-access-method', setup: USERS, sql: 'ALTER TABLE users SET ACCESS METHOD heap', since: 15 },
  { id: 'security-invoker-view', setup: USERS, sql: 'CREATE VIEW adults WITH (security_invoker = true) AS SELECT * FROM users WHERE age >= 18', since: 15 },
  { id: 'security-invoker-alter-view', setup: VIEW, sql: 'ALTER VIEW user_emails SET (security_invoker = on)', since: 15 },
  { id: 'cluster-partitioned', setup: PARTITIONED, sql: 'CLUSTER events USING events_at_idx', since: 15 },
  {
    id: 'foreign-key-set-null-columns',
    setup: ORDERS,
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL (user_id)',
    since: 15,
  },
  { id: 'publication-tables-in-schema', setup: USERS, sql: 'CREATE PUBLICATION pub FOR TABLES IN SCHEMA public', since: 15, serverOnly: true },
  { id: 'publication-row-filter', setup: USERS, sql: 'CREATE PUBLICATION pub FOR TABLE users WHERE (age > 18)', since: 15, serverOnly: true },
  { id: 'publication-column-list', setup: USERS, sql: 'CREATE PUBLICATION pub FOR TABLE users (id, email)', since: 15, serverOnly: true },
  { id: 'unlogged-sequence', setup: USERS, sql: 'CREATE UNLOGGED SEQUENCE counter', since: 15 },
  { id: 'alter-sequence-set-unlogged', setup: `${USERS}\nCREATE SEQUENCE counter;`, sql: 'ALTER SEQUENCE counter SET UNLOGGED', since: 15 },
  { id: 'create-database-oid', setup: USERS, sql: 'CREATE DATABASE dbtool_probe_db OID 70000', since: 15, serverOnly: true },
  { id: 'create-database-locale-provider', setup: USERS, sql: 'CREATE DATABASE dbtool_probe_db LOCALE_PROVIDER libc', since: 15, serverOnly: true },
  { id: 'alter-database-refresh-collation', setup: USERS, sql: 'ALTER DATABASE postgres REFRESH COLLATION VERSION', since: 15, serverOnly: true },
  { id: 'grant-set-on-parameter', setup: USERS, sql: 'GRANT SET ON PARAMETER work_mem TO PUBLIC', since: 15, serverOnly: true },
  { id: 'create-database-strategy', setup: USERS, sql: 'CREATE DATABASE dbtool_probe_db STRATEGY file_copy', since: 15, serverOnly: true },
  {
    id: 'copy-header-match',
    setup: USERS,
    sql: "COPY users FROM '/dev/null' WITH (FORMAT csv, HEADER match)",
    since: 15,
    serverOnly: true,
    laterError: '22P04',
  },
  { id: 'role-pg-checkpoint', setup: USERS, sql: 'GRANT pg_checkpoint TO CURRENT_USER', since: 15 },
  // PostgreSQL 16
  { id: 'any-value', setup: USERS, sql: 'SELECT age, any_value(name) FROM users GROUP BY age', since: 16 },
  { id: 'json-object', setup: USERS, sql: "SELECT json_object('id': id, 'email': email) FROM users", since: 16 },
  { id: 'json-array', setup: USERS, sql: 'SELECT json_array(id, email) FROM users', since: 16 },
  { id: 'json-arrayagg', setup: USERS, sql: 'SELECT json_arrayagg(email ORDER BY id) FROM users', since: 16 },
  { id: 'json-objectagg', setup: USERS, sql: 'SELECT json_objectagg(email: id) FROM users', since: 16 },
  { id: 'is-json', setup: USERS, sql: 'SELECT bio IS JSON OBJECT FROM users', since: 16 },
  { id: 'is-json-check', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT bio_is_json CHECK (bio IS JSON)', since: 16 },
  { id: 'reindex-database-no-name', setup: USERS, sql: 'REINDEX DATABASE', since: 16 },
  { id: 'subquery-without-alias', setup: USERS, sql: 'SELECT * FROM (SELECT id FROM users)', since: 16 },
  { id: 'column-storage-in-create-table', setup: USERS, sql: 'CREATE TABLE notes (body text STORAGE EXTERNAL)', since: 16 },
  { id: 'create-statistics-without-name', setup: USERS, sql: 'CREATE STATISTICS ON age, name FROM users', since: 16 },
  { id: 'explain-generic-plan', setup: USERS, sql: 'EXPLAIN (GENERIC_PLAN) SELECT * FROM users WHERE id = 1', since: 16 },
  { id: 'vacuum-skip-database-stats', setup: USERS, sql: 'VACUUM (SKIP_DATABASE_STATS) users', since: 16 },
  { id: 'vacuum-only-database-stats', setup: USERS, sql: 'VACUUM (ONLY_DATABASE_STATS)', since: 16 },
  { id: 'vacuum-process-main', setup: USERS, sql: 'VACUUM (PROCESS_MAIN false) users', since: 16 },
  { id: 'json-array-query', setup: USERS, sql: 'SELECT JSON_ARRAY(SELECT id FROM users)', since: 16 },
  { id: 'copy-default', setup: USERS, sql: "COPY users FROM '/dev/null' WITH (FORMAT csv, DEFAULT 'x')", since: 16, serverOnly: true },
  { id: 'vacuum-buffer-usage-limit', setup: USERS, sql: "VACUUM (BUFFER_USAGE_LIMIT '256kB') users", since: 16 },
  { id: 'grant-role-with-inherit', setup: USERS, sql: 'GRANT pg_monitor TO CURRENT_USER WITH INHERIT TRUE', since: 16 },
  { id: 'role-pg-create-subscription', setup: USERS, sql: 'GRANT pg_create_subscription TO CURRENT_USER', since: 16 },
  { id: 'role-pg-use-reserved-connections', setup: USERS, sql: 'GRANT pg_use_reserved_connections TO CURRENT_USER', since: 16 },
  // 12–14 read 0x1F as 0 AS x1F (accepted without an alias, with another meaning), 15 calls it trailing junk
  {
    id: 'hex-integer-literal',
    setup: USERS,
    sql: 'SELECT 0x1F AS v',
    since: 16,
    staticallyBlind: 'the parse tree keeps the value of a numeric literal, not its spelling',
  },
  {
    id: 'underscore-numeric-literal',
    setup: USERS,
    sql: 'SELECT 1_000 AS v',
    since: 16,
    staticallyBlind: 'the parse tree keeps the value of a numeric literal, not its spelling',
  },
  // PostgreSQL 17
  { id: 'json-table', setup: USERS, sql: "SELECT * FROM users, JSON_TABLE(doc, '$' COLUMNS (a int PATH '$.a')) AS jt", since: 17 },
  { id: 'json-value', setup: USERS, sql: "SELECT JSON_VALUE(doc, '$.a' RETURNING int) FROM users", since: 17 },
  { id: 'json-query', setup: USERS, sql: "SELECT JSON_QUERY(doc, '$.a') FROM users", since: 17 },
  { id: 'json-exists', setup: USERS, sql: "SELECT JSON_EXISTS(doc, '$.a') FROM users", since: 17 },
  // older majors read JSON('…') as a cast to json
  { id: 'json-constructor', setup: USERS, sql: 'SELECT JSON(\'{"a": 1}\')', since: 12 },
  { id: 'json-constructor-unique-keys', setup: USERS, sql: 'SELECT JSON(\'{"a": 1}\' WITH UNIQUE KEYS)', since: 17 },
  { id: 'json-scalar', setup: USERS, sql: 'SELECT JSON_SCALAR(id) FROM users', since: 17 },
  { id: 'json-serialize', setup: USERS, sql: 'SELECT JSON_SERIALIZE(doc) FROM users', since: 17 },
  { id: 'set-expression', setup: GENERATED, sql: 'ALTER TABLE users ALTER COLUMN twice SET EXPRESSION AS (age * 3)', since: 17 },
  {
    id: 'merge-not-matched-by-source',
    setup: ORDERS,
    sql: 'MERGE INTO orders o USING users u ON o.id = u.id WHEN NOT MATCHED BY SOURCE THEN DELETE',
    since: 17,
  },
  {
    id: 'merge-returning',
    setup: ORDERS,
    sql: 'MERGE INTO orders o USING users u ON o.id = u.id WHEN MATCHED THEN UPDATE SET total = 0 RETURNING merge_action(), o.id',
    since: 17,
  },
  { id: 'set-statistics-default', setup: USERS, sql: 'ALTER TABLE users ALTER COLUMN age SET STATISTICS DEFAULT', since: 17 },
  { id: 'set-access-method-default', setup: USERS, sql: 'ALTER TABLE users SET ACCESS METHOD DEFAULT', since: 17 },
  { id: 'grant-maintain', setup: USERS, sql: 'GRANT MAINTAIN ON users TO PUBLIC', since: 17 },
  { id: 'explain-memory', setup: USERS, sql: 'EXPLAIN (MEMORY) SELECT * FROM users', since: 17 },
  { id: 'copy-log-verbosity', setup: USERS, sql: "COPY users FROM '/dev/null' WITH (LOG_VERBOSITY verbose)", since: 17, serverOnly: true },
  {
    id: 'create-database-builtin-locale',
    setup: USERS,
    sql: "CREATE DATABASE dbtool_probe_db TEMPLATE template0 LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C'",
    since: 17,
    serverOnly: true,
  },
  { id: 'explain-serialize', setup: USERS, sql: 'EXPLAIN (ANALYZE, SERIALIZE) SELECT * FROM users', since: 17 },
  { id: 'copy-on-error', setup: USERS, sql: "COPY users FROM '/dev/null' WITH (ON_ERROR ignore)", since: 17, serverOnly: true },
  // the release notes of 17 list identity columns on partitioned tables, yet 12–16 accept this too
  {
    id: 'identity-on-partitioned',
    setup: PARTITIONED,
    sql: 'ALTER TABLE events ALTER COLUMN id SET NOT NULL, ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY',
    since: 12,
  },
  { id: 'merge-into-view', setup: VIEW, sql: 'MERGE INTO user_emails v USING users u ON v.id = u.id WHEN MATCHED THEN UPDATE SET email = u.email', since: 17 },
  { id: 'partitioned-table-access-method', setup: USERS, sql: 'CREATE TABLE logs (id int) PARTITION BY RANGE (id) USING heap', since: 17 },
  { id: 'partitioned-set-access-method', setup: PARTITIONED, sql: 'ALTER TABLE events SET ACCESS METHOD heap', since: 17 },
  { id: 'interval-infinity', setup: USERS, sql: "SELECT interval 'infinity'", since: 17 },
  {
    id: 'login-event-trigger',
    setup: `${USERS}\nCREATE FUNCTION evt() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;`,
    sql: 'CREATE EVENT TRIGGER et ON login EXECUTE FUNCTION evt()',
    since: 17,
    serverOnly: true,
  },
  { id: 'copy-force-null-star', setup: USERS, sql: "COPY users FROM '/dev/null' WITH (FORMAT csv, FORCE_NULL *)", since: 17, serverOnly: true },
  { id: 'role-pg-maintain', setup: USERS, sql: 'GRANT pg_maintain TO CURRENT_USER', since: 17 },
  // PostgreSQL 18
  { id: 'virtual-generated-column', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN thrice int GENERATED ALWAYS AS (age * 3) VIRTUAL', since: 18 },
  { id: 'generated-column-default-kind', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN thrice int GENERATED ALWAYS AS (age * 3)', since: 18 },
  { id: 'check-not-enforced', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT age_ok CHECK (age >= 0) NOT ENFORCED', since: 18 },
  {
    id: 'foreign-key-not-enforced',
    setup: ORDERS,
    sql: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT ENFORCED',
    since: 18,
  },
  {
    id: 'without-overlaps',
    setup: `${USERS}\nCREATE EXTENSION IF NOT EXISTS btree_gist;`,
    sql: 'CREATE TABLE bookings (room int, during tstzrange, PRIMARY KEY (room, during WITHOUT OVERLAPS))',
    since: 18,
    serverOnly: true,
  },
  { id: 'not-null-constraint-not-valid', setup: USERS, sql: 'ALTER TABLE users ADD CONSTRAINT name_nn NOT NULL name NOT VALID', since: 18 },
  { id: 'not-null-table-constraint', setup: USERS, sql: 'CREATE TABLE labels (name text, NOT NULL name)', since: 18 },
  { id: 'uuidv7', setup: USERS, sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT uuidv7()', since: 18 },
  { id: 'returning-with-old-alias', setup: USERS, sql: 'UPDATE users SET age = age + 1 WHERE id = 1 RETURNING WITH (OLD AS o) o.age', since: 18 },
  {
    id: 'foreign-key-period',
    setup: `${USERS}\nCREATE EXTENSION IF NOT EXISTS btree_gist;`,
    sql: 'CREATE TABLE rooms (id int, during tstzrange, booked tstzrange, PRIMARY KEY (id, during WITHOUT OVERLAPS), FOREIGN KEY (id, PERIOD booked) REFERENCES rooms (id, PERIOD during))',
    since: 18,
    serverOnly: true,
  },
  { id: 'analyze-only', setup: USERS, sql: 'ANALYZE ONLY users', since: 18 },
  { id: 'returning-old-new', setup: USERS, sql: 'UPDATE users SET age = age + 1 WHERE id = 1 RETURNING old.age, new.age', since: 18 },
  {
    id: 'alter-constraint-not-enforced',
    setup: `${ORDERS}\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);`,
    sql: 'ALTER TABLE orders ALTER CONSTRAINT orders_user_fk NOT ENFORCED',
    since: 18,
  },
  { id: 'vacuum-only', setup: USERS, sql: 'VACUUM ONLY users', since: 18 },
  { id: 'copy-reject-limit', setup: USERS, sql: "COPY users FROM '/dev/null' WITH (ON_ERROR ignore, REJECT_LIMIT 5)", since: 18, serverOnly: true },
  { id: 'foreign-table-like', setup: FOREIGN, sql: 'CREATE FOREIGN TABLE remote_copy (LIKE users) SERVER s', since: 18 },
  { id: 'copy-materialized-view-to', setup: MATVIEW, sql: "COPY user_ages TO '/dev/null'", since: 18, serverOnly: true },
  { id: 'role-pg-signal-autovacuum-worker', setup: USERS, sql: 'GRANT pg_signal_autovacuum_worker TO CURRENT_USER', since: 18 },
  {
    id: 'sql-function-body-calls-new-function',
    setup: USERS,
    sql: 'CREATE FUNCTION next_token() RETURNS uuid LANGUAGE sql AS $$ SELECT uuidv7() $$',
    since: 18,
  },
];

/** One call of every function FUNCTION_GATES names (src/review/effects/version-gates.ts), by the major that added it. */
export const FUNCTION_CALLS: Record<string, { since: number; call: string }> = {
  gen_random_uuid: { since: 13, call: 'gen_random_uuid()' },
  trim_scale: { since: 13, call: 'trim_scale(8.4100)' },
  min_scale: { since: 13, call: 'min_scale(8.4100)' },
  gcd: { since: 13, call: 'gcd(12, 18)' },
  pg_current_xact_id: { since: 13, call: 'pg_current_xact_id()' },
  lcm: { since: 13, call: 'lcm(4, 6)' },
  date_bin: { since: 14, call: "date_bin('15 minutes', timestamp '2024-01-01 10:07', timestamp '2024-01-01')" },
  string_to_table: { since: 14, call: "string_to_table('a,b', ',')" },
  bit_count: { since: 14, call: "bit_count('\\x1234'::bytea)" },
  trim_array: { since: 14, call: 'trim_array(ARRAY[1, 2, 3], 1)' },
  unistr: { since: 14, call: "unistr('d\\0061t')" },
  range_agg: { since: 14, call: 'range_agg(int4range(1, 3))' },
  multirange: { since: 14, call: 'multirange(int4range(1, 3))' },
  int4multirange: { since: 14, call: 'int4multirange()' },
  int8multirange: { since: 14, call: 'int8multirange()' },
  nummultirange: { since: 14, call: 'nummultirange()' },
  datemultirange: { since: 14, call: 'datemultirange()' },
  tsmultirange: { since: 14, call: 'tsmultirange()' },
  tstzmultirange: { since: 14, call: 'tstzmultirange()' },
  regexp_count: { since: 15, call: "regexp_count('banana', 'an')" },
  regexp_instr: { since: 15, call: "regexp_instr('banana', 'an')" },
  regexp_like: { since: 15, call: "regexp_like('banana', 'an')" },
  regexp_substr: { since: 15, call: "regexp_substr('banana', 'an')" },
  any_value: { since: 16, call: 'any_value(1)' },
  random_normal: { since: 16, call: 'random_normal()' },
  array_sample: { since: 16, call: 'array_sample(ARRAY[1, 2, 3], 2)' },
  array_shuffle: { since: 16, call: 'array_shuffle(ARRAY[1, 2, 3])' },
  date_add: { since: 16, call: "date_add(timestamptz '2024-01-01', interval '1 day')" },
  date_subtract: { since: 16, call: "date_subtract(timestamptz '2024-01-01', interval '1 day')" },
  pg_input_is_valid: { since: 16, call: "pg_input_is_valid('1', 'int4')" },
  pg_input_error_info: { since: 16, call: "pg_input_error_info('x', 'int4')" },
  erf: { since: 16, call: 'erf(0.5)' },
  erfc: { since: 16, call: 'erfc(0.5)' },
  system_user: { since: 16, call: 'SYSTEM_USER' },
  timezone: { since: 17, call: "timestamptz '2024-01-01 00:00+00' AT LOCAL" },
  random: { since: 17, call: 'random(1, 10)' },
  to_bin: { since: 17, call: 'to_bin(5)' },
  to_oct: { since: 17, call: 'to_oct(8)' },
  uuid_extract_timestamp: { since: 17, call: "uuid_extract_timestamp('017f22e2-79b0-7cc3-98c4-dc0c0c07398f'::uuid)" },
  uuid_extract_version: { since: 17, call: "uuid_extract_version('017f22e2-79b0-7cc3-98c4-dc0c0c07398f'::uuid)" },
  uuidv4: { since: 18, call: 'uuidv4()' },
  uuidv7: { since: 18, call: 'uuidv7()' },
  array_sort: { since: 18, call: 'array_sort(ARRAY[3, 1, 2])' },
  array_reverse: { since: 18, call: 'array_reverse(ARRAY[1, 2])' },
  casefold: { since: 18, call: "casefold('ABC')" },
  crc32: { since: 18, call: "crc32('abc'::bytea)" },
  crc32c: { since: 18, call: "crc32c('abc'::bytea)" },
  gamma: { since: 18, call: 'gamma(0.5)' },
  lgamma: { since: 18, call: 'lgamma(0.5)' },
};

export const VERSION_FORMS: VersionForm[] = [
  ...CURATED_FORMS,
  ...Object.entries(FUNCTION_CALLS).map(([name, { since, call }]) => ({ id: `function-${name}`, setup: USERS, sql: `SELECT ${call}`, since })),
];
