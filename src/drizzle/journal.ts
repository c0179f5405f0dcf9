import type { InputProblem } from '../review/report-types.js';

export interface JournalEntry {
  idx: number;
  when: number;
  tag: string;
}

export interface Journal {
  entries: JournalEntry[];
}

/** Reads drizzle-kit's meta/_journal.json (every version drizzle-kit has written: entries with tag and when). */
export function parseJournal(text: string): Journal {
  const raw = JSON.parse(text) as { entries?: Array<{ idx?: number; when?: number; tag?: string }> };
  if (!raw || !Array.isArray(raw.entries)) throw new Error('it has no "entries" array');
  const entries = raw.entries.map((e, i) => {
    if (typeof e?.tag !== 'string') throw new Error(`entry ${i} has no "tag"`);
    return { idx: typeof e.idx === 'number' ? e.idx : i, when: typeof e.when === 'number' ? e.when : 0, tag: e.tag };
  });
  return { entries };
}

/** Entries whose timestamp is not after the newest one before them: drizzle's migrator skips those. */
export function outOfOrderEntries(journal: Journal): Array<{ entry: JournalEntry; newerThan: JournalEntry }> {
  const out: Array<{ entry: JournalEntry; newerThan: JournalEntry }> = [];
  let newest: JournalEntry | undefined;
  for (const entry of journal.entries) {
    if (newest && entry.when <= newest.when) out.push({ entry, newerThan: newest });
    if (!newest || entry.when > newest.when) newest = entry;
  }
  return out;
}

export function outOfOrderProblem(entry: JournalEntry, newerThan: JournalEntry): InputProblem {
  return {
    rule: 'journal-out-of-order',
    message: `Journal entry ${entry.tag} (when ${entry.when}) is not newer than ${newerThan.tag} (when ${newerThan.when}): drizzle's migrator compares timestamps and silently skips it on databases that already applied ${newerThan.tag}.`,
    help: `Give ${entry.tag} a "when" later than ${newerThan.when} in meta/_journal.json (or regenerate it), and check databases where ${newerThan.tag} is applied: ${entry.tag} never ran there.`,
  };
}

/**
 * Problems with the tags themselves, by entry position: a tag that leaves the folder (`../x`, an absolute
 * path) or names a subfolder, and a tag listed twice. drizzle's migrator reads `<folder>/<tag>.sql` as it is,
 * so the reviewer reads the same file and warns.
 */
export function tagProblems(journal: Journal): Map<number, InputProblem[]> {
  const out = new Map<number, InputProblem[]>();
  const add = (i: number, problem: InputProblem) => out.set(i, [...(out.get(i) ?? []), problem]);
  const first = new Map<string, JournalEntry>();
  journal.entries.forEach((entry, i) => {
    const { tag } = entry;
    const parts = tag.split(/[\\/]/);
    const absolute = tag.startsWith('/') || tag.startsWith('\\') || /^[A-Za-z]:/.test(tag);
    if (absolute || parts.includes('..')) {
      add(i, {
        rule: 'journal-unsafe-tag',
        message: `Journal entry ${JSON.stringify(tag)} points outside the migrations folder: drizzle's migrator reads ${absolute ? 'that absolute path' : 'a file above the folder'} (${tag}.sql) as a migration, so a file that is not part of the migrations can run.`,
        help: 'Use the file name without folders as the tag (drizzle-kit writes tags like 0003_add_email); move the file into the migrations folder, or remove the entry if it was not meant to be there.',
      });
    } else if (parts.length > 1) {
      add(i, {
        rule: 'journal-unsafe-tag',
        message: `Journal entry ${JSON.stringify(tag)} contains a path separator: drizzle's migrator reads ${tag}.sql from a subfolder, which drizzle-kit never generates.`,
        help: 'Use the file name without folders as the tag (drizzle-kit writes tags like 0003_add_email), and keep the file next to the others.',
      });
    }
    const earlier = first.get(tag);
    if (earlier) {
      add(i, {
        rule: 'journal-duplicate-tag',
        message: `Journal entry ${entry.idx} repeats the tag ${tag} of entry ${earlier.idx}: drizzle's migrator applies ${tag}.sql a second time when the later entry is newer (its CREATE statements then fail, its data changes run twice), or silently skips the entry.`,
        help: 'Remove the repeated entry from meta/_journal.json (a merge usually duplicates it), or give the second migration its own file and tag with drizzle-kit generate.',
      });
    } else {
      first.set(tag, entry);
    }
  });
  return out;
}
