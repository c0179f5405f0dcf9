import type { FolderKeys, ReviewCacheCounts } from '../cache/review-cache.js';
import { cachedParse, reviewMissed } from '../cache/review-cache.js';
import type { CacheStore } from '../cache/store.js';
import type { ReviewSettings } from '../review/findings.js';
import type { Reviewer } from '../review/load-reviewer.js';
import type { FileReport, FolderSource } from '../review/report-types.js';

/** One folder to review: with the cache, the keys its look-up worked out (it missed). */
export interface FolderJob {
  folder: FolderSource;
  keys?: FolderKeys;
}

/** The review cache as one thread sees it: its own store on the shared folder, and its own counts. */
export interface ThreadCache {
  store: CacheStore;
  namespace: string;
  counts: ReviewCacheCounts;
  textHash: (text: string) => string;
}

/**
 * The reviewed files of one folder, the same on every thread: what `review` or `cachedReview` gives for it
 * among the others, before `finishReview` sums up.
 */
export function reviewJob(job: FolderJob, settings: ReviewSettings, reviewer: Reviewer, cache: ThreadCache | undefined): FileReport[] {
  if (!job.keys || !cache) return reviewer.reviewFolder(job.folder, settings).map((r) => r.report);
  const parse = cachedParse(cache.store, cache.namespace, cache.textHash, cache.counts, reviewer);
  return reviewMissed(job.keys, settings, cache.store, reviewer, parse, cache.counts);
}
