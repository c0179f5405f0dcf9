import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInput } from '../src/drizzle/inputs.js';
import { review } from '../src/review/engine.js';
import type { ReviewSettings } from '../src/review/findings.js';
import { loadParser } from '../src/review/parse.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const DRIZZLE: ReviewSettings = { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' };

/** Every finding of a fixture folder as `migration:line rule` (file-level findings have no line). */
function findings(name: string, settings: ReviewSettings = DRIZZLE): string[] {
  const report = review([loadInput(join(FIXTURES, name), '/', () => '')], settings);
  return report.files.flatMap((f) => [
    ...f.findings.map((x) => `${f.migration} ${x.rule}`),
    ...f.statements.flatMap((s) => s.findings.map((x) => `${f.migration}:${x.line} ${x.rule}`)),
  ]);
}

// What each scenario must report, as fixtures/README.md explains statement by statement. Besides the
// scenario's own finding, a file that locks an existing table without SET lock_timeout gets one
// missing-lock-timeout, and a foreign key no index covers gets foreign-key-without-index (info).
const EXPECTED: Record<string, string[]> = {
  'drizzle-add-not-null-column': [
    '0000_init:17 foreign-key-without-index',
    '0001_users_tenant_id:1 not-null-column-without-default',
    '0001_users_tenant_id:1 missing-lock-timeout',
  ],
  'drizzle-drop-column-and-table': [
    '0000_init:24 foreign-key-without-index',
    '0001_drop_legacy:1 missing-lock-timeout',
    '0001_drop_legacy:1 drop-table',
    '0001_drop_legacy:2 drop-column',
  ],
  'drizzle-enum-add-value': [
    '0000_init:17 foreign-key-without-index',
    '0002_mark_refunded:3 enum-value-used-in-same-transaction',
    '0002_mark_refunded:3 unbatched-backfill',
  ],
  'drizzle-foreign-key-existing-tables': [
    '0001_orders_user_fk:1 blocking-full-scan',
    '0001_orders_user_fk:1 data-dependent-change',
    '0001_orders_user_fk:1 missing-lock-timeout',
    '0001_orders_user_fk:1 foreign-key-without-index',
    '0002_order_items_order_fk:2 blocking-full-scan',
    '0002_order_items_order_fk:2 data-dependent-change',
    '0002_order_items_order_fk:2 missing-lock-timeout',
    '0002_order_items_order_fk:2 foreign-key-without-index',
  ],
  'drizzle-index-on-existing-table': [
    '0000_init:17 foreign-key-without-index',
    '0001_orders_created_at_idx:1 blocking-full-scan',
    '0001_orders_created_at_idx:1 missing-lock-timeout',
    '0002_users_name_idx:1 transaction-forbidden',
  ],
  'drizzle-journal-problems': [
    '0000_init:15 foreign-key-without-index',
    '0001_users_phone:1 missing-lock-timeout',
    '0002_coupons journal-missing-file',
    '0003_orders_note:1 missing-lock-timeout',
    '0004_users_locale journal-out-of-order',
    '0004_users_locale:1 missing-lock-timeout',
    '0005_hotfix_orders_refund journal-unlisted-file',
    '0005_hotfix_orders_refund:1 missing-lock-timeout',
  ],
  'drizzle-partitioned': [
    '0002_events_attach_and_index:2 blocking-full-scan',
    '0002_events_attach_and_index:2 missing-lock-timeout',
    '0002_events_attach_and_index:4 blocking-full-scan',
    '0002_events_attach_and_index:4 stacked-exclusive-locks',
    '0002_events_attach_and_index:6 blocking-full-scan',
  ],
  'drizzle-safe-additions': ['0000_init:17 foreign-key-without-index', '0001_safe_additions:8 missing-lock-timeout'],
  'drizzle-set-not-null': [
    '0000_init:17 foreign-key-without-index',
    '0001_orders_currency_not_null:1 blocking-full-scan',
    '0001_orders_currency_not_null:1 data-dependent-change',
    '0001_orders_currency_not_null:1 missing-lock-timeout',
    '0002_users_phone_not_null:1 unbatched-backfill',
    '0002_users_phone_not_null:2 blocking-full-scan',
    '0002_users_phone_not_null:2 missing-lock-timeout',
  ],
  'drizzle-syntax-error': [
    '0000_init:15 foreign-key-without-index',
    '0001_shipping:7 syntax-error',
    '0001_shipping:8 missing-lock-timeout',
    '0002_users_locale:1 missing-lock-timeout',
  ],
  'drizzle-type-changes': [
    '0001_products_types:1 missing-lock-timeout',
    '0001_products_types:3 table-rewrite',
    '0001_products_types:5 table-rewrite',
    '0001_products_types:5 data-dependent-change',
  ],
  'drizzle-v1-add-index': ['20250107093905_orders_currency_and_index:1 missing-lock-timeout', '20250107093905_orders_currency_and_index:2 blocking-full-scan'],
  'drizzle-view-dependency': [
    '0001_users_email_320:1 statement-will-fail',
    '0001_users_email_320:1 missing-lock-timeout',
    '0002_users_drop_display_name:1 statement-will-fail',
    '0002_users_drop_display_name:1 missing-lock-timeout',
    '0002_users_drop_display_name:1 drop-column',
  ],
  'drizzle-volatile-default': [
    '0000_init:17 foreign-key-without-index',
    '0001_orders_defaults:1 table-rewrite',
    '0001_orders_defaults:1 missing-lock-timeout',
    '0001_orders_defaults:2 table-rewrite',
  ],
  'plain-sql-folder': [
    '002_add_index:2 blocking-full-scan',
    '002_add_index:2 missing-lock-timeout',
    '003_add_status:1 missing-lock-timeout',
    '003_add_status:5 validate-in-same-transaction',
    '003_add_status:5 data-dependent-change',
    '004_orders_total_bigint:1 table-rewrite',
    '004_orders_total_bigint:1 missing-lock-timeout',
    '005_created_at_index_concurrently:1 transaction-forbidden',
  ],
};

describe('bundled fixtures', () => {
  beforeAll(loadParser);

  it.each(Object.entries(EXPECTED))('%s reports exactly what its README says', (name, expected) => {
    expect(findings(name).sort()).toEqual([...expected].sort());
  });

  it('timestamp → timestamptz rewrites when migrations run outside UTC', () => {
    expect(findings('drizzle-type-changes', { ...DRIZZLE, timezoneIsUtc: false })).toContain('0001_products_types:4 table-rewrite');
  });

  it('CONCURRENTLY is fine when the runner uses no transaction', () => {
    expect(findings('plain-sql-folder', { ...DRIZZLE, transactionMode: 'none' })).not.toContain('005_created_at_index_concurrently:1 transaction-forbidden');
  });

  it('the syntax error does not stop the review of the statements after it', () => {
    const report = review([loadInput(join(FIXTURES, 'drizzle-syntax-error'), '/', () => '')], DRIZZLE);
    const file = report.files.find((f) => f.migration === '0001_shipping');
    const after = file?.statements.filter((s) => s.line > 7) ?? [];
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after.every((s) => s.kind !== 'unknown')).toBe(true);
  });

  it('the partitioned parent index locks every partition', () => {
    const report = review([loadInput(join(FIXTURES, 'drizzle-partitioned'), '/', () => '')], DRIZZLE);
    const index = report.files[2]?.statements.find((s) => s.sql.startsWith('CREATE INDEX "events_kind_idx"'));
    expect(Object.keys(index?.locks ?? {}).sort()).toEqual(['events', 'events_2024', 'events_2025_01', 'events_2025_02', 'events_2025_03', 'events_default']);
  });
});
