import { relative } from 'node:path';
import type { Command } from 'commander';
import type { ReviewConfig } from '../config.js';
import { UsageError } from '../errors.js';
import type { SizeSource } from '../review/sizes.js';
import type { Io } from './io.js';

export interface SizeFlags {
  /** a `dbtool stats export` file */
  stats?: string;
  /** a database to read sizes from (read-only) */
  url?: string;
  drizzleConfig?: string;
}

export const STATS_OPTION_HELP =
  'production table sizes from a dbtool stats export: findings whose harm is time under a lock follow the size of the table (default: config "stats")';

export function addStatsOption(command: Command): Command {
  return command.option('--stats <file>', STATS_OPTION_HELP);
}

/**
 * The sizes a review scales its findings by: --stats, else --url (read-only, live), else the config's
 * "stats" (a file, or "live" for DATABASE_URL / the drizzle config). A database that cannot be read costs
 * a note on stderr and the review goes on without sizes; a stats file that cannot be read is an error.
 */
export async function resolveSizes(flags: SizeFlags, config: ReviewConfig, io: Io): Promise<SizeSource | undefined> {
  if (flags.stats !== undefined && flags.url !== undefined) {
    throw new UsageError(
      '--stats and --url both give table sizes: choose one',
      'A stats export is what CI can use offline; --url reads the sizes from a live database.',
    );
  }
  // what reads sizes (and connects to a database) is loaded only when a source of sizes is configured
  if (flags.stats !== undefined) return (await import('../stats/size-source.js')).readStatsFile(flags.stats, flags.stats);
  if (flags.url === undefined && config.sizes.stats.kind === 'file') {
    const { readStatsFile } = await import('../stats/size-source.js');
    return readStatsFile(config.sizes.stats.path, relative(io.cwd, config.sizes.stats.path) || config.sizes.stats.display);
  }
  if (flags.url === undefined && config.sizes.stats.kind !== 'live') return undefined;
  const [{ loadDrizzleConfig }, { resolveTarget }] = await Promise.all([import('../drizzle/kit-config.js'), import('./project.js')]);
  const drizzle = flags.url ? undefined : await loadDrizzleConfig(io.cwd, flags.drizzleConfig).catch(() => undefined);
  const target = resolveTarget(flags, io, drizzle);
  if (target.kind !== 'server') {
    io.stderr(
      'note: "stats": "live" needs a database (DATABASE_URL or the drizzle config dbCredentials); none is configured, so findings are not scaled by size\n',
    );
    return undefined;
  }
  const { liveSizes } = await import('../stats/live.js');
  const live = await liveSizes(target);
  if (!live.ok) io.stderr(`note: table sizes unavailable (${live.reason}): findings are not scaled by size\n`);
  return live.ok ? live.source : undefined;
}
