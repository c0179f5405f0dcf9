import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { DbTarget } from '../db/connect.js';
import { withSession } from '../db/connect.js';
import type { LoadedInput } from '../drizzle/inputs.js';
import { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { UsageError } from '../errors.js';
import type { Bookkeeping } from '../migrate/bookkeeping.js';
import { bookkeepingOf, readApplied, tableShape } from '../migrate/bookkeeping.js';
import { drizzleHash, readDrizzleFolder } from '../migrate/local.js';
import type { AppliedRow } from '../migrate/state.js';
import { folderStatus } from '../migrate/state.js';
import type { Io } from './io.js';
import { resolveTarget } from './project.js';

/** One file --fix would rewrite, and why it must not. */
interface Settled {
  path: string;
  reason: string;
}

const V1_FOLDER = /^\d{14}_.+/;

/**
 * --fix never rewrites a migration that is already merged or applied: `dbtool migrate` (and any database that
 * ran it) would then hold a different file than the one it applied. Checked, in this order of evidence:
 * - with --base: a named file that exists at the base (unchanged or edited) is merged;
 * - with a database (--url, DATABASE_URL, the drizzle config's dbCredentials): a file drizzle's migrations
 *   table records (its sha256, its journal `when` or its v1 name) is applied;
 * - with neither: a file of a drizzle folder that a later migration follows, or that exists on the remote's
 *   default branch (origin/HEAD), is taken as shared.
 * Throws a usage error (exit 2) listing every such file; nothing is written then.
 */
export async function refuseSettledFiles(inputs: LoadedInput[], opts: { base?: string | undefined; url?: string | undefined }, io: Io): Promise<void> {
  const named = inputs
    .filter((i) => i.layout === 'file')
    .flatMap((i) => i.files.slice(-1))
    .filter((f) => f.text !== undefined);
  // what --fix would write: files named one by one, and (with --base) the migrations a folder adds
  const candidates = [
    ...new Set([
      ...named.filter((f) => f.review),
      ...inputs.filter((i) => i.layout !== 'file').flatMap((i) => i.files.filter((f) => f.review && f.text !== undefined)),
    ]),
  ];
  const settled: Settled[] = [];
  if (opts.base !== undefined && named.length > 0) {
    const { gitTree } = await import('../git/tree.js');
    const tree = gitTree(io.cwd, opts.base, '--base');
    const base = tree.mergeBase(opts.base);
    for (const file of named) {
      const then = tree.show(base, tree.repoPath(realpathSync(resolve(io.cwd, file.path))));
      if (then === undefined) continue;
      const same = then.toString('utf8') === file.text;
      settled.push({ path: file.path, reason: `exists ${same ? 'unchanged ' : ''}at ${opts.base}${same ? '' : ' and was edited since'} (a merged migration)` });
    }
  }
  const drizzle = await loadDrizzleConfig(io.cwd).catch(() => undefined);
  const target = resolveTarget({ url: opts.url }, io, drizzle);
  if (target.kind === 'server') {
    const bookkeeping: Bookkeeping = bookkeepingOf(drizzle);
    settled.push(
      ...(await appliedIn(
        target,
        bookkeeping,
        candidates.map((f) => f.path),
        io.cwd,
      )),
    );
  } else if (opts.base === undefined) {
    for (const file of named) {
      const reason = sharedWithoutEvidence(resolve(io.cwd, file.path));
      if (reason) settled.push({ path: file.path, reason });
    }
  }
  if (settled.length === 0) return;
  const unique = [...new Map(settled.map((s) => [s.path, s])).values()];
  throw new UsageError(
    `--fix would rewrite ${unique.length === 1 ? 'a migration that is' : 'migrations that are'} ${unique.length === 1 ? '(or is likely)' : '(or are likely)'} already merged or applied, and dbtool migrate refuses an applied migration that was edited:\n${unique.map((s) => `  ${s.path}: ${s.reason}`).join('\n')}\nNothing was written.`,
    'Leave applied migrations as they are and put the change in a new one (drizzle-kit generate, or dbtool generate --custom). Review without --fix to see the findings.',
  );
}

/** The files drizzle's migrations table in the database records as applied. */
async function appliedIn(target: Extract<DbTarget, { kind: 'server' }>, bk: Bookkeeping, paths: string[], cwd: string): Promise<Settled[]> {
  if (paths.length === 0) return [];
  let rows: AppliedRow[];
  try {
    rows = await withSession(target, async (session) => readApplied(session, bk, await tableShape(session, bk)));
  } catch (error) {
    throw new UsageError(
      `--fix checks that a migration is not applied before rewriting it, and could not read ${bk.schema}.${bk.table} in the database from ${target.source}: ${(error as Error).message}`,
      'Start the database (or name a reachable one with --url), or use --base <git-ref> in a checkout without one.',
    );
  }
  if (rows.length === 0) return [];
  const where = `applied in the database from ${target.source} (${bk.schema}.${bk.table})`;
  const out: Settled[] = [];
  const folders = new Map<string, ReturnType<typeof folderStatus> | undefined>();
  for (const path of paths) {
    const full = resolve(cwd, path);
    const folder = drizzleFolderOf(full);
    if (folder !== undefined && !folders.has(folder)) {
      try {
        folders.set(folder, folderStatus(readDrizzleFolder(folder, cwd), rows));
      } catch {
        folders.set(folder, undefined);
      }
    }
    const status = folder === undefined ? undefined : folders.get(folder)?.migrations.find((m) => resolve(cwd, m.migration.path) === full);
    if (status?.row) out.push({ path, reason: `${where}${status.state === 'changed' ? ', and edited since' : ''}` });
    else if (status?.migration.hash && rows.some((r) => r.hash === status.migration.hash)) out.push({ path, reason: where });
    else if (status === undefined) {
      const hash = drizzleHash(readFileSync(full, 'utf8'));
      if (rows.some((r) => r.hash === hash)) out.push({ path, reason: where });
    }
  }
  return out;
}

/** The drizzle folder a migration file belongs to: `<out>/<tag>.sql` with a journal, or v1 `<out>/<timestamp>_<name>/migration.sql`. */
function drizzleFolderOf(file: string): string | undefined {
  const parent = dirname(file);
  if (basename(file) === 'migration.sql' && V1_FOLDER.test(basename(parent))) return dirname(parent);
  return existsSync(join(parent, 'meta', '_journal.json')) ? parent : undefined;
}

/**
 * Without --base and without a database, the rule is about what the checkout itself shows: a migration that a
 * later one of its drizzle folder follows was generated before someone built on it, and one that exists on the
 * remote's default branch is merged. Either is refused; the newest migration of a branch can be fixed.
 */
function sharedWithoutEvidence(full: string): string | undefined {
  const folder = drizzleFolderOf(full);
  if (folder !== undefined) {
    try {
      const local = readDrizzleFolder(folder, dirname(folder));
      const index = local.migrations.findIndex((m) => resolve(dirname(folder), m.path) === full);
      const later = index < 0 ? [] : local.migrations.slice(index + 1).filter((m) => m.text !== undefined && m.listed);
      if (later.length > 0)
        return `${later.length === 1 ? 'a later migration follows it' : `${later.length} later migrations follow it`} (${later.at(-1)!.name}), so it is likely applied somewhere; name a database (--url or DATABASE_URL) or pass --base <git-ref> to check`;
    } catch {
      // an unreadable folder is reported by the review itself
    }
  }
  return onDefaultBranch(full);
}

/** "exists on origin/HEAD (origin/main)" when git knows the remote's default branch and the file is in it. */
function onDefaultBranch(full: string): string | undefined {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd: dirname(full), stdio: ['ignore', 'pipe', 'ignore'] })
      .toString('utf8')
      .trim();
  try {
    const branch = git(['rev-parse', '--abbrev-ref', 'origin/HEAD']);
    const root = git(['rev-parse', '--show-toplevel']);
    git(['cat-file', '-e', `origin/HEAD:${relative(root, full).split(/[\\/]/).join('/')}`]);
    return `exists on the default branch ${branch} (a merged migration)`;
  } catch {
    return undefined;
  }
}
