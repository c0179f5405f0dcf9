import type { Rule } from '../findings.js';

export const transactionForbidden: Rule = {
  id: 'transaction-forbidden',
  severity: 'error',
  summary: 'A statement PostgreSQL refuses inside a transaction block, in a migration the runner wraps in one',
  check(ctx) {
    if (ctx.effects.transaction !== 'forbidden' || ctx.settings.transactionMode === 'none' || ctx.settings.forbiddenRunOutside) return [];
    const runner = ctx.settings.transactionMode === 'all'
      ? "drizzle's migrator runs every pending migration inside one transaction"
      : 'the runner wraps each migration file in a transaction';
    return [{
      message: `This statement cannot run inside a transaction block (SQLSTATE 25001), and ${runner}: the migration fails here.`,
      help: "Put it in a migration of its own and apply that one without a transaction (drizzle's migrator cannot: run it with psql, or with a runner that executes such statements outside its transaction).",
      fix: null,
    }];
  },
};
