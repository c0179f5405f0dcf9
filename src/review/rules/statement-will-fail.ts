import { duplicateObject } from '../catalog/duplicates.js';
import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';

export const statementWillFail: Rule = {
  id: 'statement-will-fail',
  severity: 'error',
  summary: 'PostgreSQL will reject the statement given the schema built by earlier migrations or the target version',
  docs: {
    why: "Some statements are valid SQL but fail on the schema they meet: a table, index, sequence or type created a second time (the same CREATE in two migrations, often after a merge), a RENAME, SET SCHEMA, ADD COLUMN or ADD CONSTRAINT onto a name already taken (tables, views, indexes and sequences share one namespace per schema; columns and constraint names are unique per table), a table attached as a partition or made an inheritance child without exactly the parent's columns, types, collations, NOT NULL marks and CHECK constraints, a column a view depends on cannot change type or be dropped, a table referenced by a foreign key cannot be truncated alone, a feature needs a newer PostgreSQL, or a drop that other objects depend on. Of the dependencies PostgreSQL records (pg_depend), dbtool models the normal ones a migration history creates: columns, domains, composite types and function signatures using a type; column defaults using a sequence (serial, or nextval of a regclass literal; OWNED BY alone blocks nothing); defaults, CHECK constraints, indexes, triggers, views and generated columns (PostgreSQL 15+) calling a function; views reading a table or column; foreign keys referencing a column or leaning on a unique index; inheritance children. It models the internal ones too (the sequence of an identity column, the index of a constraint: even CASCADE refuses) and the auto ones as what goes silently (a column's own indexes and constraints; partitions with their parent). Extension membership and objects created outside the migrations are not known, so nothing is said about them. The migration stops there, and with a runner that wraps everything in one transaction nothing of the deploy is applied.",
    bad: [
      'ALTER TABLE users ALTER COLUMN email SET DATA TYPE varchar(320);',
      'ALTER TABLE users DROP COLUMN name;',
      'CREATE TABLE orders (id bigint PRIMARY KEY);',
      'CREATE INDEX orders_user_id_idx ON orders (user_id, created_at);',
      "CREATE TYPE order_status AS ENUM ('pending', 'paid');",
      'DROP TYPE order_status;',
      'DROP INDEX users_pkey;',
      'ALTER TABLE orders RENAME TO users;',
      'ALTER TABLE orders ADD COLUMN note varchar(500);',
      'CREATE TABLE old_orders (id bigint, user_id bigint);\nALTER TABLE old_orders INHERIT orders;',
    ],
    good: [
      'DROP VIEW active_users;\nALTER TABLE users ALTER COLUMN email SET DATA TYPE varchar(320);\nCREATE VIEW active_users AS SELECT id, email, name FROM users;',
      'CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY);',
      'DROP INDEX orders_user_id_idx;\nCREATE INDEX orders_user_id_idx ON orders (user_id, created_at);',
      "ALTER TYPE order_status RENAME TO order_status_old;\nCREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'refunded');\nALTER TABLE orders ALTER COLUMN status DROP DEFAULT;\nALTER TABLE orders ALTER COLUMN status TYPE order_status USING status::text::order_status;\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'pending';\nDROP TYPE order_status_old;",
      'ALTER TABLE orders RENAME TO purchases;',
      'CREATE TABLE old_orders (LIKE orders INCLUDING ALL);\nALTER TABLE old_orders INHERIT orders;',
    ],
    drizzle:
      "drizzle-kit does not see dependencies of views written with raw SQL (`pgView(...).as(sql`…`)`), so it emits type changes and column drops the view blocks. Drop and recreate the view in the same migration (edit the generated file). A table or index created twice usually comes from merging two branches that each generated it: keep one migration and regenerate the other after the merge. drizzle-kit writes neither ATTACH PARTITION nor INHERIT: in the hand-written SQL, create the new table with (LIKE parent INCLUDING ALL) so it has the parent's shape, and rename objects only onto free names.",
    ignoreWhen: 'dbtool got the schema wrong (an object changed outside the migrations folder); say so in the reason.',
    history: `${SHOP}\nCREATE VIEW active_users AS SELECT id, email, name FROM users;`,
  },
  check(ctx) {
    const duplicate = duplicateObject(ctx.effectContext.catalog, ctx.statement.node);
    const failures = duplicate ? [...ctx.effects.failures, duplicate] : ctx.effects.failures;
    return failures.map((failure) => ({
      message: `PostgreSQL ${ctx.settings.pgVersion} will reject this statement: ${failure.message} (SQLSTATE ${failure.sqlstate}).`,
      help: failure.hint ?? 'Change the migration so the statement is valid for the schema and PostgreSQL version it runs against.',
      fix: null,
    }));
  },
};
