import { describe, expect, it } from 'vitest';
import type { RelationShape } from '../../src/review/estimate.js';
import { describeEstimate, estimateStatement } from '../../src/review/estimate.js';
import type { SizeSource } from '../../src/review/sizes.js';
import { applySizes } from '../../src/review/sizes.js';
import { reviewAfter } from './helpers.js';

const HISTORY = `CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE events (id bigint PRIMARY KEY, user_id bigint NOT NULL, note text NOT NULL);`;

function shapes(rows: number): Map<string, RelationShape> {
  return new Map([
    ['events', { rows, bytes: rows * 110, heapBytes: rows * 73, indexCount: 1 }],
    ['users', { rows: 5000, bytes: 300_000, heapBytes: 180_000, indexCount: 1 }],
  ]);
}

function statement(sql: string) {
  return reviewAfter(HISTORY, sql, { transactionMode: 'per-file' }).files[0]!.statements[0]!;
}

describe('blocked-time estimates', () => {
  it('grows with the table, and says what waits', () => {
    const small = estimateStatement(statement('CREATE INDEX events_user_idx ON events (user_id);'), shapes(100_000))!;
    const big = estimateStatement(statement('CREATE INDEX events_user_idx ON events (user_id);'), shapes(10_000_000))!;
    expect(small.blocks).toBe('writes');
    expect(big.ms / small.ms).toBeGreaterThan(50);
    const rewrite = estimateStatement(statement('ALTER TABLE events ALTER COLUMN user_id TYPE text;'), shapes(1_000_000))!;
    expect(rewrite.blocks).toBe('reads');
    // a rewrite copies the heap and rebuilds its indexes: dearer than building one index
    expect(rewrite.ms).toBeGreaterThan(estimateStatement(statement('CREATE INDEX events_user_idx ON events (user_id);'), shapes(1_000_000))!.ms);
    expect(describeEstimate({ ms: 183_000, blocks: 'reads' })).toBe('reads and writes wait about 3 min');
    expect(describeEstimate({ ms: 40, blocks: 'writes' })).toBe('writes wait about 40 ms');
  });

  it('a backfill holds its rows until commit; a lock alone is a catalog change; nothing blocking, no estimate', () => {
    expect(estimateStatement(statement("UPDATE events SET note = 'x';"), shapes(1_000_000))).toMatchObject({ blocks: 'writes' });
    expect(estimateStatement(statement('ALTER TABLE events RENAME COLUMN note TO body;'), shapes(1_000_000))).toEqual({ ms: 1, blocks: 'reads' });
    expect(estimateStatement(statement('CREATE INDEX CONCURRENTLY events_user_idx ON events (user_id);'), shapes(1_000_000))).toBeUndefined();
    expect(estimateStatement(statement('SELECT 1;'), shapes(1_000_000))).toBeUndefined();
  });

  it('an unknown table gives no number rather than a guess', () => {
    expect(estimateStatement(statement('CREATE INDEX events_user_idx ON events (user_id);'), new Map())).toBeUndefined();
  });

  it('reaches the report through applySizes when the source knows heap and index sizes', () => {
    const source: SizeSource = { label: 'x', readAt: '2026-12-01T00:00:00.000Z', database: 'app', serverVersion: '18.1', sizes: shapes(2_000_000) };
    const report = applySizes(reviewAfter(HISTORY, 'CREATE INDEX events_user_idx ON events (user_id);', { transactionMode: 'per-file' }), source);
    const s = report.files[0]!.statements[0]!;
    expect(s.estimate?.blocks).toBe('writes');
    expect(s.estimate?.ms).toBeGreaterThan(500);
    // the JSON contract's sizes stay {rows, bytes}
    expect(s.sizes).toEqual({ events: { rows: 2_000_000, bytes: 220_000_000 } });
  });
});
