// One worker of the folder pool (pool.ts): claims folders from the shared queue until it is empty, and posts
// each folder's reports back. It runs the same per-folder review as the main thread, so results are the same.
import { parentPort, workerData } from 'node:worker_threads';
import { emptyCounts, reviewCacheOn } from '../cache/review-cache.js';
import { CacheStore } from '../cache/store.js';
import { loadReviewer } from '../review/load-reviewer.js';
import type { FolderWorkerData, FolderWorkerMessage } from './pool.js';
import { reviewJob } from './review-folder.js';

const data = workerData as FolderWorkerData;
const port = parentPort!;
const reviewer = await loadReviewer();
const store = data.cache && new CacheStore(data.cache.dir, data.cache.maxBytes);
for (;;) {
  const n = Atomics.add(data.next, 0, 1);
  if (n >= data.jobs.length) break;
  // the claim tells the main thread whose folders to take over if this worker dies
  Atomics.store(data.claims, n, data.id);
  // this folder's counts, for the main thread to add to its own
  const cache = store && data.cache && reviewCacheOn(store, data.cache.namespace);
  const before = store && { ...store.counts };
  let message: FolderWorkerMessage;
  try {
    const files = reviewJob(data.jobs[n]!, data.settings, reviewer, cache);
    message = { n, files, counts: cache ? cache.counts : emptyCounts(), store: store && before ? storeDelta(store.counts, before) : undefined };
  } catch {
    // the main thread reviews the folder again, so the error surfaces there as it would without workers
    message = { n, failed: true };
  }
  port.postMessage(message);
}

function storeDelta(after: CacheStore['counts'], before: CacheStore['counts']): CacheStore['counts'] {
  const delta = { ...after };
  for (const key of Object.keys(delta) as Array<keyof typeof delta>) delta[key] = after[key] - before[key];
  return delta;
}
