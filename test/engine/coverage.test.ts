import { beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../src/review/catalog/model.js';
import { ALTER_TABLE_FACTS, analyzeEffects, STATEMENT_FACTS } from '../../src/review/effects/index.js';
import { loadParser, parseSql } from '../../src/review/parse.js';
import { KNOWLEDGE_CASES } from './cases.js';

/** The knowledge-table entries the engine cases exercise, as the effects model names them. */
function exercisedFacts(): Set<string> {
  const facts = new Set<string>();
  for (const c of KNOWLEDGE_CASES) {
    for (const s of parseSql(c.sql).statements) {
      const effects = analyzeEffects(s.node, { catalog: new Catalog(), pgVersion: 18, timezoneIsUtc: true, newTables: new Set(), nullColumns: new Set() });
      for (const f of effects.facts) facts.add(f);
    }
  }
  return facts;
}

describe('engine cases cover the knowledge table', () => {
  beforeAll(loadParser);

  it('every statement kind has a case that runs on real engines', () => {
    const facts = exercisedFacts();
    const missing = Object.entries(STATEMENT_FACTS)
      .filter(([kind, fact]) => !fact.unobservable && !facts.has(`statement:${kind}`))
      .map(([kind]) => kind);
    expect(missing).toEqual([]);
  });

  it('every ALTER TABLE subcommand a migration can write has a case', () => {
    const facts = exercisedFacts();
    const missing = Object.entries(ALTER_TABLE_FACTS)
      .filter(([, fact]) => !fact.internal && !fact.unobservable)
      .map(([subtype]) => subtype)
      .filter((subtype) => !facts.has(`alter-table:${subtype}`) && !facts.has(`alter-index:${subtype}`));
    expect(missing).toEqual([]);
  });
});

describe('what the parser reports matches what PostgreSQL does', () => {
  it('PostgreSQL rejects a leading byte order mark, as the reviewer reports', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create();
    await expect(db.exec('\uFEFFCREATE TABLE a (id int);')).rejects.toThrow(/syntax error/);
    await db.close();
    expect(parseSql('\uFEFFCREATE TABLE a (id int);').byteOrderMark).toBe(true);
  });
});
