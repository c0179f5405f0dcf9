import type { DbClient } from '../db/client.js';
import type { DbTarget } from '../db/connect.js';
import { describeTarget, withSession } from '../db/connect.js';
import { isDbtoolError } from '../errors.js';
import type { SizeSource } from '../review/sizes.js';
import { readCatalogStats } from './read-catalog.js';
import { sizesFromStats } from './size-source.js';

/** A review waits this long for the database at most: sizes sharpen it, they are never worth a slow review. */
const LIVE_TIMEOUT_MS = 5000;

/** Sizes read from an open session (dbtool migrate reads the database it migrates). */
export async function sizesFromSession(db: DbClient, label: string): Promise<SizeSource> {
  return sizesFromStats(await readCatalogStats(db, { statementTimeoutMs: LIVE_TIMEOUT_MS, lockTimeoutMs: 1000, now: () => new Date() }), label);
}

export type LiveSizes = { ok: true; source: SizeSource } | { ok: false; reason: string };

/**
 * Sizes from a live read-only connection, for a review. An unreachable or refusing database costs a note,
 * never the review: the review then runs exactly as it does without sizes.
 */
export async function liveSizes(target: Extract<DbTarget, { kind: 'server' }>): Promise<LiveSizes> {
  const label = describeTarget(target);
  try {
    const source = await withSession(target, (session) => sizesFromSession(session, label), { connectTimeoutMs: LIVE_TIMEOUT_MS });
    return { ok: true, source };
  } catch (error) {
    const reason = isDbtoolError(error) ? error.message : error instanceof Error ? error.message : String(error);
    return { ok: false, reason };
  }
}
