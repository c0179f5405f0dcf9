import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbtool, journalFolder } from './migrate/helpers.js';

const INIT = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text, "name" text);';
const CHANGE = [
  '-- dbtool-ignore drop-column: the release before this one stopped reading it',
  'ALTER TABLE "users" DROP COLUMN "name";',
  '--> statement-breakpoint',
  'CREATE INDEX "users_email_idx" ON "users" USING btree ("email");',
  '--> statement-breakpoint',
  'ALTER TABLE "users" ADD COLUMN "tenant" integer NOT NULL;',
].join('\n');

interface Review {
  summary: { errors: number; warnings: number; suppressed: number };
  files: { statements: { sql: string; findings: { rule: string }[] }[] }[];
}
const rules = (report: Review) => report.files.flatMap((f) => f.statements.flatMap((s) => s.findings.map((x) => x.rule)));

function project(files: Record<string, string> = { '0000_init': INIT, '0001_change': CHANGE }): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-fix-'));
  journalFolder(files, { parent: dir });
  return { dir, file: join(dir, 'drizzle', '0001_change.sql') };
}

describe('review-migration --fix', () => {
  it('applies the fixes the runner allows, keeps ignore comments with their statement, and reports the result', async () => {
    const { dir, file } = project();
    const result = await dbtool(['review-migration', 'drizzle/0001_change.sql', '--fix', '--transaction-mode', 'none', '--format', 'json'], { cwd: dir });
    expect(readFileSync(file, 'utf8')).toBe(
      [
        "SET lock_timeout = '3s';",
        '--> statement-breakpoint',
        '-- dbtool-ignore drop-column: the release before this one stopped reading it',
        'ALTER TABLE "users" DROP COLUMN "name";',
        '--> statement-breakpoint',
        'CREATE INDEX CONCURRENTLY "users_email_idx" ON "users" USING btree ("email");',
        '--> statement-breakpoint',
        'ALTER TABLE "users" ADD COLUMN "tenant" integer NOT NULL;',
      ].join('\n'),
    );
    expect(result.stderr).toContain('fixed drizzle/0001_change.sql:');
    expect(result.stderr).toContain('line 4  missing-lock-timeout: added SET lock_timeout = \'3s\'; above ALTER TABLE "users" DROP COLUMN "name"');
    expect(result.stderr).toContain('line 6  blocking-full-scan: CREATE INDEX "users_email_idx"');
    expect(result.stderr).toContain('line 8  not-null-column-without-default: the safe alternative needs a decision');
    // the report is of the fixed file: what is left is the finding that needs a decision
    const report = JSON.parse(result.stdout) as Review;
    expect(rules(report)).toEqual(['not-null-column-without-default']);
    expect(report.summary.suppressed).toBe(1);
    expect(result.code).toBe(1);
    // a second run finds nothing more to do and changes nothing
    const fixed = readFileSync(file, 'utf8');
    const again = await dbtool(['review-migration', 'drizzle/0001_change.sql', '--fix', '--transaction-mode', 'none'], { cwd: dir });
    expect(again.stderr).not.toContain('fixed drizzle/');
    expect(readFileSync(file, 'utf8')).toBe(fixed);
  });

  it("does not apply a fix the review of the rewritten file rejects (CONCURRENTLY inside drizzle's transaction)", async () => {
    const { dir, file } = project();
    const result = await dbtool(['review-migration', 'drizzle/0001_change.sql', '--fix', '--format', 'json'], { cwd: dir });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith("SET LOCAL lock_timeout = '3s';\n--> statement-breakpoint\n-- dbtool-ignore drop-column")).toBe(true);
    expect(text).toContain('CREATE INDEX "users_email_idx"');
    expect(text).not.toContain('CONCURRENTLY');
    expect(result.stderr).toContain('line 6  blocking-full-scan: the safe form would be reported as transaction-forbidden here');
    expect(rules(JSON.parse(result.stdout) as Review).sort()).toEqual(['blocking-full-scan', 'not-null-column-without-default']);
  });

  it('inserts without breakpoint markers into a plain SQL file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-fix-plain-'));
    writeFileSync(join(dir, '001_init.sql'), 'CREATE TABLE t (id bigint PRIMARY KEY, v text);\n');
    writeFileSync(join(dir, '002_drop.sql'), 'BEGIN;\nALTER TABLE t DROP COLUMN v;\nCOMMIT;\n');
    const result = await dbtool(['review-migration', '002_drop.sql', '--fix', '--transaction-mode', 'none'], { cwd: dir });
    expect(readFileSync(join(dir, '002_drop.sql'), 'utf8')).toBe("BEGIN;\nSET LOCAL lock_timeout = '3s';\nALTER TABLE t DROP COLUMN v;\nCOMMIT;\n");
    expect(result.stderr).toContain('fixed 002_drop.sql');
  });

  it('refuses folders without --base and standard input, changing nothing', async () => {
    const { dir, file } = project();
    const folder = await dbtool(['review-migration', 'drizzle', '--fix'], { cwd: dir });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('--fix with the folder drizzle would rewrite migrations that may already be applied');
    expect(readFileSync(file, 'utf8')).toBe(CHANGE);
    const stdin = await dbtool(['review-migration', '-', '--fix'], { cwd: dir });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain('--fix rewrites files: it cannot fix standard input');
  });

  it('with --base fixes only the migrations the branch adds', async () => {
    const { dir, file } = project({ '0000_init': INIT, '0001_change': 'ALTER TABLE "users" DROP COLUMN "name";' });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', ...args], { cwd: dir });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'merged');
    const merged = readFileSync(file, 'utf8');
    const added = join(dir, 'drizzle', '0002_more.sql');
    writeFileSync(added, 'ALTER TABLE "users" DROP COLUMN "email";');
    const journalPath = join(dir, 'drizzle', 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: object[] };
    journal.entries.push({ idx: 2, version: '7', when: 1700000002000, tag: '0002_more', breakpoints: true });
    writeFileSync(journalPath, JSON.stringify(journal));
    const result = await dbtool(['review-migration', 'drizzle', '--base', 'main', '--fix'], { cwd: dir });
    expect(readFileSync(file, 'utf8')).toBe(merged);
    expect(readFileSync(added, 'utf8')).toBe('SET LOCAL lock_timeout = \'3s\';\n--> statement-breakpoint\nALTER TABLE "users" DROP COLUMN "email";');
    expect(result.stderr).toContain('fixed drizzle/0002_more.sql');
  });
});
