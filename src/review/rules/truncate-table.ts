import { asNode } from '../ast.js';
import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';
import { existingTables } from './helpers.js';

export const truncateTable: Rule = {
  id: 'truncate-table',
  severity: 'warning',
  summary: 'TRUNCATE of an existing table: every row is gone, under AccessExclusiveLock',
  docs: {
    why: 'TRUNCATE deletes every row at once and cannot be undone after commit; it takes AccessExclusiveLock, so it also queues behind any open transaction that touched the table and blocks everything behind it. With CASCADE it empties every table whose foreign keys reference it, which the statement does not name.',
    bad: ['TRUNCATE orders;', 'TRUNCATE users CASCADE;'],
    good: ['CREATE TABLE import_rows (id bigint, payload text);\nTRUNCATE import_rows;', 'DELETE FROM orders WHERE id = 42;'],
    drizzle:
      'drizzle-kit never emits TRUNCATE; it comes from a custom migration. Data clean-ups belong in a script run on purpose, not in a schema migration that runs in every environment.',
    ignoreWhen: 'the table holds derived or cached data that the application rebuilds, and emptying it in every environment is intended.',
    history: `${SHOP}\nALTER TABLE orders ADD CONSTRAINT orders_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id);`,
  },
  check(ctx) {
    const stmt = asNode<{ behavior?: string }>(ctx.statement.node, 'TruncateStmt');
    if (!stmt) return [];
    const tables = existingTables(ctx, ctx.effects.rewrites);
    if (tables.length === 0) return [];
    const cascade = stmt.behavior === 'DROP_CASCADE' ? ' CASCADE also empties the tables whose foreign keys reference it.' : '';
    return [
      {
        message: `Deletes every row of ${tables.join(', ')} under AccessExclusiveLock: the data is gone for good once the migration commits, in every environment it runs in.${cascade}`,
        help: 'Delete only the rows that must go (in batches, outside the schema migration), or keep the data until the code no longer needs it. If the table really is disposable, silence this with a reason.',
        fix: null,
      },
    ];
  },
};
