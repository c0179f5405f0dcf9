/**
 * The primary documentation for each rule's subject: the PostgreSQL manual page that states the behaviour the
 * rule relies on (drizzle's docs for journal rules). SARIF reports use it as the rule's help link and
 * `dbtool rules <id>` prints it. Rules about dbtool's own ignore comments point at the README.
 */
const PG = 'https://www.postgresql.org/docs/current/';

export const RULE_REFERENCES: Record<string, string> = {
  'statement-will-fail': `${PG}sql-commands.html`,
  'transaction-forbidden': `${PG}sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY`,
  'enum-value-used-in-same-transaction': `${PG}sql-altertype.html`,
  'table-rewrite': `${PG}sql-altertable.html`,
  'add-auto-increment-column': `${PG}sql-altertable.html`,
  'blocking-full-scan': `${PG}sql-altertable.html`,
  'validate-in-same-transaction': `${PG}sql-altertable.html`,
  'not-null-column-without-default': `${PG}sql-altertable.html`,
  'data-dependent-change': `${PG}ddl-constraints.html`,
  'refresh-materialized-view': `${PG}sql-refreshmaterializedview.html`,
  'lock-table': `${PG}sql-lock.html`,
  'create-trigger': `${PG}sql-createtrigger.html`,
  'stacked-exclusive-locks': `${PG}explicit-locking.html`,
  'missing-lock-timeout': `${PG}runtime-config-client.html#GUC-LOCK-TIMEOUT`,
  'unbatched-backfill': `${PG}sql-update.html`,
  'truncate-table': `${PG}sql-truncate.html`,
  'drop-table': `${PG}sql-droptable.html`,
  'drop-column': `${PG}sql-altertable.html`,
  'drop-schema-cascade': `${PG}sql-dropschema.html`,
  'drop-database': `${PG}sql-dropdatabase.html`,
  'rename-table': `${PG}sql-altertable.html`,
  'rename-column': `${PG}sql-altertable.html`,
  'enum-value-rename': `${PG}sql-altertype.html`,
  'foreign-key-without-index': `${PG}ddl-constraints.html#DDL-CONSTRAINTS-FK`,
  'prefer-jsonb': `${PG}datatype-json.html`,
  'prefer-bigint': `${PG}datatype-numeric.html`,
  'prefer-text': `${PG}datatype-character.html`,
  'prefer-timestamptz': `${PG}datatype-datetime.html`,
  'prefer-identity': `${PG}sql-createtable.html`,
  'syntax-error': `${PG}sql-syntax.html`,
  'journal-missing-file': 'https://orm.drizzle.team/docs/migrations',
  'journal-unlisted-file': 'https://orm.drizzle.team/docs/migrations',
  'journal-out-of-order': 'https://orm.drizzle.team/docs/migrations',
};
