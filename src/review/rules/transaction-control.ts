import type { Node, TransactionStmt } from '@pgsql/types';
import { asNode } from '../ast.js';
import type { Rule, RuleContext, RuleFinding } from '../findings.js';
import { doBlocks } from '../plpgsql.js';
import { SHOP } from './docs-history.js';

/** What the statement is, as the file spells it (END is COMMIT, ABORT is ROLLBACK to the parser). */
function keyword(ctx: RuleContext, stmt: TransactionStmt): string {
  const words = ctx.statement.sql
    .trim()
    .split(/\s+/)
    .map((w) => w.toUpperCase());
  const first = words[0] ?? '';
  switch (stmt.kind) {
    case 'TRANS_STMT_ROLLBACK_TO':
      return 'ROLLBACK TO SAVEPOINT';
    case 'TRANS_STMT_RELEASE':
      return 'RELEASE SAVEPOINT';
    case 'TRANS_STMT_PREPARE':
      return 'PREPARE TRANSACTION';
    case 'TRANS_STMT_COMMIT_PREPARED':
      return 'COMMIT PREPARED';
    case 'TRANS_STMT_ROLLBACK_PREPARED':
      return 'ROLLBACK PREPARED';
    case 'TRANS_STMT_START':
      return 'START TRANSACTION';
    default:
      return stmt.chain ? `${first} AND CHAIN` : first;
  }
}

const SPLIT =
  'Let the runner manage the transaction. To run a statement outside a transaction (CREATE INDEX CONCURRENTLY and the like), put it in a migration file of its own (or behind a `--> statement-breakpoint`): `dbtool migrate` runs such statements outside its transaction by itself, no COMMIT needed.';

/** Statements no migration runner can apply as written: they discard, hand off or nest work behind the runner's back. */
function discarding(ctx: RuleContext, stmt: TransactionStmt, word: string): RuleFinding | undefined {
  const wrapped = ctx.settings.transactionMode !== 'none';
  const recorded = ctx.settings.transactionMode === 'none' ? '' : ' while the runner still records the migration as applied';
  const refuse = ctx.settings.forbiddenRunOutside ? ' dbtool migrate refuses to run this file, even with --allow-unsafe.' : '';
  switch (stmt.kind) {
    case 'TRANS_STMT_ROLLBACK':
      return {
        message:
          !wrapped && !ctx.transaction.inTransaction
            ? `${word} outside a transaction block only warns (25P01) and undoes nothing: the statements before it stay applied, which is not what the file says. The migration cannot be applied as reviewed.${refuse}`
            : `${word} discards every statement before it in the transaction${ctx.settings.transactionMode === 'all' ? " (with drizzle's migrator: every pending migration before this one too, and their bookkeeping rows; it then skips those migrations for good, since it only applies migrations newer than the newest one recorded)" : ''}; the statements after it then run outside any transaction${recorded}. The migration cannot be applied as reviewed.${refuse}`,
        help: `Delete the ${word} and the statements it was meant to undo; to try something out, run it by hand in a session you roll back, not in a migration. ${SPLIT}`,
        fix: null,
      };
    case 'TRANS_STMT_ROLLBACK_TO':
    case 'TRANS_STMT_SAVEPOINT':
    case 'TRANS_STMT_RELEASE':
      return {
        message: `${word} in a migration: ${savepointFate(ctx, stmt, wrapped)}: the file cannot be applied as reviewed.${refuse}`,
        help: `Remove the savepoints: plain SQL cannot react to an error, so a savepoint only serves to discard work unconditionally. ${SPLIT}`,
        fix: null,
      };
    case 'TRANS_STMT_PREPARE':
    case 'TRANS_STMT_COMMIT_PREPARED':
    case 'TRANS_STMT_ROLLBACK_PREPARED':
      return {
        message: `${word} in a migration: ${stmt.kind === 'TRANS_STMT_PREPARE' ? `with max_prepared_transactions = 0 (PostgreSQL's default) it fails (SQLSTATE 55000) and the transaction is rolled back${ctx.settings.transactionMode === 'all' ? " (with drizzle's migrator: every pending migration of the run)" : ''}; where prepared transactions are enabled, the work so far is neither committed nor rolled back but parked as a prepared transaction that keeps its locks until someone commits it by hand, and the statements after it run outside any transaction${recorded}` : `it finishes a prepared transaction from another session, which a migration cannot know exists${recorded}`}.${refuse}`,
        help: `Remove it: two-phase commit is for transaction managers, not migrations. ${SPLIT}`,
        fix: null,
      };
    default:
      return undefined;
  }
}

/** What a savepoint statement does where the runner sends it (proven with drizzle's migrator and in autocommit). */
function savepointFate(ctx: RuleContext, stmt: TransactionStmt, wrapped: boolean): string {
  if (ctx.settings.forbiddenRunOutside)
    return 'dbtool migrate owns the transaction and splits it around statements that must run outside one, so the savepoint may not exist when it is used, and ROLLBACK TO SAVEPOINT silently discards the statements after the savepoint';
  if (!wrapped && !ctx.transaction.inTransaction) return 'outside a transaction block PostgreSQL rejects it (SQLSTATE 25P01) and the migration stops there';
  const owner = wrapped ? "the runner's" : "the file's";
  if (stmt.kind === 'TRANS_STMT_ROLLBACK_TO')
    return `inside ${owner} transaction it discards the statements between the savepoint and it, and the migration is still recorded as applied`;
  return `a savepoint only serves a ROLLBACK TO SAVEPOINT, which inside ${owner} transaction discards the statements after the savepoint while the migration is still recorded as applied`;
}

/** COMMIT/BEGIN: dbtool migrate turns them into transaction boundaries; a runner that sends them loses its own transaction. */
function boundary(ctx: RuleContext, stmt: TransactionStmt, word: string): RuleFinding | undefined {
  const mode = ctx.settings.transactionMode;
  if (mode === 'none') return undefined;
  const options = (stmt.options ?? []).length > 0;
  if (stmt.kind === 'TRANS_STMT_BEGIN' || stmt.kind === 'TRANS_STMT_START') {
    if (!options || (!ctx.settings.forbiddenRunOutside && !ctx.transaction.inTransaction)) return undefined;
    return {
      message: `${word} with transaction options (${ctx.statement.sql.trim().split(/\s+/).slice(word.split(' ').length).join(' ')}): ${ctx.settings.forbiddenRunOutside ? 'dbtool migrate runs its own transactions and does not apply these options' : "inside the runner's transaction PostgreSQL ignores the BEGIN with a warning, options included"}, so the statements after it do not run the way the file says.${ctx.settings.forbiddenRunOutside ? ' dbtool migrate refuses to run this file, even with --allow-unsafe.' : ''}`,
      help: `Remove the ${word}; if a statement needs an isolation level or read-only mode, SET TRANSACTION … as the first statement of its own migration file. ${SPLIT}`,
      fix: null,
    };
  }
  // dbtool migrate does not send COMMIT: it ends one of its transactions there and starts the next
  if (stmt.kind !== 'TRANS_STMT_COMMIT' || ctx.settings.forbiddenRunOutside || !ctx.transaction.inTransaction) return undefined;
  const runner =
    mode === 'all'
      ? "commits the runner's one transaction for the whole run here (drizzle's migrator works that way; the runner is drizzle): the pending migrations before this one and the first part of this one are committed for good, and every statement after it, in this file and in every later pending migration of the run, autocommits one by one"
      : "commits the runner's transaction for this file, and every statement after it runs outside any transaction";
  return {
    message: `${word} ${runner}. If one of them fails, its migration stays half-applied and is not recorded, so the next run replays its first part and fails.`,
    help: `${SPLIT} If your runner does not wrap migrations in a transaction (the file manages its own), set "runner" to "none" in the dbtool config.`,
    fix: null,
  };
}

/**
 * COMMIT or ROLLBACK in a DO body: PostgreSQL allows it only when the DO itself runs outside a transaction block;
 * inside the runner's transaction the DO fails with 2D000 (invalid transaction termination).
 */
function doBlockEnd(ctx: RuleContext): RuleFinding | undefined {
  const stmt = asNode<{ args?: Node[] }>(ctx.statement.node, 'DoStmt');
  if (!stmt) return undefined;
  const blocks = doBlocks(stmt);
  if (typeof blocks === 'string') return undefined;
  const word = blocks.flatMap((b) => b.ends ?? [])[0];
  if (!word || (ctx.settings.transactionMode === 'none' && !ctx.transaction.inTransaction)) return undefined;
  const runner =
    ctx.settings.transactionMode === 'all'
      ? "drizzle's migrator runs every pending migration in one transaction, so the whole run is rolled back"
      : 'the migration is rolled back';
  return {
    message: `${word} inside a DO block that runs in a transaction block: PostgreSQL rejects it (SQLSTATE 2D000, invalid transaction termination) and the DO fails; ${runner}.${ctx.settings.forbiddenRunOutside ? ' dbtool migrate refuses to run this file, even with --allow-unsafe.' : ''}`,
    help: `Remove the ${word} from the block. ${SPLIT}`,
    fix: null,
  };
}

export const transactionControl: Rule = {
  id: 'transaction-control',
  severity: 'error',
  summary: 'ROLLBACK, COMMIT, SAVEPOINT or PREPARE TRANSACTION inside a migration the runner wraps in a transaction',
  docs: {
    why: "Migration runners wrap migrations in a transaction and record each one as applied. A ROLLBACK in the file silently discards the statements before it (with drizzle's migrator, the earlier pending migrations too, which it then never applies, since it only applies migrations newer than the newest it recorded), the statements after it autocommit one by one, and the runner still records the migration as applied: the database no longer matches the history. A COMMIT ends the runner's transaction early (with drizzle's migrator, the one transaction of the whole deploy), so a later failure leaves the migration half-applied and unrecorded. ROLLBACK TO SAVEPOINT discards work while the migration is recorded as applied, PREPARE TRANSACTION fails where prepared transactions are disabled (the default) and otherwise parks the work with its locks, and BEGIN inside the runner's transaction is ignored with a warning, options included. `dbtool migrate` turns a plain BEGIN / COMMIT into a boundary between its own transactions, and refuses the rest before running anything, even with --allow-unsafe.",
    bad: [
      'ALTER TABLE orders ADD COLUMN note2 text;\nROLLBACK;\nALTER TABLE orders ADD COLUMN note3 text;',
      'COMMIT;\nCREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);',
      "SAVEPOINT before_fix;\nUPDATE orders SET note = 'x' WHERE id = 1;\nROLLBACK TO SAVEPOINT before_fix;",
      "ALTER TABLE orders ADD COLUMN note2 text;\nPREPARE TRANSACTION 'm1';",
    ],
    good: ['ALTER TABLE orders ADD COLUMN note2 text;', 'CREATE INDEX orders_created_at_idx ON orders (created_at);'],
    drizzle:
      "drizzle-kit never writes transaction control; it comes from hand edits, often a COMMIT to escape drizzle's single transaction for CREATE INDEX CONCURRENTLY. Put such a statement in a migration of its own (`drizzle-kit generate --custom`) and apply with `dbtool migrate`, which runs it outside its transaction; drizzle's own migrator cannot run it at all.",
    ignoreWhen:
      'never for ROLLBACK, savepoints or PREPARE TRANSACTION. A COMMIT only when the migrations are applied by a runner that treats it as a boundary (dbtool migrate does; review with its settings) or without a transaction (`runner: none`).',
    history: SHOP,
  },
  check(ctx) {
    const inBlock = doBlockEnd(ctx);
    if (inBlock) return [inBlock];
    const stmt = asNode<TransactionStmt>(ctx.statement.node, 'TransactionStmt');
    if (!stmt?.kind) return [];
    const word = keyword(ctx, stmt);
    const found = discarding(ctx, stmt, word) ?? boundary(ctx, stmt, word);
    return found ? [found] : [];
  },
};
