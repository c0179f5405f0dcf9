import { ExplainRefusedError } from '../api/errors.js';
import type { ServerError } from '../db/client.js';
import { asServerError } from '../db/client.js';
import type { Session } from '../db/connect.js';
import { DatabaseError, UsageError } from '../errors.js';
import { refusalHint } from './function-safety.js';
import type { Verdict } from './guard.js';
import type { FunctionRefusal } from './resolve-functions.js';
import { findUnsafeCalls } from './resolve-functions.js';
import type { OptionWords } from './words.js';
import { CLI_WORDS } from './words.js';

export interface ExplainRequest {
  verdict: Extract<Verdict, { ok: true }>;
  params: unknown[];
  /** false: plan only, the statement is not executed */
  analyze: boolean;
  allowWrite: boolean;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /** told what --allow-write lets run that a rollback does not undo */
  warn?: (text: string) => void;
  /** how hints name the options (default: the CLI's flags) */
  words?: OptionWords;
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
  const versionRows = await session.query<{ num: string; version: string; plan_cache_mode: string }>(
    "SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version, current_setting('plan_cache_mode', true) AS plan_cache_mode",
  );
  const serverMajor = Math.floor(Number(versionRows.rows[0]?.num) / 10000);
  const serverVersion = versionRows.rows[0]?.version ?? String(serverMajor);
  const words = req.words ?? CLI_WORDS;
  const missing = req.verdict.placeholders > req.params.length;
  const generic = missing && !req.analyze;
  if (missing && req.analyze) {
    throw new UsageError(
      `the query uses ${placeholderList(req.verdict.placeholders)} but ${req.params.length === 0 ? 'no values were' : `only ${req.params.length} value${req.params.length === 1 ? ' was' : 's were'}`} given`,
      `Pass values with ${words.params}${serverMajor >= 16 ? `, or ${words.noAnalyze} for a generic plan` : ''}.`,
    );
  }
  if (generic && serverMajor < 16) {
    throw new UsageError(
      `a generic plan for $n placeholders needs PostgreSQL 16 or later (the server runs ${serverVersion})`,
      `Pass values with ${words.params} so the query can be planned with them.`,
    );
  }
  // functions whose effects a rollback cannot undo, followed through views and function bodies
  let effects: FunctionRefusal[];
  try {
    effects = await findUnsafeCalls(session, req.verdict, { serverMajor, mode: req.analyze ? 'execute' : 'plan' });
  } catch (error) {
    const server = asServerError(error);
    throw new DatabaseError(
      `could not read the catalog to check the functions the query calls: ${server?.message ?? (error instanceof Error ? error.message : String(error))}`,
      'dbtool reads pg_proc and pg_class before running a query; check that the role may read them.',
    );
  }
  if (effects.length > 0 && !req.allowWrite) throw functionRefusal(effects, words);
  if (effects.length > 0)
    req.warn?.(
      `${words.allowWrite}: ${effects.map((e) => e.message).join('; ')}. It runs in a read-write transaction that is rolled back; those effects stay.`,
    );
  const writes = req.verdict.writes.length > 0;
  const readWrite = req.allowWrite && (writes || effects.length > 0);
  const options = explainOptions(serverMajor, req.analyze, false, writes);
  // the server must split and read the text exactly as dbtool's parser did: with standard_conforming_strings
  // off, a backslash before a quote would end a string dbtool saw continue (and hide a call or statement)
  await session.exec(
    `BEGIN ${readWrite ? 'READ WRITE' : 'READ ONLY'}; SET LOCAL standard_conforming_strings = on; SET LOCAL statement_timeout = ${Math.round(req.statementTimeoutMs)}; SET LOCAL lock_timeout = ${Math.round(req.lockTimeoutMs)}${generic ? '; SET LOCAL plan_cache_mode = force_generic_plan' : ''}`,
  );
  let prepared = false;
  // where the user's query starts in the text being sent, so a server error position can point into it
  let sentPrefix: string | undefined;
  try {
    const started = process.hrtime.bigint();
    let rows: Array<Record<string, unknown>>;
    if (generic) {
      // a generic plan: the extended protocol (one statement, whatever the text says) cannot leave $n unbound,
      // so the query is prepared with its parameters' types left to the server and explained with
      // plan_cache_mode forcing the generic plan, the one EXPLAIN (GENERIC_PLAN) shows; the NULLs are never used
      const count = req.verdict.placeholders;
      const used = new Set(req.verdict.usedPlaceholders);
      const types = Array.from({ length: count }, (_, i) => (used.has(i + 1) ? 'unknown' : 'text'));
      sentPrefix = `PREPARE ${GENERIC_STATEMENT} (${types.join(', ')}) AS `;
      await session.queryExtended(`${sentPrefix}${req.verdict.sql}`, []);
      prepared = true;
      sentPrefix = undefined;
      ({ rows } = await session.queryExtended<Record<string, unknown>>(
        `EXPLAIN (${options.join(', ')}) EXECUTE ${GENERIC_STATEMENT} (${types.map(() => 'NULL').join(', ')})`,
        [],
      ));
    } else {
      sentPrefix = `EXPLAIN (${options.join(', ')}) `;
      ({ rows } = await session.queryExtended<Record<string, unknown>>(`${sentPrefix}${req.verdict.sql}`, req.params));
    }
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cell = rows[0] ? Object.values(rows[0])[0] : undefined;
    const json = typeof cell === 'string' ? JSON.parse(cell) : cell;
    // the setting dbtool made to get the generic plan is not the server's
    if (generic && versionRows.rows[0]?.plan_cache_mode !== 'force_generic_plan') dropSetting(json, 'plan_cache_mode');
    return { ok: true, plan: { json, serverVersion, serverMajor, generic, analyzed: req.analyze, wallMs } };
  } catch (error) {
    const server = asServerError(error);
    if (!server)
      throw new DatabaseError(
        `lost the database connection during EXPLAIN: ${error instanceof Error ? error.message : String(error)}`,
        'Check that the server is reachable and run the command again.',
      );
    return { ok: false, error: positionInQuery(server, sentPrefix, req.verdict.sql), serverMajor };
  } finally {
    await session.exec('ROLLBACK').catch(() => undefined);
    // a prepared statement outlives the transaction
    if (prepared) await session.exec(`DEALLOCATE ${GENERIC_STATEMENT}`).catch(() => undefined);
  }
}

const GENERIC_STATEMENT = 'dbtool_generic_plan';

/**
 * The server counts an error position (1-based, in characters) in the whole text dbtool sent; the user
 * wrote only the query after the EXPLAIN or PREPARE prefix. Positions outside it are dropped.
 */
export function positionInQuery(error: ServerError, prefix: string | undefined, query: string): ServerError {
  const { position, ...rest } = error;
  if (position === undefined || prefix === undefined) return rest;
  const inQuery = position - [...prefix].length;
  return inQuery >= 1 && inQuery <= [...query].length + 1 ? { ...rest, position: inQuery } : rest;
}

/** "$1", "$1 and $2", "$1…$5": the placeholders of a query that uses up to $n. */
export function placeholderList(n: number): string {
  return n <= 1 ? '$1' : n === 2 ? '$1 and $2' : `$1…$${n}`;
}

/** More values than the query has placeholders: the server would refuse the bind; say so before connecting. */
export function surplusParams(placeholders: number, given: number, words: OptionWords = CLI_WORDS): UsageError | undefined {
  if (given <= placeholders) return undefined;
  const cli = words === CLI_WORDS;
  const how = cli ? 'with --param/--params' : 'in params';
  return new UsageError(
    placeholders === 0
      ? `${given} value${given === 1 ? ' was' : 's were'} given ${how}, but the query has no $n placeholders`
      : `${given} values were given ${how}, but the query only uses ${placeholderList(placeholders)}`,
    placeholders === 0
      ? `Write $1, $2, … where the values go (e.g. WHERE email = $1), or ${cli ? 'drop --param' : 'leave params out'}.`
      : `Pass exactly ${placeholders} value${placeholders === 1 ? '' : 's'}, in the order of $1, $2, ….`,
  );
}

/** 1-based line and column of a 1-based character position in `text`. */
export function lineColumn(text: string, position: number): { line: number; column: number } {
  const before = [...text].slice(0, position - 1).join('');
  const lines = before.split('\n');
  return { line: lines.length, column: [...(lines[lines.length - 1] ?? '')].length + 1 };
}

function dropSetting(json: unknown, name: string): void {
  const first = Array.isArray(json) ? json[0] : json;
  const settings = (first as { Settings?: Record<string, unknown> } | undefined)?.Settings;
  if (settings && typeof settings === 'object') delete settings[name];
}

/** The refusal for functions a rollback cannot undo: the first one named with its place, the others listed. */
export function functionRefusal(effects: FunctionRefusal[], words: OptionWords = CLI_WORDS): ExplainRefusedError {
  const [first, ...others] = effects;
  const where = first?.line ? ` (line ${first.line}, column ${first.column})` : '';
  const more = others.length > 0 ? ` Also: ${others.map((e) => `${e.message}${e.line ? ` (line ${e.line}, column ${e.column})` : ''}`).join('; ')}.` : '';
  return new ExplainRefusedError(
    `refusing to run: ${first?.message ?? 'a function with effects outside the transaction'}${where}`,
    `${refusalHint(words)}${more}`,
    'functions',
    first?.line,
    first?.column,
    effects.map((e) => ({ name: e.name, message: e.message, line: e.line, column: e.column })),
  );
}
