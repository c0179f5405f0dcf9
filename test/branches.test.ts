import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDrizzleProject } from './drizzle-project.js';
import { git } from './git.js';
import { dbtool, freshDatabase, stopSharedServer } from './migrate/helpers.js';

/**
 * Two branches that each ran drizzle-kit generate from the same parent, in a real git repository with the
 * project's drizzle-kit 0.31: the collision is an error before the merge, and generate --rebase rebuilds a
 * linear history that drizzle-kit and drizzle-orm's own migrator accept.
 */

const ROOT = join(import.meta.dirname, '..');
const KIT = join(ROOT, 'node_modules', '.bin', 'drizzle-kit');

const HEAD = "import { integer, pgTable, serial, text } from 'drizzle-orm/pg-core';\n";
const USERS = "export const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email') });\n";
const USERS_NICK = "export const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email'), nick: text('nick') });\n";
const ORDERS = "export const orders = pgTable('orders', { id: serial('id').primaryKey(), userId: integer('user_id').notNull() });\n";
const BACKFILL = '-- Custom SQL migration file, put your code below! --\nUPDATE "users" SET "nick" = "email" WHERE "nick" IS NULL;\n';

function kit(cwd: string, ...args: string[]): string {
  const run = spawnSync(KIT, ['generate', ...args], { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`drizzle-kit generate ${args.join(' ')} failed: ${run.stderr}${run.stdout}`);
  return run.stdout + run.stderr;
}

interface Journal {
  entries: Array<{ idx: number; when: number; tag: string }>;
}
const journalOf = (repo: string): Journal => JSON.parse(readFileSync(join(repo, 'drizzle', 'meta', '_journal.json'), 'utf8')) as Journal;
const snapshotOf = (repo: string, n: number): { id: string; prevId: string } =>
  JSON.parse(readFileSync(join(repo, 'drizzle', 'meta', `${String(n).padStart(4, '0')}_snapshot.json`), 'utf8')) as { id: string; prevId: string };

/**
 * main: 0000_init, then 0001_orders (after the branch point). feature: 0001_add_nick (generated) and
 * 0002_backfill_nick (custom), generated from 0000_init's snapshot. Checked out on feature.
 */
function branches(): string {
  const repo = mkdtempSync(join(tmpdir(), 'dbtool-branches-'));
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
  writeDrizzleProject(repo, HEAD + USERS);
  git(repo, 'init', '-q');
  kit(repo, '--name', 'init');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'init');
  git(repo, 'checkout', '-qb', 'feature');
  writeFileSync(join(repo, 'schema.ts'), HEAD + USERS_NICK);
  kit(repo, '--name', 'add_nick');
  kit(repo, '--custom', '--name', 'backfill_nick');
  writeFileSync(join(repo, 'drizzle', '0002_backfill_nick.sql'), BACKFILL);
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'nick');
  git(repo, 'checkout', '-q', 'main');
  writeFileSync(join(repo, 'schema.ts'), HEAD + USERS + ORDERS);
  kit(repo, '--name', 'orders');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'orders');
  git(repo, 'checkout', '-q', 'feature');
  return repo;
}

/** Merges main into feature and resolves the conflicts the usual way: both journal entries, main's snapshot. */
function mergeLikePeopleDo(repo: string): void {
  const ours = journalOf(repo);
  try {
    git(repo, 'merge', '-q', 'main');
  } catch {
    // expected: the journal, the 0001 snapshot and schema.ts conflict
  }
  const theirs = JSON.parse(git(repo, 'show', 'main:drizzle/meta/_journal.json')) as Journal & Record<string, unknown>;
  const entries = [...theirs.entries, ...ours.entries.filter((e) => !theirs.entries.some((t) => t.tag === e.tag))];
  writeFileSync(join(repo, 'drizzle', 'meta', '_journal.json'), JSON.stringify({ ...theirs, entries }, null, 2));
  writeFileSync(join(repo, 'drizzle', 'meta', '0001_snapshot.json'), git(repo, 'show', 'main:drizzle/meta/0001_snapshot.json'));
  writeFileSync(join(repo, 'schema.ts'), HEAD + USERS_NICK + ORDERS);
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'merge main');
}

interface Review {
  files: Array<{ migration: string; findings: Array<{ rule: string; severity: string; message: string; help: string }> }>;
}
const fileRules = (report: Review, migration: string) => report.files.find((f) => f.migration === migration)?.findings.map((f) => f.rule) ?? [];

const repos: string[] = [];
afterAll(async () => {
  for (const repo of repos) rmSync(repo, { recursive: true, force: true });
  await stopSharedServer();
});

describe('branches that both generated migrations', { timeout: 240_000 }, () => {
  let repo: string;
  beforeAll(() => {
    repo = branches();
    repos.push(repo);
  });

  it('before the merge: review-migration --base reports the branch migrations generated before main moved on', async () => {
    const run = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Review;
    expect(fileRules(report, '0001_add_nick')).toContain('migration-behind-base');
    expect(fileRules(report, '0002_backfill_nick')).toContain('migration-behind-base');
    const finding = report.files.find((f) => f.migration === '0001_add_nick')!.findings.find((f) => f.rule === 'migration-behind-base')!;
    expect(finding.severity).toBe('error');
    expect(finding.message).toContain("before main's latest migration 0001_orders");
    expect(finding.help).toContain('dbtool generate --rebase main');
    // the same folder without --base: one branch's history, nothing wrong with it
    const alone = await dbtool(['review-migration', 'drizzle', '--format', 'json'], { cwd: repo });
    expect(JSON.parse(alone.stdout).files.flatMap((f: Review['files'][number]) => f.findings.map((x) => x.rule))).not.toContain('migration-number-collision');
  });

  it('generate --rebase refuses a branch that does not contain the ref yet: its schema would revert the ref', async () => {
    const run = await dbtool(['generate', '--rebase', 'main'], { cwd: repo });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('this branch does not contain main yet');
    expect(run.stderr).toContain('git merge main');
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('after a hand-merged journal: the collision is an error, with and without --base', async () => {
    mergeLikePeopleDo(repo);
    const merged = repo;
    const plain = JSON.parse((await dbtool(['review-migration', 'drizzle', '--format', 'json'], { cwd: merged })).stdout) as Review;
    expect(fileRules(plain, '0001_add_nick')).toEqual(expect.arrayContaining(['migration-number-collision', 'journal-idx-out-of-order']));
    expect(fileRules(plain, '0001_orders')).toEqual([]);
    const withBase = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: merged });
    expect(withBase.code).toBe(1);
    expect(fileRules(JSON.parse(withBase.stdout) as Review, '0001_add_nick')).toContain('migration-behind-base');
  });

  it('generate --rebase --dry-run prints the plan and writes nothing', async () => {
    const before = readdirSync(join(repo, 'drizzle')).join(',');
    const run = await dbtool(['generate', '--rebase', 'main', '--dry-run'], { cwd: repo });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('remove   0001_add_nick (generated');
    expect(run.stdout).toContain("remove   0002_backfill_nick (custom: drizzle-kit's --custom header)");
    expect(run.stdout).toContain('generate 0002_add_nick');
    expect(run.stdout).toContain('append   0003_backfill_nick');
    expect(readdirSync(join(repo, 'drizzle')).join(',')).toBe(before);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  it('refuses an unknown ref and a folder with uncommitted changes (exit 2)', async () => {
    const unknown = await dbtool(['generate', '--rebase', 'no-such-branch'], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--rebase no-such-branch: git knows no commit by that name');
    writeFileSync(join(repo, 'drizzle', '0002_backfill_nick.sql'), `${BACKFILL}-- local edit\n`);
    const dirty = await dbtool(['generate', '--rebase', 'main'], { cwd: repo });
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toContain('has uncommitted changes (drizzle/0002_backfill_nick.sql)');
    expect(dirty.stderr).not.toMatch(/at .*\.js:\d+/);
    git(repo, 'checkout', '--', 'drizzle');
  });

  it('generate --rebase rebuilds a linear history that drizzle-kit and drizzle-orm accept', async () => {
    const run = await dbtool(['generate', '--rebase', 'main'], { cwd: repo });
    expect(run.stderr).not.toContain('internal error');
    expect([0, 1]).toContain(run.code);
    expect(run.stdout).toContain('Rebased onto main: drizzle/0002_add_nick.sql, drizzle/0003_backfill_nick.sql');
    // main's files, byte for byte
    for (const path of git(repo, 'ls-tree', '-r', '--name-only', 'main', '--', 'drizzle').split('\n').filter(Boolean)) {
      if (path.endsWith('_journal.json')) continue;
      expect(readFileSync(join(repo, path)).equals(execFileSync('git', ['show', `main:${path}`], { cwd: repo })), path).toBe(true);
    }
    const journal = journalOf(repo);
    const mainJournal = JSON.parse(git(repo, 'show', 'main:drizzle/meta/_journal.json')) as Journal;
    expect(journal.entries.slice(0, 2)).toEqual(mainJournal.entries);
    expect(journal.entries.map((e) => e.tag)).toEqual(['0000_init', '0001_orders', '0002_add_nick', '0003_backfill_nick']);
    journal.entries.forEach((e, i) => {
      expect(e.idx).toBe(i);
      if (i > 0) expect(e.when).toBeGreaterThan(journal.entries[i - 1]!.when);
      if (i > 0) expect(snapshotOf(repo, i).prevId).toBe(snapshotOf(repo, i - 1).id);
    });
    // the regenerated migration is the diff from main's schema; the custom one is kept byte for byte
    expect(readFileSync(join(repo, 'drizzle', '0002_add_nick.sql'), 'utf8')).toBe('ALTER TABLE "users" ADD COLUMN "nick" text;');
    expect(readFileSync(join(repo, 'drizzle', '0003_backfill_nick.sql'), 'utf8')).toBe(BACKFILL);
    // nothing is left for drizzle-kit to generate, and the reviewer finds no branch collision
    expect(kit(repo)).toMatch(/no schema changes/i);
    const review = JSON.parse((await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo })).stdout) as Review;
    const collisions = [
      'migration-behind-base',
      'migration-number-collision',
      'journal-idx-out-of-order',
      'snapshot-fork',
      'snapshot-chain-broken',
      'journal-out-of-order',
    ];
    expect(review.files.flatMap((f) => f.findings.map((x) => x.rule)).filter((r) => collisions.includes(r))).toEqual([]);
    // drizzle-orm's own migrator applies the folder to an empty database: both branches' changes are there
    const db = new PGlite();
    try {
      await db.exec('SELECT 1');
      await migrate(drizzle(db), { migrationsFolder: join(repo, 'drizzle') });
      await db.exec("INSERT INTO users (email) VALUES ('a@example.com')");
      const columns = await db.query<{ table_name: string; column_name: string }>(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
      );
      expect(columns.rows.map((r) => `${r.table_name}.${r.column_name}`)).toEqual(['orders.id', 'orders.user_id', 'users.email', 'users.id', 'users.nick']);
      const applied = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      expect(applied.rows[0]?.n).toBe(4);
    } finally {
      await db.close();
    }
  });

  it('generate --rebase --url refuses when that database applied a branch migration (drizzle-orm node-postgres migrator)', async () => {
    const applied = branches();
    repos.push(applied);
    const url = await freshDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migratePg(drizzlePg(client), { migrationsFolder: join(applied, 'drizzle') });
    } finally {
      await client.end();
    }
    mergeLikePeopleDo(applied);
    const run = await dbtool(['generate', '--rebase', 'main', '--url', url], { cwd: applied });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('0001_add_nick, 0002_backfill_nick are already applied to the database at --url');
    expect(git(applied, 'status', '--porcelain')).toBe('');
    // a database that applied only main's migrations does not stop it (dry run: nothing written)
    const other = await freshDatabase();
    const dry = await dbtool(['generate', '--rebase', 'main', '--url', other, '--dry-run'], { cwd: applied });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
  });
});
