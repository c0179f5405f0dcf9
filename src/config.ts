import { parseSizeSettings } from './stats/settings.js';
import type { SizeSettings } from './stats/settings.js';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_MAX_TOKENS, DEFAULT_MODEL } from './ai/models.js';
import { ConfigError } from './errors.js';
import { durationMs } from './migrate/durations.js';
import { KNOWN_RULE_IDS } from './review/engine.js';
import type { ReviewSettings, Severity, TransactionMode } from './review/findings.js';

export const SUPPORTED_PG_VERSIONS = [12, 13, 14, 15, 16, 17, 18] as const;
export const DEFAULT_PG_VERSION = 18;

/** The settings `review-migration` needs, after flags, config file and defaults are merged. */
export interface ReviewConfig {
  pgVersion: number;
  /** the TimeZone migrations run with; decides whether timestamp ↔ timestamptz rewrites */
  timezone: string;
  transactionMode: TransactionMode;
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
}

const KNOWN_KEYS = ['pgVersion', 'timezone', 'transactionMode', 'runnerLockTimeout', 'rules', 'exclude', 'migrate', 'explain', 'ai', 'stats', 'sizes'];
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
  transactionMode?: string;
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
  if (typeof timezone !== 'string' || timezone.trim() === '') problems.push(`${flags.timezone ? '--timezone' : `${where}: timezone`} must be a time zone name such as "UTC"`);
  const mode = flags.transactionMode ?? file.transactionMode ?? 'all';
  if (mode !== 'all' && mode !== 'per-file' && mode !== 'none') problems.push(`${flags.transactionMode ? '--transaction-mode' : `${where}: transactionMode`} must be "all" (drizzle's migrator), "per-file" or "none", not ${JSON.stringify(mode)}`);
  for (const key of Object.keys(file)) if (!KNOWN_KEYS.includes(key)) problems.push(`${where}: unknown setting "${key}" (known: ${KNOWN_KEYS.join(', ')})`);
  const rules = parseRules(file.rules, where, problems);
  const exclude = file.exclude ?? [];
  if (!Array.isArray(exclude) || exclude.some((p) => typeof p !== 'string' || p.trim() === '')) problems.push(`${where}: exclude must be a list of glob patterns such as "drizzle/0000_*.sql"`);
  const runnerLockTimeout = file.runnerLockTimeout ?? false;
  if (typeof runnerLockTimeout !== 'boolean') problems.push(`${where}: runnerLockTimeout must be true (your migration runner sets lock_timeout) or false`);
  const ai = parseAi(file.ai, flags, where, problems);
  const root = found ? dirname(found.path.replace(/#dbtool$/, '')) : resolve(cwd);
  const sizes = parseSizeSettings(file.stats, file.sizes, root, where, problems);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), problems.length === 1 ? 'Fix the setting above.' : 'Fix the settings listed above.');
  return { pgVersion, timezone: String(timezone), transactionMode: mode as TransactionMode, rules, exclude: exclude as string[], root, configPath: found?.path, runnerLockTimeout: runnerLockTimeout === true, ai, sizes };
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
  if (typeof model !== 'string' || !/^[\w.:@/-]+$/.test(model)) problems.push(`${flags.model !== undefined ? '--model' : `${where}: ai.model`} must be a model id such as "${DEFAULT_MODEL}", not ${JSON.stringify(model)}`);
  const rawTokens = flags.aiMaxTokens ?? file.maxTokens ?? DEFAULT_MAX_TOKENS;
  const maxTokens = typeof rawTokens === 'number' ? rawTokens : /^\d+$/.test(String(rawTokens)) ? Number(rawTokens) : NaN;
  if (!Number.isInteger(maxTokens) || maxTokens < 1) problems.push(`${flags.aiMaxTokens !== undefined ? '--ai-max-tokens' : `${where}: ai.maxTokens`} must be a positive whole number of output tokens, not ${JSON.stringify(rawTokens)}`);
  return { enabled: enabled !== false, model: String(model), maxTokens: Number.isInteger(maxTokens) && maxTokens > 0 ? maxTokens : DEFAULT_MAX_TOKENS, source: defaults.source };
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
    else if (typeof setting !== 'string' || !RULE_SETTINGS.includes(setting)) problems.push(`${where}: rules.${id} must be one of ${RULE_SETTINGS.join(', ')}, not ${JSON.stringify(setting)}`);
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

/** How `dbtool migrate` runs, after flags, the config file's "migrate" section and defaults. */
export interface MigrateConfig {
  transaction: 'per-file' | 'all';
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  retries: number;
  /** how long a run waits for another run's migration lock; 0: no limit */
  lockWaitMs: number;
}

export interface MigrateFlags {
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
  if (!section || typeof section !== 'object' || Array.isArray(section)) throw new ConfigError(`${where} must be an object such as {"lockTimeout": "5s", "retries": 5}`);
  const file = section as Record<string, unknown>;
  for (const key of Object.keys(file)) if (!MIGRATE_KEYS.includes(key)) problems.push(`${where}: unknown setting "${key}" (known: ${MIGRATE_KEYS.join(', ')})`);
  const transaction = flags.transaction ?? file.transaction ?? MIGRATE_DEFAULTS.transaction;
  if (transaction !== 'per-file' && transaction !== 'all') problems.push(`${flags.transaction ? '--transaction' : `${where}.transaction`} must be "per-file" or "all", not ${JSON.stringify(transaction)}`);
  const retries = Number(flags.retries ?? file.retries ?? MIGRATE_DEFAULTS.retries);
  if (!Number.isInteger(retries) || retries < 0) problems.push(`${flags.retries ? '--retries' : `${where}.retries`} must be a whole number (0 gives up at the first lock timeout)`);
  const duration = durationReader(problems);
  const lockTimeoutMs = duration(flags.lockTimeout ?? file.lockTimeout ?? MIGRATE_DEFAULTS.lockTimeout, flags.lockTimeout ? '--lock-timeout' : `${where}.lockTimeout`);
  const statementTimeoutMs = duration(flags.statementTimeout ?? file.statementTimeout ?? MIGRATE_DEFAULTS.statementTimeout, flags.statementTimeout ? '--statement-timeout' : `${where}.statementTimeout`);
  const lockWaitMs = duration(flags.lockWait ?? file.lockWait ?? MIGRATE_DEFAULTS.lockWait, flags.lockWait ? '--lock-wait' : `${where}.lockWait`);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'), problems.length === 1 ? 'Fix the setting above.' : 'Fix the settings listed above.');
  return { transaction: transaction as MigrateConfig['transaction'], lockTimeoutMs, statementTimeoutMs, retries, lockWaitMs };
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

export function resolveExplainConfig(flags: { statementTimeout?: string | undefined; lockTimeout?: string | undefined; config?: string | undefined }, cwd: string): ExplainConfig {
  const found = locateConfig(flags.config, cwd);
  const where = `${found?.path ?? 'config'}: explain`;
  const section = found?.config.explain ?? {};
  if (!section || typeof section !== 'object' || Array.isArray(section)) throw new ConfigError(`${where} must be an object such as {"statementTimeout": "30s", "lockTimeout": "2s"}`);
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
    rules: config.rules,
    runnerLockTimeout: config.runnerLockTimeout,
  };
}
