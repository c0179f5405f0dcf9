import type { FolderKeys, ReviewCache } from '../cache/review-cache.js';
import { reviewMissed } from '../cache/review-cache.js';
import type { ReviewSettings } from '../review/findings.js';
import type { Reviewer } from '../review/load-reviewer.js';
import type { FileReport, FolderSource } from '../review/report-types.js';

/** One folder to review: with the cache, the keys its look-up worked out (it missed). */
export interface FolderJob {
  folder: FolderSource;
  keys?: FolderKeys;
}

/**
 * The reviewed files of one folder, the same on every thread (with the cache: on this thread's own cache on
 * the shared folder): what `review` or `cachedReview` gives for it among the others, before `finishReview`.
 */
export function reviewJob(job: FolderJob, settings: ReviewSettings, reviewer: Reviewer, cache: ReviewCache | undefined): FileReport[] {
  if (!job.keys || !cache) return reviewer.reviewFolder(job.folder, settings).map((r) => r.report);
  return reviewMissed(job.keys, settings, cache, reviewer);
}
