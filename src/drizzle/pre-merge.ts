import { basename, dirname, relative, resolve } from 'node:path';
import type { ChangesSince } from '../git/changes.js';
import type { SourceFile } from '../review/report-types.js';
import type { LoadedInput } from './inputs.js';
import { withoutDownMigrations } from './inputs.js';

/**
 * Pre-merge mode: only the migrations a change adds or edits are reviewed; the others stay the schema history
 * they are judged against. Editing or deleting a migration that exists on the base is an error of its own.
 * Pure: the git changes are read by the caller.
 */
export function limitToChanges(inputs: LoadedInput[], changes: ChangesSince, cwd: string): void {
  for (const input of inputs) {
    if (input.layout === 'stdin') continue;
    for (const file of input.files) {
      const path = resolve(cwd, file.path);
      if (changes.modified.has(path)) file.problems.push(editedProblem(changes.ref, 'edited', file.path));
      else if (!changes.added.has(path)) file.review = false;
    }
    if (input.layout === 'file') continue;
    const folder = resolve(cwd, input.path);
    for (const path of [...changes.deleted].sort()) {
      if (!isMigrationOf(folder, path)) continue;
      const listed = input.files.find((f) => resolve(cwd, f.path) === path);
      if (listed) {
        // the journal still lists it: journal-missing-file says the migrator fails, this says why it matters
        listed.review = true;
        listed.problems.push(editedProblem(changes.ref, 'deleted', listed.path));
      } else {
        input.files.push(deletedFile(path, cwd, changes.ref));
      }
    }
  }
}

/** Whether a deleted path was a migration of the folder: `<folder>/<name>.sql` or v1 `<folder>/<name>/migration.sql`. */
function isMigrationOf(folder: string, path: string): boolean {
  const parts = relative(folder, path).split(/[\\/]/);
  if (parts[0] === '..' || !/\.sql$/i.test(path)) return false;
  if (parts.length === 1) return withoutDownMigrations(parts).length === 1;
  return parts.length === 2 && parts[1] === 'migration.sql';
}

function deletedFile(path: string, cwd: string, ref: string): SourceFile {
  const migration = basename(path) === 'migration.sql' ? basename(dirname(path)) : basename(path).replace(/\.sql$/i, '');
  const display = relative(cwd, path) || path;
  return { path: display, migration, text: undefined, problems: [editedProblem(ref, 'deleted', display)], review: true };
}

function editedProblem(ref: string, how: 'edited' | 'deleted', path: string): SourceFile['problems'][number] {
  return {
    rule: 'edited-migration',
    line: 1,
    column: 1,
    message:
      how === 'edited'
        ? `This migration exists at ${ref} and was edited since: databases that already applied it will never run the new version.`
        : `This migration exists at ${ref} and was deleted: databases that applied it keep its changes, new databases will not get them.`,
    help:
      how === 'edited'
        ? `Restore it (git checkout ${ref} -- ${path}) and put the change in a new migration.`
        : `Restore it (git checkout ${ref} -- ${path}); undo its effect with a new migration instead.`,
  };
}
