/**
 * The one way dbtool explains a query, shared by `dbtool explain` and the library's explain(): the checks
 * made before connecting (one query, no writes, no function a rollback cannot undo), then EXPLAIN in a
 * rolled-back transaction with timeouts, and the server's refusal as a typed error. The callers only differ
 * in where the session comes from and how the options are named.
 */
import { ExplainQueryError, ExplainRefusedError } from '../api/errors.js';
import type { Session } from '../db/connect.js';
import { refusalMessage, refusedByName } from './function-safety.js';
import type { Verdict } from './guard.js';
import { checkExplainable } from './guard.js';
import type { RawExplain } from './plan-json.js';
import { readPlan } from './plan-json.js';
import type { ExplainContext } from './report.js';
import type { CapturedPlan } from './run.js';
import { explainOn, functionRefusal, lineColumn, surplusParams } from './run.js';
import type { OptionWords } from './words.js';

export interface QueryToExplain {
  sql: string;
  params: unknown[];
  analyze: boolean;
  allowWrite: boolean;
}

/** A query that passed the checks made before connecting. */
export interface CheckedQuery extends QueryToExplain {
  verdict: Extract<Verdict, { ok: true }>;
}

/**
 * Refuses, before any connection, what the text alone shows to be unsafe or unexplainable. Throws
 * ExplainRefusedError (or UsageError for values that do not fit the placeholders). Needs loadParser().
 */
export function checkQuery(query: QueryToExplain, words: OptionWords): CheckedQuery {
  const verdict = checkExplainable(query.sql);
  if (!verdict.ok) {
    const where = verdict.line ? ` (line ${verdict.line}, column ${verdict.column})` : '';
    throw new ExplainRefusedError(`refusing to explain: ${verdict.reason}${where}`, verdict.hint, 'statement', verdict.line, verdict.column);
  }
  const surplus = surplusParams(verdict.placeholders, query.params.length, words);
  if (surplus) throw surplus;
  if (verdict.writes.length > 0 && query.analyze && !query.allowWrite) {
    throw new ExplainRefusedError(
      `refusing to run: the statement writes (${verdict.writes.join(', ')}), and EXPLAIN ANALYZE executes it`,
      `Pass ${words.allowWrite} to run it in a transaction that is rolled back, or ${words.noAnalyze} for the plan alone.`,
      'writes',
      undefined,
      undefined,
      [],
      verdict.writes,
    );
  }
  if (query.analyze && !query.allowWrite) {
    // known built-ins are refused before connecting; the server's catalog is asked about the rest
    const named = verdict.calls.flatMap((call) => {
      const reason = refusedByName(call.name);
      return reason ? [{ name: call.name, message: refusalMessage(call.name, reason), line: call.line, column: call.column }] : [];
    });
    if (named.length > 0) throw functionRefusal(named, words);
  }
  return { ...query, verdict };
}

export interface CaptureSettings {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /** the timeouts as the user gave them, for messages */
  statementTimeout: string;
  lockTimeout: string;
  /** the database, for messages: never with its password */
  database: string;
  words: OptionWords;
  /** told what allowWrite lets run (writes, functions) and what a rollback does not undo */
  warn?: (text: string) => void;
}

/** A plan captured by running EXPLAIN now. */
export interface CapturedExplain {
  plan: RawExplain;
  context: ExplainContext;
  captured: CapturedPlan;
}

const WHAT_ROLLBACK_KEEPS =
  'The transaction is rolled back, but sequence values it drew stay used, triggers with outside effects (NOTIFY is undone; dblink or file writes are not) have run, and the rows it touched were locked while it ran.';

/** EXPLAIN on `session` in a transaction that is always rolled back; the server's refusal is an ExplainQueryError. */
export async function captureOn(session: Session, query: CheckedQuery, settings: CaptureSettings): Promise<CapturedExplain> {
  const { verdict, params, analyze, allowWrite } = query;
  const { words } = settings;
  if (verdict.writes.length > 0 && analyze) settings.warn?.(`${words.allowWrite}: ${verdict.writes.join(', ')} will run. ${WHAT_ROLLBACK_KEEPS}`);
  const outcome = await explainOn(session, {
    verdict,
    params,
    analyze,
    allowWrite,
    statementTimeoutMs: settings.statementTimeoutMs,
    lockTimeoutMs: settings.lockTimeoutMs,
    words,
    ...(settings.warn ? { warn: settings.warn } : {}),
  });
  if (!outcome.ok) {
    const e = outcome.error;
    const hint =
      e.code === '57014'
        ? `The query ran longer than the statement timeout (${settings.statementTimeout}); EXPLAIN ANALYZE runs it in full. Raise it with ${words.statementTimeout}, or use ${words.noAnalyze}.`
        : e.code === '55P03'
          ? `A lock was not granted within the lock timeout (${settings.lockTimeout}, ${words.lockTimeout}): another session holds it.`
          : e.code === '25006'
            ? `The statement tried to write (a volatile function such as nextval(), or a data-modifying call) in the read-only transaction; ${words.allowWrite} runs it in a rolled-back read-write one.`
            : e.hint;
    const at = e.position ? lineColumn(verdict.sql, e.position) : undefined;
    throw new ExplainQueryError(
      `PostgreSQL refused the query (SQLSTATE ${e.code}): ${e.message}${at ? ` (line ${at.line}, column ${at.column} of the query)` : ''} [${settings.database}]`,
      hint,
      e.code,
      at?.line,
      at?.column,
      e.detail,
      e.hint,
    );
  }
  const plan = readPlan(outcome.plan.json, "the server's EXPLAIN output");
  return {
    plan,
    captured: outcome.plan,
    context: {
      server: { version: outcome.plan.serverVersion, major: outcome.plan.serverMajor },
      query: verdict.sql,
      analyzed: outcome.plan.analyzed,
      generic: outcome.plan.generic,
      settings: plan.Settings ?? {},
    },
  };
}
