import type { InputProblem } from '../review/engine.js';

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
