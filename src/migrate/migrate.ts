import { asServerError, serverMajor } from '../db/client.js';
import type { Session } from '../db/connect.js';
import { DatabaseError, isDbtoolError, LockWaitError } from '../errors.js';
import { review } from '../review/engine.js';
import type { ReviewSettings } from '../review/findings.js';
import { parseSql } from '../review/parse.js';
import type { Report } from '../review/report-types.js';
import type { SizeThresholds } from '../review/sizes.js';
import { applySizes, DEFAULT_THRESHOLDS } from '../review/sizes.js';
import { sizesFromSession } from '../stats/live.js';
import { advisoryHolder } from './blockers.js';
import type { Bookkeeping } from './bookkeeping.js';
import { advisoryKey, ensureTable, nameRowSql, readApplied, readProgress, tableShape } from './bookkeeping.js';
import { formatDuration } from './durations.js';
import type { LocalFolder, LocalMigration } from './local.js';
import type { FilePlan } from './plan.js';
import { planFile, refusesToRun } from './plan.js';
import type { RunEvent, RunnerOptions, RunResult } from './runner.js';
import { runPlans } from './runner.js';
import type { FolderStatus, MigrationStatus } from './state.js';
import { folderStatus } from './state.js';

export interface MigrateOptions extends RunnerOptions {
  dryRun: boolean;
  /** apply even when the review reports error-level findings */
  allowUnsafe: boolean;
  /** apply journal entries older than the newest applied one (drizzle would skip them) */
  allowOutOfOrder: boolean;
  review: Pick<ReviewSettings, 'timezoneIsUtc' | 'rules'>;
  /** how long to wait for another run's advisory lock before giving up (exit 2) */
  lockWaitMs: number;
  /** when a finding's table is big or small enough to change its severity (default DEFAULT_THRESHOLDS) */
  sizeThresholds?: SizeThresholds;
}

/** Something about the folder or the database that stops the run before anything is applied. */
export interface IntegrityProblem {
  name: string;
  path: string | undefined;
  problem: 'changed' | 'out-of-order' | 'missing' | 'unlisted';
  message: string;
  hint: string;
}

export type MigrateEvent =
  | RunEvent
  | { type: 'waiting'; holder: { pid: number; application: string } | undefined; limitMs: number }
  | { type: 'locked'; waitedMs: number };

export interface MigrateOutcome {
  serverVersion: number;
  status: FolderStatus;
  pending: MigrationStatus[];
  problems: IntegrityProblem[];
  /** the review of the pending files */
  review: Report;
  /** the review blocked the run (error-level findings, no --allow-unsafe) */
  blocked: boolean;
  plans: FilePlan[];
  /** undefined when nothing ran (dry run, blocked, integrity problems, nothing pending) */
  result: RunResult | undefined;
  waitedMs: number;
}

export async function migrate(
  session: Session,
  folder: LocalFolder,
  bk: Bookkeeping,
  opts: MigrateOptions,
  emit: (e: MigrateEvent) => void,
): Promise<MigrateOutcome> {
  try {
    return await migrateLocked(session, folder, bk, opts, emit);
  } catch (error) {
    // a server error outside a migration's statements (reading the bookkeeping, a deadlock, a dropped
    // session) is an environment problem, never an internal error with a stack trace
    if (isDbtoolError(error)) throw error;
    const hint =
      'Nothing was applied after the last migration reported as applied. Run dbtool status to see where the database stands, then dbtool migrate again.';
    const server = asServerError(error);
    if (server) throw new DatabaseError(`the database refused dbtool's own bookkeeping: ${server.message} (SQLSTATE ${server.code})`, hint);
    if (lostConnection(error)) throw new DatabaseError(`lost the database connection: ${(error as Error).message}`, hint);
    throw error;
  }
}

async function migrateLocked(
  session: Session,
  folder: LocalFolder,
  bk: Bookkeeping,
  opts: MigrateOptions,
  emit: (e: MigrateEvent) => void,
): Promise<MigrateOutcome> {
  const serverVersion = await serverMajor(session);
  const waitedMs = opts.dryRun ? 0 : await lockRun(session, bk, opts.lockWaitMs, emit);
  try {
    const shape = opts.dryRun ? await tableShape(session, bk) : await ensureTable(session, bk, folder.layout === 'v1');
    const rows = await readApplied(session, bk, shape);
    const status = folderStatus(folder, rows);
    if (!opts.dryRun && folder.layout === 'v1' && shape.hasName) await nameMatchedRows(session, bk, status);
    const problems = integrityProblems(status, opts.allowOutOfOrder);
    const pending = status.migrations.filter((s) => s.state === 'pending' || (opts.allowOutOfOrder && s.state === 'out-of-order'));
    const reviewed = reviewAndPlan(
      folder,
      pending.map((p) => p.migration),
      serverVersion,
      opts,
    );
    const plans = reviewed.plans;
    // the gate judges the database being migrated: its own tables' sizes scale the findings
    const report = pending.length > 0 ? await scaledBySize(session, reviewed.report, opts.sizeThresholds) : reviewed.report;
    // a file that cannot run as reviewed (ROLLBACK in the middle) is refused whatever the flags say
    const blocked = (report.summary.errors > 0 && !opts.allowUnsafe) || refusesToRun(report);
    const outcome: MigrateOutcome = { serverVersion, status, pending, problems, review: report, blocked, plans, result: undefined, waitedMs };
    if (opts.dryRun || blocked || problems.length > 0 || plans.length === 0) return outcome;
    const progress = await readProgress(session, bk);
    outcome.result = await runPlans(session, bk, shape, plans, progress, opts, emit);
    return outcome;
  } finally {
    if (!opts.dryRun) await session.query('SELECT pg_advisory_unlock($1::bigint)', [advisoryKey(bk)]).catch(() => undefined);
  }
}

/**
 * One run at a time per migrations table: a session advisory lock, held until the run ends (or the
 * connection drops). Concurrent deploys wait here and then find nothing left to apply.
 *
 * A waiting run polls pg_try_advisory_lock, each poll a statement of its own outside any transaction,
 * instead of blocking in pg_advisory_lock: a blocked statement keeps a snapshot open, and CREATE INDEX
 * CONCURRENTLY in the run holding the lock waits for every older snapshot to go away (a deadlock the
 * server breaks by cancelling one of them).
 */
async function lockRun(session: Session, bk: Bookkeeping, limit: number, emit: (e: MigrateEvent) => void): Promise<number> {
  const limitMs = limit > 0 ? limit : Infinity;
  const key = advisoryKey(bk);
  const tryLock = async () => (await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key])).rows[0]?.ok === true;
  if (await tryLock()) return 0;
  emit({ type: 'waiting', holder: await advisoryHolder(session, key).catch(() => undefined), limitMs: limit });
  const started = Date.now();
  for (let delayMs = 50; ; delayMs = Math.min(1000, Math.round(delayMs * 1.5))) {
    const waited = Date.now() - started;
    if (waited >= limitMs) {
      const holder = await advisoryHolder(session, key).catch(() => undefined);
      const who = holder ? `pid ${holder.pid}${holder.application ? ` (${holder.application})` : ''}` : 'another session';
      throw new LockWaitError(
        `another migration run still holds the migration lock after ${formatDuration(waited)}: ${who}. Nothing was applied.`,
        `Run dbtool migrate again when it has finished, or wait longer with --lock-wait (now ${formatDuration(limitMs)}). If the holder is stuck, pg_terminate_backend(${holder?.pid ?? '<pid>'}) ends its session and releases the lock.`,
        waited,
        holder,
      );
    }
    // jitter keeps a crowd of waiting deploys from polling in step
    await new Promise((r) => setTimeout(r, Math.min(limitMs - waited, delayMs * (0.75 + Math.random() / 2))));
    if (await tryLock()) {
      const waitedMs = Date.now() - started;
      emit({ type: 'locked', waitedMs });
      return waitedMs;
    }
  }
}

/** node-postgres's ways of saying the connection went away (no SQLSTATE): a socket error or its own message. */
function lostConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && /^E[A-Z]+$/.test(code)) || /connection terminated|not queryable|connection (is )?closed/i.test(error.message);
}

/**
 * Reviews the given migrations of the folder (with earlier files as history) and plans each: which
 * statements run in a transaction and which alone, as the review's knowledge of PostgreSQL says.
 */
export function reviewAndPlan(
  folder: LocalFolder,
  migrations: LocalMigration[],
  serverVersion: number,
  opts: { transaction: RunnerOptions['transaction']; review?: Partial<Pick<ReviewSettings, 'timezoneIsUtc' | 'rules'>> },
): { report: Report; plans: FilePlan[] } {
  const names = new Set(migrations.map((m) => m.name));
  // journal problems are judged against what the database applied, by integrityProblems, not by the review
  const parsed = new Map(migrations.map((m) => [m.name, parseSql(m.text ?? '')]));
  const files = folder.input.files.map((f) => ({
    ...f,
    review: names.has(f.migration),
    problems: f.problems.filter((p) => !p.rule.startsWith('journal-')),
    ...(parsed.has(f.migration) ? { parsed: parsed.get(f.migration)! } : {}),
  }));
  const report = review([{ files }], {
    pgVersion: Math.min(18, Math.max(12, serverVersion)),
    transactionMode: opts.transaction === 'all' ? 'all' : 'per-file',
    forbiddenRunOutside: true,
    // dbtool sets lock_timeout on every statement it runs
    runnerLockTimeout: true,
    newAcrossFiles: true,
    timezoneIsUtc: true,
    ...opts.review,
  });
  const plans = migrations.map((m) => {
    const fileReport = report.files.find((f) => f.migration === m.name);
    return planFile(m, parsed.get(m.name)!, (i) => fileReport?.statements[i]?.transaction === 'forbidden');
  });
  return { report, plans };
}

/** The review with this database's table sizes; a catalog that cannot be read leaves it as it was. */
async function scaledBySize(session: Session, report: Report, thresholds: SizeThresholds | undefined): Promise<Report> {
  try {
    return applySizes(report, await sizesFromSession(session, session.describe), thresholds ?? DEFAULT_THRESHOLDS);
  } catch {
    return report;
  }
}

/** Rows drizzle 0.31 wrote carry no name; a v1 folder's migrator expects one, as its own upgrade would set. */
async function nameMatchedRows(session: Session, bk: Bookkeeping, status: FolderStatus): Promise<void> {
  for (const s of status.migrations) {
    if (s.row && s.row.name === null) await session.exec(nameRowSql(bk, s.row.id, s.migration.name));
  }
}

export function integrityProblems(status: FolderStatus, allowOutOfOrder: boolean): IntegrityProblem[] {
  const problems: IntegrityProblem[] = [];
  const newest = status.migrations.filter((s) => s.row).at(-1)?.migration.name;
  for (const s of status.migrations) {
    const { name, path } = s.migration;
    if (s.state === 'changed') {
      problems.push({
        name,
        path,
        problem: 'changed',
        message: `${name} was applied, but ${path} has changed since (its sha256 differs from the one recorded).`,
        hint: 'Restore the applied version from version control and put the change in a new migration (drizzle-kit generate, or generate --custom for hand-written SQL).',
      });
    } else if (s.state === 'out-of-order' && !allowOutOfOrder) {
      problems.push({
        name,
        path,
        problem: 'out-of-order',
        message: `${name} was never applied, and its journal timestamp is older than applied migrations${newest ? ` (newest: ${newest})` : ''}: drizzle's migrator would skip it silently.`,
        hint: `Check it is still wanted, then give it a journal "when" later than the newest applied entry, or run with --allow-out-of-order to apply it as it is.`,
      });
    } else if (s.state === 'missing' && !s.row) {
      problems.push({
        name,
        path,
        problem: 'missing',
        message: `The journal lists ${name}, but ${path} does not exist.`,
        hint: 'Restore the file from version control, or remove the entry from meta/_journal.json if the migration was abandoned.',
      });
    } else if (s.state === 'unlisted') {
      problems.push({
        name,
        path,
        problem: 'unlisted',
        message: `${path} is not listed in meta/_journal.json, so drizzle would never apply it.`,
        hint: 'Delete it if it is left over from another branch; otherwise recreate it with drizzle-kit generate --custom so the journal lists it.',
      });
    }
  }
  return problems;
}
