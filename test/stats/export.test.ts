import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatsFile } from '../../src/stats/format.js';
import { statsFileProblems } from '../../src/stats/format.js';
import { dbtool, freshDatabase, stopSharedServer, withPg } from '../migrate/helpers.js';

const PLANTED = 'zq-planted-value-7c41';
const PASSWORD = 'st@ts pw:/#1';

describe('dbtool stats export on a PostgreSQL 18 server', () => {
  let url: string;
  let secretUrl: string;
  let project: string;

  beforeAll(async () => {
    url = await freshDatabase();
    await withPg(url, async (c) => {
      await c.query(`
        CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL, bio text);
        INSERT INTO users SELECT g, 'u' || g || '@example.com', CASE WHEN g = 1 THEN '${PLANTED}' ELSE repeat('b', 3000) END FROM generate_series(1, 20000) g;
        CREATE UNIQUE INDEX users_email_idx ON users (email);
        CREATE TABLE feature_flags (id int PRIMARY KEY, name text);
        INSERT INTO feature_flags VALUES (1, '${PLANTED}');
        CREATE SCHEMA audit;
        CREATE TABLE audit.events (id bigint, at date NOT NULL) PARTITION BY RANGE (at);
        CREATE TABLE audit.events_2026 PARTITION OF audit.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        INSERT INTO audit.events SELECT g, '2026-03-01' FROM generate_series(1, 5000) g;
        CREATE MATERIALIZED VIEW user_count AS SELECT count(*) FROM users;
        CREATE TABLE never_analyzed (id int);
        ANALYZE users, feature_flags, audit.events_2026;
        CREATE ROLE stats_reader LOGIN PASSWORD '${PASSWORD.replace(/'/g, "''")}';
        GRANT CONNECT ON DATABASE ${url.split('/').pop()} TO stats_reader;`);
    });
    const parsed = new URL(url);
    parsed.username = 'stats_reader';
    parsed.password = encodeURIComponent(PASSWORD);
    secretUrl = parsed.toString();
    project = mkdtempSync(join(tmpdir(), 'dbtool-stats-'));
    writeFileSync(join(project, 'package.json'), '{"name":"app"}');
  });
  afterAll(() => stopSharedServer());

  it('writes dbtool-stats.json at the project root with rows and sizes per table, partition and index', async () => {
    const result = await dbtool(['stats', 'export', '--url', url], { cwd: project });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Wrote dbtool-stats\.json: 5 tables \(1 partitioned, 1 partition\), 1 materialized view, 3 indexes, .* PostgreSQL 18\.\d+ database t_/,
    );
    const file = JSON.parse(readFileSync(join(project, 'dbtool-stats.json'), 'utf8')) as StatsFile;
    expect(statsFileProblems(file)).toEqual([]);
    expect(file.server.major).toBe(18);
    expect(Date.now() - Date.parse(file.exportedAt)).toBeLessThan(60_000);
    const users = file.relations.find((r) => r.name === 'users')!;
    expect(users).toMatchObject({ schema: 'public', kind: 'table', rows: 20000, partitionOf: null });
    expect(users.heapBytes).toBeGreaterThan(8192);
    expect(users.toastBytes).toBeGreaterThan(0); // 3,000-byte bios are compressed in line, but the TOAST table has its index
    expect(users.indexes.map((i) => [i.name, i.unique, i.valid])).toEqual([
      ['users_email_idx', true, true],
      ['users_pkey', true, true],
    ]);
    expect(users.indexBytes).toBe(users.indexes.reduce((n, i) => n + i.bytes, 0));
    expect(file.relations.find((r) => r.name === 'events')).toMatchObject({ schema: 'audit', kind: 'partitioned table', partitionOf: null });
    expect(file.relations.find((r) => r.name === 'events_2026')).toMatchObject({ schema: 'audit', rows: 5000, partitionOf: 'audit.events' });
    expect(file.relations.find((r) => r.name === 'user_count')).toMatchObject({ kind: 'materialized view' });
    // PostgreSQL 14+ marks a never-analysed table with reltuples -1: unknown, not empty
    expect(file.relations.find((r) => r.name === 'never_analyzed')?.rows).toBeNull();
  });

  it('contains no value stored in a table and no credentials, and the reading role needs no table privilege', async () => {
    const result = await dbtool(['stats', 'export', '--out', '-'], { cwd: project, env: { DATABASE_URL: secretUrl } });
    expect(result.code).toBe(0);
    const text = result.stdout;
    expect(() => JSON.parse(text)).not.toThrow();
    expect(text).not.toContain(PLANTED);
    for (const secret of [PASSWORD, encodeURIComponent(PASSWORD), 'stats_reader']) expect(text + result.stderr).not.toContain(secret);
    expect((JSON.parse(text) as StatsFile).relations.find((r) => r.name === 'users')?.rows).toBe(20000);
  });

  it('gives up on a table locked by a migration instead of queueing behind it, with a clear message', async () => {
    await withPg(url, async (c) => {
      await c.query('BEGIN; LOCK TABLE feature_flags IN ACCESS EXCLUSIVE MODE');
      const result = await dbtool(['stats', 'export', '--url', url, '--out', '-'], { cwd: project });
      await c.query('ROLLBACK');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/reading table statistics failed: .*lock.* \(SQLSTATE 55P03\)/);
      expect(result.stderr).toMatch(/hint: .*holds a lock/);
      expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    });
  }, 30_000);

  it('refuses without a configured server, and exits 2 with what to check when the server is unreachable', async () => {
    const none = await dbtool(['stats', 'export'], { cwd: project });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/none is configured/);
    const closed = await dbtool(['stats', 'export', '--url', `postgres://stats_reader:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/db`], { cwd: project });
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/cannot connect/);
    expect(closed.stderr).not.toContain(PASSWORD);
    expect(closed.stderr).not.toMatch(/internal error/);
  });
});

describe('stats file validation', () => {
  it('names what is wrong with a file that is not a dbtool stats export', () => {
    expect(statsFileProblems([])).toEqual(['the file is not a JSON object']);
    expect(statsFileProblems({ format: 'other' })[0]).toMatch(/not a file written by dbtool stats export/);
    expect(statsFileProblems({ format: 'dbtool-stats', version: 9 })[0]).toMatch(/version 9; this dbtool reads version 1/);
    const broken = {
      format: 'dbtool-stats',
      version: 1,
      exportedAt: 'yesterday',
      server: { version: '18.1', major: 18 },
      database: 'app',
      relations: [{ schema: 'public', name: 'users', rows: -1, heapBytes: 1, toastBytes: 0, indexBytes: 0, indexes: [] }],
    };
    expect(statsFileProblems(broken)).toEqual(['"exportedAt" is not a date', 'relations[0].rows is not a row count or null']);
  });
});
