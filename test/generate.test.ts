import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dbtool } from './migrate/helpers.js';

const ROOT = join(import.meta.dirname, '..');

function drizzleProject(schema: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-generate-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  writeFileSync(
    join(dir, 'drizzle.config.ts'),
    "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle' });\n",
  );
  writeFileSync(join(dir, 'schema.ts'), schema);
  return dir;
}

const USERS =
  "import { pgTable, serial, text } from 'drizzle-orm/pg-core';\nexport const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email') });\n";
const USERS_WITH_PLAN = USERS.replace("email: text('email') }", "email: text('email'), plan: text('plan').notNull() }");

describe('dbtool generate', { timeout: 120_000 }, () => {
  it("runs the project's drizzle-kit and reviews exactly the migration it wrote", async () => {
    const dir = drizzleProject(USERS);
    const first = await dbtool(['generate', '--format', 'json'], { cwd: dir });
    expect(first.code).toBe(0);
    const initial = JSON.parse(first.stdout);
    expect(initial.files.map((f: { path: string }) => f.path)).toEqual([expect.stringMatching(/^drizzle\/0000_\w+\.sql$/)]);
    expect(first.stderr).toContain('Your SQL migration file');

    writeFileSync(join(dir, 'schema.ts'), USERS_WITH_PLAN);
    const second = await dbtool(['generate', '--name', 'add_plan'], { cwd: dir });
    expect(second.stdout).toContain('Reviewing the new migration: drizzle/0001_add_plan.sql');
    expect(second.stdout).toContain('not-null-column-without-default');
    expect(second.stdout).not.toMatch(/drizzle\/0000_\w+\.sql\n/);
    expect(second.code).toBe(1);

    const unchanged = await dbtool(['generate'], { cwd: dir });
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).toContain('No schema changes');
  });

  it('passes --custom through and reviews the empty migration it creates', async () => {
    const dir = drizzleProject(USERS);
    expect((await dbtool(['generate'], { cwd: dir })).code).toBe(0);
    const custom = await dbtool(['generate', '--custom', '--name', 'backfill'], { cwd: dir });
    expect(custom.code).toBe(0);
    expect(custom.stdout).toContain('drizzle/0001_backfill.sql');
    expect(readdirSync(join(dir, 'drizzle')).filter((f) => f.endsWith('.sql'))).toHaveLength(2);
  });

  it('says so when drizzle-kit writes nothing because of an error, whatever its exit code', async () => {
    const dir = drizzleProject("import { pgTable } from 'drizzle-orm/pg-core';\nexport const broken = pgTable('broken', { id: notDefined() });\n");
    const run = await dbtool(['generate'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/drizzle-kit generate (exited 0 but wrote|failed \(exit \d+\) and wrote) no migration file in drizzle/);
    expect(run.stderr).toContain('notDefined is not defined');
    expect(existsSync(join(dir, 'drizzle')) ? readdirSync(join(dir, 'drizzle')).filter((f) => f.endsWith('.sql')) : []).toEqual([]);
  });

  it('--fix rewrites only the migration drizzle-kit just wrote', async () => {
    const dir = drizzleProject(USERS);
    expect((await dbtool(['generate'], { cwd: dir })).code).toBe(0);
    const first = readdirSync(join(dir, 'drizzle')).find((f) => f.endsWith('.sql')) ?? '';
    const before = readFileSync(join(dir, 'drizzle', first), 'utf8');
    writeFileSync(join(dir, 'schema.ts'), USERS.replace("email: text('email') }", "email: text('email'), nick: text('nick') }"));
    const run = await dbtool(['generate', '--name', 'add_nick', '--fix'], { cwd: dir });
    const added = readFileSync(join(dir, 'drizzle', '0001_add_nick.sql'), 'utf8');
    // drizzle's migrator runs all pending files in one transaction: SET LOCAL, with drizzle's breakpoint marker
    expect(added.startsWith('SET LOCAL lock_timeout = \'3s\';\n--> statement-breakpoint\nALTER TABLE "users" ADD COLUMN "nick" text;')).toBe(true);
    expect(run.stderr).toContain('fixed drizzle/0001_add_nick.sql');
    expect(run.stdout).not.toContain('missing-lock-timeout');
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, 'drizzle', first), 'utf8')).toBe(before);
  });

  it('explains how to install drizzle-kit when the project has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-generate-bare-'));
    const run = await dbtool(['generate'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('drizzle-kit is not installed in this project');
    expect(run.stderr).toContain('npm install -D drizzle-kit');
  });
});
