import type { Stats } from 'node:fs';
import { existsSync, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import type { FolderSource, InputProblem, SourceFile } from '../review/report-types.js';
import { journalBranchProblems, readSnapshot, readSnapshots, unlistedCollision, v1BranchProblems } from './branch-history.js';
import { outOfOrderEntries, outOfOrderProblem, parseJournal, tagProblems } from './journal.js';
import { readSqlFile, readSqlFileIfPresent } from './read-text.js';
import { v1ForkProblems } from './v1-branches.js';
import { readV1Nodes, V1_FOLDER } from './v1-history.js';

export type FolderLayout = 'journal' | 'v1' | 'plain' | 'file' | 'stdin';

export interface LoadedInput extends FolderSource {
  layout: FolderLayout;
  path: string;
  /** drizzle migrations (either layout, or one file of them): statements are separated by `--> statement-breakpoint` */
  drizzle?: boolean;
  /** one file of a drizzle folder: that folder's absolute path (its `files` are the history up to the file) */
  folder?: string;
}

/**
 * Turns one command-line path into an ordered folder source: a .sql file, a drizzle-kit 0.31 folder
 * (meta/_journal.json), a drizzle v1 folder (<timestamp>_<name>/migration.sql), or a folder of .sql files.
 */
export function loadInput(path: string, cwd: string, readStdin: () => string, folders?: Map<string, LoadedInput>): LoadedInput {
  if (path === '-') {
    return { layout: 'stdin', path, files: [{ path: '<stdin>', migration: 'stdin', text: readStdin(), problems: [], review: true }] };
  }
  const full = resolvePath(cwd, path);
  if (!existsSync(full)) throw new UsageError(`${path}: no such file or directory`, 'Pass a .sql file, a drizzle migrations folder, or - for standard input.');
  const display = (p: string) => relative(cwd, p) || p;
  // anything but a folder is read as a file, where a pipe, a device or a socket is refused before reading
  if (!statSync(full).isDirectory()) {
    return (
      withFolderHistory(full, path, cwd, readStdin, folders) ?? {
        layout: 'file',
        path,
        files: [{ path: display(full), migration: basename(full).replace(/\.sql$/i, ''), text: readSqlFile(full, display(full)), problems: [], review: true }],
      }
    );
  }
  const journalPath = join(full, 'meta', '_journal.json');
  if (existsSync(journalPath)) return loadJournalFolder(full, journalPath, path, display);
  const entries = readdirSync(full, { withFileTypes: true });
  const v1 = entries.filter((e) => e.isDirectory() && V1_FOLDER.test(e.name) && existsSync(join(full, e.name, 'migration.sql')));
  if (v1.length > 0) {
    const files = v1
      .map((e) => e.name)
      .sort()
      .map((name) => sqlFile(join(full, name, 'migration.sql'), name, display));
    const forks = v1BranchProblems(
      files.map((f) => ({ name: f.migration, link: readSnapshot(join(full, f.migration, 'snapshot.json'), `${f.migration}/snapshot.json`) })),
    );
    const conflicts = v1ForkProblems(readV1Nodes(full));
    for (const f of files) f.problems.push(...(forks.get(f.migration) ?? []), ...(conflicts.get(f.migration) ?? []));
    return { layout: 'v1', path, files, drizzle: true };
  }
  const sql = withoutDownMigrations(
    entries.filter((e) => /\.sql$/i.test(e.name) && (e.isFile() || linksToFile(join(full, e.name), display))).map((e) => e.name),
  ).sort(byNaturalOrder);
  const nested = sql.length === 0 ? nestedSqlFiles(full) : [];
  if (sql.length === 0 && nested.length === 0)
    throw new UsageError(
      `${path}: no .sql files found`,
      'Point at a drizzle out folder (with meta/_journal.json or <timestamp>_<name>/migration.sql folders) or a folder of .sql files.',
    );
  if (nested.length > 0) return { layout: 'plain', path, files: nested.map((p) => sqlFile(p, relative(full, p).replace(/\.sql$/i, ''), display)) };
  return { layout: 'plain', path, files: sql.map((name) => sqlFile(join(full, name), name.replace(/\.sql$/i, ''), display)) };
}

/**
 * A file inside a drizzle folder is reviewed against the schema its earlier migrations built: the
 * folder is read (once per `folders` map, when several of its files are named), files before it only
 * feed the catalog, files after it are left out.
 */
function withFolderHistory(file: string, path: string, cwd: string, readStdin: () => string, folders?: Map<string, LoadedInput>): LoadedInput | undefined {
  const parent = dirname(file);
  const folder = basename(file) === 'migration.sql' && V1_FOLDER.test(basename(parent)) ? dirname(parent) : parent;
  const isDrizzle = existsSync(join(folder, 'meta', '_journal.json')) || folder !== parent;
  if (!isDrizzle) return undefined;
  const whole = folders?.get(folder) ?? loadInput(folder, cwd, readStdin);
  folders?.set(folder, whole);
  const target = whole.files.findIndex((f) => resolvePath(cwd, f.path) === file);
  if (target < 0) return undefined;
  const files = whole.files.slice(0, target + 1).map((f, i) => ({ ...f, review: i === target, problems: i === target ? [...f.problems] : [] }));
  return { layout: 'file', path, files, drizzle: true, folder };
}

function resolvePath(cwd: string, path: string): string {
  return path.startsWith('/') ? path : join(cwd, path);
}

function sqlFile(path: string, migration: string, display: (p: string) => string): SourceFile {
  const shown = display(path);
  return { path: shown, migration, text: readSqlFile(path, shown), problems: [], review: true };
}

/**
 * A symbolic link among the .sql files is reviewed like the file it points at (runners follow links);
 * a link to nothing or to a folder is refused by name rather than skipped.
 */
function linksToFile(path: string, display: (p: string) => string): boolean {
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch {
    return false;
  }
  if (!link.isSymbolicLink()) return false;
  const target = readlinkSync(path);
  let stat: Stats;
  try {
    stat = statSync(path);
  } catch {
    throw new InputError(
      `${display(path)} is a symbolic link to ${target}, which does not exist`,
      'Restore the file it points at, or remove the link from the migrations folder.',
    );
  }
  if (!stat.isFile())
    throw new InputError(
      `${display(path)} is a symbolic link to ${target}, which is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}, not a .sql file`,
      'Link to the .sql file itself, or remove the link from the migrations folder.',
    );
  return true;
}

/** One level of subfolders holding .sql files (e.g. diesel's <version>_<name>/up.sql), in name order. */
function nestedSqlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => byNaturalOrder(a.name, b.name))) {
    if (!entry.isDirectory()) continue;
    const files = withoutDownMigrations(readdirSync(join(dir, entry.name)).filter((n) => /\.sql$/i.test(n))).sort(byNaturalOrder);
    for (const f of files) out.push(join(dir, entry.name, f));
  }
  return out;
}

/** golang-migrate and friends keep `x.up.sql` next to `x.down.sql`; only the up side builds the schema. */
export function withoutDownMigrations(names: string[]): string[] {
  return names.filter((n) => !/(^|[._-])down\.sql$/i.test(n));
}

// made on first use: building an ICU collator costs ~10 ms, and a drizzle folder read by its journal never sorts
let natural: Intl.Collator | undefined;

function byNaturalOrder(a: string, b: string): number {
  natural ??= new Intl.Collator('en', { numeric: true });
  return natural.compare(a, b);
}

function loadJournalFolder(dir: string, journalPath: string, path: string, display: (p: string) => string): LoadedInput {
  let journal;
  try {
    journal = parseJournal(readSqlFile(journalPath, display(journalPath)));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new UsageError(
      `${display(journalPath)}: not a valid drizzle journal: ${(error as Error).message}`,
      'Regenerate it with drizzle-kit, or review the .sql files directly by passing them as paths.',
    );
  }
  const late = new Map(outOfOrderEntries(journal).map((o) => [o.entry.tag, outOfOrderProblem(o.entry, o.newerThan)]));
  const tags = tagProblems(journal);
  const branch = journalBranchProblems(journal, readSnapshots(dir));
  const files: SourceFile[] = journal.entries.map((entry, i) => {
    const filePath = join(dir, `${entry.tag}.sql`);
    const problems: InputProblem[] = [...(tags.get(i) ?? []), ...(branch.get(i) ?? [])];
    const lateProblem = late.get(entry.tag);
    if (lateProblem) problems.push(lateProblem);
    const shown = display(filePath);
    // opened without asking first whether it exists: a long history is thousands of files
    const text = readSqlFileIfPresent(filePath, shown);
    if (text === undefined) {
      problems.push({
        rule: 'journal-missing-file',
        message: `The journal lists ${entry.tag} but ${shown} does not exist: drizzle's migrator fails when it reaches it.`,
        help: 'Restore the file from version control, or regenerate the journal with drizzle-kit if the migration was deliberately removed.',
      });
    }
    return { path: shown, migration: entry.tag, text, problems, review: true };
  });
  const listed = new Set(journal.entries.map((e) => `${e.tag}.sql`));
  const unlisted = readdirSync(dir)
    .filter((n) => /\.sql$/i.test(n) && !listed.has(n))
    .sort(byNaturalOrder);
  for (const name of unlisted) {
    files.push({
      ...sqlFile(join(dir, name), name.replace(/\.sql$/i, ''), display),
      problems: [
        {
          rule: 'journal-unlisted-file',
          message: `${name} is not listed in meta/_journal.json: drizzle's migrator never applies it.`,
          help: 'Delete it if it is left over from an abandoned branch; otherwise add it to the journal (drizzle-kit generate --custom creates a listed, empty migration to paste it into).',
        },
      ],
    });
  }
  for (const file of files.slice(journal.entries.length)) file.problems.push(...unlistedCollision(journal, file.migration));
  return { layout: 'journal', path, files, drizzle: true };
}
