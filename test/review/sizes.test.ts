import { describe, expect, it } from 'vitest';
import type { RelationSize } from '../../src/review/report-types.js';
import type { SizeSource } from '../../src/review/sizes.js';
import { applySizes, DEFAULT_THRESHOLDS, describeSize, scaledSeverity } from '../../src/review/sizes.js';
import type { StatsFile } from '../../src/stats/format.js';
import { sizesFromStats } from '../../src/stats/size-source.js';
import { reviewAfter } from './helpers.js';

const HISTORY = `CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL, note text);
CREATE TABLE feature_flags (id int PRIMARY KEY, name text);
CREATE TABLE mid (id int PRIMARY KEY, v int);
CREATE TABLE unlisted (id int PRIMARY KEY, v int);`;

function source(sizes: Record<string, RelationSize>): SizeSource {
  return { label: 'dbtool-stats.json', readAt: '2026-12-01T00:00:00.000Z', database: 'app', serverVersion: '18.1', sizes: new Map(Object.entries(sizes)) };
}

const PROD = source({
  orders: { rows: 41_000_000, bytes: 9.8 * 1024 ** 3 },
  feature_flags: { rows: 12, bytes: 16_384 },
  mid: { rows: 200_000, bytes: 40 * 1024 ** 2 },
});

function findingsOf(sql: string, sizes = PROD) {
  const report = applySizes(reviewAfter(HISTORY, sql, { transactionMode: 'per-file' }), sizes);
  return { report, statements: report.files[0]!.statements };
}

describe('size-scaled severity', () => {
  it('the same index build is an error on a 41 M-row table and information on a 12-row one, and says how big', () => {
    const { statements, report } = findingsOf(
      'CREATE INDEX orders_user_id_idx ON orders (user_id);\nCREATE INDEX feature_flags_name_idx ON feature_flags (name);',
    );
    const [big, small] = statements.map((s) => s.findings.find((f) => f.rule === 'blocking-full-scan')!);
    expect(big?.severity).toBe('error');
    expect(big?.message).toMatch(/\[orders: 41\.0 M rows, 9\.8 GB\]$/);
    expect(small?.severity).toBe('info');
    expect(small?.message).toMatch(/\[feature_flags: 12 rows, 16 kB\]$/);
    expect(statements[0]!.sizes).toEqual({ orders: { rows: 41_000_000, bytes: 9.8 * 1024 ** 3 } });
    expect(report.summary.errors).toBe(1);
    expect(report.summary.infos).toBeGreaterThanOrEqual(1);
    expect(report.sizeSource).toMatchObject({ label: 'dbtool-stats.json', relations: 2, known: 2 });
  });

  it('a mid-sized table keeps the rule severity; a big one raises a warning to an error', () => {
    const { statements } = findingsOf('CREATE INDEX mid_v_idx ON mid (v);');
    expect(statements[0]!.findings.find((f) => f.rule === 'blocking-full-scan')?.severity).toBe('error');
    const backfill = findingsOf("UPDATE orders SET note = 'x';").statements[0]!.findings.find((f) => f.rule === 'unbatched-backfill');
    expect(backfill?.severity).toBe('error');
    const small = findingsOf('UPDATE mid SET v = 1;').statements[0]!.findings.find((f) => f.rule === 'unbatched-backfill');
    const unsized = reviewAfter(HISTORY, 'UPDATE mid SET v = 1;', { transactionMode: 'per-file' }).files[0]!.statements[0]!.findings.find(
      (f) => f.rule === 'unbatched-backfill',
    );
    expect(small?.severity).toBe(unsized?.severity);
  });

  it('data loss and application breakage never drop with size', () => {
    const { statements } = findingsOf('ALTER TABLE feature_flags DROP COLUMN name;\nALTER TABLE feature_flags RENAME COLUMN id TO flag_id;');
    const unsized = reviewAfter(HISTORY, 'ALTER TABLE feature_flags DROP COLUMN name;\nALTER TABLE feature_flags RENAME COLUMN id TO flag_id;', {
      transactionMode: 'per-file',
    }).files[0]!.statements;
    expect(statements.map((s) => s.findings.map((f) => [f.rule, f.severity]))).toEqual(unsized.map((s) => s.findings.map((f) => [f.rule, f.severity])));
  });

  it("a table the statistics do not know keeps today's verdict, and the report counts what was known", () => {
    const { statements, report } = findingsOf('CREATE INDEX unlisted_v_idx ON unlisted (v);');
    const plain = reviewAfter(HISTORY, 'CREATE INDEX unlisted_v_idx ON unlisted (v);', { transactionMode: 'per-file' }).files[0]!.statements[0]!;
    expect(statements[0]!.findings).toEqual(plain.findings);
    expect(statements[0]!.sizes).toBeUndefined();
    expect(report.sizeSource).toMatchObject({ relations: 1, known: 0 });
  });

  it('thresholds: rows or bytes over the error limit make an error; both under the info limit make information', () => {
    const t = DEFAULT_THRESHOLDS;
    expect(scaledSeverity('warning', { rows: 5, bytes: 2 * 1024 ** 3 }, t, true)).toBe('error');
    expect(scaledSeverity('warning', { rows: 2_000_000, bytes: 1 }, t, true)).toBe('error');
    expect(scaledSeverity('error', { rows: 9_999, bytes: 1024 }, t, true)).toBe('info');
    expect(scaledSeverity('error', { rows: 9_999, bytes: 1024 }, t, false)).toBe('error');
    expect(scaledSeverity('error', { rows: null, bytes: 1024 }, t, true)).toBe('info');
    expect(scaledSeverity('error', { rows: 50_000, bytes: 1024 }, t, true)).toBe('error');
    expect(describeSize({ rows: null, bytes: 3 * 1024 ** 2 })).toBe('3.0 MB, rows unknown (never analysed)');
  });
});

describe('sizes from a stats export', () => {
  it('a partitioned table is as large as its partitions, and schemas other than public stay qualified', () => {
    const stats: StatsFile = {
      format: 'dbtool-stats',
      version: 1,
      exportedAt: '2026-12-01T00:00:00.000Z',
      server: { version: '18.1', major: 18 },
      database: 'app',
      relations: [
        { schema: 'audit', name: 'events', kind: 'partitioned table', rows: null, heapBytes: 0, toastBytes: 0, indexBytes: 0, partitionOf: null, indexes: [] },
        {
          schema: 'audit',
          name: 'events_2025',
          kind: 'table',
          rows: 1000,
          heapBytes: 8192,
          toastBytes: 0,
          indexBytes: 4096,
          partitionOf: 'audit.events',
          indexes: [],
        },
        {
          schema: 'audit',
          name: 'events_2026',
          kind: 'table',
          rows: 500,
          heapBytes: 8192,
          toastBytes: 8192,
          indexBytes: 0,
          partitionOf: 'audit.events',
          indexes: [],
        },
        { schema: 'public', name: 'users', kind: 'table', rows: 3, heapBytes: 8192, toastBytes: 0, indexBytes: 16384, partitionOf: null, indexes: [] },
      ],
    };
    const { sizes } = sizesFromStats(stats, 'dbtool-stats.json');
    expect(sizes.get('audit.events')).toMatchObject({ rows: 1500, bytes: 8192 + 4096 + 8192 + 8192, heapBytes: 8192 + 8192 + 8192 });
    expect(sizes.get('users')).toMatchObject({ rows: 3, bytes: 24576 });
    expect(sizes.has('public.users')).toBe(false);
  });
});
