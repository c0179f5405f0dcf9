// Applies the longest drizzle history of the real-world corpus that needs no extension outside core
// PostgreSQL (Dokploy, 186 journaled files) to fresh databases with dbtool migrate and with
// drizzle-kit migrate in the same run, and prints both wall times and their ratio.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { startBenchServer } from './embedded-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, '..', 'shared', 'corpus', 'real-world', 'Dokploy__dokploy', 'apps__dokploy__drizzle');
if (!existsSync(source)) {
  console.error(`bench: ${source} is absent; the migrate benchmark needs ../shared`);
  process.exit(2);
}

// the history as drizzle applies it: files the journal does not list are never applied, so they go
const work = mkdtempSync(join(tmpdir(), 'dbtool-bench-migrate-'));
// the server may run as a separate postgres user (when we are root), which must reach its data folder
chmodSync(work, 0o755);
const folder = join(work, 'drizzle');
cpSync(source, folder, { recursive: true });
const listed = new Set(JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')).entries.map((e) => `${e.tag}.sql`));
for (const name of readdirSync(folder)) if (name.endsWith('.sql') && !listed.has(name)) rmSync(join(folder, name));

const { server, port } = await startBenchServer(work, ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']);

const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: 'bench', database: 'postgres' });
await admin.connect();
const url = (db) => `postgres://postgres:bench@127.0.0.1:${port}/${db}`;

function timed(label, command, args, options) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    console.error(`${label} failed (exit ${result.status}):\n${(result.stdout + result.stderr).slice(-2000)}`);
    return { label, ms: NaN };
  }
  return { label, ms };
}

const runs = Number(process.env.BENCH_RUNS ?? 3);
const results = { dbtool: [], dbtoolAll: [], drizzle: [] };
for (let i = 0; i < runs; i++) {
  for (const key of Object.keys(results)) await admin.query(`CREATE DATABASE ${key.toLowerCase()}_${i}`);
  const node = process.execPath;
  const dbtool = join(root, 'bin', 'dbtool.js');
  // --allow-unsafe: the point here is applying speed; this history has findings dbtool would stop at
  results.dbtool.push(
    timed(
      'dbtool migrate (a transaction per file)',
      node,
      [dbtool, 'migrate', '--dir', folder, '--url', url(`dbtool_${i}`), '--allow-unsafe', '--format', 'json'],
      { cwd: work },
    ),
  );
  results.dbtoolAll.push(
    timed(
      'dbtool migrate --transaction all',
      node,
      [dbtool, 'migrate', '--dir', folder, '--url', url(`dbtoolall_${i}`), '--allow-unsafe', '--transaction', 'all', '--format', 'json'],
      { cwd: work },
    ),
  );
  writeFileSync(
    join(work, 'drizzle.config.mjs'),
    `export default { dialect: 'postgresql', out: ${JSON.stringify(folder)}, dbCredentials: { url: ${JSON.stringify(url(`drizzle_${i}`))} } };\n`,
  );
  results.drizzle.push(
    timed('drizzle-kit 0.31 migrate', join(root, 'node_modules', '.bin', 'drizzle-kit'), ['migrate', '--config', join(work, 'drizzle.config.mjs')], {
      cwd: root,
    }),
  );
}
await admin.end();
await server.stop();
rmSync(work, { recursive: true, force: true });

const median = (xs) => {
  const s = xs.map((x) => x.ms).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
console.log(`migrate: ${listed.size} Dokploy migrations onto an empty PostgreSQL 18 database; ${runs} runs, median wall time`);
for (const list of Object.values(results)) console.log(`${list[0].label.padEnd(45)} ${median(list).toFixed(0).padStart(7)} ms`);
console.log(`ratio dbtool (per-file transactions) / drizzle-kit: ${(median(results.dbtool) / median(results.drizzle)).toFixed(2)}x (target <= 1.00x)`);
console.log(`ratio dbtool (one transaction) / drizzle-kit:       ${(median(results.dbtoolAll) / median(results.drizzle)).toFixed(2)}x`);

// First `dbtool migrate` on the embedded PGlite database of a new project (no database configured): the peak
// RSS of the process, which PGlite's own initdb used to put near 800 MB (issue 12; target < 300 MB).
function firstPgliteMigratePeakKb() {
  const project = mkdtempSync(join(tmpdir(), 'dbtool-bench-pglite-'));
  try {
    cpSync(join(root, 'fixtures', 'drizzle-type-changes'), join(project, 'drizzle'), { recursive: true });
    const env = { ...process.env, DATABASE_URL: '', NO_COLOR: '1' };
    const dbtool = join(root, 'bin', 'dbtool.js');
    const result = existsSync('/usr/bin/time')
      ? spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, dbtool, 'migrate'], { cwd: project, env, encoding: 'utf8' })
      : // without GNU time: the child reports its own peak as it exits
        spawnSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `process.on('exit', () => process.stderr.write('maxrss_kb=' + process.resourceUsage().maxRSS + '\\n')); process.argv = [process.argv[0], ${JSON.stringify(dbtool)}, 'migrate']; await import(${JSON.stringify(pathToFileURL(dbtool).href)});`,
          ],
          { cwd: project, env, encoding: 'utf8' },
        );
    const kb = Number(/maxrss_kb=(\d+)/.exec(result.stderr ?? '')?.[1]);
    if (result.status !== 0 || !kb) console.error(`first PGlite migrate failed (exit ${result.status}):\n${(result.stdout + result.stderr).slice(-2000)}`);
    return kb;
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}
const peaks = Array.from({ length: runs }, firstPgliteMigratePeakKb).sort((a, b) => a - b);
console.log(
  `first migrate on embedded PGlite, peak RSS (median of ${runs})   ${(peaks[Math.floor(peaks.length / 2)] / 1024).toFixed(0).padStart(7)} MB (target < 300 MB)`,
);
