import { beforeAll, describe, expect, it } from 'vitest';
import type { MigrationReview } from '../../src/ai/migration/history.js';
import { statementRefs } from '../../src/ai/migration/history.js';
import { buildMigrationPayload } from '../../src/ai/migration/payload.js';
import { MIGRATION_TOOL, migrationRequest } from '../../src/ai/migration/prompt.js';
import { review } from '../../src/review/engine.js';
import type { ReviewSettings } from '../../src/review/findings.js';
import { loadParser } from '../../src/review/parse.js';
import type { FolderSource } from '../../src/review/report-types.js';

beforeAll(() => loadParser());

const SETTINGS: ReviewSettings = { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' };

const HISTORY = `
CREATE TABLE "orgs" ("id" bigint PRIMARY KEY);
CREATE TABLE "users" (
  "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  "email" varchar(320) NOT NULL,
  "org_id" bigint REFERENCES "orgs" ("id"),
  "plan" text DEFAULT 'free-tier-secret' NOT NULL
);
CREATE UNIQUE INDEX "users_email_key" ON "users" ("email");
CREATE TABLE "untouched" ("id" int);`;

function migration(files: Array<[string, string, boolean]>, settings = SETTINGS): MigrationReview {
  const folders: FolderSource[] = [
    { files: files.map(([migration, text, reviewed]) => ({ path: `drizzle/${migration}.sql`, migration, text, problems: [], review: reviewed })) },
  ];
  return { folders, settings, report: review(folders, settings) };
}

describe('buildMigrationPayload', () => {
  const reviewed = () =>
    migration([
      ['0000_init', HISTORY, false],
      [
        '0001_change',
        `ALTER TABLE "users" ALTER COLUMN "org_id" SET NOT NULL;\n--> statement-breakpoint\nUPDATE "users" SET "plan" = 'pro-secret' WHERE "id" = 4242;\n--> statement-breakpoint\nCREATE TABLE "audit" ("id" bigint PRIMARY KEY, "user_id" bigint REFERENCES "users" ("id"));`,
        true,
      ],
    ]);

  it('carries statements, effects, findings and the touched tables as they were before', () => {
    expect(
      buildMigrationPayload(reviewed(), { sizes: { users: { rows: 1_200_000, bytes: 512 * 1024 * 1024 }, nobody: { rows: 1, bytes: 1 } } }),
    ).toMatchSnapshot();
  });

  it('never carries literals from the history or the change, nor anything from the environment', () => {
    const text = JSON.stringify(migrationRequest(buildMigrationPayload(reviewed()), { model: 'claude-sonnet-5-5', maxTokens: 100 }));
    for (const secret of ['free-tier-secret', 'pro-secret', '4242']) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/postgres(ql)?:\/\//);
    expect(text).not.toContain('untouched');
  });

  it('sizes are marked unknown when no database supplied them', () => {
    const payload = buildMigrationPayload(reviewed());
    expect(payload.sizesKnown).toBe(false);
    expect(payload.tables.every((t) => t.size === undefined)).toBe(true);
  });

  it('a statement that cannot be tokenized is omitted, with the parser message that would quote it', () => {
    const payload = buildMigrationPayload(migration([['0001_bad', `ALTER TABLE t ADD COLUMN c text DEFAULT 'never-sent`, true]]));
    const [statement] = payload.files[0]?.statements ?? [];
    expect(statement?.sql).toMatch(/statement omitted/);
    expect(statement?.findings).toEqual([{ rule: 'syntax-error', severity: 'error', message: 'details omitted with the statement', help: '' }]);
    expect(JSON.stringify(payload)).not.toContain('never-sent');
  });

  it('numbers statements S1… across files under review and skips history files', () => {
    const m = migration([
      ['0000_init', HISTORY, false],
      ['0001_a', 'ALTER TABLE "users" ADD COLUMN "a" text;', true],
      ['0002_b', 'ALTER TABLE "users" ADD COLUMN "b" text; ALTER TABLE "users" DROP COLUMN "a";', true],
    ]);
    expect(statementRefs(m).map((r) => [r.id, r.file.source.migration, r.statement.line])).toEqual([
      ['S1', '0001_a', 1],
      ['S2', '0002_b', 1],
      ['S3', '0002_b', 1],
    ]);
    const payload = buildMigrationPayload(m);
    // the table as it was before the first file under review that touches it
    expect(payload.tables.find((t) => t.name === 'users')?.columns.map((c) => c.name)).toEqual(['id', 'email', 'org_id', 'plan']);
  });
});

describe('migrationRequest', () => {
  it('forces the verdict tool, with the statement ids as the only valid ids', () => {
    const body = migrationRequest(buildMigrationPayload(migration([['0001_a', 'CREATE TABLE t (id int); CREATE INDEX ON t (id);', true]])), {
      model: 'claude-sonnet-5-5',
      maxTokens: 2048,
    });
    expect(body).toMatchObject({ model: 'claude-sonnet-5-5', max_tokens: 2048, stream: true, tool_choice: { type: 'tool', name: MIGRATION_TOOL } });
    const schema = body.tools?.[0] as { input_schema: { properties: { statements: { items: { properties: { statementId: { enum: string[] } } } } } } };
    expect(schema.input_schema.properties.statements.items.properties.statementId.enum).toEqual(['S1', 'S2']);
    expect(body.system).toMatch(/leave it out/);
  });
});
