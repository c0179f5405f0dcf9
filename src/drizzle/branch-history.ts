import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { InputProblem } from '../review/report-types.js';
import type { Journal } from './journal.js';

/**
 * Branch collisions in a drizzle migrations folder: what two branches that each ran `drizzle-kit generate`
 * from the same parent leave behind once merged. Pure checks over the journal and the snapshots' id / prevId
 * links; the snapshot files are read by `readSnapshots` (the only IO here).
 */

/** drizzle-kit's parent of the first snapshot */
export const ROOT_SNAPSHOT_ID = '00000000-0000-0000-0000-000000000000';

export interface SnapshotLink {
  /** the file, relative to the migrations folder (meta/0005_snapshot.json, or <name>/snapshot.json in v1) */
  file: string;
  id: string;
  /** 0.31: one parent; v1: prevIds */
  prevIds: string[];
  /** the whole parsed snapshot, to tell a custom migration (same content as its parent) from a generated one */
  body: Record<string, unknown>;
}

export const REBASE_HINT = (ref: string) => `dbtool generate --rebase ${ref}`;

/** `0005` of `0005_add_email`: the number drizzle-kit gives a migration and its meta/0005_snapshot.json. */
export function migrationNumber(tag: string): string | undefined {
  return /^(\d+)_/.exec(tag)?.[1];
}

/**
 * Reads one snapshot's links; undefined when the file is missing, not a regular file or not a snapshot.
 * Without `full`, only the links: drizzle-kit writes "id" and "prevId" first, so the head of the file
 * is enough (snapshots of big schemas are hundreds of kilobytes each, and a folder has hundreds of them).
 */
export function readSnapshot(path: string, file: string, full = false): SnapshotLink | undefined {
  try {
    if (!existsSync(path) || !statSync(path).isFile()) return undefined;
    if (!full) {
      const links = headLinks(path);
      if (links) return { file, ...links, body: {} };
    }
    const body = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return snapshotLink(body, file);
  } catch {
    return undefined;
  }
}

function headLinks(path: string): { id: string; prevIds: string[] } | undefined {
  const fd = openSync(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(1024);
    head = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
  // the links must come before any nested object, or they might belong to something else
  const top = head.slice(0, head.indexOf('{', 1) < 0 ? head.length : head.indexOf('{', 1));
  const id = /"id"\s*:\s*"([^"\\]*)"/.exec(top)?.[1];
  const prevId = /"prevId"\s*:\s*"([^"\\]*)"/.exec(top)?.[1];
  const prevIds = /"prevIds"\s*:\s*\[([^\]]*)\]/.exec(top)?.[1];
  if (id === undefined || (prevId === undefined && prevIds === undefined)) return undefined;
  return { id, prevIds: prevId !== undefined ? [prevId] : [...(prevIds ?? '').matchAll(/"([^"\\]*)"/g)].map((m) => m[1] ?? '') };
}

/** The links of a parsed snapshot (0.31 `prevId`, v1 `prevIds`). */
export function snapshotLink(body: unknown, file: string): SnapshotLink | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.id !== 'string') return undefined;
  const prevIds = Array.isArray(b.prevIds) ? b.prevIds.filter((p): p is string => typeof p === 'string') : typeof b.prevId === 'string' ? [b.prevId] : [];
  return { file, id: b.id, prevIds, body: b };
}

/** meta/NNNN_snapshot.json of a 0.31 folder, by migration number. */
export function readSnapshots(dir: string, full = false): Map<string, SnapshotLink> {
  const out = new Map<string, SnapshotLink>();
  const meta = join(dir, 'meta');
  let names: string[];
  try {
    names = readdirSync(meta);
  } catch {
    return out;
  }
  for (const name of names) {
    const number = /^(\d+)_snapshot\.json$/.exec(name)?.[1];
    if (!number) continue;
    const link = readSnapshot(join(meta, name), `meta/${name}`, full);
    if (link) out.set(number, link);
  }
  return out;
}

/**
 * A snapshot that records no schema change of its own: the same content as its parent apart from id and
 * prevId(s). That is what `drizzle-kit generate --custom` writes for a hand-written migration.
 */
export function sameSchema(a: SnapshotLink, b: SnapshotLink): boolean {
  return canonical(withoutLinks(a.body)) === canonical(withoutLinks(b.body));
}

function withoutLinks(body: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, prevId: _prevId, prevIds: _prevIds, ...rest } = body;
  return rest;
}

/** JSON with object keys sorted: drizzle-kit does not keep key order between snapshots. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Problems of a 0.31 journal folder, by entry position: a migration number used twice, an `idx` that does
 * not increase, two snapshots with the same parent, and a snapshot whose parent is not the previous one.
 * Quiet where drizzle-kit itself is: entries without snapshots (hand-made or older folders) are not judged.
 */
export function journalBranchProblems(journal: Journal, snapshots: ReadonlyMap<string, SnapshotLink>): Map<number, InputProblem[]> {
  const out = new Map<number, InputProblem[]>();
  const add = (i: number, problem: InputProblem) => out.set(i, [...(out.get(i) ?? []), problem]);
  const byNumber = new Map<string, string>();
  const rebuild = (tag: string) =>
    `If ${tag} is your branch's migration, rebuild it on top of the base branch: ${REBASE_HINT('<base-branch>')} (e.g. origin/main) removes it, regenerates it from the base's latest snapshot and renumbers it.`;
  journal.entries.forEach((entry, i) => {
    const number = migrationNumber(entry.tag);
    const earlier = number === undefined ? undefined : byNumber.get(number);
    if (number !== undefined && earlier !== undefined && earlier !== entry.tag) {
      add(i, {
        rule: 'migration-number-collision',
        message: `${entry.tag} has the number ${number} of ${earlier}: two branches each generated migration ${number} from the same parent, and only one meta/${number}_snapshot.json survives the merge, so the snapshot history no longer describes ${entry.tag} and the next drizzle-kit generate diffs against the wrong schema.`,
        help: rebuild(entry.tag),
      });
    } else if (number !== undefined && earlier === undefined) {
      byNumber.set(number, entry.tag);
    }
    const previous = journal.entries[i - 1];
    if (previous && entry.idx <= previous.idx) {
      add(i, {
        rule: 'journal-idx-out-of-order',
        message: `Journal entry ${entry.tag} has idx ${entry.idx}, not more than ${previous.tag}'s ${previous.idx}: the journal was merged by hand (both branches appended an entry with the same idx).`,
        help: rebuild(entry.tag),
      });
    }
  });
  // snapshots, in journal order: a fork (same parent) and a broken link (parent is not the previous id)
  const seenParent = new Map<string, string>();
  let previous: { tag: string; link: SnapshotLink } | undefined;
  const used = new Set<string>();
  journal.entries.forEach((entry, i) => {
    const number = migrationNumber(entry.tag);
    const link = number === undefined || used.has(number) ? undefined : snapshots.get(number);
    if (number !== undefined) used.add(number);
    if (!link) {
      previous = undefined;
      return;
    }
    const parent = link.prevIds[0] ?? '';
    const sibling = seenParent.get(parent);
    if (sibling !== undefined) {
      add(i, {
        rule: 'snapshot-fork',
        message: `${link.file} (of ${entry.tag}) has the same parent snapshot as ${sibling}'s: both were generated from the same schema on different branches, so ${entry.tag}'s SQL does not contain ${sibling}'s changes and drizzle-kit refuses to generate on top of the pair.`,
        help: rebuild(entry.tag),
      });
    } else if (previous && parent !== previous.link.id) {
      add(i, {
        rule: 'snapshot-chain-broken',
        message: `${link.file} (of ${entry.tag}) names ${parent} as its parent, but the previous migration ${previous.tag}'s snapshot is ${previous.link.id}: the history was merged by hand and ${entry.tag} was generated against another schema.`,
        help: rebuild(entry.tag),
      });
    }
    seenParent.set(parent, entry.tag);
    previous = { tag: entry.tag, link };
  });
  return out;
}

/** An SQL file the journal does not list whose number a listed migration has (a branch's file lost in a merge). */
export function unlistedCollision(journal: Journal, migration: string): InputProblem[] {
  const number = migrationNumber(migration);
  const listed = number === undefined ? undefined : journal.entries.find((e) => migrationNumber(e.tag) === number && e.tag !== migration);
  if (!listed || number === undefined) return [];
  return [
    {
      rule: 'migration-number-collision',
      message: `${migration}.sql has the number ${number} of ${listed.tag}, which the journal lists instead: two branches each generated migration ${number}, and the merge kept the other branch's journal and snapshot, so ${migration} never runs and its schema change is missing from the history.`,
      help: `If ${migration} is your branch's migration, rebuild it on top of the base branch: ${REBASE_HINT('<base-branch>')} (e.g. origin/main) removes it and regenerates its schema change with a new number.`,
    },
  ];
}

/**
 * v1 folders (<timestamp>_<name>/snapshot.json, parents in `prevIds`): drizzle-kit v1 allows parallel
 * branches (several snapshots may share a parent), so only a parent that no snapshot in the folder has is a
 * problem — the snapshot was copied from another history.
 */
export function v1BranchProblems(folders: ReadonlyArray<{ name: string; link: SnapshotLink | undefined }>): Map<string, InputProblem[]> {
  const out = new Map<string, InputProblem[]>();
  const ids = new Set(folders.flatMap((f) => (f.link ? [f.link.id] : [])));
  const sawSnapshot = folders.some((f) => f.link);
  if (!sawSnapshot) return out;
  for (const { name, link } of folders) {
    if (!link) continue;
    const unknown = link.prevIds.filter((p) => p !== ROOT_SNAPSHOT_ID && !ids.has(p));
    if (unknown.length === 0) continue;
    out.set(name, [
      {
        rule: 'snapshot-chain-broken',
        message: `${link.file} names ${unknown.join(', ')} as its parent, which no snapshot in the folder is: it was generated on a branch whose history is not in this folder (a parent migration was removed or renamed in a merge).`,
        help: `If ${name} is your branch's migration, rebuild it on top of the base branch: ${REBASE_HINT('<base-branch>')} (e.g. origin/main) removes the branch's folders and regenerates them from the base's latest snapshot.`,
      },
    ]);
  }
  return out;
}
