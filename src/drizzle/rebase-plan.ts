import type { SnapshotLink } from './branch-history.js';
import { migrationNumber, sameSchema } from './branch-history.js';
import type { V1Node } from './v1-history.js';

/** The first line drizzle-kit writes into a `generate --custom` migration. */
export const CUSTOM_HEADER = '-- Custom SQL migration file, put your code below! --';

export interface BranchMigration {
  tag: string;
  /** the name drizzle-kit was given (the tag without its number) */
  name: string;
  /** generated: a schema diff drizzle-kit rebuilds; custom: hand-written SQL re-appended verbatim */
  kind: 'generated' | 'custom';
  /** why it counts as custom, or as generated */
  reason: string;
}

export interface RebasePlan {
  ref: string;
  layout: 'journal' | 'v1';
  /** the base's migrations, kept byte for byte */
  keep: string[];
  /** the branch's migrations, in their journal order */
  branch: BranchMigration[];
  /** the name of the one migration drizzle-kit generates (undefined: the branch has only custom migrations) */
  generateName: string | undefined;
  /** migrations that exist at the merge base but no longer at the ref: the rebase cannot decide for the user */
  droppedOnBase: string[];
}

export interface FolderState {
  tags: string[];
  /** file text by tag; undefined when the journal lists a missing file */
  sql: ReadonlyMap<string, string | undefined>;
  /** snapshots by migration number */
  snapshots: ReadonlyMap<string, SnapshotLink>;
}

/**
 * Pure: what `generate --rebase` does with a 0.31 folder. The branch's migrations are the migrations (journal
 * entries, then .sql files the journal does not list) that neither the ref nor the merge base has (`otherKnown`:
 * .sql files either of them has without listing them); each is custom when drizzle-kit's --custom header opens it or
 * its snapshot records no change from the previous one, otherwise generated.
 */
export function planRebase(
  ref: string,
  current: FolderState,
  baseTags: readonly string[],
  mergeBaseTags: readonly string[],
  otherKnown: readonly string[] = [],
): RebasePlan {
  const onBase = new Set([...baseTags, ...otherKnown]);
  const atMergeBase = new Set(mergeBaseTags);
  const counts = new Map<string, number>();
  for (const tag of current.tags) {
    const n = migrationNumber(tag);
    if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  // a snapshot belongs to a migration only when no other migration of the folder has its number
  const ownSnapshot = (tag: string | undefined): SnapshotLink | undefined => {
    const n = tag === undefined ? undefined : migrationNumber(tag);
    return n === undefined || counts.get(n) !== 1 ? undefined : current.snapshots.get(n);
  };
  const branch: BranchMigration[] = [];
  current.tags.forEach((tag, i) => {
    if (onBase.has(tag) || atMergeBase.has(tag)) return;
    const name = tag.replace(/^\d+_/, '') || tag;
    const text = (current.sql.get(tag) ?? '').replace(/^\uFEFF/, '');
    if (text.trimStart().startsWith(CUSTOM_HEADER)) {
      branch.push({ tag, name, kind: 'custom', reason: "drizzle-kit's --custom header" });
      return;
    }
    const own = ownSnapshot(tag);
    const parent = ownSnapshot(current.tags[i - 1]);
    if (own && parent && own.prevIds[0] === parent.id && sameSchema(own, parent)) {
      branch.push({ tag, name, kind: 'custom', reason: 'its snapshot records no schema change' });
      return;
    }
    branch.push({
      tag,
      name,
      kind: 'generated',
      reason: own ? 'its snapshot records a schema change' : 'no snapshot of its own to compare, so taken as a schema diff',
    });
  });
  const generated = branch.filter((b) => b.kind === 'generated');
  return {
    ref,
    layout: 'journal',
    keep: [...baseTags],
    branch,
    generateName: generated[0]?.name,
    droppedOnBase: mergeBaseTags.filter((t) => !baseTags.includes(t) && !otherKnown.includes(t) && current.tags.includes(t)),
  };
}

export interface V1FolderState {
  /** the <timestamp>_<name> folders with a migration.sql, in name order (the order drizzle's migrator applies) */
  folders: string[];
  sql: ReadonlyMap<string, string | undefined>;
  nodes: ReadonlyMap<string, V1Node>;
}

/**
 * Pure: what `generate --rebase` does with a v1 folder. The branch's migrations are the folders neither the
 * ref nor the merge base has; each is custom when drizzle-kit's --custom header opens its SQL or its snapshot
 * is a diff without deltas (drizzle-kit's own test for a custom migration), otherwise generated.
 */
export function planRebaseV1(ref: string, current: V1FolderState, baseFolders: readonly string[], mergeBaseFolders: readonly string[]): RebasePlan {
  const onBase = new Set(baseFolders);
  const atMergeBase = new Set(mergeBaseFolders);
  const branch: BranchMigration[] = [];
  for (const tag of current.folders) {
    if (onBase.has(tag) || atMergeBase.has(tag)) continue;
    const name = tag.replace(/^\d{14}_/, '') || tag;
    const text = (current.sql.get(tag) ?? '').replace(/^\uFEFF/, '');
    const node = current.nodes.get(tag);
    if (text.trimStart().startsWith(CUSTOM_HEADER)) branch.push({ tag, name, kind: 'custom', reason: "drizzle-kit's --custom header" });
    else if (node?.noChange) branch.push({ tag, name, kind: 'custom', reason: 'its snapshot records no schema change' });
    else
      branch.push({
        tag,
        name,
        kind: 'generated',
        reason: node ? 'its snapshot records a schema change' : 'no snapshot to compare, so taken as a schema diff',
      });
  }
  return {
    ref,
    layout: 'v1',
    keep: [...baseFolders],
    branch,
    generateName: branch.find((b) => b.kind === 'generated')?.name,
    droppedOnBase: mergeBaseFolders.filter((t) => !onBase.has(t) && current.folders.includes(t)),
  };
}

/** The plan in words, one step a line (what --dry-run prints). */
export function describePlan(plan: RebasePlan, folder: string): string {
  const lines = [`Rebasing the migrations in ${folder} onto ${plan.ref}:`];
  const last = plan.keep[plan.keep.length - 1];
  const v1 = plan.layout === 'v1';
  const own = v1 ? 'folder' : 'journal entry and snapshot';
  lines.push(
    `  keep     ${plan.keep.length} migration${plan.keep.length === 1 ? '' : 's'} of ${plan.ref}${last ? ` (up to ${last})` : ''}, with their ${v1 ? 'folders (migration.sql, snapshot.json)' : 'journal entries and snapshots'}, byte for byte`,
  );
  for (const b of plan.branch) lines.push(`  remove   ${b.tag} (${b.kind}: ${b.reason}) with its ${own}`);
  let next = plan.keep.length;
  const number = () => (v1 ? '<timestamp>' : String(next++).padStart(4, '0'));
  const generated = plan.branch.filter((b) => b.kind === 'generated');
  if (plan.generateName !== undefined) {
    const merged = generated.length > 1 ? ` (one migration for ${generated.map((g) => g.tag).join(', ')})` : '';
    lines.push(
      `  generate ${number()}_${plan.generateName}: drizzle-kit generate --name ${plan.generateName}, the schema change from ${last ?? 'an empty schema'} to the current schema${merged}`,
    );
  }
  for (const b of plan.branch.filter((m) => m.kind === 'custom')) {
    lines.push(`  append   ${number()}_${b.name}: drizzle-kit generate --custom --name ${b.name}, then ${b.tag}'s SQL verbatim`);
  }
  return `${lines.join('\n')}\n`;
}
