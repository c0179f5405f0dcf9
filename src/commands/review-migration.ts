import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import picomatch from 'picomatch';
import type { Command } from 'commander';
import { Option } from 'commander';
import { isUtc, resolveReviewConfig } from '../config.js';
import type { ReviewFlags } from '../config.js';
import { loadInput } from '../drizzle/inputs.js';
import { reviewToGithub } from '../report/github.js';
import { reviewToJson } from '../report/json.js';
import { reviewToMarkdown } from '../report/markdown.js';
import { reviewToPretty } from '../report/pretty.js';
import { review } from '../review/engine.js';
import type { Report } from '../review/engine.js';
import { loadParser } from '../review/parse.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';

export interface ReviewOptions extends ReviewFlags {
  format: 'pretty' | 'json' | 'github' | 'markdown';
  verbose?: boolean;
}

/** Reviews the given paths and returns the exit code: 1 when any error-level finding exists. */
export async function run(paths: string[], opts: ReviewOptions, io: Io): Promise<number> {
  const config = resolveReviewConfig(opts, io.cwd);
  const inputs = paths.map((p) => loadInput(p, io.cwd, () => readFileSync(0, 'utf8')));
  if (config.exclude.length > 0) {
    // excluded files still build the schema the later files are reviewed against
    const excluded = picomatch(config.exclude, { dot: true });
    for (const input of inputs) {
      for (const file of input.files) {
        if (file.path !== '<stdin>' && excluded(relative(config.root, resolve(io.cwd, file.path)))) file.review = false;
      }
    }
  }
  await loadParser();
  const report: Report = review(inputs, {
    pgVersion: config.pgVersion,
    timezoneIsUtc: isUtc(config.timezone),
    transactionMode: config.transactionMode,
    rules: config.rules,
    runnerLockTimeout: config.runnerLockTimeout,
  });
  if (opts.format === 'json') io.stdout(reviewToJson(report, VERSION));
  else if (opts.format === 'github') io.stdout(reviewToGithub(report));
  else if (opts.format === 'markdown') io.stdout(reviewToMarkdown(report));
  else io.stdout(reviewToPretty(report, { color: await io.palette(), verbose: Boolean(opts.verbose), width: io.width }));
  return report.summary.errors > 0 ? 1 : 0;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('review-migration')
    .description('statically review migration SQL: locks, rewrites, scans and transaction rules per statement')
    .argument('<paths...>', '.sql files, drizzle migration folders, folders of .sql files, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json', 'github', 'markdown']).default('pretty'))
    .option('--pg-version <major>', 'PostgreSQL major version the migrations run on (12-18; default 18 or config pgVersion)')
    .option('--timezone <zone>', 'session TimeZone the migrations run with (default UTC); decides whether timestamp -> timestamptz rewrites')
    .addOption(new Option('--transaction-mode <mode>', "how the runner wraps migrations: all (drizzle's migrator), per-file, none").choices(['all', 'per-file', 'none']))
    .option('-v, --verbose', 'show every statement with its effects, not only those with findings')
    .option('--config <file>', 'path to dbtool.config.json')
    .addHelpText('after', `
Examples:
  $ dbtool review-migration drizzle
  $ dbtool review-migration drizzle/0007_add_index.sql --pg-version 14
  $ cat change.sql | dbtool review-migration - --format json`)
    .action(async (paths: string[], opts: ReviewOptions) => {
      setExit(await run(paths, opts, io));
    });
}
