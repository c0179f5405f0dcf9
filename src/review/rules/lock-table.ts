import { asNode } from '../ast.js';
import type { Rule } from '../findings.js';
import { lockStrength } from '../lock-modes.js';
import { SHOP } from './docs-history.js';
import { existingTables } from './helpers.js';

const SHARE = lockStrength('ShareLock');

export const lockTable: Rule = {
  id: 'lock-table',
  severity: 'warning',
  summary: 'LOCK TABLE in a migration: the lock is held until the transaction commits',
  docs: {
    why: "An explicit LOCK TABLE holds its mode until the transaction ends, not until the next statement. In a migration that is the rest of the migration (with drizzle's migrator, every remaining pending migration of the deploy), and it first waits behind every open transaction on the table while all later queries queue behind it.",
    bad: ['LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;\nALTER TABLE orders ADD COLUMN note2 text;', 'LOCK TABLE users IN SHARE MODE;'],
    good: ["SET LOCAL lock_timeout = '3s';\nALTER TABLE orders ADD COLUMN note2 text;", 'LOCK TABLE orders IN ACCESS SHARE MODE;'],
    drizzle:
      'drizzle-kit never emits LOCK TABLE; it comes from a custom migration. Each statement already takes the lock it needs; bound the wait with lock_timeout instead.',
    ignoreWhen: 'the lock is needed for correctness (e.g. to stop writes during a data fix in the same transaction) and the table is small or quiet.',
    history: SHOP,
  },
  check(ctx) {
    if (!asNode(ctx.statement.node, 'LockStmt')) return [];
    const tables = existingTables(ctx, Object.keys(ctx.effects.locks)).filter((t) => {
      const mode = ctx.effects.locks[t];
      return mode !== undefined && lockStrength(mode) >= SHARE;
    });
    if (tables.length === 0) return [];
    const mode = ctx.effects.locks[tables[0] ?? ''];
    const until =
      ctx.settings.transactionMode === 'all' ? "until drizzle's migrator commits, after every remaining pending migration" : 'until the migration commits';
    return [
      {
        message: `Locks ${tables.join(', ')} in ${mode} ${until}: ${mode === 'AccessExclusiveLock' ? 'reads and writes' : 'writes'} wait for all of that time.`,
        help: "Drop the explicit lock: each following statement takes the lock it needs for as long as it needs it. Bound the wait for it with SET LOCAL lock_timeout = '3s'.",
        fix: null,
      },
    ];
  },
};
