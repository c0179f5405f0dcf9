import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { ClientLimits, Connection } from '../ai/core/client.js';
import type { PlanSource } from '../ai/explain/payload.js';
import type { TableDefinitions } from '../ai/explain/tables.js';
import type { ReviewConfig } from '../config.js';
import { resolveExplainConfig, resolveReviewConfig, reviewSettingsOf, SUPPORTED_PG_VERSIONS } from '../config.js';
import type { Session } from '../db/connect.js';
import { describeTarget, withSession } from '../db/connect.js';
import { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { readSqlFile, readSqlStdin } from '../drizzle/read-text.js';
import { UsageError } from '../errors.js';
import type { PlanMetrics } from '../explain/analyze.js';
import { analyzePlan } from '../explain/analyze.js';
import { captureOn, checkQuery } from '../explain/capture.js';
import type { CompareSources } from '../explain/compare-render.js';
import { diagnose } from '../explain/diagnose.js';
import type { Diagnostic } from '../explain/diagnostic.js';
import { chooseParams, chooseQuery } from '../explain/input.js';
import type { RawExplain } from '../explain/plan-json.js';
import { readPlan } from '../explain/plan-json.js';
import type { ExplainContext } from '../explain/report.js';
import { explainToJson, explainToMarkdown } from '../explain/report.js';
import type { TreeOptions } from '../explain/tree.js';
import { renderPlan } from '../explain/tree.js';
import { CLI_WORDS } from '../explain/words.js';
import { loadParser } from '../review/parse.js';
import { VERSION } from '../version.js';
import { addAiOptions, aiConnection, checkAiFlags, rejectStrayAiFlags, wantsAi } from './ai-options.js';
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
  /** undefined: the config's "explain" section, else 30s */
  statementTimeout?: string;
  /** undefined: the config's "explain" section, else 2s */
  lockTimeout?: string;
  format: 'pretty' | 'json' | 'markdown' | 'html';
  /** write the output to this file instead of standard output (html: default a new file in the OS temp dir; - for stdout) */
  out?: string;
  /** open the HTML page with the system's browser (implies --format html) */
  open?: boolean;
  /** the HTML page shows literal values (default: replaced by $n, as --ai sends them) */
  showLiterals?: boolean;
  /** write the captured plan (EXPLAIN JSON plus the query and server) to this file */
  save?: string;
  /** two plans to compare: each a saved plan file, a .sql file or the query itself */
  compare?: string[];
  /** compare a fresh run of the query against this saved plan */
  baseline?: string;
  /** exit 1 when the after plan is at least 20% (and 1 ms) slower */
  failOnRegression?: boolean;
  /** dbtool.config.json (its "explain" and "ai" sections) */
  config?: string;
  /** --ai: a second opinion on the plan from Claude */
  ai?: boolean;
  /** --ai-dry-run: print the request --ai would send, send nothing */
  aiDryRun?: boolean;
  model?: string;
  aiMaxTokens?: string;
  /** false with --no-cache */
  cache?: boolean;
}

export interface ExplainDeps {
  /** the API client's timeout and retries (tests shorten them) */
  aiLimits?: Partial<ClientLimits>;
  /** opens a file with the system's browser; returns the opener's name, or undefined when there is none */
  openFile?: (path: string, env: NodeJS.ProcessEnv) => string | undefined;
}

/** --ai / --ai-dry-run, checked before anything runs. */
interface AiSetup {
  config: ReviewConfig;
  /** undefined only for --ai-dry-run */
  connection: Connection | undefined;
  deps: ExplainDeps;
}

/** What the second opinion knows beyond the plan: where it came from and, with a database, its tables. */
interface AiInput {
  setup: AiSetup;
  source: PlanSource;
  tables: TableDefinitions | undefined;
}

export async function run(query: string | undefined, flags: ExplainFlags, io: Io, deps: ExplainDeps = {}): Promise<number> {
  checkOutputFlags(flags);
  if (flags.compare || flags.baseline) return runCompare(query, flags, io, deps);
  // a missing key, a forbidding config or a stray flag fails before any query runs
  const ai = await aiSetup(flags, io, deps);
  if (flags.plan) {
    if (query !== undefined || flags.file) throw new UsageError('--plan analyses an existing plan: give no query with it');
    if (flags.save) throw new UsageError('--save writes a plan captured by running a query; with --plan the file is already one');
    const text = flags.plan === '-' ? readSqlStdin() : readPlanFile(resolve(io.cwd, flags.plan), flags.plan);
    const plan = readPlan(text, flags.plan === '-' ? 'standard input' : flags.plan);
    // the diagnostics read the plan's conditions with the parser
    await loadParser();
    return output(plan, planFileContext(plan), flags, io, deps, ai && { setup: ai, source: 'plan-file', tables: undefined });
  }
  const sql = chooseQuery(query, flags, queryReader(io));
  const captured = await captureQuery(sql, flags, io, Boolean(ai));
  if (flags.save) savePlan(flags.save, captured);
  return output(captured.plan, captured.context, flags, io, deps, ai && { setup: ai, source: captured.source, tables: captured.tables });
}

/** A plan captured by running a query now. */
interface Captured {
  plan: RawExplain;
  context: ExplainContext;
  source: PlanSource;
  tables: TableDefinitions | undefined;
}

/** Checks the query, runs EXPLAIN on the configured database safely and reads the plan. */
async function captureQuery(sql: string, flags: ExplainFlags, io: Io, withTables: boolean): Promise<Captured> {
  const params = chooseParams(flags);
  await loadParser();
  const checked = checkQuery({ sql, params, analyze: flags.analyze, allowWrite: Boolean(flags.allowWrite) }, CLI_WORDS);
  const { statementTimeoutMs, lockTimeoutMs, statementTimeout, lockTimeout } = resolveExplainConfig(flags, io.cwd);
  const drizzle = await loadDrizzleConfig(io.cwd, flags.drizzleConfig);
  // the same database dbtool migrate uses, the embedded one included
  const target = resolveTarget(flags, io, drizzle);
  const c = await io.palette();
  if (target.kind === 'pglite')
    io.stderr(
      c.yellow(
        `No database configured: explaining on the embedded PGlite database (${target.dataDir}). Plans on a small local database say little about production; pass --url.\n`,
      ),
    );
  const settings = {
    statementTimeoutMs,
    lockTimeoutMs,
    statementTimeout,
    lockTimeout,
    database: describeTarget(target),
    words: CLI_WORDS,
    warn: (text: string) => io.stderr(c.yellow(`${text}\n`)),
  };
  const { explained, tables } = await withSession(target, async (session) => {
    const result = await captureOn(session, checked, settings);
    // the second opinion gets the tables' definitions and statistics, read in the same session
    return { explained: result, tables: withTables ? await describeTables(session, result.captured.json, statementTimeoutMs, io) : undefined };
  });
  return { plan: explained.plan, context: explained.context, tables, source: target.kind === 'pglite' ? 'embedded-pglite' : 'server' };
}

/** What `--save` adds to the EXPLAIN output, under a key PostgreSQL does not use. */
interface SavedContext {
  tool: string;
  version: string;
  query: string;
  server: { version: string; major: number } | null;
  analyzed: boolean;
  generic: boolean;
}

/**
 * `--save FILE`: the plan as EXPLAIN (FORMAT JSON) returned it (so `--plan` and any other tool read it),
 * with the query and the server under "dbtool". It holds the query's literal values, as the plan does.
 */
function savePlan(path: string, captured: Captured): void {
  const saved: SavedContext = {
    tool: 'dbtool',
    version: VERSION,
    query: captured.context.query ?? '',
    server: captured.context.server ?? null,
    analyzed: captured.context.analyzed,
    generic: captured.context.generic,
  };
  writeOutput(path, `${JSON.stringify([{ ...captured.plan, dbtool: saved }], null, 1)}\n`, '--save');
}

/** The context of a plan read from a file: the query and server a `--save` file records, else unknown. */
function planFileContext(plan: RawExplain): ExplainContext {
  const saved = plan.dbtool as Partial<SavedContext> | undefined;
  const server =
    saved && typeof saved.server === 'object' && saved.server && typeof saved.server.version === 'string' && typeof saved.server.major === 'number'
      ? saved.server
      : undefined;
  return {
    server,
    query: saved && typeof saved.query === 'string' && saved.query ? saved.query : undefined,
    analyzed: plan.Plan['Actual Total Time'] !== undefined,
    generic: saved?.generic === true,
    settings: plan.Settings ?? {},
  };
}

function writeOutput(path: string, text: string, flag: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message}`);
  }
}

/** Flag combinations that cannot work, refused before anything runs. */
function checkOutputFlags(flags: ExplainFlags): void {
  // --open is for the page: it asks for it unless another format was chosen
  if (flags.open && flags.format === 'pretty') flags.format = 'html';
  if (flags.open && flags.format !== 'html') throw new UsageError(`--open opens the HTML page: it does not combine with --format ${flags.format}`);
  if (flags.open && flags.out === '-') throw new UsageError('--open needs a file to open: give --out FILE (or leave --out out), not -');
  if (flags.showLiterals && flags.format !== 'html')
    throw new UsageError('--show-literals is for the HTML page (--format html); the other formats show the plan as captured');
  const wantsAiNow = Boolean(flags.ai || flags.aiDryRun);
  if (wantsAiNow && flags.format === 'html') throw new UsageError('--ai works with --format pretty or json, not html');
  if (wantsAiNow && flags.out) throw new UsageError('--out does not combine with --ai: redirect standard output instead');
  if (flags.compare && flags.baseline) throw new UsageError('use either --compare BEFORE AFTER or --baseline FILE with a query, not both');
  if (flags.compare && flags.compare.length !== 2)
    throw new UsageError(
      `--compare takes two plans, BEFORE and AFTER (got ${flags.compare.length})`,
      'dbtool explain --compare before.json after.json, or --compare before.json "SELECT …" to run the after side now.',
    );
  if ((flags.compare || flags.baseline) && (flags.plan || wantsAiNow))
    throw new UsageError(`--compare and --baseline do not combine with ${flags.plan ? '--plan' : '--ai'}`);
  if (flags.compare && flags.save)
    throw new UsageError(
      '--save writes the plan of one query run; with --compare, save each side with its own explain --save (or use --baseline FILE --save FILE)',
    );
  if (flags.failOnRegression && !flags.compare && !flags.baseline) throw new UsageError('--fail-on-regression needs --compare or --baseline');
}

/** A side of --compare: a saved plan, a .sql file, standard input (a plan) or the query itself. */
async function loadSide(spec: string, flags: ExplainFlags, io: Io): Promise<{ label: string; plan: RawExplain; context: ExplainContext }> {
  if (spec === '-') {
    const plan = readPlan(readSqlStdin(), 'standard input');
    return { label: 'standard input', plan, context: planFileContext(plan) };
  }
  const path = resolve(io.cwd, spec);
  const isFile = existsSync(path) && statSync(path).isFile();
  if (isFile && /\.sql$/i.test(spec)) return runSide(readPlanFile(path, spec), `${spec}, run now`, flags, io);
  if (isFile) {
    const plan = readPlan(readPlanFile(path, spec), spec);
    return { label: spec, plan, context: planFileContext(plan) };
  }
  // a single word ending like a file name is a missing file, not a query
  if (/^\S+\.(json|sql)$/i.test(spec))
    throw new UsageError(`${spec}: no such file`, 'Each side of --compare is a saved plan (explain --save FILE), a .sql file, or the query itself.');
  return runSide(spec, 'the query, run now', flags, io);
}

async function runSide(sql: string, label: string, flags: ExplainFlags, io: Io): Promise<{ label: string; plan: RawExplain; context: ExplainContext }> {
  const captured = await captureQuery(sql, flags, io, false);
  return { label, plan: captured.plan, context: captured.context };
}

/** `--compare BEFORE AFTER` and `--baseline FILE`: the two plans side by side, what changed and in which node. */
async function runCompare(query: string | undefined, flags: ExplainFlags, io: Io, deps: ExplainDeps): Promise<number> {
  let before;
  let after;
  if (flags.compare) {
    if (query !== undefined || flags.file) throw new UsageError('--compare takes its two plans itself: give no other query');
    if (flags.compare[0] === '-' && flags.compare[1] === '-') throw new UsageError('only one side of --compare can come from standard input');
    await loadParser();
    before = await loadSide(flags.compare[0]!, flags, io);
    after = await loadSide(flags.compare[1]!, flags, io);
  } else {
    if (flags.plan) throw new UsageError('--baseline compares a fresh run of a query: give the query, not --plan');
    await loadParser();
    const path = resolve(io.cwd, flags.baseline!);
    const plan = readPlan(readPlanFile(path, flags.baseline), flags.baseline);
    before = { label: flags.baseline!, plan, context: planFileContext(plan) };
    const sql = chooseQuery(query ?? (before.context.query !== undefined && !flags.file ? before.context.query : undefined), flags, queryReader(io));
    const captured = await captureQuery(sql, flags, io, false);
    if (flags.save) savePlan(flags.save, captured);
    after = { label: 'the query, run now', plan: captured.plan, context: captured.context };
  }
  // the comparison and page modules (the page script, its hash) load only for the flags that use them
  const [{ comparePlans, isRegression }, { comparisonToJson, comparisonToMarkdown, renderComparison }, { viewOf }, { renderCompareHtml }] = await Promise.all([
    import('../explain/compare.js'),
    import('../explain/compare-render.js'),
    import('../explain/html/data.js'),
    import('../explain/html/page.js'),
  ]);
  const sources: CompareSources = {
    before: before.label,
    after: after.label,
    servers: [
      before.context.server ? `PostgreSQL ${before.context.server.version}` : null,
      after.context.server ? `PostgreSQL ${after.context.server.version}` : null,
    ],
  };
  if (flags.format === 'html') {
    const bv = viewOf(before.plan, before.context, Boolean(flags.showLiterals));
    const av = viewOf(after.plan, after.context, Boolean(flags.showLiterals));
    const comparison = comparePlans(bv, av);
    writeHtml(renderCompareHtml(bv, av, comparison, VERSION), flags, io, deps);
    return flags.failOnRegression && isRegression(comparison) ? 1 : 0;
  }
  const side = (s: { plan: RawExplain }) => {
    const metrics = analyzePlan(s.plan);
    return { metrics, diagnostics: diagnose(metrics) };
  };
  const comparison = comparePlans(side(before), side(after));
  const regression = isRegression(comparison);
  if (flags.format === 'json') emit(comparisonToJson(comparison, sources, VERSION, regression), flags, io);
  else if (flags.format === 'markdown') emit(comparisonToMarkdown(comparison, sources), flags, io);
  else emit(renderComparison(comparison, sources, { color: await io.palette(), width: io.width }), flags, io);
  if (flags.failOnRegression && regression) {
    io.stderr(`--fail-on-regression: the after plan is slower (${comparison.totals.totalMs[0]} ms → ${comparison.totals.totalMs[1]} ms)\n`);
    return 1;
  }
  return 0;
}

/** Text output: to --out FILE when given, else standard output. */
function emit(text: string, flags: ExplainFlags, io: Io): void {
  if (flags.out && flags.out !== '-') writeOutput(resolve(io.cwd, flags.out), text, '--out');
  else io.stdout(text);
}

/**
 * The HTML page: to --out FILE, to standard output with --out -, else to a new private folder in the OS
 * temp dir (the page can hold literal values with --show-literals). The path is printed; --open opens it.
 */
function writeHtml(html: string, flags: ExplainFlags, io: Io, deps: ExplainDeps): void {
  if (flags.out === '-') {
    io.stdout(html);
    return;
  }
  const path = flags.out ? resolve(io.cwd, flags.out) : join(mkdtempSync(join(tmpdir(), 'dbtool-plan-')), 'plan.html');
  writeOutput(path, html, '--out');
  io.stdout(`${path}\n`);
  if (!flags.open) return;
  const opener = (deps.openFile ?? openWithSystem)(path, io.env);
  if (opener) io.stderr(`opened with ${opener}\n`);
  else io.stderr(`no browser to open it with here (no xdg-open, or no graphical session): open ${path} in a browser\n`);
}

/** The platform's "open this file" command, started detached; undefined when there is none. */
export function openWithSystem(path: string, env: NodeJS.ProcessEnv): string | undefined {
  let command: string;
  let args: string[];
  if (process.platform === 'darwin') [command, args] = ['open', [path]];
  else if (process.platform === 'win32') [command, args] = ['cmd', ['/c', 'start', '""', path]];
  else {
    if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return undefined;
    const found = (env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'xdg-open'))
      .find((p) => existsSync(p));
    if (!found) return undefined;
    [command, args] = [found, [path]];
  }
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    return undefined;
  }
  return command;
}

async function output(plan: RawExplain, context: ExplainContext, flags: ExplainFlags, io: Io, deps: ExplainDeps, ai?: AiInput): Promise<number> {
  if (flags.format === 'html') {
    const [{ viewOf }, { renderPlanHtml }] = await Promise.all([import('../explain/html/data.js'), import('../explain/html/page.js')]);
    // analysed from the redacted copy unless literals are to be shown
    writeHtml(renderPlanHtml(viewOf(plan, context, Boolean(flags.showLiterals)), VERSION), flags, io, deps);
    return 0;
  }
  const metrics = analyzePlan(plan);
  const diagnostics = diagnose(metrics);
  // the second opinion is advisory: explaining succeeded, so the exit code stays 0 (a failure to get it exits 2)
  if (ai) await planOpinion(plan, context, metrics, diagnostics, ai, flags, io);
  else if (flags.format === 'json') emit(explainToJson(plan, metrics, diagnostics, context, VERSION), flags, io);
  else if (flags.format === 'markdown') emit(explainToMarkdown(metrics, diagnostics, context), flags, io);
  else emit(renderPlan(metrics, diagnostics, treeOptions(context, await io.palette(), io)), flags, io);
  return 0;
}

function treeOptions(context: ExplainContext, color: ChalkInstance, io: Io): TreeOptions {
  return { color, width: io.width, ...(context.server ? { server: `PostgreSQL ${context.server.version}` } : {}) };
}

/** --ai and --ai-dry-run: the plan and diagnostics first, then the checked verdicts as they stream in. */
async function planOpinion(
  plan: RawExplain,
  context: ExplainContext,
  metrics: PlanMetrics,
  diagnostics: Diagnostic[],
  ai: AiInput,
  flags: ExplainFlags,
  io: Io,
): Promise<void> {
  const { config, connection, deps } = ai.setup;
  // loaded on demand: the SDK is only needed when asked for
  const { prepareExplainRequest, askForPlanOpinion } = await import('../ai/explain/opinion.js');
  const prepared = prepareExplainRequest(
    { plan, context, source: ai.source, ...(ai.tables ? { tables: ai.tables } : {}) },
    { model: config.ai.model, maxTokens: config.ai.maxTokens },
  );
  if (flags.aiDryRun || !connection) {
    io.stdout(`${JSON.stringify(prepared.body, null, 2)}\n`);
    return;
  }
  const { DEFAULT_LIMITS } = await import('../ai/core/client.js');
  const { historySql } = await import('../ai/explain/tables.js');
  const { planOpinionToJson, renderPlanFooter, renderPlanHeader, renderPlanVerdict } = await import('../ai/explain/render.js');
  // suggestions are judged for the server the plan came from, and as statements run on their own
  const checks = {
    query: context.query,
    settings: { ...reviewSettingsOf(config), pgVersion: reviewVersion(context.server?.major, config.pgVersion), transactionMode: 'none' as const },
    history: ai.tables ? historySql(ai.tables.tables) : undefined,
  };
  const ask = {
    cwd: io.cwd,
    connection,
    limits: { ...DEFAULT_LIMITS, ...deps.aiLimits },
    cache: flags.cache !== false,
    warn: (t: string) => io.stderr(`${t}\n`),
  };
  if (flags.format === 'json') {
    const opinion = await askForPlanOpinion(prepared, checks, ask);
    io.stdout(explainToJson(plan, metrics, diagnostics, context, VERSION, { ai: planOpinionToJson(opinion) }));
    return;
  }
  const color = await io.palette();
  const renderOptions = { color, width: io.width };
  io.stdout(renderPlan(metrics, diagnostics, treeOptions(context, color, io)));
  io.stdout(`\n${renderPlanHeader(config.ai.model, renderOptions)}`);
  // each verdict's SQL is checked before it prints, so unsafe advice never shows, not even while streaming
  const opinion = await askForPlanOpinion(prepared, checks, { ...ask, onVerdict: (v) => io.stdout(renderPlanVerdict(v, prepared.payload, renderOptions)) });
  io.stdout(renderPlanFooter(opinion, renderOptions));
}

/** The server's major version when the reviewer knows it, else the nearest it knows, else the config's. */
function reviewVersion(major: number | undefined, configured: number): number {
  if (major === undefined || !Number.isFinite(major)) return configured;
  const known = SUPPORTED_PG_VERSIONS as readonly number[];
  return Math.min(Math.max(major, known[0]!), known[known.length - 1]!);
}

/** Definitions and value-free statistics of the plan's tables; without them (an error) the opinion still runs, and says so. */
async function describeTables(session: Session, json: unknown, timeoutMs: number, io: Io): Promise<TableDefinitions | undefined> {
  const { planRelations, readTableDefinitions } = await import('../ai/explain/tables.js');
  try {
    return await readTableDefinitions(
      session,
      planRelations(readPlan(json, "the server's EXPLAIN output")),
      timeoutMs > 0 ? Math.min(timeoutMs, 10_000) : 10_000,
    );
  } catch (error) {
    io.stderr(
      `note: could not read the definitions of the plan's tables (${error instanceof Error ? error.message : String(error)}); the second opinion goes without them\n`,
    );
    return undefined;
  }
}

async function aiSetup(flags: ExplainFlags, io: Io, deps: ExplainDeps): Promise<AiSetup | undefined> {
  // --url is explain's database, not an AI-only flag
  const aiFlags = { ...flags, url: undefined };
  if (!wantsAi(aiFlags)) {
    rejectStrayAiFlags(aiFlags);
    return undefined;
  }
  const config = resolveReviewConfig({ config: flags.config, model: flags.model, aiMaxTokens: flags.aiMaxTokens }, io.cwd);
  checkAiFlags(aiFlags, config);
  return { config, connection: await aiConnection(aiFlags, io), deps };
}

/** A saved plan or a query file: the same checked reader as migrations (regular files only, size cap, UTF-8). */
function readPlanFile(path: string, display = path): string {
  return readSqlFile(path, display);
}

/** Where chooseQuery reads `-f FILE` and `-` from. */
function queryReader(io: Io): { file: (p: string) => string; stdin: () => string } {
  return { file: (p) => readSqlFile(resolve(io.cwd, p), p), stdin: () => readSqlStdin() };
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('explain')
    .description('EXPLAIN ANALYZE one query safely (read-only, rolled back, timeouts), show the plan and what is wrong with it')
    .argument('[sql]', 'the query, or - to read it from standard input')
    .option('-f, --file <file>', 'read the query from a file')
    .option('--param <value>', 'value for $1, $2, … (repeatable, in order)', (v: string, all: string[] = []) => [...all, v])
    .option('--params <json>', 'values for $1, $2, … as a JSON array')
    .option('--plan <file>', 'analyse an existing EXPLAIN (FORMAT JSON) output instead (- for stdin); no database needed')
    .option('--url <postgres-url>', 'database (default: DATABASE_URL, then the drizzle config dbCredentials, then the embedded PGlite database)')
    .option('--drizzle-config <file>', 'drizzle config file')
    .option(
      '--allow-write',
      'allow INSERT/UPDATE/DELETE/MERGE and functions whose effects a rollback cannot undo (nextval, pg_terminate_backend, …): they run in a read-write transaction that is rolled back',
    )
    .option('--no-analyze', 'plan only; the query is not executed (a generic plan for $n without values on PostgreSQL 16+)')
    .option('--statement-timeout <duration>', 'cancel the query after this long (default: config explain.statementTimeout, else 30s)')
    .option('--lock-timeout <duration>', 'give up waiting for a lock after this long (default: config explain.lockTimeout, else 2s)')
    .addOption(
      new Option('--format <format>', 'output format; html writes a self-contained page (see --out, --open)')
        .choices(['pretty', 'json', 'markdown', 'html'])
        .default('pretty'),
    )
    .option('--out <file>', 'write the output to this file (html default: a new file in the OS temp dir, its path printed; - for standard output)')
    .option('--open', "write the HTML page and open it with the system's browser (xdg-open / open / start)")
    .option('--show-literals', 'the HTML page shows literal values (default: replaced by $1, $2, … as --ai sends them)')
    .option('--save <file>', 'also write the captured plan (EXPLAIN JSON with the query and server) for a later --compare / --baseline')
    .option('--compare <plans...>', 'compare two plans, BEFORE AFTER: each a saved plan file, a .sql file, or a query to run now')
    .option('--baseline <file>', 'compare a fresh run of the query (default: the query saved in the file) against this saved plan')
    .option('--fail-on-regression', 'with --compare / --baseline: exit 1 when the after plan is at least 20% and 1 ms slower')
    .option('--config <file>', 'path to dbtool.config.json (its "explain" and "ai" sections)');
  addAiOptions(command, { url: false })
    .addHelpText(
      'after',
      `
Examples:
  $ dbtool explain "SELECT * FROM orders WHERE customer_id = \\$1" --param 42
  $ dbtool explain -f slow-query.sql --url "$DATABASE_URL" --format markdown
  $ dbtool explain --plan plan.json          # analyse a plan captured elsewhere
  $ dbtool explain -f slow-query.sql --open  # the plan as an interactive page in the browser
  $ dbtool explain -f slow-query.sql --save before.json
  $ dbtool explain -f slow-query.sql --baseline before.json   # after CREATE INDEX: what changed, and where
  $ dbtool explain --compare before.json after.json --format html --out compare.html
  $ dbtool explain "DELETE FROM sessions WHERE expires_at < now()" --allow-write
  $ dbtool explain -f slow-query.sql --ai
  $ dbtool explain --plan plan.json --ai-dry-run | less

AI second opinion (--ai):
  Sends the redacted analysis to Claude: the query and every expression of the plan (filters, conditions,
  keys, outputs) with literals replaced by $1, $2, …, the per-node metrics and dbtool's diagnostics, and,
  when a database was used, the involved tables' columns, index definitions, sizes and value-free column
  statistics (null fraction, width, n_distinct, correlation). Never sent: literal values, most common values
  or histograms, connection strings, credentials, environment.
  Suggested schema changes are re-reviewed by dbtool's migration rules (CREATE INDEX must be CONCURRENTLY);
  a rewritten query must be one read-only statement; anything else is withheld. The answer is advisory:
  the exit code is explain's, with or without --ai (a failure to reach the API exits 2). Identical
  requests are answered from .dbtool/ai-cache. --ai works with --format pretty or json.
  Environment: ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN for a gateway), ANTHROPIC_BASE_URL (proxy/gateway).
  Config: "ai": {"model": "…", "maxTokens": 8192, "enabled": false} — enabled false forbids --ai.`,
    )
    .action(async (sql: string | undefined, flags: ExplainFlags) => {
      setExit(await run(sql, flags, io));
    });
}
