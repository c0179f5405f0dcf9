import { asServerError } from '../db/client.js';
import type { ServerError } from '../db/client.js';
import type { Session } from '../db/connect.js';
import { DatabaseError, UsageError } from '../errors.js';
import type { Verdict } from './guard.js';

export interface ExplainRequest {
  verdict: Extract<Verdict, { ok: true }>;
  params: unknown[];
  /** false: plan only, the statement is not executed */
  analyze: boolean;
  allowWrite: boolean;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export interface CapturedPlan {
  /** EXPLAIN's JSON output, untouched */
  json: unknown;
  serverVersion: string;
  serverMajor: number;
  /** a generic plan for a query with $n placeholders and no values (PostgreSQL 16+) */
  generic: boolean;
  analyzed: boolean;
  /** wall time of the EXPLAIN round trip, ms */
  wallMs: number;
}

export type ExplainOutcome = { ok: true; plan: CapturedPlan } | { ok: false; error: ServerError; serverMajor: number };

/** The EXPLAIN options for a server version: PG 18 turns BUFFERS on with ANALYZE, older ones need it asked for. */
export function explainOptions(major: number, analyze: boolean, generic: boolean, writes: boolean): string[] {
  const options = analyze ? ['ANALYZE', 'BUFFERS', 'VERBOSE'] : ['VERBOSE'];
  if (major >= 12) options.push('SETTINGS');
  if (analyze && writes && major >= 13) options.push('WAL');
  if (generic) options.push('GENERIC_PLAN');
  options.push('FORMAT JSON');
  return options;
}

/**
 * Runs EXPLAIN inside a transaction that is always rolled back: READ ONLY unless writes were allowed,
 * with statement and lock timeouts set for that transaction only.
 */
export async function explainOn(session: Session, req: ExplainRequest): Promise<ExplainOutcome> {
  const versionRows = await session.query<{ num: string; version: string }>("SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version");
  const serverMajor = Math.floor(Number(versionRows.rows[0]?.num) / 10000);
  const serverVersion = versionRows.rows[0]?.version ?? String(serverMajor);
  const missing = req.verdict.placeholders > req.params.length;
  const generic = missing && !req.analyze;
  if (missing && req.analyze) {
    throw new UsageError(`the query uses $1…$${req.verdict.placeholders} but ${req.params.length === 0 ? 'no values were' : `only ${req.params.length} value${req.params.length === 1 ? ' was' : 's were'}`} given`,
      `Pass values with --param (repeatable) or --params '[…]'${serverMajor >= 16 ? ', or --no-analyze for a generic plan' : ''}.`);
  }
  if (generic && serverMajor < 16) {
    throw new UsageError(`a generic plan for $n placeholders needs PostgreSQL 16 or later (the server runs ${serverVersion})`, 'Pass values with --param so the query can be planned with them.');
  }
  const writes = req.verdict.writes.length > 0;
  const options = explainOptions(serverMajor, req.analyze, generic, writes);
  await session.exec(`BEGIN ${writes && req.allowWrite ? 'READ WRITE' : 'READ ONLY'}; SET LOCAL statement_timeout = ${Math.round(req.statementTimeoutMs)}; SET LOCAL lock_timeout = ${Math.round(req.lockTimeoutMs)}`);
  try {
    const started = process.hrtime.bigint();
    const text = `EXPLAIN (${options.join(', ')}) ${req.verdict.sql}`;
    // a generic plan must not be bound; the text was already proven to be one statement
    const { rows } = generic ? await session.querySimple<Record<string, unknown>>(text) : await session.queryExtended<Record<string, unknown>>(text, req.params);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cell = rows[0] ? Object.values(rows[0])[0] : undefined;
    const json = typeof cell === 'string' ? JSON.parse(cell) : cell;
    return { ok: true, plan: { json, serverVersion, serverMajor, generic, analyzed: req.analyze, wallMs } };
  } catch (error) {
    const server = asServerError(error);
    if (!server) throw new DatabaseError(`lost the database connection during EXPLAIN: ${error instanceof Error ? error.message : String(error)}`, 'Check that the server is reachable and run the command again.');
    return { ok: false, error: server, serverMajor };
  } finally {
    await session.exec('ROLLBACK').catch(() => undefined);
  }
}
