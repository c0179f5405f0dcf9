import type { DbClient } from '../db/client.js';
import { serverMajor } from '../db/client.js';
import { loadParser } from '../review/parse.js';
import type { Bookkeeping } from './bookkeeping.js';
import { readProgress } from './bookkeeping.js';
import type { LocalFolder } from './local.js';
import { reviewAndPlan } from './migrate.js';
import { alreadyDone, StepConflict } from './runner.js';
import type { FolderStatus } from './state.js';

/**
 * What an interrupted `dbtool migrate` left in pending files: how many of their steps are done and
 * recorded, and whether the next step, one that runs outside a transaction, looks done but unrecorded.
 */
export async function addProgress(db: DbClient, bk: Bookkeeping, folder: LocalFolder, status: FolderStatus): Promise<void> {
  const pending = status.migrations.filter((s) => !s.row && s.migration.text !== undefined && s.migration.listed);
  if (pending.length === 0) return;
  const progress = await readProgress(db, bk);
  await loadParser();
  const serverVersion = await serverMajor(db);
  // the same plan migrate makes: which statements run alone decides how many steps a file has
  const { plans } = reviewAndPlan(
    folder,
    pending.map((s) => s.migration),
    serverVersion,
    { transaction: 'per-file' },
  );
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
