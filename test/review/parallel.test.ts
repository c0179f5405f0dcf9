// Folders reviewed across worker threads (issue 17): the output is the one-thread output byte for byte, with the
// cache on or off, and a worker that fails to start, dies holding a folder or gives up on one loses nothing.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_WORKER_CHARS, plannedWorkers } from '../../src/parallel/pool.js';
import { forcedThreads } from '../../src/parallel/threads-setting.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'dbtool.js');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'real-world');
const corpusPresent = existsSync(CORPUS);
if (!corpusPresent) console.warn(`SKIPPED: ${CORPUS} is absent, so the corpus across threads does not run`);

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'dbtool-threads-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function review(args: string[], threads: string, bin = BIN): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, 'review-migration', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', DBTOOL_THREADS: threads },
    maxBuffer: 1 << 28,
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Each project directory of the corpus holds one migrations folder. */
function corpusFolders(): string[] {
  return readdirSync(CORPUS)
    .filter((p) => statSync(join(CORPUS, p)).isDirectory())
    .flatMap((p) => readdirSync(join(CORPUS, p)).map((inner) => join(CORPUS, p, inner)));
}

const FIXTURES = readdirSync(join(ROOT, 'fixtures'))
  .filter((name) => !name.startsWith('_') && name !== 'explain')
  .map((name) => join('fixtures', name))
  .filter((path) => statSync(join(ROOT, path)).isDirectory());

describe('how many workers a run starts', () => {
  // the corpus's folders, in characters of SQL
  const corpus = [601287, 403649, 138814, 106256, 97232, 83545, 62650, 58709, 53779, 51383, 46691, 44145, 40914, 34513, 20680, 13073, 11246, 9220, 5420];

  it('starts one per core beyond the main thread, no more than it takes to match the largest folder', () => {
    expect(plannedWorkers(undefined, corpus, 1)).toBe(0);
    expect(plannedWorkers(undefined, corpus, 2)).toBe(1);
    expect(plannedWorkers(undefined, corpus, 64)).toBe(3);
    const even = Array.from({ length: 30 }, () => MIN_WORKER_CHARS * 2);
    expect(plannedWorkers(undefined, even, 5)).toBe(4);
    expect(plannedWorkers(undefined, even, 64)).toBe(29);
  });

  it('starts none for a small run or one folder', () => {
    expect(plannedWorkers(undefined, [MIN_WORKER_CHARS * 4, MIN_WORKER_CHARS - 1], 64)).toBe(0);
    expect(plannedWorkers(undefined, [MIN_WORKER_CHARS, MIN_WORKER_CHARS], 64)).toBe(1);
    expect(plannedWorkers(undefined, [10_000_000], 64)).toBe(0);
    expect(plannedWorkers(undefined, [0, 0, 0], 64)).toBe(0);
  });

  it('starts what DBTOOL_THREADS asks for, one folder per thread at most', () => {
    expect(forcedThreads({ DBTOOL_THREADS: '3' })).toBe(3);
    expect(forcedThreads({ DBTOOL_THREADS: ' auto ' })).toBeUndefined();
    expect(forcedThreads({})).toBeUndefined();
    expect(() => forcedThreads({ DBTOOL_THREADS: '0' })).toThrow(/DBTOOL_THREADS/);
    expect(() => forcedThreads({ DBTOOL_THREADS: '-2' })).toThrow(/DBTOOL_THREADS/);
    expect(plannedWorkers(3, [1, 2], 1)).toBe(1);
    expect(plannedWorkers(3, [1, 2, 3, 4], 1)).toBe(2);
    expect(plannedWorkers(1, corpus, 64)).toBe(0);
    expect(plannedWorkers(8, [1], 64)).toBe(0);
  });
});

describe.skipIf(!corpusPresent)('the real-world corpus across two threads', () => {
  it('gives the one-thread JSON without the cache, with a fresh cache and from the warm cache', () => {
    const folders = corpusFolders();
    expect(folders.length).toBeGreaterThanOrEqual(19);
    const one = review([...folders, '--format', 'json', '--no-cache'], '1');
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout).summary.files).toBeGreaterThan(1000);
    expect(review([...folders, '--format', 'json', '--no-cache'], '2')).toEqual(one);
    const dir = join(work, 'corpus-cache');
    expect(review([...folders, '--format', 'json', '--cache-dir', dir], '2')).toEqual(one);
    expect(readdirSync(dir).length).toBeGreaterThan(10);
    expect(review([...folders, '--format', 'json', '--cache-dir', dir], '2')).toEqual(one);
  }, 120_000);
});

// every fixture folder named several times over: enough work that a worker has started before the main thread is done
const MANY_FIXTURES = Array.from({ length: 12 }, () => FIXTURES).flat();

describe('the bundled fixtures across threads', () => {
  it('gives the one-thread JSON and pretty output, with and without the cache', () => {
    expect(FIXTURES.length).toBeGreaterThan(10);
    const one = review([...MANY_FIXTURES, '--format', 'json', '--no-cache'], '1');
    expect(one.code).toBe(1);
    expect(JSON.parse(one.stdout).summary.files).toBeGreaterThan(100);
    for (const threads of ['2', '3']) expect(review([...MANY_FIXTURES, '--format', 'json', '--no-cache'], threads)).toEqual(one);
    const dir = join(work, 'fixtures-cache');
    expect(review([...MANY_FIXTURES, '--format', 'json', '--cache-dir', dir], '2')).toEqual(one);
    expect(review([...MANY_FIXTURES, '--format', 'json', '--cache-dir', dir], '2')).toEqual(one);
    const pretty = review([...MANY_FIXTURES, '--no-cache'], '1');
    expect(pretty.stdout).toContain('drizzle-set-not-null');
    expect(review([...MANY_FIXTURES, '--no-cache'], '2')).toEqual(pretty);
  }, 120_000);

  it('refuses a DBTOOL_THREADS that is not a number of threads', () => {
    const result = review([FIXTURES[0]!, '--no-cache'], 'many');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DBTOOL_THREADS');
    expect(result.stderr).not.toMatch(/\bat .+\.js:\d+/);
  });
});

describe('cache counts across threads', () => {
  // the built pool: the worker script exists only next to the built files
  const dist = (path: string) => pathToFileURL(join(ROOT, 'dist', path)).href;

  /** Copies of the fixture folders, each file's text made its own, so no two folders share a parse entry. */
  function distinctFolders(): string[] {
    return Array.from({ length: 12 }, (_, k) =>
      FIXTURES.map((path) => {
        const copy = join(work, 'distinct', `${k}-${basename(path)}`);
        cpSync(join(ROOT, path), copy, { recursive: true });
        for (const name of readdirSync(copy, { recursive: true }) as string[]) {
          if (name.endsWith('.sql')) appendFileSync(join(copy, name), `\n-- copy ${k}\n`);
        }
        return copy;
      }),
    ).flat();
  }

  it('adds the workers’ counts to the main thread’s', async () => {
    const { reviewAcrossThreads } = (await import(dist('parallel/pool.js'))) as typeof import('../../src/parallel/pool.js');
    const { loadInput } = (await import(dist('drizzle/inputs.js'))) as typeof import('../../src/drizzle/inputs.js');
    const { cachedReview, emptyCounts, reviewCacheOn } = (await import(dist('cache/review-cache.js'))) as typeof import('../../src/cache/review-cache.js');
    const { CacheStore } = (await import(dist('cache/store.js'))) as typeof import('../../src/cache/store.js');
    const folders = distinctFolders().map((path) => loadInput(path, '/', () => ''));
    const settings = { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' as const };
    const run = async (threads: string, dir: string) => {
      const cache = reviewCacheOn(new CacheStore(join(work, dir)), 'counts-test');
      let byWorkers = 0;
      const report = await cachedReview(folders, settings, cache, async (misses) => {
        const across = await reviewAcrossThreads(
          misses.map((keys) => ({ folder: keys.folder, keys })),
          settings,
          cache,
          { DBTOOL_THREADS: threads },
        );
        byWorkers += across.byWorkers;
        return across.files;
      });
      return { files: report.files, byWorkers, counts: cache.counts, store: cache.store.counts };
    };
    const one = await run('1', 'counts-1');
    expect(one.byWorkers).toBe(0);
    expect(one.counts.fileMisses).toBeGreaterThan(100);
    const two = await run('2', 'counts-2');
    expect(two.byWorkers).toBeGreaterThan(0);
    expect(two.files).toEqual(one.files);
    expect(two.counts).toEqual(one.counts);
    // the same entries, though their serialized sizes may differ by a few bytes between threads
    expect({ ...two.store, bytesWritten: 0 }).toEqual({ ...one.store, bytesWritten: 0 });
    expect(Math.abs(two.store.bytesWritten - one.store.bytesWritten)).toBeLessThan(one.store.bytesWritten / 100);
    const warm = await run('2', 'counts-2');
    expect(warm.files).toEqual(one.files);
    expect(warm.byWorkers).toBe(0);
    expect(warm.counts).toEqual({ ...emptyCounts(), folderHits: folders.length, fileHits: one.counts.fileMisses });
    expect(warm.store.writes).toBe(0);
  }, 60_000);
});

describe('workers of a copied package', () => {
  // a copy of the built package whose worker script (the CLI bundle's, which bin/dbtool.js runs) is replaced: one
  // that reports what it reviewed, a broken install, a crash mid-folder
  let bin: string;
  const bundle = () => join(work, 'package', 'dist', 'bundle');
  beforeAll(() => {
    const copy = join(work, 'package');
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    cpSync(join(bundle(), 'folder-worker.js'), join(bundle(), 'real-folder-worker.js'));
    bin = join(copy, 'bin', 'dbtool.js');
  });
  const worker = (source: string) => writeFileSync(join(bundle(), 'folder-worker.js'), source);

  it('the worker reviews folders of the run', () => {
    const log = join(work, 'reviewed-by-worker');
    worker(`import { appendFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
const post = parentPort.postMessage.bind(parentPort);
parentPort.postMessage = (message) => {
  if (message.files) appendFileSync(${JSON.stringify(log)}, message.files.length + '\\n');
  post(message);
};
await import('./real-folder-worker.js');`);
    const one = review([...MANY_FIXTURES, '--format', 'json', '--no-cache'], '1', bin);
    expect(existsSync(log)).toBe(false);
    expect(review([...MANY_FIXTURES, '--format', 'json', '--no-cache'], '2', bin)).toEqual(one);
    expect(readFileSync(log, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(0);
  }, 60_000);

  // each failing worker notes that it took a folder (not one past the end), so the test knows it took one
  const claim = (log: string) => `import { appendFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
const n = Atomics.add(workerData.next, 0, 1);
if (n < workerData.jobs.length) appendFileSync(${JSON.stringify(log)}, n + '\\n');`;
  let one: ReturnType<typeof review> | undefined;
  it.each([
    ['cannot load', () => `throw new Error('a broken install');`],
    ['dies holding a claimed folder', (log: string) => `${claim(log)}\nAtomics.store(workerData.claims, n, workerData.id);\nthrow new Error('crashed');`],
    ['exits before recording its claim', (log: string) => `${claim(log)}\nprocess.exit(3);`],
    [
      'gives up on a folder and stays alive',
      (log: string) => `${claim(log)}\nparentPort.postMessage({ n, failed: true });\nsetTimeout(() => undefined, 600_000);`,
    ],
  ])(
    'a worker that %s: the main thread reviews its folders, the output is unchanged and the process ends',
    (name, source) => {
      const log = join(work, `claimed-${name.replaceAll(' ', '-')}`);
      worker(source(log));
      one ??= review([...MANY_FIXTURES, '--format', 'json', '--no-cache'], '1', bin);
      expect(one.code).toBe(1);
      const started = Date.now();
      expect(review([...MANY_FIXTURES, '--format', 'json', '--no-cache'], '2', bin)).toEqual(one);
      expect(Date.now() - started).toBeLessThan(30_000);
      if (name !== 'cannot load') expect(existsSync(log)).toBe(true);
    },
    60_000,
  );
});
