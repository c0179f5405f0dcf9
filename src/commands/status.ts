import type { Command } from 'commander';
import { Option } from 'commander';
import { describeTarget, withSession } from '../db/connect.js';
import { readApplied, readProgress, tableShape } from '../migrate/bookkeeping.js';
import { readDrizzleFolder } from '../migrate/local.js';
import type { LocalFolder } from '../migrate/local.js';
import { reviewAndPlan } from '../migrate/migrate.js';
import { alreadyDone, StepConflict } from '../migrate/runner.js';
import { folderStatus, needsAttention } from '../migrate/state.js';
import type { FolderStatus } from '../migrate/state.js';
import type { DbClient } from '../db/client.js';
import type { Bookkeeping } from '../migrate/bookkeeping.js';
import { loadParser } from '../review/parse.js';
import { statusToJson, statusToPretty } from '../report/status.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';
import { resolveProject } from './project.js';
import type { ProjectFlags } from './project.js';

export interface StatusFlags extends ProjectFlags {
  format: 'pretty' | 'json';
}

/** Compares the folder with the database's record; 1 when anything needs attention (a deploy gate). */
export async function run(flags: StatusFlags, io: Io): Promise<number> {
  const project = await resolveProject(flags, io);
  const folder = readDrizzleFolder(project.folder, io.cwd);
  const status = await withSession(project.target, async (session) => {
    const rows = await readApplied(session, project.bookkeeping, await tableShape(session, project.bookkeeping));
    const status = folderStatus(folder, rows);
    await addProgress(session, project.bookkeeping, folder, status);
    return status;
  });
  const view = { folder: project.folderDisplay, database: describeTarget(project.target) };
  const attention = needsAttention(status);
  io.stdout(flags.format === 'json' ? statusToJson(status, view, VERSION, attention) : statusToPretty(status, { ...view, color: await io.palette() }));
  return attention ? 1 : 0;
}

/**
 * What an interrupted `dbtool migrate` left in pending files: how many of their steps are done and
 * recorded, and whether the next step, one that runs outside a transaction, looks done but unrecorded.
 */
export async function addProgress(db: DbClient, bk: Bookkeeping, folder: LocalFolder, status: FolderStatus): Promise<void> {
  const pending = status.migrations.filter((s) => !s.row && s.migration.text !== undefined && s.migration.listed);
  if (pending.length === 0) return;
  const progress = await readProgress(db, bk);
  await loadParser();
  const serverVersion = Math.floor(Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v) / 10000);
  // the same plan migrate makes: which statements run alone decides how many steps a file has
  const { plans } = reviewAndPlan(folder, pending.map((s) => s.migration), serverVersion, { transaction: 'per-file' });
  for (const [i, s] of pending.entries()) {
    const plan = plans[i];
    if (!plan) continue;
    const done = progress.get(s.migration.hash ?? '') ?? 0;
    if (done > 0) s.progress = { stepsDone: done, steps: plan.units.length };
    const next = plan.units[done];
    const check = next && !next.inTransaction ? next.statements[0]?.resume : undefined;
    if (!check) continue;
    // read-only: the definitions are compared by the run that records it
    const found = await alreadyDone(db, check, false).catch((error: unknown) => (error instanceof StepConflict ? `conflict: ${error.message}` : undefined));
    if (found) s.unrecorded = { step: done + 1, steps: plan.units.length, found };
  }
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('applied, pending, changed and unknown migrations; exits 1 when anything needs attention')
    .option('--url <postgres-url>', 'database (default: DATABASE_URL, then the drizzle config dbCredentials, then the embedded PGlite database)')
    .option('--dir <folder>', 'drizzle migrations folder (default: the drizzle config "out", or ./drizzle)')
    .option('--drizzle-config <file>', 'drizzle config (default: drizzle.config.ts, .js or .json in this folder)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addHelpText('after', `
Examples:
  $ dbtool status
  $ dbtool status --format json --url "$DATABASE_URL"   # in a deploy pipeline: exit 1 when not up to date`)
    .action(async (flags: StatusFlags) => {
      setExit(await run(flags, io));
    });
}
