import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { KNOWLEDGE_CASES } from './cases.js';
import type { Engine } from './server.js';
import { binariesFor, requestedMajor, startServer } from './server.js';
import { VERSION_FORMS } from './version-forms.js';
import { tryOn } from './version-probe.js';

const major = requestedMajor();
const serverBin = binariesFor(major);
if (!serverBin) throw new Error(`no PostgreSQL ${major} binaries: run \`npm run test:engines ${major}\` to install them`);

/** The knowledge cases the knowledge suite does not run on this major: whatever the server says, the reviewer must agree. */
const OUT_OF_RANGE = KNOWLEDGE_CASES.filter((c) => major < (c.minVersion ?? 0) || major > (c.maxVersion ?? 99));

describe(`statement forms by major agree with the PostgreSQL ${major} server`, () => {
  let engine: Engine;
  beforeAll(async () => {
    await loadParser();
    engine = await startServer(serverBin);
    expect(engine.major).toBe(major);
  });
  afterAll(async () => engine?.close());

  it.each(VERSION_FORMS.map((f) => [f.id, f] as const))('%s', async (_id, form) => {
    const verdict = await tryOn(engine, { ...form, id: form.id });
    expect(verdict.setupFailed).toBeUndefined();
    if (major < form.since) {
      expect(verdict.rejected, `PostgreSQL ${major} accepted a form curated as new in ${form.since}`).toBeDefined();
      if (form.staticallyBlind) return;
      expect(verdict.predicted, `the reviewer did not predict ${verdict.rejected?.code} ${verdict.rejected?.message}`).not.toEqual([]);
      expect(verdict.predicted.join(' | ')).toContain(`(SQLSTATE ${verdict.rejected?.code})`);
      return;
    }
    if (form.laterError) expect(verdict.rejected?.code).toBe(form.laterError);
    else expect(verdict.rejected, `PostgreSQL ${major} rejected it: ${verdict.rejected?.code} ${verdict.rejected?.message}`).toBeUndefined();
    expect(verdict.predicted).toEqual([]);
  });

  it.each(OUT_OF_RANGE.map((c) => [c.id, c] as const))('knowledge case %s outside its majors', async (_id, c) => {
    const verdict = await tryOn(engine, { id: c.id, setup: c.setup, sameFile: c.sameFile, sql: c.sql, serverOnly: c.serverOnly });
    expect(verdict.setupFailed).toBeUndefined();
    if (verdict.rejected) {
      expect(verdict.predicted, `the reviewer did not predict ${verdict.rejected.code} ${verdict.rejected.message}`).not.toEqual([]);
    } else {
      expect(verdict.predicted, 'PostgreSQL accepted it').toEqual([]);
    }
  });
});
