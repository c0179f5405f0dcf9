import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ReviewCache, ReviewCacheCounts } from '../cache/review-cache.js';
import type { CacheCounts } from '../cache/store.js';
import type { ReviewSettings } from '../review/findings.js';
import { loadReviewer } from '../review/load-reviewer.js';
import type { FileReport, FolderSource } from '../review/report-types.js';
import type { FolderJob } from './review-folder.js';
import { reviewJob } from './review-folder.js';
import { forcedThreads } from './threads-setting.js';

/**
 * Below this many characters of SQL that a worker could take off the main thread, starting one costs more
 * than it saves: a worker loads the reviewer and instantiates the parser's WebAssembly (150–250 ms), then
 * runs cold code. Cold, the reviewer reads about 0.5 MB of SQL a second, so this is about 250 ms of work.
 */
export const MIN_WORKER_CHARS = 128 * 1024;

/**
 * Threads beyond the main one: one per core left. A reviewing thread used to keep one and a half cores busy
 * (V8 optimising on background threads), so on two cores a worker gained nothing (2.56 vs 2.58 s over 14
 * runs); with the CLI's raised interrupt budget it keeps about one, and a worker takes the corpus from 1.74 to
 * 1.48 s on two cores (medians of 5 alternating runs, +25 MB peak memory).
 */
const CORES_PER_THREAD = 1;

export interface FolderWorkerData {
  /** this worker's number, from 1 (0: unclaimed) */
  id: number;
  /** the folders to review, largest first; the next one to claim is `next[0]` */
  jobs: FolderJob[];
  settings: ReviewSettings;
  cache: { dir: string; maxBytes: number; namespace: string } | undefined;
  next: Int32Array;
  /** claims[n]: the id of the worker that took folder n */
  claims: Int32Array;
}

export interface ParallelReview {
  /** each folder's reviewed files, in the folders' order */
  files: FileReport[][];
  /** how many folders worker threads reviewed */
  byWorkers: number;
}

export type FolderWorkerMessage = { n: number; files: FileReport[]; counts: ReviewCacheCounts; store: CacheCounts | undefined } | { n: number; failed: true };

const WORKER = new URL('./folder-worker.js', import.meta.url);

/**
 * Reviews the folders (each has its own history, so each is reviewed on its own) on the main thread and,
 * when the run is big enough to pay for them and the machine has cores to spare, on worker threads; the
 * reports come back per folder in the folders' order, the same as on one thread. With `cache`, each job is a
 * folder the cache could not answer, with its keys. `DBTOOL_THREADS` sets the number of threads (1: the main
 * thread only).
 *
 * A worker that crashes, cannot start or throws loses nothing: the main thread reviews its unfinished
 * folders, so a folder that makes the reviewer throw fails the run as it would on one thread.
 */
export async function reviewAcrossThreads(
  jobs: readonly FolderJob[],
  settings: ReviewSettings,
  cache: ReviewCache | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ParallelReview> {
  const forced = forcedThreads(env);
  const results: Array<FileReport[] | undefined> = jobs.map(() => undefined);
  // the main thread's reviewer loads while the workers start, not before
  const reviewHere = async (): Promise<(i: number) => void> => {
    const reviewer = await loadReviewer();
    return (i) => {
      results[i] = reviewJob(jobs[i]!, settings, reviewer, cache);
    };
  };
  const chars = jobs.map((job) => folderChars(job.folder));
  // largest first: the folders started last are the smallest, so the threads finish close together
  const pending = jobs.map((_, i) => i).sort((a, b) => chars[b]! - chars[a]! || a - b);
  // the sources (run by a test runner) have no built worker script next to them
  const workers = existsSync(fileURLToPath(WORKER))
    ? plannedWorkers(
        forced,
        pending.map((i) => chars[i]!),
        availableParallelism(),
      )
    : 0;
  if (workers === 0) {
    const here = await reviewHere();
    for (const i of pending) here(i);
    return { files: results as FileReport[][], byWorkers: 0 };
  }
  const byWorkers = await acrossWorkers(pending, workers, jobs, settings, cache, results, reviewHere);
  return { files: results as FileReport[][], byWorkers };
}

/**
 * How many workers to start for folders of these sizes (characters of SQL): `forced` from DBTOOL_THREADS, or
 * none for a run too small to pay for one, and never more than the machine's spare cores, the folders after
 * the first, or the threads it takes to match the largest folder.
 */
export function plannedWorkers(forced: number | undefined, chars: readonly number[], cores: number): number {
  if (chars.length < 2) return 0;
  if (forced !== undefined) return Math.min(forced - 1, chars.length - 1);
  const total = chars.reduce((sum, c) => sum + c, 0);
  const largest = Math.max(...chars);
  // the largest folder stays on one thread whatever happens: the others are what workers can take over,
  // each worker at least MIN_WORKER_CHARS of it
  const movable = total - largest;
  if (movable < MIN_WORKER_CHARS) return 0;
  const useful = Math.min(Math.floor(movable / MIN_WORKER_CHARS), Math.ceil(total / largest) - 1);
  return Math.max(0, Math.min(Math.floor(cores / CORES_PER_THREAD) - 1, chars.length - 1, useful));
}

function folderChars(folder: FolderSource): number {
  return folder.files.reduce((sum, f) => sum + (f.text?.length ?? 0), 0);
}

async function acrossWorkers(
  pending: number[],
  count: number,
  all: readonly FolderJob[],
  settings: ReviewSettings,
  cache: ReviewCache | undefined,
  results: Array<FileReport[] | undefined>,
  reviewHere: () => Promise<(i: number) => void>,
): Promise<number> {
  const next = new Int32Array(new SharedArrayBuffer(4));
  const claims = new Int32Array(new SharedArrayBuffer(4 * pending.length));
  // a parsed file holds class instances a structured clone would strip: the worker parses the text again
  const jobs = pending.map((i) => {
    const folder = withoutParsed(all[i]!.folder);
    const keys = all[i]!.keys;
    return keys ? { folder, keys: { ...keys, folder } } : { folder };
  });
  const shared = {
    jobs,
    settings,
    cache: cache && { dir: cache.store.dir, maxBytes: cache.store.maxBytes, namespace: cache.namespace },
    next,
    claims,
  };
  const redo: number[] = [];
  let wake: () => void = () => undefined;
  const signal = () => wake();
  let exited = 0;
  let byWorkers = 0;
  const workers: Worker[] = [];
  for (let id = 1; id <= count; id++) {
    let worker: Worker;
    try {
      worker = new Worker(WORKER, { workerData: { ...shared, id } satisfies FolderWorkerData });
    } catch {
      // no thread to be had: the main thread reviews what it would have taken
      break;
    }
    workers.push(worker);
    worker.on('message', (message: FolderWorkerMessage) => {
      const i = pending[message.n]!;
      if ('failed' in message) redo.push(message.n);
      else if (results[i] === undefined) {
        results[i] = message.files;
        byWorkers++;
        if (cache) addCounts(cache, message.counts, message.store);
      }
      signal();
    });
    // an error ends the worker: 'exit' follows, and its claims are taken over there
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      exited++;
      for (let n = 0; n < pending.length; n++) if (claims[n] === id) redo.push(n);
      signal();
    });
  }
  try {
    const here = await reviewHere();
    for (;;) {
      const n = Atomics.add(next, 0, 1);
      if (n >= pending.length) break;
      here(pending[n]!);
    }
    // wait for the folders the workers took; take over those of a worker that failed or died
    for (;;) {
      for (let n = redo.shift(); n !== undefined; n = redo.shift()) if (results[pending[n]!] === undefined) here(pending[n]!);
      if (pending.every((i) => results[i] !== undefined)) break;
      if (exited === workers.length) {
        // a worker died between claiming a folder and recording the claim
        for (const i of pending) if (results[i] === undefined) here(i);
        break;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    // a worker still starting or finishing must not keep the process alive
    for (const worker of workers) {
      worker.unref();
      void worker.terminate();
    }
  }
  return byWorkers;
}

function withoutParsed(folder: FolderSource): FolderSource {
  return { ...folder, files: folder.files.map(({ parsed: _, ...file }) => file) };
}

/** The workers' counts are added to the main thread's cache, whose counts the run reports. */
function addCounts(cache: ReviewCache, counts: ReviewCacheCounts, store: CacheCounts | undefined): void {
  for (const key of Object.keys(counts) as Array<keyof ReviewCacheCounts>) cache.counts[key] += counts[key];
  if (store) for (const key of Object.keys(store) as Array<keyof CacheCounts>) cache.store.counts[key] += store[key];
}
