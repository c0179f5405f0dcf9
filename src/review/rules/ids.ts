/**
 * The id of every statement rule. Each rule's `id` is typed by this list and a test checks that every id has its
 * rule, so a configuration file's `rules` can be checked without loading the rules (a warm review never does).
 */
export const STATEMENT_RULE_IDS = [
  'statement-will-fail',
  'truncated-name-collision',
  'transaction-control',
  'transaction-forbidden',
  'enum-value-used-in-same-transaction',
  'table-rewrite',
  'add-auto-increment-column',
  'blocking-full-scan',
  'validate-in-same-transaction',
  'not-null-column-without-default',
  'data-dependent-change',
  'drop-database',
  'refresh-materialized-view',
  'lock-table',
  'create-trigger',
  'stacked-exclusive-locks',
  'missing-lock-timeout',
  'unbatched-backfill',
  'truncate-table',
  'rename-or-data-loss',
  'drop-table',
  'drop-column',
  'drop-schema-cascade',
  'rename-table',
  'rename-column',
  'enum-value-rename',
  'foreign-key-without-index',
  'domain-check',
  'identifier-too-long',
  'prefer-jsonb',
  'prefer-bigint',
  'prefer-text',
  'prefer-timestamptz',
  'prefer-identity',
] as const;

export type StatementRuleId = (typeof STATEMENT_RULE_IDS)[number];
