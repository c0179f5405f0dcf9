import { renameSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { describeTarget, withSession } from '../db/connect.js';
import { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { UsageError } from '../errors.js';
import { durationMs } from '../migrate/durations.js';
import { projectRoot } from '../project-root.js';
import { formatBytes } from '../review/sizes.js';
import type { StatsFile } from '../stats/format.js';
import { readCatalogStats } from '../stats/read-catalog.js';
import type { Io } from './io.js';
import { resolveTarget } from './project.js';

export const DEFAULT_STATS_FILE = 'dbtool-stats.json';

export interface StatsExportFlags {
  url?: string;
  out?: string;
  drizzleConfig?: string;
  statementTimeout: string;
}

/** Writes the connected database's table, partition and index sizes to a file that is safe to commit. */
export async function runExport(flags: StatsExportFlags, io: Io): Promise<number> {
  const statementTimeoutMs = durationMs(flags.statementTimeout);
  if (statementTimeoutMs === undefined || statementTimeoutMs === 0) {
    throw new UsageError(
      `--statement-timeout ${JSON.stringify(flags.statementTimeout)} is not a duration`,
      'Give a positive duration such as 30s, 2min or 500ms.',
    );
  }
  const target = resolveTarget(flags, io, await loadDrizzleConfig(io.cwd, flags.drizzleConfig));
  if (target.kind === 'pglite') {
    throw new UsageError(
      'stats export reads the sizes of a real database, and none is configured',
      'Pass --url postgres://… of the database the migrations will run against (a production replica is ideal), or set DATABASE_URL.',
    );
  }
  const stats = await withSession(target, (session) => readCatalogStats(session, { statementTimeoutMs, lockTimeoutMs: 5000, now: () => new Date() }));
  const json = `${JSON.stringify(stats, null, 2)}\n`;
  if (flags.out === '-') {
    io.stdout(json);
    return 0;
  }
  const path = resolve(io.cwd, flags.out ?? resolve(projectRoot(io.cwd), DEFAULT_STATS_FILE));
  // write next to the target and rename, so a reader never sees half a file
  const partial = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, json);
    renameSync(partial, path);
  } catch (error) {
    throw new UsageError(
      `cannot write ${relative(io.cwd, path) || path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'Choose a writable path with --out, or --out - for standard output.',
    );
  }
  io.stdout(`Wrote ${relative(io.cwd, path) || path}: ${summary(stats)} from ${describeTarget(target)}.\n`);
  return 0;
}

/** "12 tables (1 partitioned, 4 partitions), 20 indexes, 1.3 GB, PostgreSQL 18.1 database app" */
export function summary(stats: StatsFile): string {
  const tables = stats.relations.filter((r) => r.kind !== 'materialized view');
  const partitioned = tables.filter((r) => r.kind === 'partitioned table').length;
  const partitions = tables.filter((r) => r.partitionOf !== null).length;
  const views = stats.relations.length - tables.length;
  const indexes = stats.relations.reduce((n, r) => n + r.indexes.length, 0);
  const bytes = stats.relations.reduce((n, r) => n + r.heapBytes + r.toastBytes + r.indexBytes, 0);
  const detail = [partitioned ? `${partitioned} partitioned` : '', partitions ? `${partitions} partition${partitions === 1 ? '' : 's'}` : '']
    .filter(Boolean)
    .join(', ');
  return `${plural(tables.length, 'table')}${detail ? ` (${detail})` : ''}${views ? `, ${plural(views, 'materialized view')}` : ''}, ${plural(indexes, 'index', 'indexes')}, ${formatBytes(bytes)}, PostgreSQL ${stats.server.version} database ${stats.database}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  const stats = program.command('stats').description('table statistics for production-aware reviews');
  stats
    .command('export')
    .description(
      `write the sizes of every table, partition and index of a database to ${DEFAULT_STATS_FILE} (catalog estimates only: no table data, no credentials)`,
    )
    .option('--url <postgres-url>', 'database to read (default: DATABASE_URL, then the drizzle config dbCredentials)')
    .option('--out <file>', `where to write the file, or - for standard output (default: ${DEFAULT_STATS_FILE} at the project root)`)
    .option('--drizzle-config <file>', 'drizzle config (default: drizzle.config.ts, .js or .json in this folder)')
    .option('--statement-timeout <duration>', 'cancel a catalog query running longer than this', '30s')
    .addHelpText(
      'after',
      `
The file holds, per table, partition and materialized view: the planner's row estimate (pg_class.reltuples),
heap, TOAST and index sizes, each index's size, uniqueness and validity, the server version and the export
time. It is read in a READ ONLY transaction and contains no value stored in any table and no credentials,
so it is safe to commit.

Examples:
  $ dbtool stats export --url "$PRODUCTION_REPLICA_URL"
  $ dbtool stats export --out - | jq '.relations[] | {name, rows}'`,
    )
    .action(async (flags: StatsExportFlags) => {
      setExit(await runExport(flags, io));
    });
}
