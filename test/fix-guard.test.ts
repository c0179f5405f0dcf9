import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitMainThenBranch } from './git.js';
import { dbtool, freshDatabase, journalFolder, stopSharedServer } from './migrate/helpers.js';

afterAll(stopSharedServer);

const INIT = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);';
// --fix adds a lock_timeout above each of these (drizzle's migrator, the default runner, sets none)
const ADD_NAME = 'ALTER TABLE "users" ADD COLUMN "name" text;';
const ADD_PLAN = 'ALTER TABLE "users" ADD COLUMN "plan" text;';

const read = (path: string) => readFileSync(path, 'utf8');

describe('review-migration --fix never rewrites a merged or applied migration named on its own', { timeout: 120_000 }, () => {
  it('refuses a file the database recorded as applied (--url, or DATABASE_URL), and still fixes a pending one', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dbtool-fixguard-'));
    const folder = journalFolder({ '0000_init': INIT, '0001_name': ADD_NAME }, { parent: cwd });
    const url = await freshDatabase();
    expect((await dbtool(['migrate', '--dir', 'drizzle', '--url', url], { cwd })).code).toBe(0);

    for (const how of [['--url', url], []]) {
      const run = await dbtool(['review-migration', 'drizzle/0001_name.sql', '--fix', ...how], { cwd, env: how.length ? {} : { DATABASE_URL: url } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('drizzle/0001_name.sql: applied in the database from');
      expect(run.stderr).toContain('Nothing was written.');
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(read(join(folder, '0001_name.sql'))).toBe(ADD_NAME);
    }
    // migrate still accepts the folder: nothing applied was edited
    expect((await dbtool(['migrate', '--dir', 'drizzle', '--url', url], { cwd })).stdout).toContain('Nothing to apply');

    // a migration generated after the deploy is the developer's to fix
    journalFolder({ '0000_init': INIT, '0001_name': ADD_NAME, '0002_plan': ADD_PLAN }, { parent: cwd });
    const pending = await dbtool(['review-migration', 'drizzle/0002_plan.sql', '--fix', '--url', url], { cwd });
    expect(pending.stderr).toContain('fixed drizzle/0002_plan.sql');
    expect(read(join(folder, '0002_plan.sql'))).toContain('lock_timeout');
    const applied = await dbtool(['migrate', '--dir', 'drizzle', '--url', url], { cwd });
    expect(applied.code).toBe(0);
  });

  it('with --base: refuses a file that exists unchanged at the base, fixes one the branch adds', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'dbtool-fixguard-git-'));
    const folder = journalFolder({ '0000_init': INIT, '0001_name': ADD_NAME }, { parent: repo });
    commitMainThenBranch(repo);
    journalFolder({ '0000_init': INIT, '0001_name': ADD_NAME, '0002_plan': ADD_PLAN }, { parent: repo });

    const merged = await dbtool(['review-migration', 'drizzle/0001_name.sql', '--fix', '--base', 'main'], { cwd: repo });
    expect(merged.code).toBe(2);
    expect(merged.stderr).toContain('drizzle/0001_name.sql: exists unchanged at main (a merged migration)');
    expect(read(join(folder, '0001_name.sql'))).toBe(ADD_NAME);

    // an edited merged migration is refused as well (the review reports edited-migration)
    writeFileSync(join(folder, '0001_name.sql'), `${ADD_NAME}\n`);
    const edited = await dbtool(['review-migration', 'drizzle/0001_name.sql', '--fix', '--base', 'main'], { cwd: repo });
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain('drizzle/0001_name.sql: exists at main and was edited since (a merged migration)');
    expect(read(join(folder, '0001_name.sql'))).toBe(`${ADD_NAME}\n`);

    const added = await dbtool(['review-migration', 'drizzle/0002_plan.sql', '--fix', '--base', 'main'], { cwd: repo });
    expect(added.code).toBe(0);
    expect(read(join(folder, '0002_plan.sql'))).toContain('lock_timeout');
  });

  it('without --base or a database: refuses a file that a later migration of its journal follows, fixes the newest', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dbtool-fixguard-plain-'));
    const folder = journalFolder({ '0000_init': INIT, '0001_name': ADD_NAME, '0002_plan': ADD_PLAN }, { parent: cwd });
    const older = await dbtool(['review-migration', 'drizzle/0001_name.sql', '--fix'], { cwd });
    expect(older.code).toBe(2);
    expect(older.stderr).toContain('drizzle/0001_name.sql: a later migration follows it (0002_plan)');
    expect(read(join(folder, '0001_name.sql'))).toBe(ADD_NAME);

    const newest = await dbtool(['review-migration', 'drizzle/0002_plan.sql', '--fix'], { cwd });
    expect(newest.code).toBe(0);
    expect(read(join(folder, '0002_plan.sql'))).toContain('lock_timeout');
  });

  it('an unreachable database stops --fix with exit 2 and writes nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dbtool-fixguard-down-'));
    const folder = journalFolder({ '0000_init': INIT, '0001_name': ADD_NAME }, { parent: cwd });
    const run = await dbtool(['review-migration', 'drizzle/0001_name.sql', '--fix', '--url', 'postgres://nobody@127.0.0.1:1/none?connect_timeout=2'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('could not read drizzle.__drizzle_migrations');
    expect(read(join(folder, '0001_name.sql'))).toBe(ADD_NAME);
  });
});
