import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { ReviewFlags } from '../config.js';
import { resolveReviewConfig, reviewSettingsOf } from '../config.js';
import { reviewInputs } from '../drizzle/group-inputs.js';
import type { LoadedInput } from '../drizzle/inputs.js';
import { loadInput } from '../drizzle/inputs.js';
import { fsInputError, readSqlStdin } from '../drizzle/read-text.js';
import { UsageError } from '../errors.js';
import { forcedThreads } from '../parallel/threads-setting.js';
import { reviewToJson } from '../report/json.js';
import type { ReviewSettings } from '../review/findings.js';
import { loadReviewer } from '../review/load-reviewer.js';
import type { FolderSource, Report } from '../review/report-types.js';
import { applySizes } from '../review/sizes.js';
import { VERSION } from '../version.js';
import type { MigrationAiDeps, MigrationAiFlags } from './ai-options.js';
// what only some flags need (--base, --fix, --ai, the CI formats) is imported when used: a plain review starts faster
import { addAiOptions, aiConnection, checkAiFlags, MIGRATION_AI_HELP } from './ai-options.js';
import type { Io } from './io.js';
import { cachedOutput, openReviewCache, outputKey, reviewWithCache, storeOutput, tidyReviewCache } from './review-cache.js';
import type { SizeFlags } from './size-options.js';
import { addStatsOption, resolveSizes } from './size-options.js';

export interface ReviewOptions extends ReviewFlags, MigrationAiFlags, SizeFlags {
  format: 'pretty' | 'json' | 'sarif' | 'github' | 'markdown';
  /** exit 1 when there are more warnings than this (errors always fail) */
  maxWarnings?: string;
  /** pre-merge mode: review only the migrations added or edited since this git ref */
  base?: string;
  /** rewrite reviewed files with the fixes that need no decision */
  fix?: boolean;
}

export type ReviewDeps = MigrationAiDeps;

/**
 * Reviews the given paths and returns the exit code: 1 when any error-level finding exists. The AI
 * second opinion is advisory and never changes it; only a failure to get it (exit 2) does.
 */
export async function run(paths: string[], opts: ReviewOptions, io: Io, deps: ReviewDeps = {}): Promise<number> {
  const config = resolveReviewConfig(opts, io.cwd);
  // checked before any work: a mistyped value is refused whether or not this run would start threads
  forcedThreads(io.env);
  // without the cache the reviewer is certainly needed: its parser's WebAssembly compiles on background threads
  // while the files are read. With the cache, it is loaded only for what the cache cannot answer.
  const reviewer = opts.cache === false || !config.cache ? loadReviewer() : undefined;
  reviewer?.catch(() => undefined);
  for (const note of config.deprecations) io.stderr(`${note}\n`);
  checkAiFlags(opts, config, true);
  const maxWarnings = warningLimit(opts.maxWarnings);
  const connection = await aiConnection(opts, io);
  // files of one folder named one by one read that folder once
  const folders = new Map<string, LoadedInput>();
  const inputs = paths.map((p) => {
    try {
      return loadInput(p, io.cwd, () => readSqlStdin(), folders);
    } catch (error) {
      // an unreadable folder is the user's to fix, not an internal error
      throw fsInputError(error, p);
    }
  });
  if (opts.base !== undefined) {
    const [{ limitToChanges }, { changesSince }] = await Promise.all([import('../drizzle/pre-merge.js'), import('../git/changes.js')]);
    limitToChanges(inputs, changesSince(opts.base, io.cwd), io.cwd);
    // migrations the branch generated before the base's latest one collide with it once merged
    const [{ checkAgainstBase }, { gitTree }] = await Promise.all([import('../drizzle/branch-base.js'), import('../git/tree.js')]);
    checkAgainstBase(inputs, gitTree(io.cwd, opts.base, '--base'), opts.base, io.cwd);
    if (!inputs.some((input) => input.files.some((f) => f.review))) io.stderr(`No migration was added or edited since ${opts.base}: nothing to review.\n`);
  }
  if (config.exclude.length > 0) {
    // excluded files still build the schema the later files are reviewed against
    const { default: picomatch } = await import('picomatch');
    const excluded = picomatch(config.exclude, { dot: true });
    for (const input of inputs) {
      for (const file of input.files) {
        if (file.path !== '<stdin>' && excluded(relative(config.root, resolve(io.cwd, file.path)))) file.review = false;
      }
    }
  }
  await reviewer;
  const settings: ReviewSettings = reviewSettingsOf(config);
  if (opts.fix) await fixReviewed(inputs, settings, opts, io);
  const sizes = await resolveSizes(opts, config, io);
  const cache = openReviewCache(opts, config, io.cwd);
  const runner = { name: config.runner, source: config.runnerSource };
  const finish = (counts: { errors: number; warnings: number }, say = true): number => {
    const tooMany = maxWarnings !== undefined && counts.warnings > maxWarnings;
    // on stderr, so machine-readable output stays valid
    if (tooMany && say) io.stderr(`${counts.warnings} warnings, more than --max-warnings ${maxWarnings} allows\n`);
    return counts.errors > 0 || tooMany ? 1 : 0;
  };
  // a run that reads production sizes, asks Claude or rewrites files is not repeatable; any other is its inputs' function
  const sized = opts.stats !== undefined || opts.url !== undefined || config.sizes.stats.kind !== 'none';
  const repeatable = cache && !sized && !opts.ai && !opts.aiDryRun && !opts.fix;
  const key = repeatable ? outputKey(cache, inputs, settings, { runner, ...(await renderingOf(opts, io)) }) : undefined;
  const stored = cache && key ? cachedOutput(cache, key) : undefined;
  if (stored) {
    io.stdout(stored.bytes);
    return finish(stored);
  }
  try {
    // files of one folder named one by one are reviewed in one pass over its history, each as if named alone
    const reviewed: Report = { ...(await reviewInputs(inputs, settings, (folders) => reviewWithCache(folders, settings, cache))), runner };
    const report: Report = sizes ? applySizes(reviewed, sizes, config.sizes.thresholds) : reviewed;
    if (opts.aiDryRun || opts.ai) {
      const { migrationSecondOpinion } = await import('./migration-ai.js');
      await migrationSecondOpinion({ folders: inputs as FolderSource[], settings, report }, opts, config, connection, io, deps);
      return finish(report.summary, false);
    }
    const text = await render(report, opts, io);
    if (!cache || !key) {
      io.stdout(text);
      return finish(report.summary);
    }
    // encoded once, for the terminal and for the cache
    const bytes = Buffer.from(text, 'utf8');
    io.stdout(bytes);
    storeOutput(cache, key, { bytes, errors: report.summary.errors, warnings: report.summary.warnings });
    return finish(report.summary);
  } finally {
    // once, after the reports and the output are written
    tidyReviewCache(cache);
  }
}

/** What, besides the report, shapes the printed text. */
async function renderingOf(opts: ReviewOptions, io: Io): Promise<Record<string, unknown>> {
  if (opts.format !== 'pretty') return { format: opts.format };
  return { format: opts.format, colors: (await io.palette()).level, verbose: Boolean(opts.verbose), width: io.width };
}

async function render(report: Report, opts: ReviewOptions, io: Io): Promise<string> {
  if (opts.format === 'json') return reviewToJson(report, VERSION);
  if (opts.format === 'sarif') return (await import('../report/sarif.js')).reviewToSarif(report, VERSION);
  if (opts.format === 'github') return (await import('../report/github.js')).reviewToGithub(report);
  if (opts.format === 'markdown') return (await import('../report/markdown.js')).reviewToMarkdown(report);
  return (await import('../report/pretty.js')).reviewToPretty(report, { color: await io.palette(), verbose: Boolean(opts.verbose), width: io.width });
}

/** --fix on review-migration: never standard input, and a whole folder only with --base (merged migrations stay as they are). */
async function fixReviewed(inputs: LoadedInput[], settings: ReviewSettings, opts: ReviewOptions, io: Io): Promise<void> {
  if (inputs.some((i) => i.layout === 'stdin'))
    throw new UsageError('--fix rewrites files: it cannot fix standard input', 'Save the SQL to a file and pass its path.');
  const folder = inputs.find((i) => i.layout !== 'file');
  if (folder && opts.base === undefined) {
    throw new UsageError(
      `--fix with the folder ${folder.path} would rewrite migrations that may already be applied`,
      'Name the new migration files, or add --base <git-ref> so only migrations added since then are fixed.',
    );
  }
  // a merged or applied migration is never rewritten, even when named on its own
  await (await import('./fix-guard.js')).refuseSettledFiles(inputs, opts, io);
  const [{ applyFixes }] = await Promise.all([import('./fix-files.js'), loadReviewer()]);
  applyFixes(inputs, settings, io);
}

function warningLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`--max-warnings: "${value}" is not a whole number`, 'e.g. --max-warnings 0 fails on any warning.');
  return Number(value);
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('review-migration')
    .description('statically review migration SQL: locks, rewrites, scans and transaction rules per statement')
    .argument('<paths...>', '.sql files, drizzle migration folders, folders of .sql files, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json', 'sarif', 'github', 'markdown']).default('pretty'))
    .option(
      '--base <git-ref>',
      'pre-merge mode: review only migrations added or edited since this ref (the others are history); editing a merged one is an error',
    )
    .option(
      '--fix',
      'rewrite the reviewed files with the fixes that need no decision (lock_timeout, CONCURRENTLY where the runner allows it); prints what changed. Refuses a merged or applied migration: with --base one that exists at the base, with a database (--url, DATABASE_URL, drizzle dbCredentials) one its drizzle migrations table records, with neither one that a later migration of its folder follows or that is on origin/HEAD',
    )
    .option('--max-warnings <n>', 'exit 1 when there are more than n warnings (errors always exit 1)')
    .option('--pg-version <major>', 'PostgreSQL major version the migrations run on (12-18; default 18 or config pgVersion)')
    .option('--timezone <zone>', 'session TimeZone the migrations run with (default UTC); decides whether timestamp -> timestamptz rewrites')
    .addOption(
      new Option(
        '--runner <name>',
        "what applies the migrations: drizzle (drizzle-orm's migrator, one transaction; the default), dbtool (dbtool migrate), none (no transaction, like psql)",
      ).choices(['drizzle', 'dbtool', 'none']),
    )
    .addOption(
      new Option('--transaction-mode <mode>', 'deprecated: all = --runner drizzle, per-file = --runner dbtool, none = --runner none').choices([
        'all',
        'per-file',
        'none',
      ]),
    )
    .option('-v, --verbose', 'show every statement with its effects, not only those with findings')
    .option('--config <file>', 'path to dbtool.config.json');
  addStatsOption(command);
  addAiOptions(command, { url: true, reviewCache: true })
    .addHelpText(
      'after',
      `
Examples:
  $ dbtool review-migration drizzle
  $ dbtool review-migration drizzle/0007_add_index.sql --pg-version 14
  $ cat change.sql | dbtool review-migration - --format json
  $ dbtool review-migration drizzle --format sarif > dbtool.sarif    # GitHub code scanning
  $ dbtool review-migration drizzle --max-warnings 0
  $ dbtool review-migration drizzle --base origin/main                # in a pull request
  $ dbtool review-migration drizzle --stats dbtool-stats.json         # scaled by production table sizes
  $ dbtool review-migration drizzle --cache-dir ~/.cache/dbtool          # a cache CI keeps between runs
  $ dbtool review-migration drizzle/0007_add_index.sql --fix
  $ dbtool review-migration drizzle/0007_add_index.sql --ai
  $ dbtool review-migration drizzle/0007_add_index.sql --ai-dry-run | less
${MIGRATION_AI_HELP}`,
    )
    .action(async (paths: string[], opts: ReviewOptions) => {
      setExit(await run(paths, opts, io));
    });
}
