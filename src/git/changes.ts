import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { UsageError } from '../errors.js';

/** Files that differ between the merge base with a ref and the working tree, as absolute paths. */
export interface ChangesSince {
  ref: string;
  /** new files, committed or not (untracked files that .gitignore does not exclude included) */
  added: Set<string>;
  modified: Set<string>;
  deleted: Set<string>;
}

/**
 * What a pull request changes: compared with the merge base of `ref` and HEAD, so commits that landed on the
 * base branch after the branch point do not count, and against the working tree, so local edits do.
 */
export function changesSince(ref: string, cwd: string): ChangesSince {
  const root = git(
    ['rev-parse', '--show-toplevel'],
    cwd,
    () =>
      new UsageError(
        `--base ${ref}: ${cwd} is not inside a git repository`,
        'Run dbtool from your project checkout, or drop --base to review the paths in full.',
      ),
  ).trim();
  git(
    ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`],
    cwd,
    () =>
      new UsageError(
        `--base ${ref}: git knows no commit by that name`,
        `Fetch it first (e.g. git fetch origin ${ref.replace(/^origin\//, '')}), or check the spelling.`,
      ),
  );
  const base = git(
    ['merge-base', ref, 'HEAD'],
    cwd,
    () =>
      new UsageError(
        `--base ${ref}: no common ancestor with HEAD`,
        'A shallow clone lacks the history; fetch it (actions/checkout with fetch-depth: 0, or git fetch --unshallow).',
      ),
  ).trim();
  const changes: ChangesSince = { ref, added: new Set(), modified: new Set(), deleted: new Set() };
  // --no-renames: a renamed migration is the deletion of a merged one plus a new file
  const fields = git(['diff', '--name-status', '-z', '--no-renames', base, '--'], root, failure(ref)).split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const path = join(root, fields[i + 1] ?? '');
    const status = fields[i] ?? '';
    if (status === 'A') changes.added.add(path);
    else if (status === 'D') changes.deleted.add(path);
    else changes.modified.add(path);
  }
  for (const path of git(['ls-files', '-z', '--others', '--exclude-standard'], root, failure(ref)).split('\0')) {
    if (path) changes.added.add(join(root, path));
  }
  return changes;
}

function failure(ref: string): () => UsageError {
  return () => new UsageError(`--base ${ref}: git could not list the changes`);
}

function git(args: string[], cwd: string, onError: () => UsageError): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError('--base needs git, and git is not on the PATH');
    throw onError();
  }
}
