import { alterCommands, displayName } from '../ast.js';
import type { Rule, RuleContext } from '../findings.js';
import type { Origin } from '../transaction.js';
import { SHOP } from './docs-history.js';
import { existingTables } from './helpers.js';

function where(ctx: RuleContext, origin: Origin | undefined): string {
  if (!origin) return 'earlier';
  return origin.migration === ctx.transaction.currentMigration ? `line ${origin.line}` : `${origin.migration} line ${origin.line}`;
}

function separateTransactions(ctx: RuleContext): string {
  if (ctx.settings.transactionMode === 'all')
    return "drizzle's migrator runs every pending migration in one transaction, so only separate deploys separate them";
  if (ctx.settings.transactionMode === 'per-file') return 'the runner commits after each file, so a later migration file separates them';
  return 'a COMMIT between them separates them';
}

export const stackedExclusiveLocks: Rule = {
  id: 'stacked-exclusive-locks',
  severity: 'warning',
  summary: 'Several AccessExclusiveLock statements on different existing tables in one transaction',
  oncePerFile: true,
  docs: {
    why: 'Locks are released at commit, not at the end of each statement. A migration that takes AccessExclusiveLock on one table and then needs it on another keeps the first table blocked (no reads, no writes) while it waits for the second, which can take as long as the longest query running on it. Each additional table widens the outage and the chance of a deadlock with application transactions that touch the same tables in another order.',
    bad: ['ALTER TABLE users ADD COLUMN locale text;\nALTER TABLE orders ADD COLUMN currency text;'],
    good: [
      'ALTER TABLE users ADD COLUMN locale text;\nALTER TABLE users ADD COLUMN timezone text;',
      'CREATE TABLE coupons (id bigint PRIMARY KEY);\nALTER TABLE coupons ADD COLUMN code text;\nALTER TABLE users ADD COLUMN locale text;',
    ],
    drizzle:
      'drizzle-kit puts every change of one `generate` into one file, and its migrator runs all pending files in one transaction. Generate changes to busy tables separately, set a lock_timeout so a blocked wait gives up quickly, and deploy them one by one. dbtool reports this once per file, for locks the file itself stacks.',
    ignoreWhen: 'the tables are small and rarely used during the deploy, or a lock_timeout keeps every wait short.',
    history: SHOP,
  },
  check(ctx) {
    if (!ctx.transaction.inTransaction || ctx.transaction.exclusiveLocks.size === 0) return [];
    // checked for every statement of a transaction: most want no AccessExclusiveLock at all
    if (!Object.values(ctx.effects.locks).includes('AccessExclusiveLock')) return [];
    // locks stacked across files of one drizzle run are real too, but the advice (split the file) is per file
    const held = [...ctx.transaction.exclusiveLocksOf(ctx.transaction.currentMigration)];
    if (held.length === 0) return [];
    const heldNames = new Set(held.map(([t]) => t));
    const wanted = existingTables(ctx, Object.keys(ctx.effects.locks)).filter((t) => ctx.effects.locks[t] === 'AccessExclusiveLock' && !heldNames.has(t));
    if (wanted.length === 0) return [];
    const holding = held.map(([t, o]) => `${t} (since ${where(ctx, o)})`).join(', ');
    return [
      {
        message: `Waits for AccessExclusiveLock on ${wanted.join(', ')} while the transaction already holds it on ${holding}: those stay blocked for reads and writes during this wait, and all of them until commit.`,
        help: `Change one busy table per transaction (${separateTransactions(ctx)}), and set lock_timeout so a wait that would block gives up instead.`,
        fix: null,
      },
    ];
  },
};

export const validateInSameTransaction: Rule = {
  id: 'validate-in-same-transaction',
  severity: 'error',
  summary: 'VALIDATE CONSTRAINT in the same transaction as the ADD CONSTRAINT … NOT VALID',
  docs: {
    why: "NOT VALID exists so that the full validation scan can run later under ShareUpdateExclusiveLock, which lets reads and writes continue. But the ADD CONSTRAINT itself took AccessExclusiveLock (CHECK) or ShareRowExclusiveLock (FOREIGN KEY) and keeps it until commit: a VALIDATE in the same transaction scans the table while that stronger lock still blocks writes (and, for CHECK, reads). With drizzle's migrator this includes a VALIDATE in a later file of the same deploy.",
    bad: [
      'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fk;',
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;',
      'ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;',
    ],
    drizzle:
      "drizzle-kit has no NOT VALID option, so both statements are hand edits. Put the VALIDATE in a migration that is deployed after the one with NOT VALID has committed — with drizzle's migrator, a separate deploy.",
    ignoreWhen: 'your runner commits between the two statements in a way dbtool cannot see; set `runner` instead when that is always so.',
    history: `${SHOP}\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;`,
  },
  check(ctx) {
    const alter = alterCommands(ctx.statement.node);
    if (!alter || !ctx.transaction.inTransaction) return [];
    return alter.cmds
      .filter((c) => c.subtype === 'AT_ValidateConstraint')
      .flatMap((cmd) => {
        const origin = ctx.transaction.notValidConstraints.get(`${alter.target}.${cmd.name}`);
        if (!origin) return [];
        const constraint = ctx.effectContext.catalog.relation(alter.target)?.constraints.find((c) => c.name === cmd.name);
        const lock = constraint?.kind === 'foreign' ? 'ShareRowExclusiveLock (writes wait)' : 'AccessExclusiveLock (reads and writes wait)';
        const table = displayName(alter.target);
        return [
          {
            message: `Validates ${cmd.name}, added NOT VALID at ${where(ctx, origin)} in the same transaction: that ADD CONSTRAINT still holds ${lock} on ${table}, so this full scan of ${table} runs while it blocks — NOT VALID gained nothing.`,
            help: `Validate after the ADD CONSTRAINT has committed: ${separateTransactions(ctx)}.`,
            fix: null,
          },
        ];
      });
  },
};
