import type { Session } from '../db/connect.js';
import { review } from '../review/engine.js';
import { parseSql } from '../review/parse.js';
import type { Report } from '../review/engine.js';
import type { ReviewSettings } from '../review/findings.js';
import { advisoryHolder } from './blockers.js';
import { advisoryKey, ensureTable, nameRowSql, readApplied, readProgress, tableShape } from './bookkeeping.js';
import type { Bookkeeping } from './bookkeeping.js';
import type { LocalFolder } from './local.js';
import { planFile } from './plan.js';
import type { FilePlan } from './plan.js';
import { runPlans } from './runner.js';
import type { RunEvent, RunnerOptions, RunResult } from './runner.js';
import { folderStatus } from './state.js';
import type { FolderStatus, MigrationStatus } from './state.js';

export interface MigrateOptions extends RunnerOptions {
  dryRun: boolean;
  /** apply even when the review reports error-level findings */
  allowUnsafe: boolean;
  /** apply journal entries older than the newest applied one (drizzle would skip them) */
  allowOutOfOrder: boolean;
  review: Pick<ReviewSettings, 'timezoneIsUtc' | 'rules'>;
}

/** Something about the folder or the database that stops the run before anything is applied. */
export interface IntegrityProblem {
  name: string;
  path: string | undefined;
  problem: 'changed' | 'out-of-order' | 'missing' | 'unlisted';
  message: string;
  hint: string;
}

export type MigrateEvent = RunEvent | { type: 'waiting'; holder: { pid: number; application: string } | undefined } | { type: 'locked'; waitedMs: number };

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

export async function migrate(session: Session, folder: LocalFolder, bk: Bookkeeping, opts: MigrateOptions, emit: (e: MigrateEvent) => void): Promise<MigrateOutcome> {
  const serverVersion = Math.floor(Number((await session.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v) / 10000);
  const waitedMs = opts.dryRun ? 0 : await lockRun(session, bk, emit);
  try {
    const shape = opts.dryRun ? await tableShape(session, bk) : await ensureTable(session, bk, folder.layout === 'v1');
    const rows = await readApplied(session, bk, shape);
    const status = folderStatus(folder, rows);
    if (!opts.dryRun && folder.layout === 'v1' && shape.hasName) await nameMatchedRows(session, bk, status);
    const problems = integrityProblems(status, opts.allowOutOfOrder);
    const pending = status.migrations.filter((s) => s.state === 'pending' || (opts.allowOutOfOrder && s.state === 'out-of-order'));
    const pendingNames = new Set(pending.map((p) => p.migration.name));
    // journal problems are judged against what the database applied, by integrityProblems, not by the review
    const parsed = new Map(pending.map((p) => [p.migration.name, parseSql(p.migration.text ?? '')]));
    const files = folder.input.files.map((f) => ({
      ...f,
      review: pendingNames.has(f.migration),
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
      ...opts.review,
    });
    const blocked = report.summary.errors > 0 && !opts.allowUnsafe;
    const plans = pending.map((p) => {
      const fileReport = report.files.find((f) => f.migration === p.migration.name);
      return planFile(p.migration, parsed.get(p.migration.name)!, (i) => fileReport?.statements[i]?.transaction === 'forbidden');
    });
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
 */
async function lockRun(session: Session, bk: Bookkeeping, emit: (e: MigrateEvent) => void): Promise<number> {
  const key = advisoryKey(bk);
  const got = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
  if (got.rows[0]?.ok) return 0;
  emit({ type: 'waiting', holder: await advisoryHolder(session, key).catch(() => undefined) });
  const started = Date.now();
  // lock_timeout would cut the wait short: another deploy's run may legitimately take minutes
  await session.exec('SET lock_timeout = 0');
  await session.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  const waitedMs = Date.now() - started;
  emit({ type: 'locked', waitedMs });
  return waitedMs;
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
      problems.push({ name, path, problem: 'changed', message: `${name} was applied, but ${path} has changed since (its sha256 differs from the one recorded).`,
        hint: 'Restore the applied version from version control and put the change in a new migration (drizzle-kit generate, or generate --custom for hand-written SQL).' });
    } else if (s.state === 'out-of-order' && !allowOutOfOrder) {
      problems.push({ name, path, problem: 'out-of-order', message: `${name} was never applied, and its journal timestamp is older than applied migrations${newest ? ` (newest: ${newest})` : ''}: drizzle's migrator would skip it silently.`,
        hint: `Check it is still wanted, then give it a journal "when" later than the newest applied entry, or run with --allow-out-of-order to apply it as it is.` });
    } else if (s.state === 'missing' && !s.row) {
      problems.push({ name, path, problem: 'missing', message: `The journal lists ${name}, but ${path} does not exist.`,
        hint: 'Restore the file from version control, or remove the entry from meta/_journal.json if the migration was abandoned.' });
    } else if (s.state === 'unlisted') {
      problems.push({ name, path, problem: 'unlisted', message: `${path} is not listed in meta/_journal.json, so drizzle would never apply it.`,
        hint: 'Delete it if it is left over from another branch; otherwise recreate it with drizzle-kit generate --custom so the journal lists it.' });
    }
  }
  return problems;
}
