import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadedInput } from '../drizzle/inputs.js';
import { loadInput } from '../drizzle/inputs.js';
import { parseJournal } from '../drizzle/journal.js';
import { fsInputError } from '../drizzle/read-text.js';
import { UsageError } from '../errors.js';

/** One migration of the drizzle folder, as drizzle's migrator would see it. */
export interface LocalMigration {
  /** journal tag (0.31 layout) or folder name (v1 layout) */
  name: string;
  path: string;
  /** undefined when the journal lists a file that does not exist */
  text: string | undefined;
  /** sha256 of the file text, exactly as drizzle stores it */
  hash: string | undefined;
  /** journal `when`, or the v1 folder's timestamp, in ms: drizzle's `created_at` */
  createdAt: number;
  /** false for a .sql file the journal does not list (drizzle never applies it) */
  listed: boolean;
}

export interface LocalFolder {
  layout: 'journal' | 'v1';
  dir: string;
  migrations: LocalMigration[];
  /** the same folder as the reviewer reads it (schema history, journal problems) */
  input: LoadedInput;
}

export function drizzleHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads a drizzle out folder: the 0.31 journal layout or the v1 per-folder layout. */
export function readDrizzleFolder(dir: string, cwd: string): LocalFolder {
  let input: LoadedInput;
  try {
    input = loadInput(dir, cwd, () => '');
  } catch (error) {
    // a folder that cannot be listed or read is the user's to fix, not an internal error
    throw fsInputError(error, dir);
  }
  if (input.layout !== 'journal' && input.layout !== 'v1') {
    throw new UsageError(
      `${dir} is not a drizzle migrations folder (no meta/_journal.json and no <timestamp>_<name>/migration.sql folders)`,
      'Point --dir (or the drizzle config "out") at the folder drizzle-kit generate writes.',
    );
  }
  const full = dir.startsWith('/') ? dir : join(cwd, dir);
  const when = input.layout === 'journal' ? journalTimes(full) : new Map<string, number>();
  const migrations = input.files.map(
    (file): LocalMigration => ({
      name: file.migration,
      path: file.path,
      text: file.text,
      hash: file.text === undefined ? undefined : drizzleHash(file.text),
      createdAt: input.layout === 'v1' ? v1Millis(file.migration) : (when.get(file.migration) ?? 0),
      listed: input.layout === 'v1' || when.has(file.migration),
    }),
  );
  return { layout: input.layout, dir: full, migrations, input };
}

function journalTimes(dir: string): Map<string, number> {
  const journal = parseJournal(readFileSync(join(dir, 'meta', '_journal.json'), 'utf8'));
  return new Map(journal.entries.map((e) => [e.tag, e.when]));
}

/** drizzle v1 reads the folder's leading YYYYMMDDHHmmss as a UTC time. */
export function v1Millis(name: string): number {
  const d = name.slice(0, 14);
  return Date.UTC(
    Number(d.slice(0, 4)),
    Number(d.slice(4, 6)) - 1,
    Number(d.slice(6, 8)),
    Number(d.slice(8, 10)),
    Number(d.slice(10, 12)),
    Number(d.slice(12, 14)),
  );
}
