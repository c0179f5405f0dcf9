import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_MAX_TOKENS, DEFAULT_MODEL } from './ai/core/models.js';
import { ConfigError } from './errors.js';
import { durationMs } from './migrate/durations.js';
import type { ReviewSettings, Severity } from './review/findings.js';
import { KNOWN_RULE_IDS } from './review/rules/known-ids.js';
import type { TransactionMode } from './review/transaction.js';
import type { SizeSettings } from './stats/settings.js';
import { parseSizeSettings } from './stats/settings.js';

export const SUPPORTED_PG_VERSIONS = [12, 13, 14, 15, 16, 17, 18] as const;
export const DEFAULT_PG_VERSION = 18;

/** The settings `review-migration` needs, after flags, config file and defaults are merged. */
export interface ReviewConfig {
  pgVersion: number;
  /** the TimeZone migrations run with; decides whether timestamp ↔ timestamptz rewrites */
  timezone: string;
  transactionMode: TransactionMode;
  /** which runner applies the migrations (decides transactionMode and what the runner does itself) */
  runner: Runner;
  /** where the runner came from: a flag, a config key, or 'default' */
  runnerSource: string;
  /** one line per deprecated flag or key in use, for stderr */
  deprecations: string[];
  /** per-rule severity or 'off' */
  rules: Record<string, Severity | 'off'>;
  /** glob patterns (relative to `root`) of migration files that are read for history but not reviewed */
  exclude: string[];
  /** the folder of the config file, or the working directory without one */
  root: string;
  /** where the settings came from, for messages */
  configPath: string | undefined;
  /** the migration runner sets lock_timeout itself, so files need not */
  runnerLockTimeout: boolean;
  /** `--ai`: the second opinion from Claude */
  ai: AiConfig;
  /** where production sizes come from, and the thresholds that scale findings by them */
  sizes: SizeSettings;
  /** false: the config turns the review cache off ("cache": false) */
  cache: boolean;
}

export interface AiConfig {
  /** false forbids --ai (regulated repositories); --ai-dry-run still works, it sends nothing */
  enabled: boolean;
  model: string;
  maxTokens: number;
  /** where `enabled: false` was set, for the message */
  source: string;
}

interface FileConfig {
  runner?: unknown;
  pgVersion?: unknown;
  timezone?: unknown;
  transactionMode?: unknown;
  rules?: unknown;
  exclude?: unknown;
  migrate?: unknown;
  explain?: unknown;
  runnerLockTimeout?: unknown;
  ai?: unknown;
  stats?: unknown;
  sizes?: unknown;
  cache?: unknown;
}

const KNOWN_KEYS = [
  'runner',
  'pgVersion',
  'timezone',
  'transactionMode',
  'runnerLockTimeout',
  'rules',
  'exclude',
  'migrate',
  'explain',
  'ai',
  'stats',
  'sizes',
  'cache',
];
const AI_KEYS = ['enabled', 'model', 'maxTokens'];
const RULE_SETTINGS = ['error', 'warning', 'info', 'off'];

const CONFIG_FILE = 'dbtool.config.json';

/** The nearest dbtool.config.json (or package.json "dbtool" key) from `cwd` upwards. */
export function findConfig(cwd: string): { path: string; config: FileConfig } | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const file = join(dir, CONFIG_FILE);
    if (existsSync(file)) return { path: file, config: readJson(file) as FileConfig };
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const key = (readJson(pkg) as { dbtool?: FileConfig }).dbtool;
      if (key) return { path: `${pkg}#dbtool`, config: key };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON: ${(error as Error).message}`, 'Fix the file or remove it.');
  }
}

export interface ReviewFlags {
  pgVersion?: string;
  timezone?: string;
  /** deprecated: --runner */
  transactionMode?: string;
  runner?: string;
  config?: string;
  /** --model */
  model?: string;
  /** --ai-max-tokens */
  aiMaxTokens?: string;
}

export function resolveReviewConfig(flags: ReviewFlags, cwd: string): ReviewConfig {
  const found = locateConfig(flags.config, cwd);
  const file = found?.config ?? {};
  const where = found?.path ?? 'flags';
  const problems: string[] = [];
  const pgVersion = parsePgVersion(flags.pgVersion ?? file.pgVersion ?? DEFAULT_PG_VERSION, flags.pgVersion ? '--pg-version' : `${where}: pgVersion`, problems);
  const timezone = flags.timezone ?? file.timezone ?? 'UTC';
  if (typeof timezone !== 'string' || timezone.trim() === '')
    problems.push(`${flags.timezone ? '--timezone' : `${where}: timezone`} must be a time zone name such as "UTC"`);
  const chosen = resolveRunner(
    {
      value: flags.runner,
      alias: flags.transactionMode === undefined ? undefined : { name: '--transaction-mode', value: flags.transactionMode, map: TRANSACTION_MODE_RUNNERS },
    },
    file,
    where,
    problems,
    'review',
  );
  const mode = RUNNER_TRANSACTION_MODE[chosen.runner];
  for (const key of Object.keys(file)) if (!KNOWN_KEYS.includes(key)) problems.push(`${where}: unknown setting "${key}" (known: ${KNOWN_KEYS.join(', ')})`);
  const rules = parseRules(file.rules, where, problems);
  const exclude = file.exclude ?? [];
  if (!Array.isArray(exclude) || exclude.some((p) => typeof p !== 'string' || p.trim() === ''))
    problems.push(`${where}: exclude must be a list of glob patterns such as "drizzle/0000_*.sql"`);
  const runnerLockTimeout = file.runnerLockTimeout ?? false;
  if (typeof runnerLockTimeout !== 'boolean') problems.push(`${where}: runnerLockTimeout must be true (your migration runner sets lock_timeout) or false`);
  const ai = parseAi(file.ai, flags, where, problems);
  const root = found ? dirname(found.path.replace(/#dbtool$/, '')) : resolve(cwd);
  const sizes = parseSizeSettings(file.stats, file.sizes, root, where, problems);
  const cache = file.cache ?? true;
  if (typeof cache !== 'boolean') problems.push(`${where}: cache must be true (keep review results in .dbtool/cache) or false`);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), problems.length === 1 ? 'Fix the setting above.' : 'Fix the settings listed above.');
  return {
    pgVersion,
    timezone: String(timezone),
    transactionMode: mode,
    runner: chosen.runner,
    runnerSource: chosen.source,
    deprecations: chosen.deprecations,
    rules,
    exclude: exclude as string[],
    root,
    configPath: found?.path,
    runnerLockTimeout: runnerLockTimeout === true,
    ai,
    sizes,
    cache: cache !== false,
  };
}

function parseAi(value: unknown, flags: ReviewFlags, where: string, problems: string[]): AiConfig {
  const section = value ?? {};
  const defaults: AiConfig = { enabled: true, model: DEFAULT_MODEL, maxTokens: DEFAULT_MAX_TOKENS, source: `${where}: ai.enabled` };
  if (!section || typeof section !== 'object' || Array.isArray(section)) {
    problems.push(`${where}: ai must be an object such as {"model": "${DEFAULT_MODEL}", "maxTokens": ${DEFAULT_MAX_TOKENS}, "enabled": true}`);
    return defaults;
  }
  const file = section as Record<string, unknown>;
  for (const key of Object.keys(file)) if (!AI_KEYS.includes(key)) problems.push(`${where}: unknown setting "ai.${key}" (known: ${AI_KEYS.join(', ')})`);
  const enabled = file.enabled ?? true;
  if (typeof enabled !== 'boolean') problems.push(`${where}: ai.enabled must be true or false (false forbids --ai in this repository)`);
  const model = flags.model ?? file.model ?? DEFAULT_MODEL;
  if (typeof model !== 'string' || !/^[\w.:@/-]+$/.test(model))
    problems.push(
      `${flags.model !== undefined ? '--model' : `${where}: ai.model`} must be a model id such as "${DEFAULT_MODEL}", not ${JSON.stringify(model)}`,
    );
  const rawTokens = flags.aiMaxTokens ?? file.maxTokens ?? DEFAULT_MAX_TOKENS;
  const maxTokens = typeof rawTokens === 'number' ? rawTokens : /^\d+$/.test(String(rawTokens)) ? Number(rawTokens) : NaN;
  if (!Number.isInteger(maxTokens) || maxTokens < 1)
    problems.push(
      `${flags.aiMaxTokens !== undefined ? '--ai-max-tokens' : `${where}: ai.maxTokens`} must be a positive whole number of output tokens, not ${JSON.stringify(rawTokens)}`,
    );
  return {
    enabled: enabled !== false,
    model: String(model),
    maxTokens: Number.isInteger(maxTokens) && maxTokens > 0 ? maxTokens : DEFAULT_MAX_TOKENS,
    source: defaults.source,
  };
}

function parseRules(value: unknown, where: string, problems: string[]): Record<string, Severity | 'off'> {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${where}: rules must be an object of rule id → "error" | "warning" | "info" | "off"`);
    return {};
  }
  const rules: Record<string, Severity | 'off'> = {};
  for (const [id, setting] of Object.entries(value)) {
    if (!KNOWN_RULE_IDS.has(id)) problems.push(`${where}: rules: "${id}" is not a dbtool rule`);
    else if (typeof setting !== 'string' || !RULE_SETTINGS.includes(setting))
      problems.push(`${where}: rules.${id} must be one of ${RULE_SETTINGS.join(', ')}, not ${JSON.stringify(setting)}`);
    else rules[id] = setting as Severity | 'off';
  }
  return rules;
}

/** The config file given with --config, or the nearest one upwards. */
function locateConfig(explicit: string | undefined, cwd: string): { path: string; config: FileConfig } | undefined {
  if (!explicit) return findConfig(cwd);
  const path = resolve(cwd, explicit);
  return { path, config: loadExplicit(path) };
}

function loadExplicit(path: string): FileConfig {
  if (!existsSync(path)) throw new ConfigError(`${path}: config file not found`);
  const raw = readJson(path) as FileConfig & { dbtool?: FileConfig };
  return path.endsWith('package.json') ? (raw.dbtool ?? {}) : raw;
}

function parsePgVersion(value: unknown, source: string, problems: string[]): number {
  const n = typeof value === 'number' ? value : Number(String(value));
  if (!SUPPORTED_PG_VERSIONS.includes(n as (typeof SUPPORTED_PG_VERSIONS)[number])) {
    problems.push(`${source} must be one of ${SUPPORTED_PG_VERSIONS.join(', ')}, not ${JSON.stringify(value)}`);
    return DEFAULT_PG_VERSION;
  }
  return n;
}

/** UTC and its aliases: the zones where timestamp and timestamptz store the same instant. */
export function isUtc(timezone: string): boolean {
  return /^(utc|etc\/utc|etc\/uct|uct|gmt|etc\/gmt|zulu|etc\/zulu|universal|etc\/universal|z|\+?0+(:00)?)$/i.test(timezone.trim());
}

/**
 * Which runner applies the migrations: drizzle-orm's migrator (every pending file in one transaction),
 * dbtool migrate (a transaction per file, statements refusing a transaction block run on their own,
 * lock_timeout set by the runner) or none (psql-like: no wrapping). One setting for review, generate and migrate.
 */
export type Runner = 'drizzle' | 'dbtool' | 'none';
export const RUNNERS: readonly Runner[] = ['drizzle', 'dbtool', 'none'];
const RUNNER_CHOICES = '"drizzle" (drizzle-orm\'s migrator), "dbtool" (dbtool migrate) or "none" (no transaction, like psql)';
export const RUNNER_TRANSACTION_MODE: Record<Runner, TransactionMode> = { drizzle: 'all', dbtool: 'per-file', none: 'none' };
/** the deprecated review setting (--transaction-mode, transactionMode) read as a runner */
const TRANSACTION_MODE_RUNNERS: Record<string, Runner> = { all: 'drizzle', 'per-file': 'dbtool', none: 'none' };
/** the deprecated migrate setting (--transaction, migrate.transaction) read as a runner */
const MIGRATE_TRANSACTION_RUNNERS: Record<string, Runner> = { all: 'drizzle', 'per-file': 'dbtool' };

interface RunnerAlias {
  name: string;
  value: unknown;
  map: Record<string, Runner>;
}

/**
 * The runner from --runner, a deprecated flag, the config's "runner", or its deprecated keys ("transactionMode",
 * "migrate.transaction"), else the fallback. Deprecated names still work and leave a one-line note.
 */
function resolveRunner(
  flags: { value: string | undefined; alias: RunnerAlias | undefined },
  file: FileConfig,
  where: string,
  problems: string[],
  command: 'review' | 'migrate',
): { runner: Runner; source: string; deprecations: string[] } {
  // without a setting the review assumes drizzle's migrator, and dbtool migrate is the runner itself
  const fallback: Runner = command === 'review' ? 'drizzle' : 'dbtool';
  const deprecations: string[] = [];
  const read = (name: string, value: unknown, map?: Record<string, Runner>): Runner | undefined => {
    const runner = map ? (typeof value === 'string' && Object.hasOwn(map, value) ? map[value] : undefined) : RUNNERS.find((r) => r === value);
    if (runner) return runner;
    problems.push(
      map
        ? `${name} must be one of ${Object.keys(map)
            .map((k) => JSON.stringify(k))
            .join(', ')}, not ${JSON.stringify(value)} (deprecated: use "runner": ${RUNNER_CHOICES})`
        : `${name} must be ${RUNNER_CHOICES}, not ${JSON.stringify(value)}`,
    );
    return undefined;
  };
  const deprecated = (name: string, value: unknown, runner: Runner, flag: boolean) =>
    deprecations.push(
      `dbtool: ${name} is deprecated: use ${flag ? `--runner ${runner}` : `"runner": "${runner}"`} (what ${JSON.stringify(value)} is taken as).`,
    );
  if (flags.value !== undefined) {
    if (flags.alias) problems.push(`--runner and ${flags.alias.name} (its deprecated name) were both given: keep --runner only`);
    return { runner: read('--runner', flags.value) ?? fallback, source: '--runner', deprecations };
  }
  if (flags.alias) {
    const runner = read(flags.alias.name, flags.alias.value, flags.alias.map);
    if (runner) deprecated(flags.alias.name, flags.alias.value, runner, true);
    return { runner: runner ?? fallback, source: flags.alias.name, deprecations };
  }
  const section = file.migrate && typeof file.migrate === 'object' && !Array.isArray(file.migrate) ? (file.migrate as Record<string, unknown>) : {};
  // the old names, the command's own first: the review never read migrate.transaction and migrate never read
  // transactionMode, so each only fills in for the other (an invalid one is reported by its own command)
  const review =
    file.transactionMode === undefined
      ? []
      : [{ key: 'transactionMode', value: file.transactionMode, map: TRANSACTION_MODE_RUNNERS, own: command === 'review' }];
  const migrate =
    section.transaction === undefined
      ? []
      : [{ key: 'migrate.transaction', value: section.transaction, map: MIGRATE_TRANSACTION_RUNNERS, own: command === 'migrate' }];
  const old = (command === 'review' ? [...review, ...migrate] : migrate)
    .filter((k) => k.own || (typeof k.value === 'string' && Object.hasOwn(k.map, k.value)))
    .map((k) => ({ ...k, runner: read(`${where}: ${k.key}`, k.value, k.map) }));
  // a note for the command's own old key, and for the other one when it is what decides
  for (const k of old) if (k.runner && (k.own || (k === old[0] && file.runner === undefined))) deprecated(`${where}: ${k.key}`, k.value, k.runner, false);
  if (file.runner !== undefined) {
    const runner = read(`${where}: runner`, file.runner);
    const differ = old.find((k) => k.runner && runner && k.runner !== runner);
    if (differ)
      problems.push(
        `${where}: runner (${JSON.stringify(file.runner)}) and ${differ.key} (${JSON.stringify(differ.value)}) name different runners: keep only "runner"`,
      );
    return { runner: runner ?? fallback, source: `${where}: runner`, deprecations };
  }
  const first = old[0];
  if (!first) return { runner: fallback, source: 'default', deprecations };
  return { runner: first.runner ?? fallback, source: `${where}: ${first.key}`, deprecations };
}

/** How `dbtool migrate` runs, after flags, the config file's "migrate" section and defaults. */
export interface MigrateConfig {
  /** dbtool's own runner ('dbtool': a transaction per file) or drizzle's way ('drizzle': one transaction for the run) */
  runner: Exclude<Runner, 'none'>;
  transaction: 'per-file' | 'all';
  /** one line per deprecated flag or key in use, for stderr */
  deprecations: string[];
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  retries: number;
  /** how long a run waits for another run's migration lock; 0: no limit */
  lockWaitMs: number;
}

export interface MigrateFlags {
  runner?: string;
  /** deprecated: --runner */
  transaction?: string;
  lockTimeout?: string;
  lockWait?: string;
  statementTimeout?: string;
  retries?: string;
  config?: string;
}

const MIGRATE_DEFAULTS = { transaction: 'per-file', lockTimeout: '5s', statementTimeout: 0, retries: 5, lockWait: '10min' };
const MIGRATE_KEYS = Object.keys(MIGRATE_DEFAULTS);

export function resolveMigrateConfig(flags: MigrateFlags, cwd: string): MigrateConfig {
  const found = locateConfig(flags.config, cwd);
  const where = `${found?.path ?? 'config'}: migrate`;
  const section = found?.config.migrate ?? {};
  const problems: string[] = [];
  if (!section || typeof section !== 'object' || Array.isArray(section))
    throw new ConfigError(`${where} must be an object such as {"lockTimeout": "5s", "retries": 5}`);
  const file = section as Record<string, unknown>;
  for (const key of Object.keys(file)) if (!MIGRATE_KEYS.includes(key)) problems.push(`${where}: unknown setting "${key}" (known: ${MIGRATE_KEYS.join(', ')})`);
  // dbtool migrate is the runner when nothing says otherwise; "drizzle" makes it run the way drizzle's migrator does
  const chosen = resolveRunner(
    {
      value: flags.runner,
      alias: flags.transaction === undefined ? undefined : { name: '--transaction', value: flags.transaction, map: MIGRATE_TRANSACTION_RUNNERS },
    },
    found?.config ?? {},
    found?.path ?? 'config',
    problems,
    'migrate',
  );
  if (chosen.runner === 'none')
    problems.push(
      `${chosen.source}: "none" describes a runner that wraps nothing (psql); dbtool migrate always runs migrations in transactions, so it takes --runner dbtool (a transaction per file) or drizzle (one for the run)`,
    );
  const transaction = chosen.runner === 'drizzle' ? 'all' : 'per-file';
  const retries = Number(flags.retries ?? file.retries ?? MIGRATE_DEFAULTS.retries);
  if (!Number.isInteger(retries) || retries < 0)
    problems.push(`${flags.retries ? '--retries' : `${where}.retries`} must be a whole number (0 gives up at the first lock timeout)`);
  const duration = durationReader(problems);
  const lockTimeoutMs = duration(
    flags.lockTimeout ?? file.lockTimeout ?? MIGRATE_DEFAULTS.lockTimeout,
    flags.lockTimeout ? '--lock-timeout' : `${where}.lockTimeout`,
  );
  const statementTimeoutMs = duration(
    flags.statementTimeout ?? file.statementTimeout ?? MIGRATE_DEFAULTS.statementTimeout,
    flags.statementTimeout ? '--statement-timeout' : `${where}.statementTimeout`,
  );
  const lockWaitMs = duration(flags.lockWait ?? file.lockWait ?? MIGRATE_DEFAULTS.lockWait, flags.lockWait ? '--lock-wait' : `${where}.lockWait`);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), problems.length === 1 ? 'Fix the setting above.' : 'Fix the settings listed above.');
  return {
    runner: chosen.runner === 'drizzle' ? 'drizzle' : 'dbtool',
    transaction,
    deprecations: chosen.deprecations,
    lockTimeoutMs,
    statementTimeoutMs,
    retries,
    lockWaitMs,
  };
}

/** Reads a duration setting, adding a problem (and giving 0) when it is not one. */
function durationReader(problems: string[]): (value: unknown, source: string) => number {
  return (value, source) => {
    const ms = durationMs(value);
    if (ms === undefined) problems.push(`${source}: ${JSON.stringify(value)} is not a duration (use e.g. 500ms, 5s, 2min; 0 disables the timeout)`);
    return ms ?? 0;
  };
}

/** The timeouts `dbtool explain` runs a query with, after flags, the config file's "explain" section and defaults. */
export interface ExplainConfig {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /** as given, for messages: "30s" */
  statementTimeout: string;
  lockTimeout: string;
}

const EXPLAIN_DEFAULTS = { statementTimeout: '30s', lockTimeout: '2s' };
const EXPLAIN_KEYS = Object.keys(EXPLAIN_DEFAULTS);

export function resolveExplainConfig(
  flags: { statementTimeout?: string | undefined; lockTimeout?: string | undefined; config?: string | undefined },
  cwd: string,
): ExplainConfig {
  const found = locateConfig(flags.config, cwd);
  const where = `${found?.path ?? 'config'}: explain`;
  const section = found?.config.explain ?? {};
  if (!section || typeof section !== 'object' || Array.isArray(section))
    throw new ConfigError(`${where} must be an object such as {"statementTimeout": "30s", "lockTimeout": "2s"}`);
  const file = section as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(file)) if (!EXPLAIN_KEYS.includes(key)) problems.push(`${where}: unknown setting "${key}" (known: ${EXPLAIN_KEYS.join(', ')})`);
  const duration = durationReader(problems);
  const statementTimeout = flags.statementTimeout ?? file.statementTimeout ?? EXPLAIN_DEFAULTS.statementTimeout;
  const lockTimeout = flags.lockTimeout ?? file.lockTimeout ?? EXPLAIN_DEFAULTS.lockTimeout;
  const statementTimeoutMs = duration(statementTimeout, flags.statementTimeout ? '--statement-timeout' : `${where}.statementTimeout`);
  const lockTimeoutMs = duration(lockTimeout, flags.lockTimeout ? '--lock-timeout' : `${where}.lockTimeout`);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), problems.length === 1 ? 'Fix the setting above.' : 'Fix the settings listed above.');
  return { statementTimeoutMs, lockTimeoutMs, statementTimeout: String(statementTimeout), lockTimeout: String(lockTimeout) };
}

/** The reviewer's settings from a resolved configuration: what review-migration and generate review with. */
export function reviewSettingsOf(config: ReviewConfig): ReviewSettings {
  return {
    pgVersion: config.pgVersion,
    timezoneIsUtc: isUtc(config.timezone),
    transactionMode: config.transactionMode,
    // dbtool migrate runs a statement that refuses a transaction block on its own, and sets lock_timeout itself
    ...(config.runner === 'dbtool' ? { forbiddenRunOutside: true } : {}),
    rules: config.rules,
    runnerLockTimeout: config.runnerLockTimeout || config.runner === 'dbtool',
  };
}
