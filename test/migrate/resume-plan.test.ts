import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalMigration } from '../../src/migrate/local.js';
import { planFile } from '../../src/migrate/plan.js';
import { loadParser, parseSql } from '../../src/review/parse.js';

beforeAll(loadParser);

const migration = (text: string): LocalMigration => ({ name: 'm', path: 'm.sql', text, hash: 'h', createdAt: 1, listed: true });

/** The resume check of the file's statements that run alone (every statement but the first here). */
function checks(text: string) {
  const p = planFile(migration(text), parseSql(text), (i) => i > 0);
  return p.units.filter((u) => !u.inTransaction).map((u) => u.statements[0]!.resume);
}

describe('how a rerun recognises a non-transactional step an interrupted run completed', () => {
  it('CREATE INDEX CONCURRENTLY: the index, its table, and the statement rewritten to build it elsewhere (after non-ASCII text, qualified, quoted)', () => {
    const text = `SELECT 'é';\n--> statement-breakpoint\nCREATE UNIQUE INDEX CONCURRENTLY "idx ""é""" ON "my schema" . "Users" USING gin (lower("e")) WHERE x = 'ü';`;
    expect(checks(text)).toEqual([
      {
        kind: 'create-index',
        schema: 'my schema',
        name: 'idx "é"',
        table: { schema: 'my schema', name: 'Users' },
        probe: { before: 'CREATE UNIQUE INDEX "idx ""é""" ON ', after: ` USING gin (lower("e")) WHERE x = 'ü'` },
      },
    ]);
  });

  it('keeps ONLY, and leaves IF NOT EXISTS to PostgreSQL (no check)', () => {
    expect(checks('SELECT 1;\nCREATE INDEX CONCURRENTLY a_x ON ONLY a (x);')[0]).toMatchObject({
      probe: { before: 'CREATE INDEX "a_x" ON ONLY ', after: ' (x)' },
    });
    expect(checks('SELECT 1;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS a_x ON a (x);')).toEqual([undefined]);
  });

  it('DROP INDEX CONCURRENTLY (not with IF EXISTS) and ALTER TYPE … ADD VALUE (not with IF NOT EXISTS)', () => {
    expect(checks('SELECT 1;\nDROP INDEX CONCURRENTLY s.a_x;\nDROP INDEX CONCURRENTLY IF EXISTS a_y;')).toEqual([
      { kind: 'drop-index', schema: 's', name: 'a_x' },
      undefined,
    ]);
    expect(checks(`SELECT 1;\nALTER TYPE "kind" ADD VALUE 'b';\nALTER TYPE "kind" ADD VALUE IF NOT EXISTS 'c';`)).toEqual([
      { kind: 'enum-value', schema: undefined, type: 'kind', value: 'b' },
      undefined,
    ]);
  });

  it('statements in a transaction need no check: a failure rolls them back', () => {
    const p = planFile(migration('CREATE INDEX CONCURRENTLY a_x ON a (x);'), parseSql('CREATE INDEX CONCURRENTLY a_x ON a (x);'), () => false);
    expect(p.units[0]!.statements[0]!.resume).toBeUndefined();
  });
});
