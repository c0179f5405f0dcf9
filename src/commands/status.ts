import type { Command } from 'commander';
import { Option } from 'commander';
import { describeTarget, withSession } from '../db/connect.js';
import { readApplied, tableShape } from '../migrate/bookkeeping.js';
import { readDrizzleFolder } from '../migrate/local.js';
import { addProgress } from '../migrate/progress.js';
import { folderStatus, needsAttention } from '../migrate/state.js';
import { statusToJson, statusToPretty } from '../report/status.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';
import type { ProjectFlags } from './project.js';
import { resolveProject } from './project.js';

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

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('status')
    .description('applied, pending, changed and unknown migrations; exits 1 when anything needs attention')
    .option('--url <postgres-url>', 'database (default: DATABASE_URL, then the drizzle config dbCredentials, then the embedded PGlite database)')
    .option('--dir <folder>', 'drizzle migrations folder (default: the drizzle config "out", or ./drizzle)')
    .option('--drizzle-config <file>', 'drizzle config (default: drizzle.config.ts, .js or .json in this folder)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addHelpText(
      'after',
      `
Examples:
  $ dbtool status
  $ dbtool status --format json --url "$DATABASE_URL"   # in a deploy pipeline: exit 1 when not up to date`,
    )
    .action(async (flags: StatusFlags) => {
      setExit(await run(flags, io));
    });
}
