import type { Command } from 'commander';
import { Option } from 'commander';
import type { MigrateFlags as RunnerFlags } from '../config.js';
import { isUtc, resolveMigrateConfig, resolveReviewConfig } from '../config.js';
import { describeTarget, withSession } from '../db/connect.js';
import { readDrizzleFolder } from '../migrate/local.js';
import type { MigrateOutcome } from '../migrate/migrate.js';
import { migrate } from '../migrate/migrate.js';
import { migrateEventLine, migrateToJson, migrateToPretty } from '../report/migrate.js';
import { loadParser } from '../review/parse.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';
import type { ProjectFlags } from './project.js';
import { resolveProject } from './project.js';

export interface MigrateFlags extends ProjectFlags, RunnerFlags {
  format: 'pretty' | 'json';
  dryRun?: boolean;
  allowUnsafe?: boolean;
  allowOutOfOrder?: boolean;
}

/** Applies pending migrations; 0 when all applied, 1 when something failed or was refused. */
export async function run(flags: MigrateFlags, io: Io): Promise<number> {
  const project = await resolveProject(flags, io);
  const reviewConfig = resolveReviewConfig({ config: flags.config }, io.cwd);
  const runner = resolveMigrateConfig(flags, io.cwd);
  for (const note of new Set([...runner.deprecations, ...reviewConfig.deprecations])) io.stderr(`${note}\n`);
  const folder = readDrizzleFolder(project.folder, io.cwd);
  const database = describeTarget(project.target);
  const c = await io.palette();
  const pretty = flags.format === 'pretty';
  if (pretty) {
    if (project.target.kind === 'pglite')
      io.stdout(
        c.dim(`No database configured (--url, DATABASE_URL or drizzle dbCredentials): using the embedded PGlite database in ${project.target.dataDir}.\n`),
      );
    io.stdout(`${flags.dryRun ? 'Planning' : 'Applying'} ${project.folderDisplay} on ${database}\n`);
  }
  await loadParser();
  const outcome: MigrateOutcome = await withSession(project.target, (session) =>
    migrate(
      session,
      folder,
      project.bookkeeping,
      {
        transaction: runner.transaction,
        lockTimeoutMs: runner.lockTimeoutMs,
        statementTimeoutMs: runner.statementTimeoutMs,
        retries: runner.retries,
        backoffMs: 250,
        lockWaitMs: runner.lockWaitMs,
        dryRun: Boolean(flags.dryRun),
        allowUnsafe: Boolean(flags.allowUnsafe),
        allowOutOfOrder: Boolean(flags.allowOutOfOrder),
        review: { timezoneIsUtc: isUtc(reviewConfig.timezone), rules: reviewConfig.rules },
        sizeThresholds: reviewConfig.sizes.thresholds,
      },
      (event) => {
        const line = pretty ? migrateEventLine(event, c) : undefined;
        if (line) io.stdout(`${line}\n`);
      },
    ),
  );
  const view = { folder: project.folderDisplay, database, dryRun: Boolean(flags.dryRun) };
  io.stdout(pretty ? migrateToPretty(outcome, { ...view, color: c, width: io.width }) : migrateToJson(outcome, view, VERSION));
  const refused = outcome.problems.length > 0 || (outcome.blocked && outcome.pending.length > 0);
  return refused || outcome.result?.failure || outcome.result?.stopped ? 1 : 0;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('migrate')
    .description('apply pending drizzle migrations safely: one run at a time, a transaction per file, lock timeouts with retries')
    .option('--url <postgres-url>', 'database to migrate (default: DATABASE_URL, then the drizzle config dbCredentials, then the embedded PGlite database)')
    .option('--dir <folder>', 'drizzle migrations folder (default: the drizzle config "out", or ./drizzle)')
    .option('--drizzle-config <file>', 'drizzle config (default: drizzle.config.ts, .js or .json in this folder)')
    .option('--config <file>', 'path to dbtool.config.json (rule settings for the review)')
    .addOption(
      new Option(
        '--runner <name>',
        'dbtool (the default unless the config sets "runner"): each migration in its own transaction; drizzle: one transaction for the run, as drizzle-orm\'s migrator does; none is refused',
      ).choices(['dbtool', 'drizzle', 'none']),
    )
    .addOption(new Option('--transaction <mode>', 'deprecated: per-file = --runner dbtool, all = --runner drizzle').choices(['per-file', 'all']))
    .option('--lock-timeout <duration>', 'how long a statement may wait for a lock before it is retried (default 5s)')
    .option('--retries <n>', 'retries after a lock timeout, with doubling back-off (default 5)')
    .option(
      '--lock-wait <duration>',
      'how long to wait for another migrate run on the same database to finish before giving up with exit 2 (default 10min; 0: no limit)',
    )
    .option('--statement-timeout <duration>', 'cancel a statement running longer than this (default 0: no limit)')
    .option('--dry-run', 'print what would run, in which transaction, with the review findings; change nothing')
    .option('--allow-unsafe', 'apply even when the review reports error-level findings')
    .option('--allow-out-of-order', "apply journal entries older than the newest applied one (drizzle's migrator skips them)")
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addHelpText(
      'after',
      `
Examples:
  $ dbtool migrate                                  # DATABASE_URL or drizzle.config.ts, else the embedded database
  $ dbtool migrate --url postgres://app@db/app --lock-timeout 2s --retries 10
  $ dbtool migrate --dry-run`,
    )
    .action(async (flags: MigrateFlags) => {
      setExit(await run(flags, io));
    });
}
