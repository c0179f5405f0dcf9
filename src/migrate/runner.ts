import { asServerError, LOCK_NOT_AVAILABLE } from '../db/client.js';
import { DatabaseError } from '../errors.js';
import type { ServerError } from '../db/client.js';
import type { Session } from '../db/connect.js';
import { blockersOf } from './blockers.js';
import type { Blocker } from './blockers.js';
import { clearProgressSql, ensureProgressTable, progressSql, recordSql } from './bookkeeping.js';
import type { Bookkeeping, TableShape } from './bookkeeping.js';
import type { FilePlan, PlannedStatement, Unit } from './plan.js';

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
  | { type: 'resume'; name: string; unitsDone: number };

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
}

export interface RunResult {
  applied: Array<{ name: string; statements: number; ms: number }>;
  failure: RunFailure | undefined;
}

interface Step {
  plan: FilePlan;
  unit: Unit;
  /** 0-based index of the unit in its file */
  index: number;
}

/** Applies planned migrations in order; stops at the first failure. Bookkeeping commits with the last unit of a file. */
export async function runPlans(session: Session, bk: Bookkeeping, shape: TableShape, plans: FilePlan[], progress: Map<string, number>, opts: RunnerOptions, emit: (e: RunEvent) => void): Promise<RunResult> {
  const runner = new Runner(session, bk, shape, opts, emit);
  try {
    const steps: Step[] = [];
    for (const plan of plans) {
      const done = progress.get(plan.migration.hash ?? '') ?? 0;
      if (done > 0) emit({ type: 'resume', name: plan.migration.name, unitsDone: done });
      if (plan.units.length > 1) await ensureProgressTable(session, bk);
      plan.units.forEach((unit, index) => { if (index >= done) steps.push({ plan, unit, index }); });
    }
    for (const group of groupSteps(steps, opts.transaction)) {
      const failure = await runner.runGroup(group);
      if (failure) return { applied: runner.applied, failure };
    }
    return { applied: runner.applied, failure: undefined };
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
    const joins = previous !== undefined && step.unit.inTransaction && previous.unit.inTransaction
      && (mode === 'all' || previous.plan === step.plan);
    if (joins) last!.push(step);
    else groups.push([step]);
  }
  return groups;
}

class Runner {
  readonly applied: RunResult['applied'] = [];
  private readonly started = new Map<FilePlan, number>();
  private monitor: Session | undefined;

  constructor(
    private readonly session: Session,
    private readonly bk: Bookkeeping,
    private readonly shape: TableShape,
    private readonly opts: RunnerOptions,
    private readonly emit: (e: RunEvent) => void,
  ) {}

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
      if (outcome.error.code !== LOCK_NOT_AVAILABLE || attempt >= this.opts.retries) {
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
        if (statement.concurrentIndex) await this.dropInvalidIndex(step, statement.concurrentIndex);
        await this.session.exec(statement.sql);
        current = { step, statement: undefined, offset: 0 };
        await this.session.exec(this.bookkeepingSql(step));
        return undefined;
      }
      // one round trip per statement: the transaction's start rides on the first, bookkeeping and COMMIT on the last
      for (const send of transactionSends(group, `BEGIN; ${timeouts}`, (step) => this.bookkeepingSql(step))) {
        current = send;
        await this.session.exec(send.text);
      }
      return undefined;
    } catch (error) {
      if (inTransaction) await this.session.exec('ROLLBACK').catch(() => undefined);
      const server = asServerError(error);
      if (!server) {
        throw new DatabaseError(`lost the database connection while applying ${current.step.plan.migration.name}: ${error instanceof Error ? error.message : String(error)}`,
          "The server rolls back what was not committed; files already reported as applied are recorded. Run dbtool migrate again when the database is reachable.");
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

  /** A CREATE INDEX CONCURRENTLY that failed earlier left an INVALID index of the same name: drop it so the build can run again. */
  private async dropInvalidIndex(step: Step, index: NonNullable<PlannedStatement['concurrentIndex']>): Promise<void> {
    const { rows } = await this.session.query<{ qualified: string }>(
      `SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified
         FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND NOT i.indisvalid
          AND (n.nspname = $2 OR ($2 IS NULL AND n.nspname = ANY (current_schemas(false))))
        ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1`, [index.name, index.schema ?? null]);
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
    return { get seen() { return state.seen; }, stop: () => { state.stopped = true; } };
  }

  private failure(group: Step[], outcome: { step: Step; statement: PlannedStatement | undefined; error: ServerError }, attempts: number, blockers: Blocker[]): RunFailure {
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
    return { name: step.plan.migration.name, path: step.plan.migration.path, statement, error, line, column, blockers, attempts, rolledBack };
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

function statementCount(plan: FilePlan): number {
  return plan.units.reduce((n, u) => n + u.statements.length, 0);
}

