import type { DbClient, ServerError } from '../db/client.js';
import { asServerError, LOCK_NOT_AVAILABLE } from '../db/client.js';
import type { Session } from '../db/connect.js';
import { DatabaseError } from '../errors.js';
import type { Blocker } from './blockers.js';
import { advisoryHolder, blockersOf } from './blockers.js';
import type { Bookkeeping, TableShape } from './bookkeeping.js';
import {
  advisoryKey,
  clearProgressSql,
  ensureProgressTable,
  guardSql,
  holdsLockSql,
  progressSql,
  readApplied,
  readProgress,
  recordSql,
} from './bookkeeping.js';
import type { FilePlan, PlannedStatement, ResumeCheck, Unit } from './plan.js';

/** SQLSTATE 40P01: the server broke a deadlock by cancelling this statement; like a lock timeout, worth retrying. */
const DEADLOCK_DETECTED = '40P01';

export interface RunnerOptions {
  /** 'per-file': each file in its own transaction; 'all': one transaction for the whole run, like drizzle */
  transaction: 'per-file' | 'all';
  lockTimeoutMs: number;
  /** 0: no limit */
  statementTimeoutMs: number;
  /** attempts after the first when a lock is not granted within lockTimeoutMs */
  retries: number;
  /** first retry delay; doubles each time */
  backoffMs: number;
}

export type RunEvent =
  | { type: 'migration-start'; name: string; statements: number }
  | { type: 'migration-done'; name: string; statements: number; ms: number }
  | { type: 'lock-retry'; name: string; attempt: number; delayMs: number; blockers: Blocker[] }
  | { type: 'invalid-index'; name: string; index: string }
  | { type: 'resume'; name: string; unitsDone: number }
  /** a step outside a transaction that an interrupted run completed but never recorded: recorded now, not run again */
  | { type: 'already-done'; name: string; step: number; steps: number; what: string }
  /** a migration released the run's advisory lock; it was free, so the run took it again */
  | { type: 'lock-regained'; after: string };

export interface RunFailure {
  /** the migration whose statement failed */
  name: string;
  path: string;
  statement: PlannedStatement | undefined;
  error: ServerError;
  /** position in the file of the failing statement, or of the server's error position within it */
  line: number;
  column: number;
  /** sessions seen blocking dbtool when it gave up on a lock */
  blockers: Blocker[];
  attempts: number;
  /** migrations rolled back with the failing one (a shared transaction in 'all' mode) */
  rolledBack: string[];
  /** the failing step of the file (1-based) and how many it has; steps before it are applied and recorded */
  step: { number: number; of: number; inTransaction: boolean };
  /**
   * the step ran outside a transaction and its statement completed, but recording it failed: the
   * database has its effect; `resumable` when the next run can tell and records it instead of running it again
   */
  completed: boolean;
  resumable: boolean;
}

export interface RunResult {
  applied: Array<{ name: string; statements: number; ms: number }>;
  failure: RunFailure | undefined;
  /** the run stopped before a migration because it no longer held its advisory lock */
  stopped: { before: string; message: string; hint: string } | undefined;
}

/** A failure the runner detected itself, reported like a server error on the statement. */
export class StepConflict extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

interface Step {
  plan: FilePlan;
  unit: Unit;
  /** 0-based index of the unit in its file */
  index: number;
}

/** Applies planned migrations in order; stops at the first failure. Bookkeeping commits with the last unit of a file. */
export async function runPlans(
  session: Session,
  bk: Bookkeeping,
  shape: TableShape,
  plans: FilePlan[],
  progress: Map<string, number>,
  opts: RunnerOptions,
  emit: (e: RunEvent) => void,
): Promise<RunResult> {
  const runner = new Runner(session, bk, shape, opts, emit);
  try {
    const steps: Step[] = [];
    for (const plan of plans) {
      const done = progress.get(plan.migration.hash ?? '') ?? 0;
      if (done > 0) emit({ type: 'resume', name: plan.migration.name, unitsDone: done });
      if (plan.units.length > 1) await ensureProgressTable(session, bk);
      plan.units.forEach((unit, index) => {
        if (index >= done) steps.push({ plan, unit, index });
      });
    }
    const groups = groupSteps(steps, opts.transaction);
    for (const [i, group] of groups.entries()) {
      const stopped = await runner.checkLock(groups.slice(i).flat(), groups[i - 1]);
      if (stopped) return { applied: runner.applied, failure: undefined, stopped };
      const failure = await runner.runGroup(group);
      if (failure) return { applied: runner.applied, failure, stopped: undefined };
    }
    return { applied: runner.applied, failure: undefined, stopped: undefined };
  } finally {
    await runner.close();
  }
}

/** Consecutive transactional units share a transaction: per file, or across files in 'all' mode. */
function groupSteps(steps: Step[], mode: RunnerOptions['transaction']): Step[][] {
  const groups: Step[][] = [];
  for (const step of steps) {
    const last = groups[groups.length - 1];
    const previous = last?.[last.length - 1];
    const joins = previous !== undefined && step.unit.inTransaction && previous.unit.inTransaction && (mode === 'all' || previous.plan === step.plan);
    if (joins) last!.push(step);
    else groups.push([step]);
  }
  return groups;
}

class Runner {
  readonly applied: RunResult['applied'] = [];
  private readonly started = new Map<FilePlan, number>();
  /** non-transactional steps whose statement completed in this run: a retry only records them */
  private readonly executed = new Set<Step>();
  private monitor: Session | undefined;
  private readonly key: string;

  constructor(
    private readonly session: Session,
    private readonly bk: Bookkeeping,
    private readonly shape: TableShape,
    private readonly opts: RunnerOptions,
    private readonly emit: (e: RunEvent) => void,
  ) {
    this.key = advisoryKey(bk);
  }

  /**
   * Before each group: the run must still hold its advisory lock (SQL in a migration can release it).
   * When it was released and is free, the run takes it again and checks that nothing it is about to
   * apply was recorded meanwhile; when another run holds it, this one stops.
   */
  async checkLock(remaining: Step[], previous: Step[] | undefined): Promise<RunResult['stopped']> {
    const held = await this.session.query<{ held: boolean }>(`SELECT ${holdsLockSql(this.key)} AS held`);
    if (held.rows[0]?.held) return undefined;
    const next = remaining[0]!.plan.migration.name;
    const after = previous?.at(-1)?.plan.migration.name ?? 'an earlier statement';
    const why = `dbtool's migration lock was released while ${after} ran (a statement such as pg_advisory_unlock_all() or DISCARD ALL releases the session's advisory locks)`;
    const hint = `Remove the statement that releases advisory locks from ${after}; then run dbtool migrate again (once any other run has finished).`;
    const got = await this.session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [this.key]);
    if (!got.rows[0]?.ok) {
      const holder = await advisoryHolder(this.session, this.key).catch(() => undefined);
      const who = holder ? `another session (pid ${holder.pid}${holder.application ? `, ${holder.application}` : ''})` : 'another session';
      return { before: next, message: `${why}, and ${who} holds it now: stopped before ${next} so that two runs cannot apply the same migration.`, hint };
    }
    this.emit({ type: 'lock-regained', after });
    const rows = await readApplied(this.session, this.bk, this.shape);
    const progress = await readProgress(this.session, this.bk);
    for (const step of remaining) {
      const m = step.plan.migration;
      const recorded = rows.some((r) => r.hash === m.hash && r.createdAt === m.createdAt);
      const firstOfFile = remaining.find((s) => s.plan === step.plan) === step;
      if (recorded || (firstOfFile && (progress.get(m.hash ?? '') ?? 0) !== step.index)) {
        return { before: next, message: `${why}, and another run applied ${m.name} in the meantime: stopped before ${next}.`, hint };
      }
    }
    return undefined;
  }

  async close(): Promise<void> {
    await this.monitor?.close().catch(() => undefined);
  }

  /** Runs one group, retrying it whole on lock timeouts. Returns the failure, if it failed for good. */
  async runGroup(group: Step[]): Promise<RunFailure | undefined> {
    for (const step of group) {
      if (!this.started.has(step.plan)) {
        this.started.set(step.plan, Date.now());
        this.emit({ type: 'migration-start', name: step.plan.migration.name, statements: statementCount(step.plan) });
      }
    }
    let blockers: Blocker[] = [];
    for (let attempt = 0; ; attempt++) {
      const watch = attempt > 0 ? await this.watchBlockers() : undefined;
      const outcome = await this.attempt(group).finally(() => watch?.stop());
      if (watch && watch.seen.length > 0) blockers = watch.seen;
      if (!outcome) break;
      if ((outcome.error.code !== LOCK_NOT_AVAILABLE && outcome.error.code !== DEADLOCK_DETECTED) || attempt >= this.opts.retries) {
        return this.failure(group, outcome, attempt + 1, blockers);
      }
      const delayMs = this.opts.backoffMs * 2 ** attempt;
      this.emit({ type: 'lock-retry', name: outcome.step.plan.migration.name, attempt: attempt + 1, delayMs, blockers });
      await new Promise((r) => setTimeout(r, delayMs));
    }
    for (const step of group) {
      if (step.index === step.plan.units.length - 1) {
        const name = step.plan.migration.name;
        const ms = Date.now() - (this.started.get(step.plan) ?? Date.now());
        this.applied.push({ name, statements: statementCount(step.plan), ms });
        this.emit({ type: 'migration-done', name, statements: statementCount(step.plan), ms });
      }
    }
    return undefined;
  }

  private async attempt(group: Step[]): Promise<{ step: Step; statement: PlannedStatement | undefined; error: ServerError } | undefined> {
    const inTransaction = group[0]!.unit.inTransaction;
    const local = inTransaction ? 'LOCAL ' : '';
    const timeouts = `SET ${local}lock_timeout = ${this.opts.lockTimeoutMs}; SET ${local}statement_timeout = ${this.opts.statementTimeoutMs}`;
    let current: { step: Step; statement: PlannedStatement | undefined; offset: number } = { step: group[0]!, statement: undefined, offset: 0 };
    try {
      if (!inTransaction) {
        // CREATE INDEX CONCURRENTLY and friends refuse to share a query string with anything else
        const step = group[0]!;
        const statement = step.unit.statements[0]!;
        await this.session.exec(timeouts);
        current = { step, statement, offset: 0 };
        if (!this.executed.has(step)) {
          const done = statement.resume ? await this.alreadyDone(statement.resume) : undefined;
          if (done) {
            this.emit({ type: 'already-done', name: step.plan.migration.name, step: step.index + 1, steps: step.plan.units.length, what: done });
          } else {
            if (statement.concurrentIndex) await this.dropInvalidIndex(step, statement.concurrentIndex);
            await this.session.exec(statement.sql);
          }
          this.executed.add(step);
        }
        current = { step, statement: undefined, offset: 0 };
        // one query string: an implicit transaction, so the guard and the record commit or fail together
        await this.session.exec(`${this.guardSql(step)};\n${this.bookkeepingSql(step)}`);
        return undefined;
      }
      // one round trip per statement: the transaction's start rides on the first, bookkeeping and COMMIT on the last
      for (const send of transactionSends(group, `BEGIN; ${timeouts}`, (step) => `${this.guardSql(step)};\n${this.bookkeepingSql(step)}`)) {
        current = send;
        await this.session.exec(send.text);
      }
      return undefined;
    } catch (error) {
      if (inTransaction) await this.session.exec('ROLLBACK').catch(() => undefined);
      const server =
        error instanceof StepConflict
          ? { code: error.code, message: error.message, ...(error.detail ? { detail: error.detail } : {}), ...(error.hint ? { hint: error.hint } : {}) }
          : asServerError(error);
      if (!server) {
        throw new DatabaseError(
          `lost the database connection while applying ${current.step.plan.migration.name}: ${error instanceof Error ? error.message : String(error)}`,
          'The server rolls back what was not committed; files already reported as applied are recorded. Run dbtool migrate again when the database is reachable.',
        );
      }
      const position = server.position === undefined ? undefined : server.position - current.offset;
      const inStatement = current.statement !== undefined && position !== undefined && position >= 1 && position <= current.statement.sql.length + 1;
      const { position: _dropped, ...rest } = server;
      return { step: current.step, statement: current.statement, error: inStatement ? { ...rest, position } : rest };
    }
  }

  /** The bookkeeping that commits with a unit: the drizzle row after the file's last unit, progress otherwise. */
  private bookkeepingSql(step: Step): string {
    const m = step.plan.migration;
    const key = { hash: m.hash ?? '', name: m.name, createdAt: m.createdAt };
    if (step.index < step.plan.units.length - 1) return progressSql(this.bk, key, step.index + 1);
    const record = recordSql(this.bk, this.shape, key);
    return step.plan.units.length > 1 ? `${record}; ${clearProgressSql(this.bk, key.hash)}` : record;
  }

  private guardSql(step: Step): string {
    const m = step.plan.migration;
    return guardSql(this.bk, this.key, { hash: m.hash ?? '', name: m.name, createdAt: m.createdAt }, { index: step.index, count: step.plan.units.length });
  }

  private alreadyDone(check: ResumeCheck): Promise<string | undefined> {
    return alreadyDone(this.session, check, true);
  }

  /** A CREATE INDEX CONCURRENTLY that failed earlier left an INVALID index of the same name: drop it so the build can run again. */
  private async dropInvalidIndex(step: Step, index: NonNullable<PlannedStatement['concurrentIndex']>): Promise<void> {
    const { rows } = await this.session.query<{ qualified: string }>(
      `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified
         FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND NOT i.indisvalid
          AND (n.nspname = $2 OR ($2 IS NULL AND n.nspname = ANY (current_schemas(false))))
        ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1`,
      [index.name, index.schema ?? null],
    );
    const invalid = rows[0]?.qualified;
    if (!invalid) return;
    this.emit({ type: 'invalid-index', name: step.plan.migration.name, index: invalid });
    await this.session.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${invalid}`);
  }

  /** Watches a retry from a second session, recording who blocks it (real servers only). */
  private async watchBlockers(): Promise<{ seen: Blocker[]; stop: () => void } | undefined> {
    if (!this.session.another) return undefined;
    this.monitor ??= await this.session.another().catch(() => undefined);
    const monitor = this.monitor;
    if (!monitor) return undefined;
    const state = { seen: [] as Blocker[], stopped: false };
    const interval = Math.max(20, Math.min(500, Math.floor(this.opts.lockTimeoutMs / 4)));
    const poll = async () => {
      while (!state.stopped) {
        const found = await blockersOf(monitor, this.session.pid).catch(() => []);
        if (found.length > 0) state.seen = found;
        await new Promise((r) => setTimeout(r, interval));
      }
    };
    void poll();
    return {
      get seen() {
        return state.seen;
      },
      stop: () => {
        state.stopped = true;
      },
    };
  }

  private failure(
    group: Step[],
    outcome: { step: Step; statement: PlannedStatement | undefined; error: ServerError },
    attempts: number,
    blockers: Blocker[],
  ): RunFailure {
    const { step, statement, error } = outcome;
    const source = step.plan.parsed.source;
    let line = statement?.line ?? 1;
    let column = statement?.column ?? 1;
    if (statement && error.position !== undefined) {
      const at = source.position(statement.start + error.position - 1);
      line = at.line;
      column = at.column;
    }
    const rolledBack = [...new Set(group.filter((s) => s.unit.inTransaction && s.plan !== step.plan).map((s) => s.plan.migration.name))];
    const inTransaction = step.unit.inTransaction;
    const completed = !inTransaction && this.executed.has(step);
    const resumable = completed && step.unit.statements[0]?.resume !== undefined;
    if (completed && !statement) {
      // the failure is in recording the step: point at the statement that did run
      const ran = step.unit.statements[0];
      line = ran?.line ?? line;
      column = ran?.column ?? column;
    }
    return {
      name: step.plan.migration.name,
      path: step.plan.migration.path,
      statement,
      error,
      line,
      column,
      blockers,
      attempts,
      rolledBack,
      step: { number: step.index + 1, of: step.plan.units.length, inTransaction },
      completed,
      resumable,
    };
  }
}

interface Send {
  text: string;
  step: Step;
  statement: PlannedStatement | undefined;
  /** characters before the statement in `text`, to place the server's error position */
  offset: number;
}

/** The query strings of a transactional group, with the statements they carry. */
function transactionSends(group: Step[], begin: string, bookkeeping: (step: Step) => string): Send[] {
  const sends: Send[] = [];
  let prefix = `${begin};\n`;
  for (const step of group) {
    for (const statement of step.unit.statements) {
      sends.push({ text: `${prefix}${statement.sql}`, step, statement, offset: prefix.length });
      prefix = '';
    }
    const tail = `;\n${bookkeeping(step)}`;
    const last = sends[sends.length - 1];
    if (last && last.step === step && prefix === '') last.text += tail;
    else sends.push({ text: `${prefix}${bookkeeping(step)}`, step, statement: undefined, offset: 0 });
    prefix = '';
  }
  sends[sends.length - 1]!.text += ';\nCOMMIT';
  return sends;
}

/**
 * Whether an interrupted run already did what a non-transactional statement does (built the index,
 * dropped it, added the enum label): a description of what was found, or undefined to run it.
 * Throws StepConflict when an index of the same name exists with another definition (`verify`:
 * compare definitions, which builds the index on an empty temporary copy of the table and rolls back).
 */
export async function alreadyDone(db: DbClient, check: ResumeCheck, verify: boolean): Promise<string | undefined> {
  const qualified = (schema: string | undefined, name: string) => `${schema === undefined ? '' : `${quote(schema)}.`}${quote(name)}`;
  if (check.kind === 'drop-index') {
    const { rows } = await db.query<{ gone: boolean }>('SELECT to_regclass($1) IS NULL AS gone', [qualified(check.schema, check.name)]);
    return rows[0]?.gone ? `index ${qualified(check.schema, check.name)} is already gone` : undefined;
  }
  if (check.kind === 'enum-value') {
    const { rows } = await db.query<{ there: boolean }>('SELECT EXISTS (SELECT FROM pg_enum WHERE enumtypid = to_regtype($1) AND enumlabel = $2) AS there', [
      qualified(check.schema, check.type),
      check.value,
    ]);
    return rows[0]?.there ? `type ${qualified(check.schema, check.type)} already has the value '${check.value}'` : undefined;
  }
  const { rows } = await db.query<{
    index_name: string;
    valid: boolean;
    same_table: boolean;
    is_index: boolean;
    def: string | null;
    index_table: string | null;
    table_name: string;
  }>(
    `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS index_name, coalesce(i.indisvalid, false) AS valid, c.relkind IN ('i', 'I') AS is_index,
            i.indrelid IS NOT DISTINCT FROM t.oid AS same_table, pg_get_indexdef(i.indexrelid) AS def,
            i.indrelid::regclass::text AS index_table, quote_ident(n.nspname) || '.' || quote_ident(t.relname) AS table_name
       FROM pg_class t JOIN pg_class c ON c.relnamespace = t.relnamespace AND c.relname = $2
       JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = c.oid
      WHERE t.oid = to_regclass($1)`,
    [qualified(check.table.schema, check.table.name), check.name],
  );
  const found = rows[0];
  // no such index (or not an index, or INVALID: dropped and rebuilt as before): the statement runs
  if (!found?.is_index || !found.valid) return undefined;
  const hint = `Nothing in this step ran. If the migration's definition is the one wanted, drop the existing index (DROP INDEX CONCURRENTLY ${found.index_name}) and run dbtool migrate again; if the existing one is right, change the migration to match it.`;
  if (!found.same_table) {
    throw new StepConflict(
      '42P07',
      `index ${found.index_name} already exists, on ${found.index_table}, not on ${found.table_name}`,
      `in the database: ${found.def}`,
      hint,
    );
  }
  if (!verify) return `index ${found.index_name} exists and is VALID (the next run compares its definition with the statement's)`;
  const wanted = await probeIndex(db, check, found.table_name);
  if (typeof wanted !== 'string') {
    throw new StepConflict(
      '42P07',
      `index ${found.index_name} already exists, and dbtool could not check that it matches this statement (${wanted.error})`,
      `in the database: ${found.def}`,
      hint,
    );
  }
  const existing = withTableMark(found.def ?? '', found.table_name);
  if (existing !== wanted) {
    throw new StepConflict(
      '42P07',
      `index ${found.index_name} already exists with a different definition`,
      `in the database:       ${found.def}\nthis statement builds: ${wanted.replace(PROBE_TABLE_MARK, found.table_name)}`,
      hint,
    );
  }
  return `index ${found.index_name} is already built, VALID, with this definition`;
}

/**
 * The server's own definition of the index the statement would build, printed by pg_get_indexdef
 * after building it on an empty copy of the table in a transaction that is rolled back: nothing
 * persists, and only the definitions are compared (columns, expressions, opclasses, predicate, method).
 */
async function probeIndex(db: DbClient, check: Extract<ResumeCheck, { kind: 'create-index' }>, table: string): Promise<string | { error: string }> {
  try {
    await db.exec(`BEGIN; CREATE TEMP TABLE dbtool_index_probe (LIKE ${table})`);
    await db.exec(`${check.probe.before}pg_temp.dbtool_index_probe${check.probe.after}`);
    const { rows } = await db.query<{ def: string; q: string }>(
      `SELECT pg_get_indexdef(i.indexrelid) AS def, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS q
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE i.indrelid = 'pg_temp.dbtool_index_probe'::regclass`,
    );
    const found = rows[0];
    // pg_get_indexdef names the session's own temporary schema pg_temp
    return found ? withTableMark(withTableMark(found.def, found.q), 'pg_temp.dbtool_index_probe') : { error: 'the probe built no index' };
  } catch (error) {
    return { error: asServerError(error)?.message ?? (error instanceof Error ? error.message : String(error)) };
  } finally {
    await db.exec('ROLLBACK').catch(() => undefined);
  }
}

const PROBE_TABLE_MARK = '<table>';

/** An index definition with its (qualified, quoted) table replaced by a mark, so two can be compared. */
function withTableMark(def: string, table: string): string {
  for (const on of [' ON ONLY ', ' ON ']) {
    const at = def.indexOf(`${on}${table} `);
    if (at >= 0) return `${def.slice(0, at)}${on}${PROBE_TABLE_MARK}${def.slice(at + on.length + table.length)}`;
  }
  return def;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function statementCount(plan: FilePlan): number {
  return plan.units.reduce((n, u) => n + u.statements.length, 0);
}
