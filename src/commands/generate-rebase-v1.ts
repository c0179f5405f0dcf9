import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { createdFiles, migrationFiles, runDrizzleKit } from '../drizzle/kit-runner.js';
import type { RebasePlan, V1FolderState } from '../drizzle/rebase-plan.js';
import { describePlan, planRebaseV1 } from '../drizzle/rebase-plan.js';
import { readV1Nodes, V1_FOLDER } from '../drizzle/v1-history.js';
import { DbtoolError, UsageError } from '../errors.js';
import type { GitTree } from '../git/tree.js';
import type { GenerateFlags } from './generate.js';
import { appendCustom, refuseApplied } from './generate-rebase.js';
import type { Io } from './io.js';

export interface V1RebaseContext {
  ref: string;
  out: string;
  display: string;
  /** the out folder as git names it */
  folder: string;
  tree: GitTree;
  flags: GenerateFlags;
  io: Io;
  bin: string;
  /** --config for every drizzle-kit run */
  config: string[];
  /** all the user's drizzle-kit arguments (--config, --hints for rename decisions, …), for the regenerating run */
  kitArgs: string[];
  forward: { stdout(t: string): void; stderr(t: string): void };
  say: (text: string) => void;
  interactive: boolean;
  url: string | undefined;
  drizzle: Awaited<ReturnType<typeof loadDrizzleConfig>>;
}

/**
 * `generate --rebase` for drizzle-kit v1 folders (<timestamp>_<name>/migration.sql + snapshot.json): the ref's
 * folders written back byte for byte, the branch's folders removed, drizzle-kit generate run once with the
 * branch migration's name (its new folder's parent is the ref's latest snapshot), then each hand-written
 * migration re-created with `generate --custom` and its SQL put back verbatim. Returns the files written;
 * undefined for a dry run.
 */
export async function rebaseV1(c: V1RebaseContext): Promise<string[] | undefined> {
  const current = readV1Folder(c.out);
  const plan = planRebaseV1(c.ref, current, foldersAt(c.tree, c.ref, c.folder), foldersAt(c.tree, c.tree.mergeBase(c.ref), c.folder));
  if (plan.droppedOnBase.length > 0) {
    throw new UsageError(
      `--rebase: ${c.ref} removed migrations this branch still has (${plan.droppedOnBase.join(', ')})`,
      `Decide by hand whether they stay (compare with git log ${c.ref} -- ${c.folder}), then run --rebase again.`,
    );
  }
  if (plan.branch.length === 0) {
    c.say(`Nothing to rebase: every migration in ${c.display} is on ${c.ref} already.\n`);
    return [];
  }
  if (c.url)
    await refuseApplied(
      plan.branch.map((b) => ({ tag: b.tag, text: current.sql.get(b.tag) })),
      c.url,
      c.io,
      c.drizzle,
    );
  c.say(describePlan(plan, c.display));
  if (c.flags.dryRun) {
    c.say('--dry-run: nothing was written.\n');
    return undefined;
  }
  restoreBase(c, plan);
  const created: string[] = [];
  if (plan.generateName !== undefined) {
    const before = migrationFiles(c.out);
    const kit = await runDrizzleKit(c.bin, ['generate', '--name', plan.generateName, ...c.kitArgs], c.io.cwd, c.forward, c.interactive);
    const files = createdFiles(before, migrationFiles(c.out));
    if (files.length === 0 && !(kit.code === 0 && /no schema changes/i.test(kit.output))) {
      throw new DbtoolError(
        `--rebase: drizzle-kit generate ${kit.code === 0 ? 'exited 0 but wrote' : `failed (exit ${kit.code}) and wrote`} no migration`,
        2,
        `${c.display} now holds ${c.ref}'s migrations only; git checkout -- ${c.display} brings the branch's back. Its output above says why drizzle-kit failed${/missing_hints/.test(kit.output) ? ": without a terminal drizzle-kit v1 asks rename-or-create questions through --hints, and dbtool generate --rebase passes them on (--hints '[…]' or --hints-file <file>)" : ''}.`,
      );
    }
    if (files.length === 0) c.say(`drizzle-kit found no schema change on top of ${c.ref}: the branch's generated migrations are already part of it.\n`);
    created.push(...files);
  }
  const kit = { bin: c.bin, out: c.out, config: c.config, io: c.io, forward: c.forward, display: c.display, ref: c.ref };
  for (const custom of plan.branch.filter((b) => b.kind === 'custom')) {
    created.push(await appendCustom(custom, current.sql.get(custom.tag) ?? '', `${custom.tag}/migration.sql`, kit));
  }
  c.say(`Rebased onto ${c.ref}: ${created.map((p) => relative(c.io.cwd, p) || p).join(', ') || 'no new migration'}.\n`);
  return created;
}

function readV1Folder(out: string): V1FolderState {
  const folders = readdirSync(out)
    .filter((n) => V1_FOLDER.test(n) && existsSync(join(out, n, 'migration.sql')))
    .sort();
  const sql = new Map(folders.map((f) => [f, readFileSync(join(out, f, 'migration.sql'), 'utf8')]));
  return { folders, sql, nodes: new Map(readV1Nodes(out).map((n) => [n.folder, n])) };
}

/** The migration folders the ref has (those with a migration.sql), in name order. */
function foldersAt(tree: GitTree, ref: string, folder: string): string[] {
  const names = new Set<string>();
  for (const path of tree.list(ref, folder)) {
    const [name, file, ...rest] = path.slice(folder.length + 1).split('/');
    if (name !== undefined && V1_FOLDER.test(name) && file === 'migration.sql' && rest.length === 0) names.add(name);
  }
  return [...names].sort();
}

/** The branch's folders removed (whatever they hold), then every file the ref has under the out folder written back. */
function restoreBase(c: V1RebaseContext, plan: RebasePlan): void {
  const atRef = c.tree.list(c.ref, c.folder);
  const prefix = `${c.folder}/`;
  const onRef = new Set(atRef.map((p) => p.slice(prefix.length).split('/')[0]));
  for (const b of plan.branch) {
    if (!onRef.has(b.tag)) rmSync(join(c.out, b.tag), { recursive: true, force: true });
  }
  for (const path of atRef) {
    const bytes = c.tree.show(c.ref, path);
    if (bytes === undefined) continue;
    const target = join(c.out, path.slice(prefix.length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
}
