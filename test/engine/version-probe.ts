import { reviewAfter } from '../review/helpers.js';
import { KNOWLEDGE_CASES } from './cases.js';
import { reset, tablespaceDir } from './reset.js';
import type { Engine } from './server.js';
import { VERSION_FORMS } from './version-forms.js';

/** One statement to try on every major: an engine-suite case or a curated version-gated form. */
export interface Probe {
  id: string;
  setup: string;
  /** statements before `sql` in the same migration file */
  sameFile?: string;
  sql: string;
  /** the curated first major that accepts it (version forms only) */
  since?: number;
  /** from `since` on it still fails, for another reason, with this SQLSTATE */
  laterError?: string;
  /** why the reviewer cannot see this form in the parse tree */
  staticallyBlind?: string;
  serverOnly?: boolean;
}

export interface Verdict {
  /** what PostgreSQL said: undefined when it accepted the statement */
  rejected?: { code: string; message: string };
  /** the setup itself failed on this major, so the statement says nothing */
  setupFailed?: string;
  /** the reviewer's statement-will-fail messages for this major */
  predicted: string[];
}

/** Rules that say "PostgreSQL will reject this statement". */
export const FAILURE_RULES = new Set(['statement-will-fail', 'not-null-column-without-default']);

export function allProbes(): Probe[] {
  return [
    ...KNOWLEDGE_CASES.map((c) => ({ id: `case:${c.id}`, setup: c.setup, sameFile: c.sameFile, sql: c.sql, serverOnly: c.serverOnly })),
    ...VERSION_FORMS.map((f) => ({
      id: `form:${f.id}`,
      setup: f.setup,
      sql: f.sql,
      since: f.since,
      laterError: f.laterError,
      staticallyBlind: f.staticallyBlind,
      serverOnly: f.serverOnly,
    })),
  ];
}

function sqlstate(error: unknown): { code: string; message: string } {
  const e = error as { code?: string; message?: string };
  return { code: e.code ?? 'XX000', message: e.message ?? String(error) };
}

/** What the reviewer predicts for the probe's statement when reviewing for `major`. */
export function predictedFailures(probe: Probe, major: number): string[] {
  const file = probe.sameFile ? `${probe.sameFile}\n${probe.sql};` : probe.sql;
  const statements = reviewAfter(probe.setup, file, { pgVersion: major }).files[0]?.statements ?? [];
  const last = statements[statements.length - 1];
  return (last?.findings ?? []).filter((f) => FAILURE_RULES.has(f.rule)).map((f) => f.message);
}

/**
 * Runs the probe's statement once on a fresh schema, in a transaction that is rolled back (or, for a
 * statement PostgreSQL refuses in a transaction block, on its own), and reports whether it was accepted.
 */
export async function tryOn(engine: Engine, probe: Probe): Promise<Verdict> {
  const predicted = predictedFailures(probe, engine.major);
  await reset(engine);
  try {
    await engine.client.exec(probe.setup);
    if (probe.sameFile) await engine.client.exec(probe.sameFile);
  } catch (error) {
    return { setupFailed: `${sqlstate(error).code} ${sqlstate(error).message}`, predicted };
  }
  const sql = probe.sql.includes('{{tablespace_dir}}') ? probe.sql.replace('{{tablespace_dir}}', tablespaceDir()) : probe.sql;
  const client = engine.client;
  await client.exec('BEGIN');
  let rejected: { code: string; message: string } | undefined;
  try {
    await client.exec(sql);
  } catch (error) {
    rejected = sqlstate(error);
  } finally {
    await client.exec('ROLLBACK');
  }
  if (rejected?.code === '25001') {
    rejected = undefined;
    try {
      await client.exec(sql);
    } catch (error) {
      rejected = sqlstate(error);
    }
  }
  return { rejected, predicted };
}
