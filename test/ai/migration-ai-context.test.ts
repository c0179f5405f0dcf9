import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/review-migration.js';
import { dbtool, freshDatabase, stopSharedServer, withPg } from '../migrate/helpers.js';
import { startFakeAnthropic } from './fake-anthropic.js';
import { API_KEY, CHANGE_PATH, captureIo, project } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');

afterAll(stopSharedServer);

interface Body {
  messages: { content: string }[];
}
interface Payload {
  sizesKnown: boolean;
  tables: { name: string; size?: { rows: number | null; bytes: number } }[];
}

/** The review context inside the request body the dry run prints. */
function payloadOf(stdout: string): Payload {
  const body = JSON.parse(stdout) as Body;
  const content = body.messages[0]?.content ?? '';
  return JSON.parse(content.slice(content.indexOf('{'))) as Payload;
}

describe('the migration second opinion, with a database and from generate', { timeout: 120_000 }, () => {
  it("sends the touched tables' row estimates and sizes from a configured database, never its URL", async () => {
    const url = await freshDatabase();
    await withPg(url, async (c) => {
      await c.query('CREATE TABLE users (id bigint PRIMARY KEY NOT NULL, email varchar(320) NOT NULL, org_id integer)');
      await c.query("INSERT INTO users SELECT g, 'u' || g || '@example.com', g % 7 FROM generate_series(1, 5000) g");
      await c.query('ANALYZE users');
    });
    const dir = project();
    const captured = captureIo(dir, { DATABASE_URL: url });
    const code = await run([CHANGE_PATH], { format: 'pretty', aiDryRun: true }, captured.io);
    expect(captured.stderr()).toBe('');
    expect(code).toBe(1);
    const payload = payloadOf(captured.stdout());
    expect(payload.sizesKnown).toBe(true);
    const users = payload.tables.find((t) => t.name === 'users');
    expect(users?.size?.rows).toBe(5000);
    expect(users?.size?.bytes).toBeGreaterThan(8192 * 10);
    expect(captured.stdout()).not.toContain(url);
    expect(captured.stdout()).not.toContain(new URL(url).host);
  });

  it('sends the sizes the review was scaled by when a stats export is given (one source for both)', async () => {
    const dir = project();
    const stats = join(dir, 'prod-stats.json');
    writeFileSync(
      stats,
      JSON.stringify({
        format: 'dbtool-stats',
        version: 1,
        exportedAt: '2026-12-01T00:00:00.000Z',
        server: { version: '18.1', major: 18 },
        database: 'prod',
        relations: [
          {
            schema: 'public',
            name: 'users',
            kind: 'table',
            rows: 41_000_000,
            heapBytes: 9_000_000_000,
            toastBytes: 0,
            indexBytes: 1_000_000_000,
            partitionOf: null,
            indexes: [],
          },
        ],
      }),
    );
    // DATABASE_URL points nowhere: with a stats export it is not asked
    const captured = captureIo(dir, { DATABASE_URL: 'postgres://app@127.0.0.1:9/app' });
    const code = await run([CHANGE_PATH], { format: 'pretty', aiDryRun: true, stats }, captured.io);
    expect(captured.stderr()).toBe('');
    expect(code).toBe(1);
    const payload = payloadOf(captured.stdout());
    expect(payload.sizesKnown).toBe(true);
    expect(payload.tables.find((t) => t.name === 'users')?.size).toEqual({ rows: 41_000_000, bytes: 10_000_000_000 });
  });

  it('leaves sizes out without a database (the embedded one says nothing about production)', async () => {
    const dir = project();
    writeFileSync(join(dir, 'drizzle.config.json'), JSON.stringify({ dialect: 'postgresql' }));
    const captured = captureIo(dir, {});
    await run([CHANGE_PATH], { format: 'pretty', aiDryRun: true }, captured.io);
    expect(captured.stderr()).toBe('');
    const payload = payloadOf(captured.stdout());
    expect(payload.sizesKnown).toBe(false);
    expect(payload.tables.every((t) => t.size === undefined)).toBe(true);
  });

  it('dbtool generate --ai reviews the new migration, then shows the checked second opinion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-generate-ai-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(
      join(dir, 'drizzle.config.ts'),
      "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle' });\n",
    );
    const schema = (extra: string) =>
      `import { index, pgTable, serial, text } from 'drizzle-orm/pg-core';\nexport const users = pgTable('users', { id: serial('id').primaryKey(), email: text('email') }${extra});\n`;
    writeFileSync(join(dir, 'schema.ts'), schema(''));
    expect((await dbtool(['generate'], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'schema.ts'), schema(", (t) => [index('users_email_idx').on(t.email)]"));
    const answer = {
      statements: [
        {
          statementId: 'S1',
          risk: 'high',
          reasoning: 'blocking-full-scan: the index build blocks writes to users.',
          ruleIds: ['blocking-full-scan'],
          suggestedSql: 'CREATE INDEX "users_email_idx" ON "users" ("email")',
        },
      ],
      summary: 'Build the index concurrently in a migration of its own.',
    };
    const fake = await startFakeAnthropic(() => ({ kind: 'tool', input: answer, usage: { input_tokens: 900, output_tokens: 120 } }));
    try {
      const result = await dbtool(['generate', '--name', 'email_index', '--ai', '--no-cache'], {
        cwd: dir,
        env: { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: fake.url },
      });
      expect(result.stdout).toContain('Reviewing the new migration: drizzle/0001_email_index.sql');
      expect(result.stdout).toContain('blocking-full-scan');
      expect(result.stdout).toContain('Build the index concurrently in a migration of its own.');
      // the suggestion is itself a blocking index build: it is withheld, not shown as advice
      expect(result.stdout).not.toContain('CREATE INDEX "users_email_idx" ON "users" ("email")\n');
      expect(result.code).toBe(1);
      expect(fake.requests).toHaveLength(1);
      const content = (fake.requests[0]!.body as unknown as Body).messages[0]?.content ?? '';
      expect(content).toContain('users_email_idx');
      // only the new migration is under review; the first one is history
      expect(content).not.toContain('CREATE TABLE');
    } finally {
      await fake.close();
    }
  });

  it('dbtool generate --ai fails on a missing key before drizzle-kit writes anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-generate-ai-'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(
      join(dir, 'drizzle.config.ts'),
      "import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({ dialect: 'postgresql', schema: './schema.ts', out: './drizzle' });\n",
    );
    writeFileSync(
      join(dir, 'schema.ts'),
      "import { pgTable, serial } from 'drizzle-orm/pg-core';\nexport const t = pgTable('t', { id: serial('id').primaryKey() });\n",
    );
    const result = await dbtool(['generate', '--ai'], { cwd: dir, env: { ANTHROPIC_API_KEY: undefined } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ANTHROPIC_API_KEY');
    expect(result.stdout).toBe('');
    expect(existsSync(join(dir, 'drizzle'))).toBe(false);
  });
});
