import { lockStrength } from './lock-modes.js';
import type { Estimate, RelationSize, StatementReport } from './report-types.js';

/**
 * The cost model, calibrated on PostgreSQL 14 and 18 servers (bench/estimate.mjs prints estimate against
 * measured). A statement that holds a blocking lock costs what it must do with the rows and bytes of the
 * tables it holds: read the heap, sort and write index entries, copy the heap and rebuild its indexes,
 * check each row of a validation. Assumes the table is mostly in cache or on SSD, no competing load, and
 * default maintenance_work_mem; a cold cache or spinning disks make it slower, which is why it is shown
 * as an order of magnitude ("about 3 min"), not a promise.
 */
export interface CostModel {
  /** heap bytes read per ms by a sequential scan */
  readBytesPerMs: number;
  /** heap bytes written per ms by a rewrite (new heap and WAL) */
  writeBytesPerMs: number;
  /** ms per row to sort and write one index entry (index build, or each index rebuilt by a rewrite) */
  indexRowMs: number;
  /** ms per row to evaluate a CHECK / NOT NULL / partition bound */
  checkRowMs: number;
  /** ms per row of the referencing table for a foreign-key validation (an anti-join against the referenced table) */
  foreignKeyRowMs: number;
  /** ms per row updated or deleted by a backfill (new tuple, index entries, WAL) */
  writeRowMs: number;
  /** ms per row to copy a row into a rewritten heap (beyond its bytes) */
  rewriteRowMs: number;
}

// calibrated with bench/estimate.mjs on PostgreSQL 18 (2-core VM, warm cache): 100 k – 1 M rows
export const DEFAULT_COST_MODEL: CostModel = {
  readBytesPerMs: 1_000_000,
  writeBytesPerMs: 150_000,
  indexRowMs: 0.0006,
  checkRowMs: 0.00003,
  foreignKeyRowMs: 0.00015,
  writeRowMs: 0.005,
  rewriteRowMs: 0.0008,
};

/** What the model needs of a relation: rows, heap bytes and its indexes. */
export interface RelationShape extends RelationSize {
  heapBytes: number;
  indexCount: number;
}

const SHARE = lockStrength('ShareLock');
const ACCESS_EXCLUSIVE = lockStrength('AccessExclusiveLock');

/**
 * The estimate for one statement, when it holds a lock that blocks reads or writes on a table whose
 * shape is known; undefined otherwise (nothing blocks, or a table it holds is not in the statistics).
 */
export function estimateStatement(s: StatementReport, shapes: ReadonlyMap<string, RelationShape>, model: CostModel = DEFAULT_COST_MODEL): Estimate | undefined {
  const backfill = (s.kind === 'UpdateStmt' || s.kind === 'DeleteStmt') && s.scans.length > 0;
  const blocking = Object.entries(s.locks).filter(([, mode]) => lockStrength(mode) >= SHARE);
  // an UPDATE or DELETE of every row holds each row's lock until commit: writes to the table wait as if locked
  if (blocking.length === 0 && !backfill) return undefined;
  const blocks = blocking.some(([, mode]) => lockStrength(mode) >= ACCESS_EXCLUSIVE) ? 'reads' : 'writes';
  const worked = [...new Set([...s.rewrites, ...s.scans])];
  // a lock alone (RENAME, ADD COLUMN without a default) is held for a catalog change: milliseconds
  if (worked.length === 0) return { ms: 1, blocks };
  const shape = (name: string) => shapes.get(name);
  let ms = 0;
  if (backfill) {
    const target = shape(s.scans[0]!);
    if (!target || target.rows === null) return undefined;
    return { ms: round(target.heapBytes / model.readBytesPerMs + target.rows * model.writeRowMs * (1 + target.indexCount * 0.25)), blocks };
  }
  for (const name of worked) if (!shape(name) || shape(name)!.rows === null) return undefined;
  for (const name of s.rewrites) {
    const t = shape(name)!;
    ms += t.heapBytes / model.readBytesPerMs + t.heapBytes / model.writeBytesPerMs + t.rows! * model.rewriteRowMs + t.indexCount * t.rows! * model.indexRowMs;
  }
  const scansOnly = s.scans.filter((name) => !s.rewrites.includes(name));
  if (s.kind === 'IndexStmt' || s.kind === 'ReindexStmt') {
    for (const name of scansOnly) {
      const t = shape(name)!;
      ms += t.heapBytes / model.readBytesPerMs + t.rows! * model.indexRowMs * (s.kind === 'ReindexStmt' ? Math.max(1, t.indexCount) : 1);
    }
  } else if (scansOnly.length >= 2 || /FOREIGN\s+KEY|REFERENCES/i.test(s.sql)) {
    // a foreign key: the referencing table is read and each row looked up among the referenced keys
    const [referencing, ...referenced] = [...scansOnly].sort((a, b) => (shape(b)!.rows ?? 0) - (shape(a)!.rows ?? 0));
    for (const name of scansOnly) ms += shape(name)!.heapBytes / model.readBytesPerMs;
    if (referencing) ms += shape(referencing)!.rows! * model.foreignKeyRowMs;
    for (const name of referenced) ms += shape(name)!.rows! * model.checkRowMs;
  } else {
    for (const name of scansOnly) {
      const t = shape(name)!;
      ms += t.heapBytes / model.readBytesPerMs + t.rows! * model.checkRowMs;
    }
  }
  return { ms: round(Math.max(ms, 1)), blocks };
}

function round(ms: number): number {
  return ms >= 100 ? Math.round(ms) : Math.round(ms * 10) / 10;
}

/** "about 40 ms", "about 3 s", "about 4 min", "about 2 h": an order of magnitude, not a promise. */
export function describeEstimate(e: Estimate): string {
  const what = e.blocks === 'reads' ? 'reads and writes' : 'writes';
  const ms = e.ms;
  const span =
    ms < 1000
      ? `${Math.max(1, Math.round(ms))} ms`
      : ms < 120_000
        ? `${Math.round(ms / 1000)} s`
        : ms < 7_200_000
          ? `${Math.round(ms / 60_000)} min`
          : `${(ms / 3_600_000).toFixed(1)} h`;
  return `${what} wait about ${span}`;
}
