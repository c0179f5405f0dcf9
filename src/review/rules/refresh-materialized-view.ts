import type { RangeVar } from '@pgsql/types';
import { asNode, displayName, relationKey } from '../ast.js';
import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';
import { isExisting, tableName } from './helpers.js';

export const refreshMaterializedView: Rule = {
  id: 'refresh-materialized-view',
  severity: 'warning',
  summary: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY: reads of the view wait for the whole query',
  docs: {
    why: "A plain REFRESH takes AccessExclusiveLock on the materialized view and holds it while the view's query runs and its result replaces the old storage: every read of the view waits that long. CONCURRENTLY builds the new result next to the old one and only takes ExclusiveLock, which lets reads continue; it needs a unique index on the view (without a WHERE clause, on plain columns).",
    bad: ['REFRESH MATERIALIZED VIEW order_totals;', 'REFRESH MATERIALIZED VIEW user_order_counts;'],
    good: [
      'REFRESH MATERIALIZED VIEW CONCURRENTLY order_totals;',
      'CREATE MATERIALIZED VIEW daily_totals AS SELECT created_at::date AS day, sum(total) AS total FROM orders GROUP BY 1;\nREFRESH MATERIALIZED VIEW daily_totals;',
    ],
    drizzle:
      'drizzle-kit emits no REFRESH (drizzle has `db.refreshMaterializedView(view).concurrently()` for application code). A refresh in a custom migration blocks readers during the deploy; refreshing from a scheduled job with CONCURRENTLY is usually the better home.',
    ignoreWhen: 'the view is small, or nothing reads it during the deploy.',
    history: `${SHOP}
CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE UNIQUE INDEX order_totals_user_id_idx ON order_totals (user_id);
CREATE MATERIALIZED VIEW user_order_counts AS SELECT user_id, count(*) AS orders FROM orders GROUP BY user_id;`,
  },
  check(ctx) {
    const stmt = asNode<{ relation?: RangeVar; concurrent?: boolean; skipData?: boolean }>(ctx.statement.node, 'RefreshMatViewStmt');
    if (!stmt || stmt.concurrent) return [];
    const key = relationKey(stmt.relation);
    if (!isExisting(ctx, key)) return [];
    const name = displayName(key);
    if (stmt.skipData) {
      return [
        {
          message: `Empties ${name} under AccessExclusiveLock: until the next REFRESH, every query on it fails with "materialized view has not been populated".`,
          help: 'Keep the view populated: refresh it (CONCURRENTLY when it has a unique index) instead of WITH NO DATA.',
          fix: null,
        },
      ];
    }
    const unique = ctx.effectContext.catalog.indexesOf(key).find((i) => i.unique && i.valid);
    const message = `Holds AccessExclusiveLock on ${name} while its query runs and the result replaces its storage: every read of ${name} waits until the refresh is done.`;
    if (unique) {
      return [
        {
          message,
          help: `${name} has the unique index ${displayName(unique.key)}, so it can be refreshed CONCURRENTLY: reads continue meanwhile (the refresh takes longer).`,
          fix: `REFRESH MATERIALIZED VIEW CONCURRENTLY ${tableName(name)};`,
        },
      ];
    }
    return [
      {
        message,
        help: `Give ${name} a unique index on columns that identify its rows (CREATE UNIQUE INDEX … ON ${name} (…)), then REFRESH MATERIALIZED VIEW CONCURRENTLY, which lets reads continue.`,
        fix: null,
      },
    ];
  },
};
