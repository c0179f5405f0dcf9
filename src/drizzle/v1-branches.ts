import type { InputProblem } from '../review/report-types.js';
import { REBASE_HINT } from './branch-history.js';
import type { BranchConflict, ConflictSide, V1Node } from './v1-history.js';
import { branchConflicts } from './v1-history.js';

/**
 * Branch findings for drizzle-kit v1 folders. Parallel branches are legitimate in v1 as long as their
 * changes commute (drizzle-kit generate then joins the leaves itself, and the v1 migrator applies by
 * name); only pairs that drizzle-kit's own conflict check refuses are reported.
 */

const forkText = (c: BranchConflict) => (c.fork ? `both generated from ${c.fork}` : 'with no common snapshot');

/**
 * A merged folder: for each conflicting pair, the later-sorting side's migration (usually the branch's,
 * generated last) gets snapshot-fork.
 */
export function v1ForkProblems(nodes: readonly V1Node[]): Map<string, InputProblem[]> {
  const out = new Map<string, InputProblem[]>();
  for (const c of branchConflicts(nodes)) {
    const [later, other] = c.left.source > c.right.source ? [c.left, c.right] : [c.right, c.left];
    out.set(later.source, [
      ...(out.get(later.source) ?? []),
      {
        rule: 'snapshot-fork',
        message: `${later.source} (${later.change}) and ${other.source} (${other.change}) were generated in parallel, ${forkText(c)}, and change the same object: drizzle-kit v1 refuses to generate on top of the pair ("Conflicting migrations detected"), and its --fix-conflicts deletes both branches' migrations, including ones databases already ran.`,
        help: `Rebuild whichever of the two is your branch's on top of the base branch: ${REBASE_HINT('<base-branch>')} (e.g. origin/main) keeps the base's migration folders, regenerates the branch's change once and re-appends hand-written migrations verbatim. review-migration --base <base-branch> names the branch's side.`,
      },
    ]);
  }
  return out;
}

/**
 * With --base: the migrations a branch adds (folders the base does not have) whose parallel history
 * conflicts with the base's (`nodes`: the folder's snapshots and the base's). Commuting branches stay quiet.
 */
export function v1BehindBaseProblems(
  nodes: readonly V1Node[],
  added: ReadonlySet<string>,
  baseFolders: ReadonlySet<string>,
  ref: string,
): Map<string, InputProblem> {
  const out = new Map<string, InputProblem>();
  for (const c of branchConflicts(nodes)) {
    for (const [mine, theirs] of [
      [c.left, c.right],
      [c.right, c.left],
    ] as Array<[ConflictSide, ConflictSide]>) {
      if (!theirs.chain.some((f) => baseFolders.has(f))) continue;
      for (const folder of mine.chain.filter((f) => added.has(f) && !out.has(f))) {
        out.set(folder, {
          rule: 'migration-behind-base',
          message: `${folder} was generated in parallel with ${ref}'s ${theirs.source}, ${forkText(c)}, and the two conflict (${mine.source}: ${mine.change}; ${theirs.source}: ${theirs.change}): its SQL is a diff from a schema without ${ref}'s change, and once merged drizzle-kit v1 refuses to generate ("Conflicting migrations detected").`,
          help: `Rebuild it on top of ${ref}: ${REBASE_HINT(ref)} (keeps ${ref}'s migration folders byte for byte, regenerates the branch's schema change once and re-appends hand-written migrations verbatim; add --dry-run to see the plan).`,
        });
      }
    }
  }
  return out;
}
