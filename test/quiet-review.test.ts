import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dbtool, freshDatabase, journalFolder, stopSharedServer } from './migrate/helpers.js';

afterAll(stopSharedServer);

const USERS = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);';
const NEW_AND_OLD = ['CREATE TABLE "t" ("x" integer);', 'CREATE INDEX "t_x_idx" ON "t" ("x");', 'CREATE INDEX "users_email_idx" ON "users" ("email");'].join(
  '\n--> statement-breakpoint\n',
);

describe('tables created in the same review are not reported as locked', { timeout: 120_000 }, () => {
  it('pretty --verbose shows no lock or scan line for a table created above; the JSON keeps the facts', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dbtool-quiet-'));
    journalFolder({ '0000_users': USERS, '0001_t': NEW_AND_OLD }, { parent: cwd });
    const pretty = await dbtool(['review-migration', 'drizzle/0001_t.sql', '--verbose'], { cwd });
    const lines = pretty.stdout.split('\n');
    const tIndex = lines.findIndex((l) => l.includes('CREATE INDEX "t_x_idx"'));
    const usersIndex = lines.findIndex((l) => l.includes('CREATE INDEX "users_email_idx"'));
    const tBlock = lines.slice(tIndex + 1, usersIndex).join('\n');
    expect(tBlock).not.toMatch(/lock\s+ShareLock on t\b/);
    expect(tBlock).not.toMatch(/scan\s+t\b/);
    expect(tBlock).toMatch(/new\s+t \(created above/);
    // a table that existed before the file is still reported
    expect(lines.slice(usersIndex).join('\n')).toMatch(/lock\s+ShareLock on users/);

    const json = JSON.parse((await dbtool(['review-migration', 'drizzle/0001_t.sql', '--format', 'json'], { cwd })).stdout);
    expect(json.files.at(-1).statements[1].locks).toEqual({ t: 'ShareLock' });
  });

  it('dbtool migrate says in one line when a run only touches tables it creates, and when the review found nothing', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'dbtool-quiet-migrate-'));
    journalFolder({ '0000_users': USERS, '0001_index': 'CREATE INDEX "users_email_idx" ON "users" ("email");' }, { parent: cwd });
    const url = await freshDatabase();
    const first = await dbtool(['migrate', '--dir', 'drizzle', '--url', url], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'Reviewed the 2 migrations: every table they touch is created in this run, so no one uses them yet and the lock and rewrite rules had nothing to protect; no findings.',
    );

    journalFolder(
      { '0000_users': USERS, '0001_index': 'CREATE INDEX "users_email_idx" ON "users" ("email");', '0002_name': 'ALTER TABLE "users" ADD COLUMN "name" text;' },
      { parent: cwd },
    );
    const second = await dbtool(['migrate', '--dir', 'drizzle', '--url', url], { cwd });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Reviewed the migration for PostgreSQL 18: no findings.');
    expect(second.stdout).not.toContain('created in this run');
  });
});
