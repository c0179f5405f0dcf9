import type { ChalkInstance } from 'chalk';
import { describeBlocker } from '../migrate/blockers.js';
import { formatDuration } from '../migrate/durations.js';
import type { MigrateEvent, MigrateOutcome } from '../migrate/migrate.js';
import type { FilePlan } from '../migrate/plan.js';
import { refusesToRun } from '../migrate/plan.js';
import type { RunFailure } from '../migrate/runner.js';
import { codeFrame } from './code-frame.js';
import { reviewToJson } from './json.js';
import { reviewToPretty } from './pretty.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One progress line per event, as the run goes. */
export function migrateEventLine(event: MigrateEvent, c: ChalkInstance): string | undefined {
  switch (event.type) {
    case 'waiting':
      return c.yellow(
        `… another migration run holds the lock${event.holder ? ` (pid ${event.holder.pid}${event.holder.application ? `, ${event.holder.application}` : ''})` : ''}; waiting for it to finish${event.limitMs > 0 ? ` (at most ${formatDuration(event.limitMs)}, --lock-wait)` : ''}`,
      );
    case 'locked':
      return c.dim(`  waited ${event.waitedMs} ms for the other run`);
    case 'migration-start':
      return undefined;
    case 'migration-done':
      return `${c.green('✔')} ${event.name} ${c.dim(`${plural(event.statements, 'statement')}, ${event.ms} ms`)}`;
    case 'lock-retry':
      return c.yellow(
        `  ${event.name}: lock not granted within lock_timeout; retry ${event.attempt} in ${event.delayMs} ms${event.blockers.length ? ` (blocked by ${event.blockers.map((b) => `pid ${b.pid}`).join(', ')})` : ''}`,
      );
    case 'invalid-index':
      return c.yellow(`  ${event.name}: dropped INVALID index ${event.index} left by an earlier failed build; building it again`);
    case 'resume':
      return c.dim(`  ${event.name}: resuming after ${plural(event.unitsDone, 'completed step')} of an interrupted run`);
    case 'already-done':
      return c.yellow(
        `  ${event.name}: step ${event.step} of ${event.steps} was completed by an earlier run that could not record it (${event.what}); recording it without running it again`,
      );
    case 'lock-regained':
      return c.yellow(
        `  ⚠ ${event.after} released dbtool's migration lock (pg_advisory_unlock_all() or DISCARD ALL); it was free, so this run took it again and checked that nothing it applies was applied meanwhile`,
      );
  }
}

export interface MigrateView {
  folder: string;
  database: string;
  dryRun: boolean;
  color: ChalkInstance;
  width: number;
}

export function planToPretty(plans: FilePlan[], c: ChalkInstance): string {
  const lines: string[] = [];
  for (const plan of plans) {
    lines.push(`${c.bold(plan.migration.name)} ${c.dim(plan.migration.path)}`);
    for (const unit of plan.units) {
      const where = unit.inTransaction ? 'in a transaction' : c.yellow('outside a transaction');
      lines.push(
        `  ${where}: ${unit.statements.length === 0 ? c.dim('(no statements; recorded only)') : unit.statements.map((s) => `line ${s.line}`).join(', ')}`,
      );
    }
    for (const b of plan.boundaries)
      lines.push(c.dim(`  line ${b.line}: ${b.keyword} ends a transaction here (dbtool manages transactions; the statement itself is not sent)`));
  }
  return lines.join('\n');
}

/** What happened, after the progress lines: problems, blocked review, failure, summary. */
export function migrateToPretty(outcome: MigrateOutcome, view: MigrateView): string {
  const c = view.color;
  const out: string[] = [];
  if (outcome.problems.length > 0) {
    for (const p of outcome.problems) out.push(`${c.red('✖')} ${p.message}\n  ${c.dim('hint:')} ${p.hint}`);
    out.push(c.red(`Nothing applied: ${plural(outcome.problems.length, 'problem')} in the migrations folder must be fixed first.`));
    return `${out.join('\n')}\n`;
  }
  for (const row of outcome.status.unknown) {
    out.push(
      c.yellow(
        `⚠ the database records a migration this folder does not have (id ${row.id}${row.name ? `, ${row.name}` : ''}, created_at ${row.createdAt ?? 'null'}): is this folder older than the one last deployed?`,
      ),
    );
  }
  if (outcome.pending.length === 0) {
    out.push(`${c.green('✔')} Nothing to apply: all ${plural(outcome.status.migrations.length, 'migration')} of ${view.folder} are applied.`);
    return `${out.join('\n')}\n`;
  }
  const findings = outcome.review.summary.errors + outcome.review.summary.warnings + outcome.review.summary.infos;
  if (findings > 0 || outcome.blocked) out.push(reviewToPretty(outcome.review, { color: c, verbose: false, width: view.width }).trimEnd());
  const quiet = reviewNote(outcome);
  if (quiet && !outcome.blocked) out.push(c.dim(quiet));
  if (view.dryRun) {
    out.push(c.bold(`Dry run: ${plural(outcome.pending.length, 'migration')} would be applied to ${view.database}:`));
    out.push(planToPretty(outcome.plans, c));
    if (outcome.blocked)
      out.push(
        c.red(
          `The review found error-level findings: a real run would stop before applying anything${refusesToRun(outcome.review) ? ' (transaction-control: --allow-unsafe does not override it)' : ' (--allow-unsafe overrides)'}.`,
        ),
      );
    return `${out.join('\n')}\n`;
  }
  if (outcome.blocked) {
    out.push(c.red(`Nothing applied: the review found ${plural(outcome.review.summary.errors, 'error-level finding')} in the pending migrations.`));
    out.push(
      refusesToRun(outcome.review)
        ? `${c.dim('hint:')} a file controls its own transaction (transaction-control), so it cannot be applied as reviewed, even with --allow-unsafe: move the statement that needs its own transaction into a file of its own (or after a --> statement-breakpoint) and let dbtool manage the transactions.`
        : `${c.dim('hint:')} make the migrations safe, silence a finding you accept with a "-- dbtool-ignore <rule>: <reason>" comment, or pass --allow-unsafe.`,
    );
    return `${out.join('\n')}\n`;
  }
  const result = outcome.result;
  if (!result) return `${out.join('\n')}\n`;
  if (result.failure) out.push(failureToPretty(result.failure, outcome, c));
  if (result.stopped) out.push(`${c.red('✖')} ${result.stopped.message}\n  ${c.dim('hint:')} ${result.stopped.hint}`);
  const failed = result.failure ? 1 + result.failure.rolledBack.length : 0;
  const left = outcome.pending.length - result.applied.length - failed;
  const summary = `${plural(result.applied.length, 'migration')} applied${failed ? `, ${failed} failed` : ''}${left > 0 ? `, ${left} not attempted` : ''} (PostgreSQL ${outcome.serverVersion}, ${view.database})`;
  out.push(result.failure || result.stopped ? c.red(`✖ ${summary}`) : `${c.green('✔')} ${summary}`);
  return `${out.join('\n')}\n`;
}

/**
 * One line on a review that printed nothing else, or whose lock rules had nothing to judge: a first history
 * (every relation the pending files touch is created by them) is not held to the lock and rewrite rules.
 */
export function reviewNote(outcome: Pick<MigrateOutcome, 'review' | 'pending'>): string | undefined {
  const count = outcome.pending.length;
  if (count === 0) return undefined;
  const statements = outcome.review.files.flatMap((f) => f.statements);
  const touched = statements.flatMap((s) =>
    [...Object.keys(s.locks), ...s.rewrites, ...s.scans].map((r) => ({ r, fresh: s.newRelations?.includes(r) === true })),
  );
  const { errors, warnings, infos } = outcome.review.summary;
  const clean = errors + warnings + infos === 0;
  const what = count === 1 ? 'the migration' : `the ${plural(count, 'migration')}`;
  // only when the effects of every statement are known and some table is created or touched at all
  const firstHistory =
    touched.every((t) => t.fresh) && statements.every((s) => !s.unknown) && (touched.length > 0 || statements.some((s) => s.kind === 'CreateStmt'));
  if (firstHistory) {
    return `Reviewed ${what}: every table ${count === 1 ? 'it touches' : 'they touch'} is created in this run, so no one uses them yet and the lock and rewrite rules had nothing to protect${clean ? '; no findings' : ''}.`;
  }
  return clean ? `Reviewed ${what} for PostgreSQL ${outcome.review.pgVersion}: no findings.` : undefined;
}

function failureToPretty(f: RunFailure, outcome: MigrateOutcome, c: ChalkInstance): string {
  const lines = [`${c.red('✖')} ${c.bold(`${f.path}:${f.line}:${f.column}`)} ${f.error.message} ${c.dim(`(SQLSTATE ${f.error.code})`)}`];
  const text = outcome.plans.find((p) => p.migration.name === f.name)?.migration.text;
  if (text && f.statement) lines.push(codeFrame(text, f.line, f.column, c));
  if (f.error.detail) lines.push(`  ${c.dim('detail:')} ${f.error.detail.replace(/\n/g, '\n          ')}`);
  if (f.error.hint) lines.push(`  ${c.dim('hint:')} ${f.error.hint}`);
  if (f.error.code === '55P03') {
    lines.push(`  gave up after ${plural(f.attempts, 'attempt')}: a lock was not granted within lock_timeout.`);
    for (const b of f.blockers) lines.push(`  blocked by ${describeBlocker(b)}`);
    lines.push(`  ${c.dim('hint:')} run again when the blocking session has finished, or raise --lock-timeout / --retries.`);
  }
  lines.push(`  ${failureState(f)}`);
  return lines.join('\n');
}

/** What the failure left in the database, in words: a rollback only happens to transactional steps. */
function failureState(f: RunFailure): string {
  const where = f.step.of > 1 ? ` (step ${f.step.number} of ${f.step.of})` : '';
  const earlier =
    f.step.number > 1 ? ` Steps 1–${f.step.number - 1} of ${f.name} are applied and recorded; the next run resumes at step ${f.step.number}.` : '';
  if (f.step.inTransaction) {
    const what = f.step.of > 1 ? `Step ${f.step.number} of ${f.step.of} of ${f.name} was rolled back` : `${f.name} was rolled back`;
    return `${what}${f.rolledBack.length ? ` together with ${f.rolledBack.join(', ')} (one transaction)` : ''}; migrations before it stay applied.${earlier}`;
  }
  if (f.completed) {
    const next = f.resumable ? 'the next run sees that it was done and records it without running it again' : 'the next run runs it again';
    return `The statement${where} ran outside a transaction and completed, but recording it failed: the database has its effect, ${f.name} is not recorded as applied, and ${next}.${earlier}`;
  }
  const leftover = f.statement?.concurrentIndex
    ? `a failed concurrent build leaves an INVALID index ${f.statement.concurrentIndex.name}, which the next run drops and builds again`
    : 'whatever it changed before failing stays';
  return `The statement${where} ran outside a transaction, so nothing was rolled back: ${leftover}. Migrations before ${f.name} stay applied.${earlier}`;
}

export function migrateToJson(outcome: MigrateOutcome, view: Omit<MigrateView, 'color' | 'width'>, toolVersion: string): string {
  const failure = outcome.result?.failure;
  return `${JSON.stringify(
    {
      tool: 'dbtool',
      version: toolVersion,
      reportVersion: 1,
      command: 'migrate',
      folder: view.folder,
      database: view.database,
      serverVersion: outcome.serverVersion,
      dryRun: view.dryRun,
      waitedForLockMs: outcome.waitedMs,
      problems: outcome.problems,
      pending: outcome.pending.map((p) => p.migration.name),
      blockedByReview: outcome.blocked,
      plan: outcome.plans.map((p) => ({
        migration: p.migration.name,
        path: p.migration.path,
        units: p.units.map((u) => ({ inTransaction: u.inTransaction, statements: u.statements.map((s) => ({ line: s.line, column: s.column })) })),
      })),
      applied: outcome.result?.applied ?? [],
      failure: failure
        ? {
            migration: failure.name,
            path: failure.path,
            line: failure.line,
            column: failure.column,
            sqlstate: failure.error.code,
            message: failure.error.message,
            detail: failure.error.detail ?? null,
            hint: failure.error.hint ?? null,
            attempts: failure.attempts,
            blockers: failure.blockers,
            rolledBack: failure.rolledBack,
            step: failure.step.number,
            steps: failure.step.of,
            inTransaction: failure.step.inTransaction,
            completedButNotRecorded: failure.completed,
          }
        : null,
      stopped: outcome.result?.stopped ?? null,
      review: JSON.parse(reviewToJson(outcome.review, toolVersion)),
    },
    null,
    2,
  )}\n`;
}
