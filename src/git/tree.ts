import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { UsageError } from '../errors.js';

/** Reading a folder as it is at a git ref (the base branch's migrations), and the state of the working tree. */
export interface GitTree {
  /** the repository's top folder */
  root: string;
  /** a path as git names it inside the repository (forward slashes) */
  repoPath(path: string): string;
  /** the file at the ref, undefined when it does not exist there */
  show(ref: string, path: string): Buffer | undefined;
  /** files under a folder at the ref, as repository paths */
  list(ref: string, folder: string): string[];
  mergeBase(ref: string): string;
  /** whether HEAD contains the ref's commit (the ref was merged or rebased in) */
  contains(ref: string): boolean;
  /** paths under the folder with uncommitted changes (staged, unstaged or untracked) */
  dirty(folder: string): string[];
}

/** Opens the repository around `cwd`; a usage error when there is none or `ref` is unknown. */
export function gitTree(cwd: string, ref: string, flag: string): GitTree {
  const root = run(
    ['rev-parse', '--show-toplevel'],
    cwd,
    () => new UsageError(`${flag} ${ref}: ${cwd} is not inside a git repository`, 'Run dbtool from your project checkout.'),
  )
    .toString('utf8')
    .trim();
  run(
    ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`],
    root,
    () =>
      new UsageError(
        `${flag} ${ref}: git knows no commit by that name`,
        `Fetch it first (e.g. git fetch origin ${ref.replace(/^origin\//, '')}), or check the spelling.`,
      ),
  );
  const repoPath = (path: string) => relative(root, path).split(/[\\/]/).join('/');
  return {
    root,
    repoPath,
    show(at, path) {
      try {
        return execFileSync('git', ['cat-file', 'blob', `${at}:${path}`], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
      } catch {
        return undefined;
      }
    },
    list(at, folder) {
      const out = run(
        ['ls-tree', '-r', '-z', '--name-only', at, '--', folder === '' ? '.' : folder],
        root,
        () => new UsageError(`${flag} ${ref}: git could not list ${folder} at ${at}`),
      ).toString('utf8');
      return out.split('\0').filter(Boolean);
    },
    mergeBase(at) {
      return run(
        ['merge-base', at, 'HEAD'],
        root,
        () => new UsageError(`${flag} ${at}: no common ancestor with HEAD`, 'A shallow clone lacks the history; fetch it (git fetch --unshallow).'),
      )
        .toString('utf8')
        .trim();
    },
    contains(at) {
      try {
        execFileSync('git', ['merge-base', '--is-ancestor', at, 'HEAD'], { cwd: root, stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    },
    dirty(folder) {
      const out = run(
        ['status', '--porcelain', '-z', '--untracked-files=all', '--', folder === '' ? '.' : folder],
        root,
        () => new UsageError(`${flag}: git status failed`),
      ).toString('utf8');
      return out
        .split('\0')
        .filter(Boolean)
        .map((line) => line.slice(3))
        .filter(Boolean);
    },
  };
}

function run(args: string[], cwd: string, onError: () => UsageError): Buffer {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError('git is not on the PATH, and this needs it');
    throw onError();
  }
}
