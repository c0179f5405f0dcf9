import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { resolveReviewConfig } from '../config.js';
import { readSnapshots } from '../drizzle/branch-history.js';
import { parseJournal } from '../drizzle/journal.js';
import { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { createdFiles, findDrizzleKit, migrationFiles, runDrizzleKit } from '../drizzle/kit-runner.js';
import type { BranchMigration, RebasePlan } from '../drizzle/rebase-plan.js';
import { describePlan, planRebase } from '../drizzle/rebase-plan.js';
import { V1_FOLDER } from '../drizzle/v1-history.js';
import { DbtoolError, UsageError } from '../errors.js';
import type { GitTree } from '../git/tree.js';
import { gitTree } from '../git/tree.js';
import { VERSION } from '../version.js';
import type { MigrationAiDeps } from './ai-options.js';
import { aiConnection, checkAiFlags } from './ai-options.js';
import type { GenerateFlags } from './generate.js';
import { configArg, reviewCreated } from './generate.js';
import type { Io } from './io.js';

/**
 * `dbtool generate --rebase <ref>`: the branch's migrations rebuilt on top of the ref's history. The ref's
 * files are written back byte for byte, drizzle-kit generates the branch's schema change once, and
 * hand-written migrations are re-appended verbatim through `generate --custom`. The 0.31 journal layout here,
 * drizzle-kit v1's folders in generate-rebase-v1.ts; the refusals before either are shared.
 */
export async function rebase(ref: string, kitArgs: string[], flags: GenerateFlags, io: Io, interactive: boolean, deps: MigrationAiDeps): Promise<number> {
  const own = kitArgs.find((a) => a === '--custom' || a === '--name' || a.startsWith('--name='));
  if (own)
    throw new UsageError(
      `--rebase chooses the names itself: ${own} does not apply`,
      'Run dbtool generate --rebase <ref> alone (add --config for another drizzle config).',
    );
  if (flags.fix)
    throw new UsageError(
      '--fix does not combine with --rebase: hand-written migrations are re-appended verbatim',
      'Rebase first, then fix the regenerated migration: dbtool review-migration <its file> --fix.',
    );
  const bin = findDrizzleKit(io.cwd);
  const explicit = configArg(kitArgs);
  const drizzle = await loadDrizzleConfig(io.cwd, explicit);
  const out = drizzle?.out ?? join(io.cwd, 'drizzle');
  const display = relative(io.cwd, out) || '.';
  const wantsAi = Boolean(flags.ai || flags.aiDryRun);
  // --url names the database to check for applied branch migrations; with --ai it also gives table sizes
  const reviewConfig = resolveReviewConfig(
    {
      config: flags.config,
      ...(flags.runner ? { runner: flags.runner } : {}),
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags.aiMaxTokens ? { aiMaxTokens: flags.aiMaxTokens } : {}),
    },
    io.cwd,
  );
  for (const note of reviewConfig.deprecations) io.stderr(`${note}\n`);
  checkAiFlags(wantsAi ? flags : { ...flags, url: undefined }, reviewConfig, true);
  const connection = await aiConnection(flags, io);
  const v1 = !existsSync(join(out, 'meta', '_journal.json')) && existsSync(out) && readdirSync(out).some((n) => V1_FOLDER.test(n));
  if (!v1 && !existsSync(join(out, 'meta', '_journal.json'))) {
    throw new UsageError(
      `--rebase: ${display} has no meta/_journal.json and no <timestamp>_<name> migration folders, so there is no drizzle history to rebase`,
      'Point --config at the drizzle config whose "out" folder holds the migrations.',
    );
  }
  const tree = gitTree(io.cwd, ref, '--rebase');
  const folder = tree.repoPath(out);
  const dirty = tree.dirty(folder);
  if (dirty.length > 0) {
    const shown = dirty.slice(0, 5).join(', ') + (dirty.length > 5 ? `, … (${dirty.length} in all)` : '');
    throw new UsageError(
      `--rebase: ${display} has uncommitted changes (${shown})`,
      'Commit or stash them first: the rebase rewrites the folder, and git is how you get the old state back.',
    );
  }
  if (!tree.contains(ref)) {
    // the schema files would lack the ref's changes, and the regenerated migration would undo them
    throw new UsageError(
      `--rebase ${ref}: this branch does not contain ${ref} yet, so its drizzle schema lacks ${ref}'s changes and the regenerated migration would revert them`,
      `Bring ${ref} in first (git merge ${ref}, or git rebase ${ref}), resolving conflicts in ${display} any way you like — keep both journal entries — and commit; then run dbtool generate --rebase ${ref}.`,
    );
  }
  const machine = flags.format === 'json' || Boolean(flags.aiDryRun);
  const say = machine ? io.stderr : io.stdout;
  const forward = machine ? { stdout: io.stderr, stderr: io.stderr } : { stdout: io.stdout, stderr: io.stderr };
  const config = explicit ? ['--config', explicit] : [];
  if (v1) {
    const { rebaseV1 } = await import('./generate-rebase-v1.js');
    const created = await rebaseV1({
      ref,
      out,
      display,
      folder,
      tree,
      flags,
      io,
      bin,
      config,
      kitArgs,
      forward,
      say,
      interactive: interactive && !machine,
      url: flags.url,
      drizzle,
    });
    return finish(created, { out, flags, io, reviewConfig, connection, explicit, deps });
  }
  const current = readFolder(out);
  const mergeBase = tree.mergeBase(ref);
  const sqlAt = (at: string) =>
    tree
      .list(at, folder)
      .map((p) => p.slice(folder.length + 1))
      .filter((n) => /^[^/]+\.sql$/i.test(n))
      .map((n) => n.replace(/\.sql$/i, ''));
  const plan = planRebase(ref, current, tagsAt(tree, ref, folder), tagsAt(tree, mergeBase, folder), [...sqlAt(ref), ...sqlAt(mergeBase)]);
  if (plan.droppedOnBase.length > 0) {
    throw new UsageError(
      `--rebase: ${ref} removed migrations this branch still has (${plan.droppedOnBase.join(', ')})`,
      `Decide by hand whether they stay (compare with git log ${ref} -- ${folder}), then run --rebase again.`,
    );
  }
  if (plan.branch.length === 0) {
    say(`Nothing to rebase: every migration in ${display} is on ${ref} already.\n`);
    return finish([], { out, flags, io, reviewConfig, connection, explicit, deps });
  }
  if (flags.url)
    await refuseApplied(
      plan.branch.map((b) => ({ tag: b.tag, text: current.sql.get(b.tag) })),
      flags.url,
      io,
      drizzle,
    );
  say(describePlan(plan, display));
  if (flags.dryRun) {
    say('--dry-run: nothing was written.\n');
    return finish(undefined, { out, flags, io, reviewConfig, connection, explicit, deps });
  }
  restoreBase(tree, ref, folder, out, plan);
  const created: string[] = [];
  if (plan.generateName !== undefined) {
    const before = migrationFiles(out);
    // the user's other drizzle-kit arguments (--config, --breakpoints, …) go to the one regenerating run
    const kit = await runDrizzleKit(bin, ['generate', '--name', plan.generateName, ...kitArgs], io.cwd, forward, interactive && !machine);
    const files = createdFiles(before, migrationFiles(out));
    if (files.length === 0 && !(kit.code === 0 && /no schema changes/i.test(kit.output))) {
      throw new DbtoolError(
        `--rebase: drizzle-kit generate ${kit.code === 0 ? 'exited 0 but wrote' : `failed (exit ${kit.code}) and wrote`} no migration`,
        2,
        `${display} now holds ${ref}'s migrations only; git restore ${display} brings the branch's back. Its output above says why drizzle-kit failed.`,
      );
    }
    if (files.length === 0) say(`drizzle-kit found no schema change on top of ${ref}: the branch's generated migrations are already part of it.\n`);
    created.push(...files);
  }
  for (const custom of plan.branch.filter((b) => b.kind === 'custom')) {
    created.push(await appendCustom(custom, current.sql.get(custom.tag) ?? '', `${custom.tag}.sql`, { bin, out, config, io, forward, display, ref }));
  }
  say(`Rebased onto ${ref}: ${created.map((p) => relative(io.cwd, p) || p).join(', ') || 'no new migration'}.\n`);
  return finish(created, { out, flags, io, reviewConfig, connection, explicit, deps });
}

interface Finish {
  out: string;
  flags: GenerateFlags;
  io: Io;
  reviewConfig: ReturnType<typeof resolveReviewConfig>;
  connection: Awaited<ReturnType<typeof aiConnection>>;
  explicit: string | undefined;
  deps: MigrationAiDeps;
}

/** The review of what the rebase wrote; undefined: a dry run, nothing to review. */
async function finish(created: string[] | undefined, f: Finish): Promise<number> {
  if (created === undefined) return 0;
  if (created.length === 0) {
    if (f.flags.format === 'json') f.io.stdout(`${JSON.stringify({ tool: 'dbtool', version: VERSION, command: 'generate', created: [] })}\n`);
    return 0;
  }
  return reviewCreated(created.sort(), f.out, f.flags, f.io, f.reviewConfig, f.connection, f.explicit, f.deps);
}

interface CurrentFolder {
  tags: string[];
  sql: Map<string, string | undefined>;
  snapshots: ReturnType<typeof readSnapshots>;
}

function readFolder(out: string): CurrentFolder {
  let tags: string[];
  try {
    tags = parseJournal(readFileSync(join(out, 'meta', '_journal.json'), 'utf8')).entries.map((e) => e.tag);
  } catch (error) {
    throw new UsageError(
      `--rebase: ${join(out, 'meta', '_journal.json')} is not a valid drizzle journal: ${(error as Error).message}`,
      'Restore it from git (git checkout -- <file>), then run --rebase again.',
    );
  }
  const sql = new Map<string, string | undefined>();
  for (const tag of tags) {
    const path = join(out, `${tag}.sql`);
    if (!existsSync(path)) {
      sql.set(tag, undefined);
      continue;
    }
    sql.set(tag, readFileSync(path, 'utf8'));
  }
  // .sql files the journal does not list (a branch migration whose entry a merge dropped) count as the branch's too
  const listed = new Set(tags);
  const unlisted = readdirSync(out)
    .filter((n) => /\.sql$/i.test(n))
    .map((n) => n.replace(/\.sql$/i, ''))
    .filter((t) => !listed.has(t))
    .sort(new Intl.Collator('en', { numeric: true }).compare);
  for (const tag of unlisted) {
    sql.set(tag, readFileSync(join(out, `${tag}.sql`), 'utf8'));
  }
  return { tags: [...tags, ...unlisted], sql, snapshots: readSnapshots(out, true) };
}

function tagsAt(tree: GitTree, ref: string, folder: string): string[] {
  const text = tree.show(ref, `${folder}/meta/_journal.json`);
  if (!text) return [];
  try {
    return parseJournal(text.toString('utf8')).entries.map((e) => e.tag);
  } catch {
    throw new UsageError(`--rebase: ${folder}/meta/_journal.json at ${ref} is not a valid drizzle journal`, `Fix it on ${ref} first.`);
  }
}

/**
 * The folder as it is at the ref: every file the ref has under it written back byte for byte, and the
 * branch's migrations (their .sql files and snapshots the ref does not have) removed. Other files stay.
 */
function restoreBase(tree: GitTree, ref: string, folder: string, out: string, plan: RebasePlan): void {
  const atRef = tree.list(ref, folder);
  const prefix = `${folder}/`;
  const keepRel = new Set(atRef.map((p) => p.slice(prefix.length)));
  for (const b of plan.branch) {
    const sqlRel = `${b.tag}.sql`;
    if (!keepRel.has(sqlRel)) rmSync(join(out, sqlRel), { force: true });
  }
  const meta = join(out, 'meta');
  for (const name of existsSync(meta) ? readdirSync(meta) : []) {
    if (/^\d+_snapshot\.json$/.test(name) && !keepRel.has(`meta/${name}`)) rmSync(join(meta, name), { force: true });
  }
  for (const path of atRef) {
    const bytes = tree.show(ref, path);
    if (bytes === undefined) continue;
    const target = join(out, path.slice(prefix.length));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
  }
}

export interface KitContext {
  bin: string;
  out: string;
  config: string[];
  io: Io;
  forward: { stdout(t: string): void; stderr(t: string): void };
  display: string;
  ref: string;
}

/**
 * drizzle-kit generate --custom (0.31: journal entry, snapshot copy, fresh `when`; v1: a new folder after the
 * latest), then the original SQL into its file. `file` is the original's path inside the folder.
 */
export async function appendCustom(custom: BranchMigration, text: string, file: string, kit: KitContext): Promise<string> {
  const before = migrationFiles(kit.out);
  const run = await runDrizzleKit(kit.bin, ['generate', '--custom', '--name', custom.name, ...kit.config], kit.io.cwd, kit.forward, false);
  const files = createdFiles(before, migrationFiles(kit.out));
  if (files.length !== 1) {
    throw new DbtoolError(
      `--rebase: drizzle-kit generate --custom --name ${custom.name} ${run.code === 0 ? 'exited 0 but wrote' : `failed (exit ${run.code}) and wrote`} ${files.length} migration files`,
      2,
      `Re-create ${custom.tag} by hand: its SQL is in git (git show HEAD:${kit.display}/${file}).`,
    );
  }
  writeFileSync(files[0]!, text);
  return files[0]!;
}

/**
 * Refuses when a database the user named has applied any of the branch's migrations: drizzle records the
 * sha256 of the file, and v1 also the folder name.
 */
export async function refuseApplied(
  branch: ReadonlyArray<{ tag: string; text: string | undefined }>,
  url: string,
  io: Io,
  drizzle: Awaited<ReturnType<typeof loadDrizzleConfig>>,
): Promise<void> {
  const [{ resolveTarget }, { withSession }, { bookkeepingOf, readApplied, tableShape }, { drizzleHash }] = await Promise.all([
    import('./project.js'),
    import('../db/connect.js'),
    import('../migrate/bookkeeping.js'),
    import('../migrate/local.js'),
  ]);
  const bookkeeping = bookkeepingOf(drizzle);
  const hashes = new Map<string, string>();
  for (const b of branch) {
    if (b.text !== undefined) hashes.set(drizzleHash(b.text), b.tag);
  }
  const names = new Set(branch.map((b) => b.tag));
  const applied = await withSession(resolveTarget({ url }, io, drizzle), async (db) => {
    const shape = await tableShape(db, bookkeeping);
    return readApplied(db, bookkeeping, shape);
  });
  const hit = [
    ...new Set(applied.map((row) => (row.name !== null && names.has(row.name) ? row.name : hashes.get(row.hash))).filter((t): t is string => t !== undefined)),
  ];
  if (hit.length > 0) {
    throw new UsageError(
      `--rebase: ${hit.join(', ')} ${hit.length === 1 ? 'is' : 'are'} already applied to the database at --url (${bookkeeping.schema}.${bookkeeping.table} records its hash)`,
      'Rebuilding an applied migration would leave that database with a history the folder no longer has. Keep it, and put further changes in a new migration on top of the merged history.',
    );
  }
}
