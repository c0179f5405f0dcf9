// The index-advice scenarios: captured into fixtures/explain by scripts/capture-explain-fixtures.ts and
// replayed on a live PostgreSQL 18 by test/explain-index-advice.test.ts (which then creates the suggested index).

export interface Scenario {
  name: string;
  /** session settings for this capture only */
  settings?: string;
  sql: string;
  /** a write: captured inside a transaction that is rolled back */
  write?: boolean;
  /** false: the plan without executing (EXPLAIN without ANALYZE) */
  analyze?: boolean;
  /** PREPARE q(…) AS … run before, DEALLOCATE q after: `sql` is then `EXECUTE q(…)` and the plan shows $n */
  prepare?: string;
}

/**
 * Index advice: the column types drizzle emits (varchar(255), citext, an enum, uuid, timestamp) and the
 * shapes PostgreSQL prints for them in conditions (`(email)::text`, `'x'::status`, `$1`, `lower(…)`).
 */
export const ADVICE_SETUP = `
CREATE EXTENSION IF NOT EXISTS citext;
CREATE TYPE status AS ENUM ('active', 'invited', 'banned');
CREATE TABLE users (
  id uuid PRIMARY KEY, email varchar(255) NOT NULL, handle citext NOT NULL, status status DEFAULT 'active' NOT NULL,
  org_id integer NOT NULL, created_at timestamp DEFAULT now() NOT NULL
);
INSERT INTO users SELECT md5('u' || g)::uuid, 'user' || g || '@example.com', 'Handle' || g,
  (CASE WHEN g % 100 = 0 THEN 'banned' WHEN g % 10 = 0 THEN 'invited' ELSE 'active' END)::status,
  g % 500, timestamp '2024-01-01' + g * interval '10 minutes' FROM generate_series(1, 50000) g;
CREATE TABLE events (
  id bigint PRIMARY KEY, user_id uuid NOT NULL REFERENCES users (id), kind varchar(32) NOT NULL,
  created_at timestamp DEFAULT now() NOT NULL
);
INSERT INTO events SELECT g, md5('u' || (g % 50000 + 1))::uuid, 'kind' || g % 20, timestamp '2024-01-01' + g * interval '1 minute'
  FROM generate_series(1, 200000) g;
ANALYZE users, events;
`;

// a scan of 50k or 200k rows is no reason for parallel workers here: the plans stay comparable across majors
export const SERIAL = 'SET max_parallel_workers_per_gather = 0';

export const ADVICE_SCENARIOS: Scenario[] = [
  { name: 'advice-varchar-eq', settings: SERIAL, sql: "SELECT u.id FROM users u WHERE u.email = 'user123@example.com'" },
  { name: 'advice-varchar-like', settings: SERIAL, sql: "SELECT u.id FROM users u WHERE u.email LIKE 'user123@%'" },
  {
    name: 'advice-varchar-param',
    settings: `${SERIAL}; SET plan_cache_mode = force_generic_plan`,
    prepare: 'PREPARE q(text) AS SELECT u.id FROM users u WHERE u.email = $1',
    sql: "EXECUTE q('user123@example.com')",
  },
  { name: 'advice-citext-eq', settings: SERIAL, sql: "SELECT u.id FROM users u WHERE u.handle = 'handle123'" },
  { name: 'advice-enum-range', settings: SERIAL, sql: "SELECT u.id FROM users u WHERE u.created_at > '2024-06-01' AND u.status = 'banned'" },
  { name: 'advice-uuid-eq', settings: SERIAL, sql: "SELECT e.id FROM events e WHERE e.user_id = md5('u123')::uuid" },
  { name: 'advice-lower-email', settings: SERIAL, sql: "SELECT u.id FROM users u WHERE lower(u.email) = 'user123@example.com'" },
  {
    name: 'join-without-index',
    settings: SERIAL,
    sql: "SELECT e.id, e.kind FROM events e JOIN users u ON u.id = e.user_id WHERE u.email = 'user123@example.com'",
  },
  { name: 'join-without-index-quiet', settings: SERIAL, sql: "SELECT count(*) FROM events e JOIN users u ON u.id = e.user_id WHERE u.status = 'active'" },
];
