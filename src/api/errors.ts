import { DbtoolError, UsageError } from '../errors.js';
import type { Blocker } from '../migrate/blockers.js';
import type { IntegrityProblem } from '../migrate/migrate.js';
import type { RunFailure } from '../migrate/runner.js';
import type { Finding } from '../review/findings.js';
import type { Report } from '../review/report-types.js';

/** What the library's migrate() applied before it stopped. */
export interface AppliedMigration {
  name: string;
  statements: number;
  ms: number;
}

/** A statement of a migration failed (the database refused it, or a lock was not granted after every retry). */
export class MigrationError extends DbtoolError {
  /** the migration (journal tag or v1 folder name) */
  readonly migration: string;
  readonly path: string;
  /** 1-based position in the file of the failing statement, or of the server's error position within it */
  readonly line: number;
  readonly column: number;
  /** PostgreSQL's error code, e.g. 42P07; 55P03 when a lock was not granted within lockTimeout after every retry */
  readonly sqlstate: string;
  readonly detail: string | undefined;
  readonly serverHint: string | undefined;
  readonly attempts: number;
  /** sessions seen blocking the run when it gave up on a lock (pg Pool only) */
  readonly blockers: Blocker[];
  /** migrations rolled back with the failing one (runner 'drizzle': one transaction) */
  readonly rolledBack: string[];
  /** the failing step of the file and whether it ran in a transaction; earlier steps stay applied */
  readonly step: { number: number; of: number; inTransaction: boolean };
  /** migrations of this run that were applied and recorded before the failure */
  readonly applied: AppliedMigration[];

  constructor(failure: RunFailure, applied: AppliedMigration[]) {
    super(`${failure.path}:${failure.line}:${failure.column}: ${failure.error.message} (SQLSTATE ${failure.error.code})`, 1, failure.error.hint);
    this.migration = failure.name;
    this.path = failure.path;
    this.line = failure.line;
    this.column = failure.column;
    this.sqlstate = failure.error.code;
    this.detail = failure.error.detail;
    this.serverHint = failure.error.hint;
    this.attempts = failure.attempts;
    this.blockers = failure.blockers;
    this.rolledBack = failure.rolledBack;
    this.step = failure.step;
    this.applied = applied;
  }
}

/** One error-level finding that stopped the run, with the file it is in. */
export interface BlockingFinding extends Finding {
  path: string;
  migration: string;
}

/** The review of the pending migrations found error-level problems (and `allowUnsafe` was not set); nothing was applied. */
export class ReviewBlockedError extends DbtoolError {
  /** the error-level findings */
  readonly findings: BlockingFinding[];

  constructor(readonly report: Report) {
    const findings = report.files.flatMap((f) =>
      [...f.findings, ...f.statements.flatMap((s) => s.findings)]
        .filter((x) => x.severity === 'error')
        .map((x) => ({
          path: f.path,
          migration: f.migration,
          rule: x.rule,
          severity: x.severity,
          message: x.message,
          help: x.help,
          line: x.line,
          column: x.column,
          fix: x.fix,
        })),
    );
    const first = findings[0];
    const summary = first
      ? `: ${first.path}:${first.line}:${first.column} ${first.rule}: ${first.message}${findings.length > 1 ? ` (and ${findings.length - 1} more)` : ''}`
      : '';
    super(
      `the review of the pending migrations blocked the run${summary}. Nothing was applied.`,
      1,
      'Fix the migrations as the findings help says, silence a finding you accept with a -- dbtool-ignore comment, or pass allowUnsafe: true.',
    );
    this.findings = findings;
  }
}

/** The folder and the database's record disagree (changed, missing, unlisted or out-of-order migrations); nothing was applied. */
export class IntegrityError extends DbtoolError {
  constructor(readonly problems: IntegrityProblem[]) {
    super(
      `the migrations folder does not match the database's record, so nothing was applied:\n${problems.map((p) => `  ${p.message}`).join('\n')}`,
      1,
      problems[0]?.hint,
    );
  }
}

/**
 * The run stopped between migrations because it no longer held its migration lock (a migration released
 * advisory locks and another run took it); what was applied before stays applied.
 */
export class MigrationStoppedError extends DbtoolError {
  constructor(
    message: string,
    hint: string,
    readonly before: string,
    readonly applied: AppliedMigration[],
  ) {
    super(message, 1, hint);
  }
}

/** A function call explain() refused, where the query reaches it. */
export interface RefusedFunction {
  name: string;
  message: string;
  line: number | undefined;
  column: number | undefined;
}

/**
 * explain() (and `dbtool explain`) would not run the statement, and nothing ran: it is not exactly one
 * SELECT/INSERT/UPDATE/DELETE/MERGE ("statement"), it writes ("writes") or it calls a function whose effects
 * a rollback cannot undo ("functions") and allowWrite was not given.
 */
export class ExplainRefusedError extends UsageError {
  constructor(
    message: string,
    hint: string,
    readonly reason: 'statement' | 'writes' | 'functions',
    /** 1-based, in the query text; undefined when the refusal is about the statement as a whole */
    readonly line: number | undefined,
    readonly column: number | undefined,
    /** reason "functions": every refused call */
    readonly functions: RefusedFunction[] = [],
    /** reason "writes": what writes (INSERT, DELETE in a WITH clause, SELECT … FOR UPDATE, …) */
    readonly writes: string[] = [],
  ) {
    super(message, hint);
  }
}

/**
 * PostgreSQL refused the query dbtool explained (an unknown table, a cast error, the statement or lock
 * timeout, a write in the read-only transaction); the transaction was rolled back.
 */
export class ExplainQueryError extends DbtoolError {
  constructor(
    message: string,
    hint: string | undefined,
    /** e.g. 42P01 (no such table), 57014 (statement timeout), 55P03 (lock timeout), 25006 (a write in the read-only transaction) */
    readonly sqlstate: string,
    /** where in the query the server points, when it does */
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly detail: string | undefined,
    readonly serverHint: string | undefined,
  ) {
    super(message, 1, hint);
  }
}
