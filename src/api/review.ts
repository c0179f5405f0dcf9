import { isAbsolute, relative, resolve } from 'node:path';
import type { Runner } from '../config.js';
import { isUtc, RUNNER_TRANSACTION_MODE, SUPPORTED_PG_VERSIONS } from '../config.js';
import { reviewInputs } from '../drizzle/group-inputs.js';
import type { LoadedInput } from '../drizzle/inputs.js';
import { loadInput } from '../drizzle/inputs.js';
import { fsInputError } from '../drizzle/read-text.js';
import { ConfigError, UsageError } from '../errors.js';
import type { ReviewSettings, Severity } from '../review/findings.js';
import { loadParser } from '../review/parse.js';
import type { Report } from '../review/report-types.js';
import type { SizeSource, SizeThresholds } from '../review/sizes.js';
import { applySizes, DEFAULT_THRESHOLDS } from '../review/sizes.js';
import { readStatsFile } from '../stats/size-source.js';
import { ruleOptionProblems } from './rule-options.js';

export interface ReviewOptions {
  /** where relative paths start (default: the working directory); report paths are relative to it */
  cwd?: string;
  /** PostgreSQL major version the migrations run on, 12–18 (default 18) */
  pgVersion?: number;
  /** the session TimeZone migrations run with (default "UTC"): decides whether timestamp ↔ timestamptz rewrites */
  timezone?: string;
  /**
   * what applies the migrations (default "drizzle"): "drizzle" (drizzle-orm's migrator, one transaction),
   * "dbtool" (dbtool migrate / dbtool/migrator), "none" (no transaction, like psql)
   */
  runner?: Runner;
  /** per-rule severity or "off", as in dbtool.config.json "rules" */
  rules?: Record<string, Severity | 'off'>;
  /** your migration runner sets lock_timeout itself (implied by runner "dbtool") */
  runnerLockTimeout?: boolean;
  /** production table sizes: a `dbtool stats export` file; findings whose harm is time under a lock follow them */
  stats?: string;
  /** when a table counts as small or large for the size scaling (default: dbtool's defaults) */
  sizeThresholds?: SizeThresholds;
}

/**
 * `dbtool review-migration` as a function: reviews .sql files, drizzle migration folders or folders of
 * .sql files and returns the report (the JSON format's content). Reads the files and, with `stats`, the
 * statistics file; no database, no config file discovery, no output. Throws UsageError / InputError for
 * paths it cannot read and ConfigError for bad options.
 */
export async function reviewMigrations(paths: string | readonly string[], options: ReviewOptions = {}): Promise<Report> {
  const list = typeof paths === 'string' ? [paths] : [...paths];
  if (list.length === 0) throw new UsageError('reviewMigrations needs at least one path', 'Pass a drizzle migrations folder or .sql files.');
  const cwd = resolve(options.cwd ?? process.cwd());
  const settings = settingsOf(options);
  const parser = loadParser();
  parser.catch(() => undefined);
  const folders = new Map<string, LoadedInput>();
  const inputs = list.map((p) => {
    if (p === '-') throw new UsageError('reviewMigrations reads files, not standard input', 'Write the SQL to a file and pass its path.');
    try {
      return loadInput(p, cwd, () => '', folders);
    } catch (error) {
      throw fsInputError(error, p);
    }
  });
  let sizes: SizeSource | undefined;
  if (options.stats !== undefined) {
    const path = resolve(cwd, options.stats);
    sizes = readStatsFile(path, isAbsolute(options.stats) ? options.stats : relative(cwd, path));
  }
  await parser;
  const runner = options.runner ?? 'drizzle';
  const reviewed: Report = { ...(await reviewInputs(inputs, settings)), runner: { name: runner, source: options.runner ? 'options' : 'default' } };
  return sizes ? applySizes(reviewed, sizes, options.sizeThresholds ?? DEFAULT_THRESHOLDS) : reviewed;
}

function settingsOf(options: ReviewOptions): ReviewSettings {
  const problems: string[] = [];
  const pgVersion = options.pgVersion ?? 18;
  if (!(SUPPORTED_PG_VERSIONS as readonly number[]).includes(pgVersion))
    problems.push(`pgVersion: ${JSON.stringify(pgVersion)} is not one of ${SUPPORTED_PG_VERSIONS.join(', ')}`);
  const runner = options.runner ?? 'drizzle';
  if (!Object.hasOwn(RUNNER_TRANSACTION_MODE, runner)) problems.push(`runner: ${JSON.stringify(runner)} is not "drizzle", "dbtool" or "none"`);
  const rules = options.rules ?? {};
  ruleOptionProblems(rules, problems);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), 'Fix the reviewMigrations() options above.');
  return {
    pgVersion,
    timezoneIsUtc: isUtc(options.timezone ?? 'UTC'),
    transactionMode: RUNNER_TRANSACTION_MODE[runner],
    ...(runner === 'dbtool' ? { forbiddenRunOutside: true } : {}),
    rules,
    runnerLockTimeout: options.runnerLockTimeout === true || runner === 'dbtool',
  };
}
