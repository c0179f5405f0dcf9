import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { DbTarget } from '../db/connect.js';
import { chooseTarget } from '../db/connect.js';
import type { DrizzleConfig } from '../drizzle/kit-config.js';
import { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { UsageError } from '../errors.js';
import type { Bookkeeping } from '../migrate/bookkeeping.js';
import { bookkeepingOf } from '../migrate/bookkeeping.js';
import { projectRoot } from '../project-root.js';
import type { Io } from './io.js';

export interface ProjectFlags {
  url?: string;
  dir?: string;
  drizzleConfig?: string;
}

/** The migrations folder, drizzle's bookkeeping table and the database a command works on. */
export interface Project {
  folder: string;
  /** the folder as the user would type it, for messages */
  folderDisplay: string;
  bookkeeping: Bookkeeping;
  target: DbTarget;
}

/** The database: --url, then DATABASE_URL, then the drizzle config's credentials, then the embedded one. */
export function resolveTarget(flags: { url?: string | undefined }, io: Io, drizzle: DrizzleConfig | undefined): DbTarget {
  return chooseTarget({ url: flags.url, env: io.env, drizzleUrl: drizzle?.url, projectDir: projectRoot(io.cwd) });
}

/** Flags win over the environment and the drizzle config, which win over drizzle-kit's defaults. */
export async function resolveProject(flags: ProjectFlags, io: Io): Promise<Project> {
  const drizzle = await loadDrizzleConfig(io.cwd, flags.drizzleConfig);
  const folder = flags.dir ? resolve(io.cwd, flags.dir) : (drizzle?.out ?? resolve(io.cwd, 'drizzle'));
  if (!existsSync(folder)) {
    throw new UsageError(
      `migrations folder ${relative(io.cwd, folder) || folder} does not exist`,
      drizzle && !flags.dir
        ? `${relative(io.cwd, drizzle.path)} sets "out" to it: run drizzle-kit generate first.`
        : 'Pass --dir <folder> (the "out" folder drizzle-kit generate writes).',
    );
  }
  return {
    folder,
    folderDisplay: relative(io.cwd, folder) || '.',
    bookkeeping: bookkeepingOf(drizzle),
    target: resolveTarget(flags, io, drizzle),
  };
}
