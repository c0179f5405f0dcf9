import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm-v1/node-postgres';
import { migrate as migratePg } from 'drizzle-orm-v1/node-postgres/migrator';
// drizzle-orm 1.0 (the dev alias drizzle-orm-v1): its migrator reads the <timestamp>_<name> folders
import { drizzle } from 'drizzle-orm-v1/pglite';
import { migrate } from 'drizzle-orm-v1/pglite/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDrizzleProject } from './drizzle-project.js';
import { git } from './git.js';
import { dbtool, freshDatabase, stopSharedServer } from './migrate/helpers.js';

/**
 * Two branches that each ran drizzle-kit v1's generate from the same parent, in a real git repository whose
 * drizzle-kit and drizzle-orm are 1.0 (from the test/drizzle-v1 workspace). drizzle-kit v1
 * accepts parallel branches whose changes commute and refuses conflicting ones; dbtool reports only the
 * latter, and generate --rebase rebuilds the branch's side on top of the base.
 */

const ROOT = join(import.meta.dirname, '..');
const V1_MODULES = join(ROOT, 'test', 'drizzle-v1', 'node_modules');

/**
 * The project's drizzle-kit 1.0 and drizzle-orm 1.0, from the test/drizzle-v1 workspace (a workspace so that its
 * drizzle-kit bin never replaces the repository's 0.31 one). Linked by their real paths: drizzle-kit's own
 * require('drizzle-orm') then finds drizzle-orm 1.0 next to it, the same copy the schema file imports.
 */
function installV1(project: string): void {
  const kit = join(V1_MODULES, 'drizzle-kit');
  const orm = join(V1_MODULES, 'drizzle-orm');
  if (!existsSync(kit) || !existsSync(orm))
    throw new Error('drizzle-kit / drizzle-orm 1.0 are not installed in test/drizzle-v1: run npm install (it is a workspace of this repository)');
  const modules = join(project, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(realpathSync(kit), join(modules, 'drizzle-kit'));
  symlinkSync(realpathSync(orm), join(modules, 'drizzle-orm'));
  symlinkSync('../drizzle-kit/bin.cjs', join(modules, '.bin', 'drizzle-kit'));
  // dbtool itself and the test's pg client are resolved from this repository
}

const HEAD = "import { integer, pgTable, serial, text, varchar } from 'drizzle-orm/pg-core';\n";
const USERS = "export const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email') });\n";
const USERS_NICK = "export const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email'), nick: text('nick') });\n";
const USERS_320_NICK =
  "export const users = pgTable('users', { id: serial('id').primaryKey(), email: varchar('email', { length: 320 }), nick: text('nick') });\n";
const USERS_255 = "export const users = pgTable('users', { id: serial('id').primaryKey(), email: varchar('email', { length: 255 }) });\n";
const ORDERS = "export const orders = pgTable('orders', { id: serial('id').primaryKey(), userId: integer('user_id').notNull() });\n";
const BACKFILL = '-- Custom SQL migration file, put your code below! --\nUPDATE "users" SET "nick" = "email" WHERE "nick" IS NULL;\n';

function kit(cwd: string, ...args: string[]): string {
  const run = spawnSync(join(cwd, 'node_modules', '.bin', 'drizzle-kit'), ['generate', ...args], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`drizzle-kit generate ${args.join(' ')} failed: ${run.stderr}${run.stdout}`);
  return run.stdout + run.stderr;
}

const folders = (repo: string) =>
  readdirSync(join(repo, 'drizzle'))
    .filter((n) => /^\d{14}_/.test(n))
    .sort();
const folderOf = (repo: string, name: string) => folders(repo).find((f) => f.endsWith(`_${name}`))!;
const snapshotOf = (repo: string, folder: string) =>
  JSON.parse(readFileSync(join(repo, 'drizzle', folder, 'snapshot.json'), 'utf8')) as { id: string; prevIds: string[] };

/**
 * main: init, then (after the branch point) a change of its own. feature: one generated migration and a
 * custom one, from init's snapshot. `conflicting`: both branches change users.email (drizzle-kit v1 refuses
 * the pair); otherwise main adds a table and feature a column (they commute). Checked out on feature.
 */
function branches(conflicting: boolean): string {
  const repo = mkdtempSync(join(tmpdir(), 'dbtool-branches-v1-'));
  installV1(repo);
  writeDrizzleProject(repo, HEAD + USERS);
  git(repo, 'init', '-q');
  kit(repo, '--name', 'init');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'init');
  git(repo, 'checkout', '-qb', 'feature');
  writeFileSync(join(repo, 'schema.ts'), HEAD + (conflicting ? USERS_320_NICK : USERS_NICK));
  kit(repo, '--name', 'add_nick');
  kit(repo, '--custom', '--name', 'backfill_nick');
  writeFileSync(join(repo, 'drizzle', folderOf(repo, 'backfill_nick'), 'migration.sql'), BACKFILL);
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'nick');
  git(repo, 'checkout', '-q', 'main');
  writeFileSync(join(repo, 'schema.ts'), HEAD + (conflicting ? USERS_255 : USERS) + ORDERS);
  kit(repo, '--name', 'main_change');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'main change');
  git(repo, 'checkout', '-q', 'feature');
  return repo;
}

/** git merge main: the migration folders merge cleanly (each has its own), schema.ts is resolved by hand. */
function mergeLikePeopleDo(repo: string, conflicting: boolean): void {
  try {
    git(repo, 'merge', '-q', 'main');
  } catch {
    // expected: schema.ts conflicts
  }
  writeFileSync(join(repo, 'schema.ts'), HEAD + (conflicting ? USERS_320_NICK : USERS_NICK) + ORDERS);
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'merge main');
}

interface Review {
  files: Array<{ migration: string; findings: Array<{ rule: string; severity: string; message: string; help: string }> }>;
}
const rulesOf = (report: Review, migration: string) => report.files.find((f) => f.migration === migration)?.findings.map((f) => f.rule) ?? [];
const BRANCH_RULES = ['migration-behind-base', 'snapshot-fork', 'snapshot-chain-broken'];
const branchRules = (report: Review) => report.files.flatMap((f) => f.findings.map((x) => x.rule)).filter((r) => BRANCH_RULES.includes(r));

const repos: string[] = [];
afterAll(async () => {
  for (const repo of repos) rmSync(repo, { recursive: true, force: true });
  await stopSharedServer();
});

describe('drizzle-kit v1: branches whose changes commute', { timeout: 240_000 }, () => {
  it('are valid for drizzle-kit v1, and dbtool stays quiet before and after the merge', async () => {
    const repo = branches(false);
    repos.push(repo);
    const before = JSON.parse((await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo })).stdout) as Review;
    expect(branchRules(before)).toEqual([]);
    mergeLikePeopleDo(repo, false);
    // drizzle-kit v1 itself accepts the two leaves: nothing to generate, no conflict
    expect(kit(repo)).toMatch(/no schema changes/i);
    const merged = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo });
    expect(branchRules(JSON.parse(merged.stdout) as Review)).toEqual([]);
    const plain = await dbtool(['review-migration', 'drizzle', '--format', 'json'], { cwd: repo });
    expect(branchRules(JSON.parse(plain.stdout) as Review)).toEqual([]);
  });
});

describe('drizzle-kit v1: branches that both changed users.email', { timeout: 240_000 }, () => {
  let repo: string;
  beforeAll(() => {
    repo = branches(true);
    repos.push(repo);
  });

  it('before the merge: review-migration --base reports the branch migrations that conflict with main', async () => {
    const run = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Review;
    const addNick = folderOf(repo, 'add_nick');
    expect(rulesOf(report, addNick)).toContain('migration-behind-base');
    expect(rulesOf(report, folderOf(repo, 'backfill_nick'))).toContain('migration-behind-base');
    const finding = report.files.find((f) => f.migration === addNick)!.findings.find((f) => f.rule === 'migration-behind-base')!;
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain(
      `in parallel with main's ${git(repo, 'ls-tree', '--name-only', 'main', 'drizzle/')
        .split('\n')
        .filter(Boolean)
        .map((p) => p.slice('drizzle/'.length))
        .find((f) => f.endsWith('_main_change'))}`,
    );
    expect(finding.message).toContain('alter_column public.users.email');
    expect(finding.help).toContain('dbtool generate --rebase main');
  });

  it('generate --rebase refuses a branch that does not contain the ref yet', async () => {
    const run = await dbtool(['generate', '--rebase', 'main'], { cwd: repo });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('this branch does not contain main yet');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('after the merge: drizzle-kit v1 refuses to generate, and dbtool reports the pair with and without --base', async () => {
    mergeLikePeopleDo(repo, true);
    const refused = spawnSync(join(repo, 'node_modules', '.bin', 'drizzle-kit'), ['generate'], { cwd: repo, encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('Conflicting migrations detected');
    const plain = JSON.parse((await dbtool(['review-migration', 'drizzle', '--format', 'json'], { cwd: repo })).stdout) as Review;
    expect(branchRules(plain)).toEqual(['snapshot-fork']);
    const withBase = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo });
    expect(withBase.code).toBe(1);
    expect(rulesOf(JSON.parse(withBase.stdout) as Review, folderOf(repo, 'add_nick'))).toContain('migration-behind-base');
  });

  it('generate --rebase --dry-run prints the plan and writes nothing', async () => {
    const before = folders(repo).join(',');
    const run = await dbtool(['generate', '--rebase', 'main', '--dry-run'], { cwd: repo });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`remove   ${folderOf(repo, 'add_nick')} (generated`);
    expect(run.stdout).toContain(`remove   ${folderOf(repo, 'backfill_nick')} (custom: drizzle-kit's --custom header)`);
    expect(run.stdout).toContain('generate <timestamp>_add_nick: drizzle-kit generate --name add_nick');
    expect(run.stdout).toContain('append   <timestamp>_backfill_nick');
    expect(folders(repo).join(',')).toBe(before);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('refuses an unknown ref and a folder with uncommitted changes (exit 2)', async () => {
    const unknown = await dbtool(['generate', '--rebase', 'no-such-branch'], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--rebase no-such-branch: git knows no commit by that name');
    const custom = join('drizzle', folderOf(repo, 'backfill_nick'), 'migration.sql');
    writeFileSync(join(repo, custom), `${BACKFILL}-- local edit\n`);
    const dirty = await dbtool(['generate', '--rebase', 'main'], { cwd: repo });
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toContain(`has uncommitted changes (${custom})`);
    expect(dirty.stderr).not.toMatch(/at .*\.js:\d+/);
    git(repo, 'checkout', '--', 'drizzle');
  });

  it('generate --rebase rebuilds a linear history that drizzle-kit v1 and drizzle-orm v1 accept', async () => {
    const oldAddNick = folderOf(repo, 'add_nick');
    const run = await dbtool(['generate', '--rebase', 'main'], { cwd: repo });
    expect(run.stderr).not.toContain('internal error');
    expect([0, 1]).toContain(run.code);
    // main's folders, byte for byte
    const mainFiles = git(repo, 'ls-tree', '-r', '--name-only', 'main', '--', 'drizzle').split('\n').filter(Boolean);
    expect(mainFiles).toHaveLength(4);
    for (const path of mainFiles) {
      expect(readFileSync(join(repo, path)).equals(execFileSync('git', ['show', `main:${path}`], { cwd: repo })), path).toBe(true);
    }
    const all = folders(repo);
    expect(all.map((f) => f.replace(/^\d{14}_/, ''))).toEqual(['init', 'main_change', 'add_nick', 'backfill_nick']);
    expect(all).not.toContain(oldAddNick);
    expect(run.stdout).toContain(`Rebased onto main: drizzle/${all[2]}/migration.sql, drizzle/${all[3]}/migration.sql`);
    // one chain: each snapshot's only parent is the previous folder's
    all.forEach((folder, i) => {
      if (i > 0) expect(snapshotOf(repo, folder).prevIds).toEqual([snapshotOf(repo, all[i - 1]!).id]);
    });
    // the regenerated migration is the diff from main's schema; the custom one is kept byte for byte
    expect(readFileSync(join(repo, 'drizzle', all[2]!, 'migration.sql'), 'utf8')).toContain('SET DATA TYPE varchar(320)');
    expect(readFileSync(join(repo, 'drizzle', all[2]!, 'migration.sql'), 'utf8')).toContain('ADD COLUMN "nick" text');
    expect(readFileSync(join(repo, 'drizzle', all[3]!, 'migration.sql'), 'utf8')).toBe(BACKFILL);
    // drizzle-kit v1 finds nothing to generate and no conflict; dbtool finds no branch problem
    expect(kit(repo)).toMatch(/no schema changes/i);
    expect(folders(repo)).toEqual(all);
    const review = JSON.parse((await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo })).stdout) as Review;
    expect(branchRules(review)).toEqual([]);
    // drizzle-orm v1's own migrator applies the folder to an empty database: both branches' changes are there
    const db = new PGlite();
    try {
      await migrate(drizzle({ client: db }), { migrationsFolder: join(repo, 'drizzle') });
      await db.exec("INSERT INTO users (email) VALUES ('a@example.com')");
      const columns = await db.query<{ c: string }>(
        "SELECT table_name || '.' || column_name || ':' || data_type AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
      );
      expect(columns.rows.map((r) => r.c)).toEqual([
        'orders.id:integer',
        'orders.user_id:integer',
        'users.email:character varying',
        'users.id:integer',
        'users.nick:text',
      ]);
      const applied = await db.query<{ name: string }>('SELECT name FROM drizzle.__drizzle_migrations ORDER BY id');
      expect(applied.rows.map((r) => r.name)).toEqual(all);
    } finally {
      await db.close();
    }
  });

  it('generate --rebase --url refuses when that database applied a branch migration; dbtool migrate and drizzle v1 agree afterwards', async () => {
    const applied = branches(true);
    repos.push(applied);
    const url = await freshDatabase();
    const migrateV1 = async (folder: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await migratePg(drizzlePg({ client }), { migrationsFolder: folder });
      } finally {
        await client.end();
      }
    };
    await migrateV1(join(applied, 'drizzle'));
    const branchFolders = folders(applied).filter((f) => !f.endsWith('_init'));
    mergeLikePeopleDo(applied, true);
    const run = await dbtool(['generate', '--rebase', 'main', '--url', url], { cwd: applied });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${branchFolders.join(', ')} are already applied to the database at --url`);
    expect(git(applied, 'status', '--porcelain')).toBe('');
    // a database that applied only main's migrations (with drizzle-orm v1) does not stop it
    const other = await freshDatabase();
    const client = new pg.Client({ connectionString: other });
    await client.connect();
    try {
      const mainOnly = mkdtempSync(join(tmpdir(), 'dbtool-v1-main-'));
      repos.push(mainOnly);
      for (const path of git(applied, 'ls-tree', '-r', '--name-only', 'main', '--', 'drizzle').split('\n').filter(Boolean)) {
        mkdirSync(join(mainOnly, path.split('/')[1]!), { recursive: true });
        writeFileSync(join(mainOnly, path.slice('drizzle/'.length)), execFileSync('git', ['show', `main:${path}`], { cwd: applied }));
      }
      await migratePg(drizzlePg({ client }), { migrationsFolder: mainOnly });
    } finally {
      await client.end();
    }
    const rebased = await dbtool(['generate', '--rebase', 'main', '--url', other], { cwd: applied });
    expect(rebased.stderr).not.toContain('already applied');
    expect([0, 1]).toContain(rebased.code);
    // dbtool migrate applies the rebuilt migrations on top, recording them as drizzle-orm v1 does
    const ours = await dbtool(['migrate', '--dir', 'drizzle', '--url', other, '--format', 'json'], { cwd: applied });
    expect(ours.stderr).toBe('');
    expect(ours.code).toBe(0);
    const check = new pg.Client({ connectionString: other });
    await check.connect();
    try {
      const rows = await check.query<{ name: string }>('SELECT name FROM drizzle.__drizzle_migrations ORDER BY id');
      expect(rows.rows.map((r) => r.name)).toEqual(folders(applied));
    } finally {
      await check.end();
    }
    // and drizzle-orm v1's migrator finds nothing left to run
    const again = new pg.Client({ connectionString: other });
    await again.connect();
    try {
      await migratePg(drizzlePg({ client: again }), { migrationsFolder: join(applied, 'drizzle') });
      const count = await again.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      expect(count.rows[0]?.n).toBe(4);
    } finally {
      await again.end();
    }
  });
});

describe('drizzle-kit v1: a branch that renamed a column', { timeout: 240_000 }, () => {
  it("without a terminal, --rebase stops at drizzle-kit's rename question and passes --hints on", async () => {
    const repo = mkdtempSync(join(tmpdir(), 'dbtool-branches-v1-rename-'));
    repos.push(repo);
    installV1(repo);
    writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
    writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(
      join(repo, 'drizzle.config.ts'),
      "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle' });\n",
    );
    const mailed = "export const users = pgTable('users', { id: serial('id').primaryKey(), mail: text('mail') });\n";
    const hints = JSON.stringify([{ type: 'rename', kind: 'column', from: ['public', 'users', 'email'], to: ['public', 'users', 'mail'] }]);
    writeFileSync(join(repo, 'schema.ts'), HEAD + USERS);
    git(repo, 'init', '-q');
    kit(repo, '--name', 'init');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'init');
    git(repo, 'checkout', '-qb', 'feature');
    writeFileSync(join(repo, 'schema.ts'), HEAD + mailed);
    kit(repo, '--name', 'rename_email', '--hints', hints);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'rename');
    git(repo, 'checkout', '-q', 'main');
    writeFileSync(join(repo, 'schema.ts'), HEAD + USERS + ORDERS);
    kit(repo, '--name', 'orders');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'orders');
    git(repo, 'checkout', '-q', 'feature');
    try {
      git(repo, 'merge', '-q', 'main');
    } catch {
      // schema.ts conflicts
    }
    writeFileSync(join(repo, 'schema.ts'), HEAD + mailed + ORDERS);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'merge main');
    const asked = await dbtool(['generate', '--rebase', 'main'], { cwd: repo });
    expect(asked.code).toBe(2);
    expect(asked.stdout + asked.stderr).toContain('missing_hints');
    expect(asked.stderr).toContain('--hints');
    git(repo, 'checkout', '--', 'drizzle');
    const run = await dbtool(['generate', '--rebase', 'main', '--hints', hints], { cwd: repo });
    expect([0, 1]).toContain(run.code);
    const all = folders(repo);
    expect(all.map((f) => f.replace(/^\d{14}_/, ''))).toEqual(['init', 'orders', 'rename_email']);
    expect(readFileSync(join(repo, 'drizzle', all[2]!, 'migration.sql'), 'utf8')).toBe('ALTER TABLE "users" RENAME COLUMN "email" TO "mail";');
    expect(kit(repo)).toMatch(/no schema changes/i);
  });
});
