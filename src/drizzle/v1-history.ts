import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT_SNAPSHOT_ID } from './branch-history.js';

/**
 * The snapshot graph of a drizzle-kit v1 folder (<timestamp>_<name>/snapshot.json, parents in `prevIds`) and
 * drizzle-kit v1's own test of parallel branches. v1 accepts two branches generated from the same parent
 * when their changes commute: each snapshot lists the schema objects its statements write and read
 * (`footprints`), and two leaves conflict only when one side writes what the other writes or reads. Checks
 * here follow that test, so dbtool stays quiet where drizzle-kit generate and migrate work.
 */

export interface Footprint {
  statementType: string;
  statementTarget: string[];
  writes: string[];
  sharedWrites?: string[];
  reads?: string[];
  /** the same statement on both sides is no conflict */
  sqlHash?: string;
}

export interface V1Node {
  /** the migration folder's name, <timestamp>_<name> */
  folder: string;
  id: string;
  prevIds: string[];
  /** the first snapshot holds the whole schema ("base"), later ones their changes ("diff") */
  type: string;
  footprints: Footprint[];
  /** a diff with no deltas: what `drizzle-kit generate --custom` writes for hand-written SQL */
  noChange: boolean;
}

export const V1_FOLDER = /^\d{14}_.+/;

/** The graph node of one parsed snapshot.json; undefined when it is not a v1 snapshot. */
export function v1Node(folder: string, body: unknown): V1Node | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.id !== 'string' || !Array.isArray(b.prevIds)) return undefined;
  const footprints = Array.isArray(b.footprints) ? b.footprints.filter(isFootprint) : [];
  return {
    folder,
    id: b.id,
    prevIds: b.prevIds.filter((p): p is string => typeof p === 'string'),
    type: typeof b.type === 'string' ? b.type : '',
    footprints,
    noChange: b.type === 'diff' && Array.isArray(b.deltas) && b.deltas.length === 0,
  };
}

function isFootprint(value: unknown): value is Footprint {
  if (!value || typeof value !== 'object') return false;
  const f = value as Record<string, unknown>;
  return typeof f.statementType === 'string' && Array.isArray(f.writes) && Array.isArray(f.statementTarget);
}

/** Every <timestamp>_<name>/snapshot.json of a folder that parses, in folder-name order. */
export function readV1Nodes(dir: string): V1Node[] {
  if (!existsSync(dir)) return [];
  const out: V1Node[] = [];
  for (const folder of readdirSync(dir)
    .filter((n) => V1_FOLDER.test(n))
    .sort()) {
    const node = parseSnapshot(folder, () => readFileSync(join(dir, folder, 'snapshot.json'), 'utf8'));
    if (node) out.push(node);
  }
  return out;
}

/** A node from snapshot text however it is read (a file, a git blob); undefined when missing or not JSON. */
export function parseSnapshot(folder: string, read: () => string | undefined): V1Node | undefined {
  try {
    const text = read();
    return text === undefined ? undefined : v1Node(folder, JSON.parse(text));
  } catch {
    return undefined;
  }
}

export interface ConflictSide {
  /** the folders on this side since the fork, oldest first */
  chain: string[];
  /** the folder whose statement conflicts */
  source: string;
  /** what it changes, e.g. `alter_column public.users.email` */
  change: string;
}

export interface BranchConflict {
  /** the folder both sides were generated from; undefined: they share no snapshot */
  fork: string | undefined;
  left: ConflictSide;
  right: ConflictSide;
}

/** Pairs of leaves whose changes since their fork do not commute: the folders drizzle-kit v1 generate refuses. */
export function branchConflicts(nodes: readonly V1Node[]): BranchConflict[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const parents = new Set(nodes.flatMap((n) => n.prevIds));
  const leaves = nodes.filter((n) => !parents.has(n.id));
  const histories = new Map<string, Set<string>>();
  const historyOf = (id: string) => {
    let known = histories.get(id);
    if (!known) {
      known = ancestors(byId, id);
      histories.set(id, known);
    }
    return known;
  };
  const conflicts: BranchConflict[] = [];
  for (let i = 0; i < leaves.length; i++) {
    for (let j = i + 1; j < leaves.length; j++) {
      const x = historyOf(leaves[i]!.id);
      const y = historyOf(leaves[j]!.id);
      const sideX = nodes.filter((n) => x.has(n.id) && !y.has(n.id));
      const sideY = nodes.filter((n) => y.has(n.id) && !x.has(n.id));
      const found = firstConflict(sideX, sideY) ?? swap(firstConflict(sideY, sideX));
      if (!found) continue;
      conflicts.push({
        fork: forkOf(nodes, x, y),
        left: { chain: sideX.map((n) => n.folder), source: found.left.node.folder, change: describe(found.left.footprint) },
        right: { chain: sideY.map((n) => n.folder), source: found.right.node.folder, change: describe(found.right.footprint) },
      });
    }
  }
  return conflicts;
}

interface Sourced {
  node: V1Node;
  footprint: Footprint;
}

/** A statement of `from` that writes what a statement of `to` writes or reads (drizzle-kit's commutativity rule). */
function firstConflict(from: readonly V1Node[], to: readonly V1Node[]): { left: Sourced; right: Sourced } | undefined {
  const touching = new Map<string, Sourced[]>();
  for (const node of to) {
    for (const footprint of node.footprints) {
      for (const key of [...footprint.writes, ...(footprint.reads ?? [])]) touching.set(key, [...(touching.get(key) ?? []), { node, footprint }]);
    }
  }
  for (const node of from) {
    for (const footprint of node.footprints) {
      for (const key of [...footprint.writes, ...(footprint.sharedWrites ?? [])]) {
        const other = (touching.get(key) ?? []).find((o) => !sameChange(footprint, o.footprint));
        if (other) return { left: { node, footprint }, right: other };
      }
    }
  }
  return undefined;
}

function swap(found: { left: Sourced; right: Sourced } | undefined): { left: Sourced; right: Sourced } | undefined {
  return found && { left: found.right, right: found.left };
}

function sameChange(a: Footprint, b: Footprint): boolean {
  return a.sqlHash !== undefined && a.statementType === b.statementType && a.sqlHash === b.sqlHash;
}

function describe(f: Footprint): string {
  return `${f.statementType} ${f.statementTarget.slice(1).join('.')}`.trim();
}

function ancestors(byId: ReadonlyMap<string, V1Node>, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const node = byId.get(id);
    if (seen.has(id) || !node) continue;
    seen.add(id);
    stack.push(...node.prevIds.filter((p) => p !== ROOT_SNAPSHOT_ID));
  }
  return seen;
}

/** The newest snapshot both histories contain (by history size), the fork of the two branches. */
function forkOf(nodes: readonly V1Node[], x: ReadonlySet<string>, y: ReadonlySet<string>): string | undefined {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  let best: V1Node | undefined;
  let size = -1;
  for (const id of x) {
    if (!y.has(id)) continue;
    const n = ancestors(byId, id).size;
    if (n > size) {
      best = byId.get(id);
      size = n;
    }
  }
  return best?.folder;
}
