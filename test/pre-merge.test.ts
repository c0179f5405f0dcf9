import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitMainThenBranch, git } from './git.js';
import { dbtool, journalFolder } from './migrate/helpers.js';

const INIT = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);';
const ADD_NAME = 'ALTER TABLE "users" ADD COLUMN "name" text;';
const INDEX = 'CREATE INDEX "users_email_idx" ON "users" ("email");';

/** A repository whose main branch has the first two migrations, checked out on a feature branch. */
function repository(): { repo: string; folder: string } {
  const repo = mkdtempSync(join(tmpdir(), 'dbtool-premerge-'));
  const folder = journalFolder({ '0000_init': INIT, '0001_name': ADD_NAME }, { parent: repo });
  commitMainThenBranch(repo);
  return { repo, folder };
}

/** Adds a migration to the folder's journal (as drizzle-kit generate does). */
function addMigration(folder: string, tag: string, sql: string): void {
  writeFileSync(join(folder, `${tag}.sql`), sql);
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; when: number; tag: string }[] };
  journal.entries.push({
    ...journal.entries[journal.entries.length - 1]!,
    idx: journal.entries.length,
    when: 1700000000000 + journal.entries.length * 1000,
    tag,
  });
  writeFileSync(journalPath, JSON.stringify(journal, null, 2));
}

interface Review {
  files: { migration: string; findings: { rule: string; severity: string }[]; statements: { findings: { rule: string }[] }[] }[];
}
const rules = (file: Review['files'][number]) => [...file.findings, ...file.statements.flatMap((s) => s.findings)].map((f) => f.rule);

describe('review-migration --base (pre-merge mode)', () => {
  it('reviews only the migrations the branch adds, against the schema of the merged ones', async () => {
    const { repo, folder } = repository();
    addMigration(folder, '0002_index', INDEX);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'index');
    // an untracked new migration counts too: the check runs before the commit as well
    addMigration(folder, '0003_more', 'ALTER TABLE "users" ADD COLUMN "bio" text;');
    const result = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as Review;
    expect(report.files.map((f) => f.migration)).toEqual(['0002_index', '0003_more']);
    // the table comes from the merged 0000: an index build on an existing table blocks writes
    expect(rules(report.files[0]!)).toContain('blocking-full-scan');
    expect(result.code).toBe(1);
    rmSync(repo, { recursive: true, force: true });
  });

  it('reports an edited or deleted merged migration as an error of its own', async () => {
    const { repo, folder } = repository();
    writeFileSync(join(folder, '0001_name.sql'), `${ADD_NAME}\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "age" integer;`);
    rmSync(join(folder, '0000_init.sql'));
    const result = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo });
    const report = JSON.parse(result.stdout) as Review;
    expect(result.code).toBe(1);
    const byName = new Map(report.files.map((f) => [f.migration, f]));
    expect([...byName.keys()].sort()).toEqual(['0000_init', '0001_name']);
    expect(rules(byName.get('0001_name')!)).toContain('edited-migration');
    // the journal still lists the deleted file: both problems are reported
    expect(rules(byName.get('0000_init')!)).toEqual(expect.arrayContaining(['edited-migration', 'journal-missing-file']));
    const pretty = await dbtool(['review-migration', 'drizzle', '--base', 'main'], { cwd: repo });
    expect(pretty.stdout).toContain('git checkout main -- drizzle/0001_name.sql');
    rmSync(repo, { recursive: true, force: true });
  });

  it('ignores what landed on the base after the branch point, and says when nothing changed', async () => {
    const { repo, folder } = repository();
    git(repo, 'checkout', '-q', 'main');
    addMigration(folder, '0002_index', INDEX);
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'main moves on');
    git(repo, 'checkout', '-q', 'feature');
    const result = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--format', 'json'], { cwd: repo });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Review).files).toEqual([]);
    expect(result.stderr).toContain('No migration was added or edited since main');
    rmSync(repo, { recursive: true, force: true });
  });

  it('exits 2 with what to do for an unknown ref or outside a repository', async () => {
    const { repo } = repository();
    const unknown = await dbtool(['review-migration', 'drizzle', '--base', 'origin/nope'], { cwd: repo });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--base origin/nope: git knows no commit by that name');
    expect(unknown.stderr).toContain('git fetch origin nope');
    const outside = mkdtempSync(join(tmpdir(), 'dbtool-nogit-'));
    journalFolder({ '0000_init': INIT }, { parent: outside });
    const noRepo = await dbtool(['review-migration', 'drizzle', '--base', 'main'], { cwd: outside });
    expect(noRepo.code).toBe(2);
    expect(noRepo.stderr).toContain('is not inside a git repository');
    expect(noRepo.stderr).not.toMatch(/\bat .*\.js:\d+/);
    rmSync(repo, { recursive: true, force: true });
  });
});
