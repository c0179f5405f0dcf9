import { join, resolve } from 'node:path';
import type { GitTree } from '../git/tree.js';
import type { InputProblem } from '../review/report-types.js';
import type { SnapshotLink } from './branch-history.js';
import { migrationNumber, REBASE_HINT, readSnapshots, snapshotLink } from './branch-history.js';
import type { LoadedInput } from './inputs.js';
import { parseJournal } from './journal.js';
import { v1BehindBaseProblems } from './v1-branches.js';
import type { V1Node } from './v1-history.js';
import { parseSnapshot, readV1Nodes, V1_FOLDER } from './v1-history.js';

/** The base branch's side of a 0.31 migrations folder, read from git. */
export interface BaseHistory {
  ref: string;
  tags: string[];
  /** the snapshot of the base's latest migration, when it has one */
  latest: SnapshotLink | undefined;
}

/** The folder at `ref`; undefined when the ref has no journal there (the base has no migrations yet). */
export function baseHistory(tree: GitTree, ref: string, folder: string): BaseHistory | undefined {
  const dir = tree.repoPath(folder);
  const text = tree.show(ref, `${dir}/meta/_journal.json`);
  if (!text) return undefined;
  let tags: string[];
  try {
    tags = parseJournal(text.toString('utf8')).entries.map((e) => e.tag);
  } catch {
    return undefined;
  }
  const last = tags[tags.length - 1];
  const number = last === undefined ? undefined : migrationNumber(last);
  let latest: SnapshotLink | undefined;
  if (number !== undefined) {
    const snapshot = tree.show(ref, `${dir}/meta/${number}_snapshot.json`);
    try {
      latest = snapshot ? snapshotLink(JSON.parse(snapshot.toString('utf8')), `meta/${number}_snapshot.json`) : undefined;
    } catch {
      latest = undefined;
    }
  }
  return { ref, tags, latest };
}

/**
 * Pure: the migrations a branch adds (review=true, not in the base's journal) that were generated before
 * the base's latest migration — their number is taken on the base, the base's migrations are missing before
 * them, or their snapshot does not descend from the base's latest snapshot.
 */
export function behindBaseProblems(
  tags: readonly string[],
  added: ReadonlySet<string>,
  snapshots: ReadonlyMap<string, SnapshotLink>,
  base: BaseHistory,
): Map<string, InputProblem> {
  const out = new Map<string, InputProblem>();
  const baseLatest = base.tags[base.tags.length - 1];
  if (baseLatest === undefined) return out;
  const baseTags = new Set(base.tags);
  const baseNumbers = new Set(base.tags.map(migrationNumber).filter((n): n is string => n !== undefined));
  const missing = base.tags.filter((t) => !tags.includes(t));
  const byId = new Map([...snapshots.values()].map((s) => [s.id, s]));
  for (const tag of tags) {
    if (!added.has(tag) || baseTags.has(tag)) continue;
    const number = migrationNumber(tag);
    const own = number === undefined ? undefined : snapshots.get(number);
    let why: string | undefined;
    if (number !== undefined && baseNumbers.has(number)) why = `its number ${number} is already taken on ${base.ref}`;
    else if (missing.length > 0) why = `${base.ref} has migrations this folder lacks (${missing.join(', ')})`;
    else if (own && base.latest && !descendsFrom(own, base.latest.id, byId))
      why = `its snapshot ${own.file} does not descend from ${base.ref}'s latest snapshot ${base.latest.id}`;
    if (!why) continue;
    out.set(tag, {
      rule: 'migration-behind-base',
      message: `${tag} was generated before ${base.ref}'s latest migration ${baseLatest}: ${why}. Its SQL is a diff from an older schema, and after the merge its journal entry and snapshot collide with ${base.ref}'s history.`,
      help: `Rebuild it on top of ${base.ref} before merging: ${REBASE_HINT(base.ref)} (removes the branch's migrations, regenerates the schema change from ${baseLatest}'s snapshot and re-appends hand-written migrations verbatim; add --dry-run to see the plan).`,
    });
  }
  return out;
}

function descendsFrom(snapshot: SnapshotLink, ancestor: string, byId: ReadonlyMap<string, SnapshotLink>): boolean {
  const seen = new Set<string>();
  let current: SnapshotLink | undefined = snapshot;
  while (current && !seen.has(current.id)) {
    if (current.id === ancestor) return true;
    seen.add(current.id);
    const parent: string | undefined = current.prevIds[0];
    if (parent === ancestor) return true;
    current = parent === undefined ? undefined : byId.get(parent);
  }
  return false;
}

/**
 * The folder names a v1 folder has at `ref`, and the snapshots of those not in `known` read from git (one
 * git process each: after a merge that is none, before it the base's migrations since the fork).
 */
export function v1BaseHistory(tree: GitTree, ref: string, folder: string, known: ReadonlySet<string> = new Set()): { folders: Set<string>; nodes: V1Node[] } {
  const dir = tree.repoPath(folder);
  const folders = new Set<string>();
  const nodes: V1Node[] = [];
  for (const path of tree.list(ref, dir)) {
    const [name, file, ...rest] = path.slice(dir.length + 1).split('/');
    if (name === undefined || !V1_FOLDER.test(name) || rest.length > 0) continue;
    if (file === 'migration.sql') folders.add(name);
    if (file !== 'snapshot.json' || known.has(name)) continue;
    const node = parseSnapshot(name, () => tree.show(ref, path)?.toString('utf8'));
    if (node) nodes.push(node);
  }
  return { folders, nodes };
}

/** v1: the branch's folders whose changes conflict with what the base did in parallel. */
function checkV1AgainstBase(input: LoadedInput, folder: string, tree: GitTree, ref: string): void {
  const own = readV1Nodes(folder);
  const base = v1BaseHistory(tree, ref, folder, new Set(own.map((n) => n.folder)));
  if (base.folders.size === 0) return;
  const ids = new Set(own.map((n) => n.id));
  const nodes = [...own, ...base.nodes.filter((n) => !ids.has(n.id))];
  const added = new Set(input.files.filter((f) => f.review && f.text !== undefined && !base.folders.has(f.migration)).map((f) => f.migration));
  const problems = v1BehindBaseProblems(nodes, added, base.folders, ref);
  for (const file of input.files) {
    const problem = problems.get(file.migration);
    if (problem) file.problems.push(problem);
  }
}

/** --base on review-migration: adds migration-behind-base to the branch's migrations of each drizzle folder. */
export function checkAgainstBase(inputs: LoadedInput[], tree: GitTree, ref: string, cwd: string): void {
  for (const input of inputs) {
    if (input.layout === 'v1') checkV1AgainstBase(input, resolve(cwd, input.path), tree, ref);
    if (input.layout !== 'journal') continue;
    const folder = resolve(cwd, input.path);
    const base = baseHistory(tree, ref, folder);
    if (!base) continue;
    const added = new Set(input.files.filter((f) => f.review && f.text !== undefined).map((f) => f.migration));
    const problems = behindBaseProblems(
      input.files.map((f) => f.migration),
      added,
      readSnapshots(join(folder)),
      base,
    );
    for (const file of input.files) {
      const problem = problems.get(file.migration);
      if (problem) file.problems.push(problem);
    }
  }
}
