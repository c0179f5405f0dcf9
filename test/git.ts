import { execFileSync } from 'node:child_process';

/** git with a test identity and `main` as the first branch, whatever the machine's configuration says. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=dbtool test', '-c', 'user.email=test@example.invalid', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/** Commits what `repo` holds as `main` and checks out a `feature` branch from it, as a pull request starts. */
export function commitMainThenBranch(repo: string): void {
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'main');
  git(repo, 'checkout', '-qb', 'feature');
}
