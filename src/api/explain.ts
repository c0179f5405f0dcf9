/**
 * `dbtool explain` as a function: the same checks and the same rolled-back, time-limited EXPLAIN as the CLI
 * (src/explain/capture.ts), on the caller's connection or a connection string, with the plan, its
 * per-node metrics and diagnoses returned instead of printed.
 */
import { Chalk } from 'chalk';
import type { Session } from '../db/connect.js';
import { describeTarget, openSession } from '../db/connect.js';
import { ConfigError, UsageError } from '../errors.js';
import type { NodeMetrics, TriggerMetrics } from '../explain/analyze.js';
import { analyzePlan } from '../explain/analyze.js';
import { captureOn, checkQuery } from '../explain/capture.js';
import { diagnose } from '../explain/diagnose.js';
import type { Diagnostic } from '../explain/diagnostic.js';
import type { RawExplain } from '../explain/plan-json.js';
import { explainToJson, explainToMarkdown } from '../explain/report.js';
import { renderPlan } from '../explain/tree.js';
import { API_WORDS } from '../explain/words.js';
import { durationMs } from '../migrate/durations.js';
import { loadParser } from '../review/parse.js';
import { VERSION } from '../version.js';
import type { MigrationDatabase } from './session.js';
import { borrowSession, refuseOpenTransaction } from './session.js';

/** What explain() runs on: a connection string (opened and closed by explain), or a connection the caller owns. */
export type ExplainDatabase = string | MigrationDatabase;

export interface ExplainOptions {
  /** values for $1, $2, … in order (PostgreSQL casts each to its parameter's type) */
  params?: readonly unknown[];
  /** false: plan only, the query is not executed (a generic plan for $n without values on PostgreSQL 16+); default true */
  analyze?: boolean;
  /**
   * run writes (INSERT/UPDATE/DELETE/MERGE) and functions whose effects a rollback cannot undo (nextval,
   * pg_terminate_backend, …) in a read-write transaction that is still rolled back; default false
   */
  allowWrite?: boolean;
  /** cancel the query after this long: milliseconds or e.g. "30s" (default "30s") */
  statementTimeout?: number | string;
  /** give up waiting for a lock after this long (default "2s") */
  lockTimeout?: number | string;
  /** told what allowWrite lets run that a rollback does not undo */
  onWarning?: (text: string) => void;
}

export interface ExplainResult {
  /** the query as it ran */
  query: string;
  server: { version: string; major: number };
  /** the query was executed (EXPLAIN ANALYZE), not only planned */
  analyzed: boolean;
  /** a generic plan, for a query with $n placeholders and no values */
  genericPlan: boolean;
  /** non-default planner settings the plan recorded */
  settings: Record<string, string>;
  totals: { executionMs: number | undefined; planningMs: number | undefined; jitMs: number | undefined; totalMs: number };
  /** EXPLAIN (FORMAT JSON) as the server returned it: the tree is `plan.Plan` and each node's `Plans` */
  plan: RawExplain;
  /** the tree's nodes depth-first (nodes[0] is the root; `parentId` and `children` link them), with their metrics */
  nodes: NodeMetrics[];
  triggers: TriggerMetrics[];
  /** what is wrong with the plan, costliest first (empty for a plan that was not executed) */
  diagnostics: Diagnostic[];
  /** the plan as `dbtool explain` prints it: the tree, then the diagnoses */
  render(options?: { width?: number; color?: boolean }): string;
  /** as `dbtool explain --format markdown`: for a ticket or pull request */
  toMarkdown(): string;
  /** as `dbtool explain --format json` */
  toJSON(): Record<string, unknown>;
}

/**
 * EXPLAIN ANALYZE of one query, safely: exactly one SELECT/INSERT/UPDATE/DELETE/MERGE, in a READ ONLY
 * transaction that is always rolled back, with statement and lock timeouts, and no function whose effects a
 * rollback cannot undo. Rejects with ExplainRefusedError (refused before running: not one query, a write, an
 * unsafe function), ExplainQueryError (PostgreSQL refused it, or a timeout), DatabaseError (no connection;
 * the message never holds the password), UsageError or ConfigError (bad arguments). A connection passed in
 * stays open and must not be inside a transaction (UsageError).
 */
export async function explain(db: ExplainDatabase, sql: string, options: ExplainOptions = {}): Promise<ExplainResult> {
  if (typeof sql !== 'string')
    throw new UsageError('explain() needs the query as a string', 'e.g. explain(db, "SELECT * FROM users WHERE id = $1", { params: [42] })');
  const settings = settingsOf(options);
  await loadParser();
  const checked = checkQuery({ sql, params: [...(options.params ?? [])], analyze: settings.analyze, allowWrite: settings.allowWrite }, API_WORDS);
  const { session, database } = await sessionFor(db);
  try {
    const explained = await captureOn(session, checked, {
      ...settings.timeouts,
      database,
      words: API_WORDS,
      ...(options.onWarning ? { warn: options.onWarning } : {}),
    });
    return resultOf(explained.plan, explained.context);
  } finally {
    await session.close().catch(() => undefined);
  }
}

function settingsOf(options: ExplainOptions) {
  const problems: string[] = [];
  const duration = (name: string, value: number | string | undefined, fallback: string) => {
    const ms = durationMs(value ?? fallback);
    if (ms === undefined) problems.push(`${name}: ${JSON.stringify(value)} is not a duration (milliseconds, or e.g. "500ms", "5s", "2min")`);
    return { ms: ms ?? 0, text: String(value ?? fallback) };
  };
  const statement = duration('statementTimeout', options.statementTimeout, '30s');
  const lock = duration('lockTimeout', options.lockTimeout, '2s');
  if (options.params !== undefined && !Array.isArray(options.params)) problems.push('params: must be an array of values for $1, $2, …');
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), 'Fix the explain() options above.');
  return {
    analyze: options.analyze !== false,
    allowWrite: options.allowWrite === true,
    timeouts: { statementTimeoutMs: statement.ms, lockTimeoutMs: lock.ms, statementTimeout: statement.text, lockTimeout: lock.text },
  };
}

async function sessionFor(db: ExplainDatabase): Promise<{ session: Session; database: string }> {
  if (typeof db !== 'string') {
    const session = await borrowSession(db);
    // explain() ends its transaction with ROLLBACK
    await refuseOpenTransaction(session, 'explain');
    return { session, database: session.describe };
  }
  const target = { kind: 'server' as const, url: db, source: 'the connection string' };
  // openSession parses the string itself and keeps the password out of every message
  return { session: await openSession(target), database: describeTarget(target) };
}

const PLAIN = new Chalk({ level: 0 });
const COLOR = new Chalk({ level: 1 });

function resultOf(plan: RawExplain, context: Parameters<typeof explainToJson>[3]): ExplainResult {
  const metrics = analyzePlan(plan);
  const diagnostics = diagnose(metrics);
  const server = context.server ?? { version: '', major: 0 };
  return {
    query: context.query ?? '',
    server,
    analyzed: context.analyzed,
    genericPlan: context.generic,
    settings: context.settings,
    totals: { executionMs: metrics.executionMs, planningMs: metrics.planningMs, jitMs: metrics.jitMs, totalMs: metrics.totalMs },
    plan,
    nodes: metrics.nodes,
    triggers: metrics.triggers,
    diagnostics,
    render: (options = {}) =>
      renderPlan(metrics, diagnostics, {
        color: options.color ? COLOR : PLAIN,
        width: options.width ?? 100,
        server: `PostgreSQL ${server.version}`,
      }),
    toMarkdown: () => explainToMarkdown(metrics, diagnostics, context),
    toJSON: () => JSON.parse(explainToJson(plan, metrics, diagnostics, context, VERSION)) as Record<string, unknown>,
  };
}
