import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';

export const transactionForbidden: Rule = {
  id: 'transaction-forbidden',
  severity: 'error',
  summary: 'A statement PostgreSQL refuses inside a transaction block, in a migration the runner wraps in one',
  docs: {
    why: "CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY, VACUUM and a few others refuse to run inside a transaction block (SQLSTATE 25001). A runner that wraps migrations in a transaction fails on them, and with drizzle's migrator every other pending migration of the deploy is rolled back with it.",
    bad: ['CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);', 'DROP INDEX CONCURRENTLY orders_user_id_idx;', 'VACUUM orders;'],
    good: ['CREATE INDEX orders_created_at_idx ON orders (created_at);'],
    drizzle:
      "drizzle-kit generates `CREATE INDEX` without CONCURRENTLY, and drizzle's migrator runs all pending migrations in one transaction, so a CONCURRENTLY added by hand fails there. Apply such a statement with a runner that executes it outside the transaction (`dbtool migrate` does) or with psql, in a migration of its own.",
    ignoreWhen:
      'your runner executes these statements outside its transaction; set `runner` in the config (`dbtool` for dbtool migrate, `none` for psql) instead of ignoring each one.',
    history: SHOP,
  },
  check(ctx) {
    // a runner that lifts such statements out of its transaction handles its own wrapping, not a BEGIN in the file
    if (ctx.effects.transaction !== 'forbidden' || !ctx.transaction.inTransaction || ctx.settings.forbiddenRunOutside) return [];
    const runner =
      ctx.settings.transactionMode === 'all'
        ? "drizzle's migrator runs every pending migration inside one transaction"
        : ctx.settings.transactionMode === 'per-file'
          ? 'the runner wraps each migration file in a transaction'
          : 'an earlier BEGIN in this file opened one';
    return [
      {
        message: `This statement cannot run inside a transaction block (SQLSTATE 25001), and ${runner}: the migration fails here.`,
        help: 'Put it in a migration of its own and apply that one without a transaction (drizzle\'s migrator cannot: run it with psql, or with a runner that executes such statements outside its transaction, such as dbtool migrate; then review with --runner dbtool or "runner": "dbtool").',
        fix: null,
      },
    ];
  },
};
