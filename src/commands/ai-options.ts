import type { Command } from 'commander';
import type { ClientLimits, Connection } from '../ai/core/client.js';
import { DEFAULT_MAX_TOKENS, DEFAULT_MODEL } from '../ai/core/models.js';
import type { TableSizes } from '../ai/migration/tables.js';
import type { ReviewConfig } from '../config.js';
import { ConfigError, UsageError } from '../errors.js';
import type { Io } from './io.js';

/** The --ai flags review-migration, generate and explain share. */
export interface MigrationAiFlags {
  ai?: boolean;
  aiDryRun?: boolean;
  /** false with --no-cache */
  cache?: boolean;
  /** review-migration and generate: where the review cache lives (default .dbtool/cache at the project root) */
  cacheDir?: string;
  model?: string;
  aiMaxTokens?: string;
  /** review-migration and generate: the database whose statistics give table sizes (else DATABASE_URL, then the drizzle config) */
  url?: string;
  drizzleConfig?: string;
  verbose?: boolean;
  format: string;
}

export interface MigrationAiDeps {
  /** the API client's timeout and retries (tests shorten them) */
  aiLimits?: Partial<ClientLimits>;
  /** table sizes, instead of reading them from the database */
  tableSizes?: TableSizes;
}

/**
 * The AI options; `url` adds --url for commands that use a database only for the second opinion, `reviewCache`
 * makes --no-cache also turn off the review cache and adds --cache-dir.
 */
export function addAiOptions(command: Command, options: { url: boolean; reviewCache?: boolean }): Command {
  const withAi = command
    .option('--ai', 'ask Claude for a second opinion after the review (needs ANTHROPIC_API_KEY); never changes the exit code')
    .option('--ai-dry-run', 'print the exact request --ai would send, send nothing (no key needed)')
    .option('--model <id>', `Claude model for --ai (default: config ai.model or ${DEFAULT_MODEL})`)
    .option('--ai-max-tokens <n>', `output token limit for --ai (default: config ai.maxTokens or ${DEFAULT_MAX_TOKENS})`)
    .option(
      '--no-cache',
      options.reviewCache
        ? 'review every file anew without reading or writing the review cache (.dbtool/cache); with --ai also ask again even if an identical request was answered before (.dbtool/ai-cache)'
        : 'with --ai: ask again even if an identical request was answered before (.dbtool/ai-cache)',
    );
  if (options.reviewCache)
    withAi.option('--cache-dir <dir>', 'keep the review cache in this folder instead of .dbtool/cache at the project root (e.g. a CI cache)');
  return options.url
    ? withAi.option(
        '--url <postgres-url>',
        'a database whose statistics give production table sizes (read-only): findings whose harm is time under a lock follow them, and --ai gets them',
      )
    : withAi;
}

export function wantsAi(opts: MigrationAiFlags): boolean {
  return Boolean(opts.ai || opts.aiDryRun);
}

/** AI-only flags without --ai are a usage error rather than silently ignored. */
export function rejectStrayAiFlags(opts: MigrationAiFlags, reviewCache = false): void {
  // --url is not AI-only: it is also where a review reads table sizes; --no-cache also turns off the review cache
  const stray = [
    opts.model !== undefined && '--model',
    opts.aiMaxTokens !== undefined && '--ai-max-tokens',
    !reviewCache && opts.cache === false && '--no-cache',
  ].filter(Boolean);
  if (stray.length) throw new UsageError(`${stray.join(', ')} only applies with --ai.`, 'Add --ai (or --ai-dry-run to see the request without sending it).');
}

/** Rejects AI-only flags without --ai, --ai when the repository forbids it, and formats it cannot stream into. */
export function checkAiFlags(opts: MigrationAiFlags, config: ReviewConfig, reviewCache = false): void {
  if (!wantsAi(opts)) {
    rejectStrayAiFlags(opts, reviewCache);
    return;
  }
  if (opts.ai && !opts.aiDryRun && !config.ai.enabled) {
    throw new ConfigError(
      `--ai is disabled for this repository (${config.ai.source} is false).`,
      'The second opinion sends a redacted summary to the Anthropic API; this repository forbids that. --ai-dry-run shows what would be sent.',
    );
  }
  if (opts.ai && !opts.aiDryRun && opts.format !== 'pretty' && opts.format !== 'json')
    throw new UsageError(`--ai works with --format pretty or json, not ${opts.format}.`);
}

/** Fails on a missing key before any output, not after the report. */
export async function aiConnection(opts: MigrationAiFlags, io: Io): Promise<Connection | undefined> {
  return opts.ai && !opts.aiDryRun ? (await import('../ai/core/client.js')).connectionFrom(io.env) : undefined;
}

export const MIGRATION_AI_HELP = `
AI second opinion (--ai):
  Sends the redacted review to Claude: each statement with its literals replaced by $1, $2, … and comments
  removed, its locks, rewrites, scans and findings, and the columns, indexes and constraints of the tables it
  touches, with their row estimates and sizes when a database is configured (--url, DATABASE_URL or the
  drizzle config; read from the statistics, no row is read). Never sent: literal values, comments, connection
  strings, credentials, environment.
  Every SQL the model suggests is parsed and re-reviewed by dbtool; unparseable or unsafe suggestions are
  withheld. The answer is advisory: the exit code is the deterministic review's, with or without --ai
  (a failure to reach the API exits 2). Identical requests are answered from .dbtool/ai-cache.
  Environment: ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN for a gateway), ANTHROPIC_BASE_URL (proxy/gateway).
  Config: "ai": {"model": "…", "maxTokens": 8192, "enabled": false} — enabled false forbids --ai.`;
