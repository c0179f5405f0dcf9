/**
 * `dbtool/migrator`: dbtool migrate as a function, in place of drizzle-orm's migrator. The same engine as
 * the CLI (one run at a time under an advisory lock, a transaction per file, statements that refuse a
 * transaction block run on their own, lock timeouts with retries, integrity checks, the review gate),
 * with typed errors instead of exit codes. The caller owns the connection: it is never closed, and must not
 * be inside a transaction (each file commits).
 */
import { resolve } from 'node:path';
import type { AppliedMigration } from './api/errors.js';
import { IntegrityError, MigrationError, MigrationStoppedError, ReviewBlockedError } from './api/errors.js';
import { ruleOptionProblems } from './api/rule-options.js';
import type { MigrationDatabase } from './api/session.js';
import { borrowSession, refuseOpenTransaction } from './api/session.js';
import { ConfigError } from './errors.js';
import type { Bookkeeping } from './migrate/bookkeeping.js';
import { DEFAULT_BOOKKEEPING, readApplied, tableShape } from './migrate/bookkeeping.js';
import { durationMs } from './migrate/durations.js';
import { readDrizzleFolder } from './migrate/local.js';
import type { MigrateEvent } from './migrate/migrate.js';
import { migrate as runMigrations } from './migrate/migrate.js';
import { addProgress } from './migrate/progress.js';
import type { AppliedRow, MigrationState } from './migrate/state.js';
import { folderStatus, needsAttention } from './migrate/state.js';
import type { Severity } from './review/findings.js';
import { loadParser } from './review/parse.js';
import type { Report } from './review/report-types.js';

export type { AppliedMigration, BlockingFinding } from './api/errors.js';
export { IntegrityError, MigrationError, MigrationStoppedError, ReviewBlockedError } from './api/errors.js';
export type { DrizzleDatabaseLike, MigrationDatabase, PGliteLike, PgClientLike, PgPoolLike } from './api/session.js';
export { ConfigError, DatabaseError, DbtoolError, LockWaitError, UsageError } from './errors.js';
export type { Blocker } from './migrate/blockers.js';
export type { IntegrityProblem, MigrateEvent } from './migrate/migrate.js';
export type { AppliedRow, MigrationState } from './migrate/state.js';

/** A duration: milliseconds, or a string such as "500ms", "5s", "2min". */
export type Duration = number | string;

/** Where the migrations are and where drizzle records them: drizzle-orm's MigrationConfig. */
export interface FolderOptions {
  /** the drizzle-kit out folder (0.31 journal layout or v1 per-folder layout); relative to the working directory */
  migrationsFolder: string;
  /** default "__drizzle_migrations" */
  migrationsTable?: string;
  /** default "drizzle" */
  migrationsSchema?: string;
}

export interface MigrateOptions extends FolderOptions {
  /** how long a statement may wait for a lock before the step is retried (default "5s") */
  lockTimeout?: Duration;
  /** retries after a lock timeout, with doubling back-off (default 5) */
  retries?: number;
  /** cancel a statement running longer than this (default 0: no limit) */
  statementTimeout?: Duration;
  /** how long to wait for another run on the same migrations table to finish (default "10min"; 0: no limit) */
  lockWait?: Duration;
  /** apply even when the review reports error-level findings (default false) */
  allowUnsafe?: boolean;
  /** apply journal entries older than the newest applied one, which drizzle's migrator skips (default false) */
  allowOutOfOrder?: boolean;
  /** "dbtool" (default): a transaction per file; "drizzle": one transaction for the run, as drizzle-orm's migrator */
  runner?: 'dbtool' | 'drizzle';
  /** per-rule severity or "off" for the review gate, as in dbtool.config.json "rules" */
  rules?: Record<string, Severity | 'off'>;
  /** progress: waiting for the lock, each migration started and done, lock retries */
  onEvent?: (event: MigrateEvent) => void;
}

export interface MigrateResult {
  /** the migrations this run applied, in order (empty when the database was up to date) */
  applied: AppliedMigration[];
  /** the review of the migrations that were pending */
  review: Report;
  /** how long the run waited for another run's migration lock */
  waitedMs: number;
  /** the server's major version */
  serverVersion: number;
}

/**
 * Applies the folder's pending migrations to `db` (a drizzle node-postgres or pglite database, a pg Pool or
 * Client, or a PGlite instance). Resolves when every pending migration is applied; rejects with
 * IntegrityError, ReviewBlockedError, MigrationError, MigrationStoppedError, LockWaitError (another run held
 * the lock too long), DatabaseError (the connection or the bookkeeping failed) or ConfigError (bad options).
 */
export async function migrate(db: MigrationDatabase, options: MigrateOptions): Promise<MigrateResult> {
  const settings = runnerSettings(options);
  const bk = bookkeepingOf(options);
  const folder = readDrizzleFolder(resolve(folderOf(options)), process.cwd());
  await loadParser();
  const session = await borrowSession(db);
  // each file's COMMIT would commit the caller's transaction with it
  await refuseOpenTransaction(session, 'migrate');
  const outcome = await (async () => {
    try {
      return await runMigrations(session, folder, bk, settings, options.onEvent ?? (() => undefined));
    } finally {
      await session.close();
    }
  })();
  const applied = outcome.result?.applied ?? [];
  if (outcome.problems.length > 0) throw new IntegrityError(outcome.problems);
  if (outcome.blocked && outcome.pending.length > 0) throw new ReviewBlockedError(outcome.review);
  if (outcome.result?.failure) throw new MigrationError(outcome.result.failure, applied);
  const stopped = outcome.result?.stopped;
  if (stopped) throw new MigrationStoppedError(stopped.message, stopped.hint, stopped.before, applied);
  return { applied, review: outcome.review, waitedMs: outcome.waitedMs, serverVersion: outcome.serverVersion };
}

export interface MigrationStatusEntry {
  /** journal tag (0.31 layout) or folder name (v1 layout) */
  name: string;
  path: string;
  state: MigrationState;
  /** sha256 of the file, as drizzle records it; undefined for a missing file */
  hash: string | undefined;
  /** the journal `when` (or the v1 folder's timestamp) in ms */
  createdAt: number;
  /** the row of the migrations table that records it, when applied (or changed) */
  row: AppliedRow | undefined;
  /** a pending file an interrupted run got part of the way through */
  progress?: { stepsDone: number; steps: number };
  /** its next step runs outside a transaction and looks done but is not recorded (an interrupted run) */
  unrecorded?: { step: number; steps: number; found: string };
}

export interface StatusResult {
  /** every migration applied as it is in the folder, and no unknown rows */
  upToDate: boolean;
  migrations: MigrationStatusEntry[];
  /** rows of the migrations table that match no migration of the folder */
  unknown: AppliedRow[];
}

/** Compares the folder with the database's record of applied migrations; reads only, takes no lock. */
export async function status(db: MigrationDatabase, options: FolderOptions): Promise<StatusResult> {
  const bk = bookkeepingOf(options);
  const folder = readDrizzleFolder(resolve(folderOf(options)), process.cwd());
  const session = await borrowSession(db);
  try {
    const rows = await readApplied(session, bk, await tableShape(session, bk));
    const state = folderStatus(folder, rows);
    await addProgress(session, bk, folder, state);
    return {
      upToDate: !needsAttention(state),
      migrations: state.migrations.map((s) => ({
        name: s.migration.name,
        path: s.migration.path,
        state: s.state,
        hash: s.migration.hash,
        createdAt: s.migration.createdAt,
        row: s.row,
        ...(s.progress ? { progress: s.progress } : {}),
        ...(s.unrecorded ? { unrecorded: s.unrecorded } : {}),
      })),
      unknown: state.unknown,
    };
  } finally {
    await session.close();
  }
}

function folderOf(options: FolderOptions): string {
  if (!options || typeof options.migrationsFolder !== 'string' || options.migrationsFolder === '') {
    throw new ConfigError('migrationsFolder is required: the drizzle-kit out folder', 'e.g. migrate(db, { migrationsFolder: "./drizzle" })');
  }
  return options.migrationsFolder;
}

function bookkeepingOf(options: FolderOptions): Bookkeeping {
  const schema = options.migrationsSchema ?? DEFAULT_BOOKKEEPING.schema;
  const table = options.migrationsTable ?? DEFAULT_BOOKKEEPING.table;
  if (typeof schema !== 'string' || schema === '' || typeof table !== 'string' || table === '') {
    throw new ConfigError(
      'migrationsSchema and migrationsTable must be non-empty strings',
      "Leave them out for drizzle's defaults (drizzle.__drizzle_migrations).",
    );
  }
  return { schema, table };
}

function runnerSettings(options: MigrateOptions) {
  const problems: string[] = [];
  const duration = (name: string, value: Duration | undefined, fallback: Duration) => {
    const ms = durationMs(value ?? fallback);
    if (ms === undefined) problems.push(`${name}: ${JSON.stringify(value)} is not a duration (milliseconds, or e.g. "500ms", "5s", "2min")`);
    return ms ?? 0;
  };
  const lockTimeoutMs = duration('lockTimeout', options.lockTimeout, '5s');
  const statementTimeoutMs = duration('statementTimeout', options.statementTimeout, 0);
  const lockWaitMs = duration('lockWait', options.lockWait, '10min');
  const retries = options.retries ?? 5;
  if (!Number.isInteger(retries) || retries < 0)
    problems.push(`retries: ${JSON.stringify(retries)} is not a whole number (0 gives up at the first lock timeout)`);
  const runner = options.runner ?? 'dbtool';
  if (runner !== 'dbtool' && runner !== 'drizzle') problems.push(`runner: ${JSON.stringify(runner)} is not "dbtool" or "drizzle"`);
  const rules = options.rules ?? {};
  ruleOptionProblems(rules, problems);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), 'Fix the migrate() options above.');
  return {
    transaction: runner === 'drizzle' ? ('all' as const) : ('per-file' as const),
    lockTimeoutMs,
    statementTimeoutMs,
    retries,
    backoffMs: 250,
    lockWaitMs,
    dryRun: false,
    allowUnsafe: options.allowUnsafe === true,
    allowOutOfOrder: options.allowOutOfOrder === true,
    review: { timezoneIsUtc: true, rules },
  };
}
