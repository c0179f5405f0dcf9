import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import { describeTarget, withSession } from '../db/connect.js';
import { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { DbtoolError, UsageError } from '../errors.js';
import { analyzePlan } from '../explain/analyze.js';
import { diagnose } from '../explain/diagnose.js';
import { checkExplainable } from '../explain/guard.js';
import { chooseParams, chooseQuery } from '../explain/input.js';
import { readPlan } from '../explain/plan-json.js';
import type { RawExplain } from '../explain/plan-json.js';
import { explainToJson, explainToMarkdown } from '../explain/report.js';
import type { ExplainContext } from '../explain/report.js';
import { explainOn } from '../explain/run.js';
import { renderPlan } from '../explain/tree.js';
import { durationMs } from '../migrate/durations.js';
import { loadParser } from '../review/parse.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';
import { resolveTarget } from './project.js';

export interface ExplainFlags {
  file?: string;
  param?: string[];
  params?: string;
  plan?: string;
  url?: string;
  drizzleConfig?: string;
  allowWrite?: boolean;
  analyze: boolean;
  statementTimeout: string;
  lockTimeout: string;
  format: 'pretty' | 'json' | 'markdown';
}

const WHAT_ROLLBACK_KEEPS = 'The transaction is rolled back, but sequence values it drew stay used, triggers with outside effects (NOTIFY is undone; dblink or file writes are not) have run, and the rows it touched were locked while it ran.';

export async function run(query: string | undefined, flags: ExplainFlags, io: Io): Promise<number> {
  const stdin = () => readFileSync(0, 'utf8');
  if (flags.plan) {
    if (query !== undefined || flags.file) throw new UsageError('--plan analyses an existing plan: give no query with it');
    const text = flags.plan === '-' ? stdin() : readPlanFile(flags.plan);
    const plan = readPlan(text, flags.plan === '-' ? 'standard input' : flags.plan);
    return output(plan, { server: undefined, query: undefined, analyzed: plan.Plan['Actual Total Time'] !== undefined, generic: false, settings: plan.Settings ?? {} }, flags, io);
  }
  const sql = chooseQuery(query, flags, { file: (p) => readFileSync(p, 'utf8'), stdin });
  const params = chooseParams(flags);
  await loadParser();
  const verdict = checkExplainable(sql);
  if (!verdict.ok) {
    const where = verdict.line ? ` (line ${verdict.line}, column ${verdict.column})` : '';
    throw new UsageError(`refusing to explain: ${verdict.reason}${where}`, verdict.hint);
  }
  if (verdict.writes.length > 0 && flags.analyze && !flags.allowWrite) {
    throw new UsageError(`refusing to run: the statement writes (${verdict.writes.join(', ')}), and EXPLAIN ANALYZE executes it`,
      'Pass --allow-write to run it in a transaction that is rolled back, or --no-analyze for the plan alone.');
  }
  const statementTimeoutMs = timeout(flags.statementTimeout, '--statement-timeout');
  const lockTimeoutMs = timeout(flags.lockTimeout, '--lock-timeout');
  const drizzle = await loadDrizzleConfig(io.cwd, flags.drizzleConfig);
  // the same database dbtool migrate uses, the embedded one included
  const target = resolveTarget(flags, io, drizzle);
  const c = await io.palette();
  if (target.kind === 'pglite') io.stderr(c.yellow(`No database configured: explaining on the embedded PGlite database (${target.dataDir}). Plans on a small local database say little about production; pass --url.\n`));
  if (verdict.writes.length > 0 && flags.analyze) io.stderr(c.yellow(`--allow-write: ${verdict.writes.join(', ')} will run. ${WHAT_ROLLBACK_KEEPS}\n`));
  const outcome = await withSession(target, (session) => explainOn(session, { verdict, params, analyze: flags.analyze, allowWrite: Boolean(flags.allowWrite), statementTimeoutMs, lockTimeoutMs }));
  if (!outcome.ok) {
    const e = outcome.error;
    const hint = e.code === '57014' ? `The query ran longer than --statement-timeout (${flags.statementTimeout}); EXPLAIN ANALYZE runs it in full. Raise the timeout or use --no-analyze.`
      : e.code === '55P03' ? `A lock was not granted within --lock-timeout (${flags.lockTimeout}): another session holds it.`
      : e.code === '25006' ? 'The statement tried to write (a volatile function such as nextval(), or a data-modifying call) in the read-only transaction; --allow-write runs it in a rolled-back read-write one.'
      : e.hint;
    throw new DbtoolError(`PostgreSQL refused the query (SQLSTATE ${e.code}): ${e.message}${e.position ? ` at character ${e.position}` : ''} [${describeTarget(target)}]`, 1, hint);
  }
  const plan = readPlan(outcome.plan.json, 'the server\'s EXPLAIN output');
  return output(plan, {
    server: { version: outcome.plan.serverVersion, major: outcome.plan.serverMajor }, query: verdict.sql,
    analyzed: outcome.plan.analyzed, generic: outcome.plan.generic, settings: plan.Settings ?? {},
  }, flags, io);
}

async function output(plan: RawExplain, context: ExplainContext, flags: ExplainFlags, io: Io): Promise<number> {
  const metrics = analyzePlan(plan);
  const diagnostics = diagnose(metrics);
  if (flags.format === 'json') io.stdout(explainToJson(plan, metrics, diagnostics, context, VERSION));
  else if (flags.format === 'markdown') io.stdout(explainToMarkdown(metrics, diagnostics, context));
  else io.stdout(renderPlan(metrics, diagnostics, { color: await io.palette(), width: io.width, ...(context.server ? { server: `PostgreSQL ${context.server.version}` } : {}) }));
  return 0;
}

function readPlanFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

function timeout(value: string, flag: string): number {
  const ms = durationMs(value);
  if (ms === undefined) throw new UsageError(`${flag}: "${value}" is not a duration`, 'e.g. 500ms, 30s, 2min (0 disables it).');
  return ms;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('explain')
    .description('EXPLAIN ANALYZE one query safely (read-only, rolled back, timeouts), show the plan and what is wrong with it')
    .argument('[sql]', 'the query, or - to read it from standard input')
    .option('-f, --file <file>', 'read the query from a file')
    .option('--param <value>', 'value for $1, $2, … (repeatable, in order)', (v: string, all: string[] = []) => [...all, v])
    .option('--params <json>', 'values for $1, $2, … as a JSON array')
    .option('--plan <file>', 'analyse an existing EXPLAIN (FORMAT JSON) output instead (- for stdin); no database needed')
    .option('--url <postgres-url>', 'database (default: DATABASE_URL, then the drizzle config dbCredentials, then the embedded PGlite database)')
    .option('--drizzle-config <file>', 'drizzle config file')
    .option('--allow-write', 'allow INSERT/UPDATE/DELETE/MERGE: they run in a transaction that is rolled back')
    .option('--no-analyze', 'plan only; the query is not executed (a generic plan for $n without values on PostgreSQL 16+)')
    .option('--statement-timeout <duration>', 'cancel the query after this long', '30s')
    .option('--lock-timeout <duration>', 'give up waiting for a lock after this long', '2s')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json', 'markdown']).default('pretty'))
    .addHelpText('after', `
Examples:
  $ dbtool explain "SELECT * FROM orders WHERE customer_id = \\$1" --param 42
  $ dbtool explain -f slow-query.sql --url "$DATABASE_URL" --format markdown
  $ dbtool explain --plan plan.json          # analyse a plan captured elsewhere
  $ dbtool explain "DELETE FROM sessions WHERE expires_at < now()" --allow-write`)
    .action(async (sql: string | undefined, flags: ExplainFlags) => {
      setExit(await run(sql, flags, io));
    });
}
