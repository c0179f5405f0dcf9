import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, withPg } from '../migrate/helpers.js';

interface JsonFinding {
  rule: string;
  severity: string;
  message: string;
}
interface JsonReport {
  files: Array<{
    statements: Array<{
      sql: string;
      sizes?: Record<string, { rows: number; bytes: number }>;
      estimate?: { ms: number; blocks: string };
      findings: JsonFinding[];
    }>;
  }>;
  summary: { errors: number; infos: number };
  sizeSource?: { known: number; relations: number };
}

const HISTORY =
  'CREATE TABLE "orders" ("id" bigint PRIMARY KEY NOT NULL, "user_id" bigint NOT NULL);\n--> statement-breakpoint\nCREATE TABLE "feature_flags" ("id" integer PRIMARY KEY NOT NULL, "name" text);';
const BOTH =
  'CREATE INDEX "orders_user_id_idx" ON "orders" USING btree ("user_id");\n--> statement-breakpoint\nCREATE INDEX "feature_flags_name_idx" ON "feature_flags" USING btree ("name");';
const SMALL_ONLY = 'CREATE INDEX "feature_flags_name_idx" ON "feature_flags" USING btree ("name");';

function scanFinding(report: JsonReport, table: string): JsonFinding | undefined {
  return report.files
    .flatMap((f) => f.statements)
    .find((s) => s.sql.includes(`ON "${table}"`))
    ?.findings.find((f) => f.rule === 'blocking-full-scan');
}

describe('reviews scaled by production table sizes (PostgreSQL 18, a 1 M-row table and a 12-row one)', () => {
  let url: string;
  let project: string;
  let statsFile: string;

  beforeAll(async () => {
    url = await freshDatabase();
    await withPg(url, (c) =>
      c.query(`${HISTORY.replace(/--> statement-breakpoint/g, '')};
      INSERT INTO orders SELECT g, g % 5000 FROM generate_series(1, 1000000) g;
      INSERT INTO feature_flags SELECT g, 'flag ' || g FROM generate_series(1, 12) g;
      ANALYZE orders, feature_flags;`),
    );
    project = mkdtempSync(join(tmpdir(), 'dbtool-sizes-'));
    writeFileSync(join(project, 'package.json'), '{"name":"app"}');
    statsFile = join(project, 'prod-stats.json');
    const exported = await dbtool(['stats', 'export', '--url', url, '--out', statsFile], { cwd: project });
    expect(exported.code, exported.stderr).toBe(0);
  }, 120_000);
  afterAll(() => stopSharedServer());

  it.each([['--stats'], ['--url']])('with %s the index build is an error on the big table and information on the small one', async (flag) => {
    const dir = journalFolder({ '0000_init': HISTORY, '0001_indexes': BOTH });
    const run = await dbtool(['review-migration', dir, '--format', 'json', flag, flag === '--stats' ? statsFile : url], { cwd: project });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(scanFinding(report, 'orders')?.severity).toBe('error');
    expect(scanFinding(report, 'orders')?.message).toMatch(/\[orders: 1\.0 M rows, \d+ MB\]$/);
    expect(scanFinding(report, 'feature_flags')?.severity).toBe('info');
    expect(scanFinding(report, 'feature_flags')?.message).toMatch(/\[feature_flags: 12 rows, \d+ kB\]$/);
    expect(report.files.flatMap((f) => f.statements).find((st) => st.sql.includes('ON "orders"'))?.sizes?.orders?.rows).toBe(1_000_000);
    expect(report.sizeSource).toMatchObject({ relations: 2, known: 2 });
    // the index build on 1 M rows holds ShareLock for a few hundred ms on this machine kind (bench/estimate.mjs)
    const orders = report.files.flatMap((f) => f.statements).find((st) => st.sql.includes('ON "orders"'));
    expect(orders?.estimate?.blocks).toBe('writes');
    expect(orders?.estimate?.ms).toBeGreaterThan(100);
    expect(orders?.estimate?.ms).toBeLessThan(10_000);
  });

  it("a change that only touches the small table passes with sizes and fails without them (today's verdict)", async () => {
    const dir = journalFolder({ '0000_init': HISTORY, '0001_flags': SMALL_ONLY });
    const sized = await dbtool(['review-migration', dir, '--stats', statsFile], { cwd: project });
    expect(sized.code).toBe(0);
    expect(sized.stdout).toMatch(/lock {5}ShareLock on feature_flags \[12 rows, \d+ kB\]/);
    expect(sized.stdout).toMatch(/time {5}writes wait about \d+ ms \(estimated from the table sizes\)/);
    expect(sized.stdout).toMatch(/Sizes from \S*prod-stats\.json \(PostgreSQL 18\.\d+ database t_\w+, read today\): 1 of 1 touched relation known\./);
    const plain = await dbtool(['review-migration', dir], { cwd: project });
    expect(plain.code).toBe(1);
    expect(plain.stdout).not.toMatch(/Sizes from/);
  });

  it('the config file can name the stats export, and thresholds are configurable', async () => {
    const dir = journalFolder({ '0000_init': HISTORY, '0001_indexes': BOTH });
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ stats: 'prod-stats.json', sizes: { infoBelow: '2M rows', errorAbove: '10M rows' } }));
    try {
      const run = await dbtool(['review-migration', dir, '--format', 'json'], { cwd: project });
      const report = JSON.parse(run.stdout) as JsonReport;
      // under 2 M rows counts as small now: both builds are information
      expect(scanFinding(report, 'orders')?.severity).toBe('info');
      expect(run.code).toBe(0);
      writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ stats: 42, sizes: { errorAbove: 'lots' } }));
      const bad = await dbtool(['review-migration', dir], { cwd: project });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/stats must be the path of a dbtool stats export/);
      expect(bad.stderr).toMatch(/sizes\.errorAbove must be a row count/);
      writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ sizes: { infoBelow: '5M rows' } }));
      const crossed = await dbtool(['review-migration', dir], { cwd: project });
      expect(crossed.code).toBe(2);
      expect(crossed.stderr).toMatch(/infoBelow must not be above sizes\.errorAbove/);
      expect(crossed.stderr).toMatch(/hint: Fix the setting above\./);
    } finally {
      writeFileSync(join(project, 'dbtool.config.json'), '{}');
    }
  });

  it('a foreign stats file leaves unknown tables as they were and says how many were known; a broken one is exit 2', async () => {
    const foreign = join(project, 'foreign.json');
    writeFileSync(
      foreign,
      JSON.stringify({
        format: 'dbtool-stats',
        version: 1,
        exportedAt: '2026-11-01T00:00:00.000Z',
        server: { version: '16.4', major: 16 },
        database: 'other',
        relations: [],
      }),
    );
    const dir = journalFolder({ '0000_init': HISTORY, '0001_flags': SMALL_ONLY });
    const run = await dbtool(['review-migration', dir, '--stats', foreign], { cwd: project });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /Sizes from \S*foreign\.json \(PostgreSQL 16\.4 database other, exported \d+ days ago\): 0 of 1 touched relation known; findings on the 1 unknown keep their usual severity\./,
    );
    writeFileSync(foreign, '{"format": "dbtool-stats", "version": 1}');
    const broken = await dbtool(['review-migration', dir, '--stats', foreign], { cwd: project });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/cannot be used: "exportedAt" is not a date/);
  });

  it('an unreachable database costs one note, never the review', async () => {
    const dir = journalFolder({ '0000_init': HISTORY, '0001_flags': SMALL_ONLY });
    const run = await dbtool(['review-migration', dir, '--url', 'postgres://nobody:secret-pw@127.0.0.1:1/db'], { cwd: project });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^note: table sizes unavailable \(.*\): findings are not scaled by size$/m);
    expect(run.stderr).not.toContain('secret-pw');
    expect(run.stdout).toMatch(/blocking-full-scan/);
  });

  it('migrate gates on the database it migrates: the big table blocks, the small one does not', async () => {
    const db = await freshDatabase();
    await withPg(db, (c) =>
      c.query(`${HISTORY.replace(/--> statement-breakpoint/g, '')};
      INSERT INTO orders SELECT g, g % 5000 FROM generate_series(1, 1000000) g; ANALYZE orders, feature_flags;`),
    );
    const small = journalFolder({ '0000_init': `${HISTORY.replace(/CREATE TABLE/g, 'CREATE TABLE IF NOT EXISTS')}`, '0001_flags': SMALL_ONLY });
    const applied = await dbtool(['migrate', '--dir', small, '--url', db]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const big = journalFolder({
      '0000_init': `${HISTORY.replace(/CREATE TABLE/g, 'CREATE TABLE IF NOT EXISTS')}`,
      '0001_flags': SMALL_ONLY,
      '0002_orders': 'CREATE INDEX "orders_user_id_idx" ON "orders" USING btree ("user_id");',
    });
    const blocked = await dbtool(['migrate', '--dir', big, '--url', db]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/Nothing applied/);
    expect(blocked.stdout).toMatch(/\[orders: 1\.0 M rows/);
  }, 120_000);
});
