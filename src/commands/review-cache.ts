import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReviewCache } from '../cache/review-cache.js';
import { cachedReview, canonicalJson, reviewCacheOn } from '../cache/review-cache.js';
import { CacheStore, keyOf } from '../cache/store.js';
import type { ReviewConfig } from '../config.js';
import type { FolderJob } from '../parallel/review-folder.js';
import { projectRoot } from '../project-root.js';
import type { ReviewSettings } from '../review/findings.js';
import { finishReview } from '../review/finish.js';
import type { FileReport, FolderSource, Report } from '../review/report-types.js';
import { VERSION } from '../version.js';

export interface CacheFlags {
  /** false with --no-cache */
  cache?: boolean;
  cacheDir?: string;
}

/** The review cache this run uses, or undefined when --no-cache or the config's "cache": false turn it off. */
export function openReviewCache(flags: CacheFlags, config: Pick<ReviewConfig, 'cache'>, cwd: string): ReviewCache | undefined {
  if (flags.cache === false || !config.cache) return undefined;
  const dir = flags.cacheDir !== undefined ? resolve(cwd, flags.cacheDir) : join(projectRoot(cwd), '.dbtool', 'cache');
  return reviewCacheOn(new CacheStore(dir), codeNamespace());
}

/** `review(folders, settings)`, answered from the cache where it can be (`tidyReviewCache` when the run is done). */
export async function reviewWithCache(folders: readonly FolderSource[], settings: ReviewSettings, cache: ReviewCache | undefined): Promise<Report> {
  // the folders to review are spread over worker threads where that pays; the pool loads only for them
  const acrossThreads = async (jobs: FolderJob[]): Promise<FileReport[][]> =>
    (await (await import('../parallel/pool.js')).reviewAcrossThreads(jobs, settings, cache)).files;
  if (!cache) return finishReview((await acrossThreads(folders.map((folder) => ({ folder })))).flat(), settings);
  return cachedReview(folders, settings, cache, (misses) => acrossThreads(misses.map((keys) => ({ folder: keys.folder, keys }))));
}

/** A run's last step with the cache, once whatever it wrote is written: keeps the folder out of git and within its bound. */
export function tidyReviewCache(cache: ReviewCache | undefined): void {
  if (!cache || cache.store.counts.writes === 0) return;
  keepOutOfGit(cache.store.dir);
  cache.store.pruneIfFull();
}

/** What a run printed (UTF-8), and what its exit code depends on. */
export interface RunOutput {
  bytes: Uint8Array;
  errors: number;
  warnings: number;
}

/**
 * The key of a run's whole output: the code, what was read (every file's path, role, journal problems and
 * the sha256 of its text), the settings, and how the output is rendered. A run repeated with nothing changed —
 * a CI re-run, a pre-commit hook — then reads one entry instead of every folder's reports.
 */
export function outputKey(cache: ReviewCache, inputs: readonly FolderSource[], settings: ReviewSettings, rendering: unknown): string {
  const read = JSON.stringify(inputs, (key, value: unknown) => (key === 'text' && typeof value === 'string' ? cache.textHash(value) : value));
  return keyOf('output', cache.namespace, canonicalJson(settings), canonicalJson(rendering), read);
}

export function cachedOutput(cache: ReviewCache, key: string): RunOutput | undefined {
  const stored = cache.store.get(key) as Partial<RunOutput> | undefined;
  if (!stored || !(stored.bytes instanceof Uint8Array) || !Number.isInteger(stored.errors) || !Number.isInteger(stored.warnings)) return undefined;
  cache.counts.outputHits++;
  return stored as RunOutput;
}

/** Kept as bytes: a report with one character beyond Latin-1 would be kept as a two-byte string, twice the size. */
export function storeOutput(cache: ReviewCache, key: string, output: RunOutput): void {
  cache.store.put(key, output);
}

/** Cached results hold migration SQL: nothing a repository should commit by accident. */
function keepOutOfGit(dir: string): void {
  try {
    const ignore = join(dir, '.gitignore');
    if (!existsSync(ignore)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(ignore, '*\n');
    }
  } catch {
    // an unwritable folder keeps nothing anyway
  }
}

let namespace: string | undefined;

/** The CLI bundle's build hash, set by scripts/bundle.mjs when it builds the bundle (undeclared elsewhere). */
declare const DBTOOL_BUILD_HASH: string | undefined;

/**
 * Names the code whose results the cache holds: dbtool's version, the content of the reviewer as built (so a
 * changed build never reads another build's entries, even at the same version), the parser's version and the
 * serializer's (V8) version.
 */
export function codeNamespace(): string {
  if (namespace) return namespace;
  // the bundle knows its build hash from when it was built: hashing ~100 files cost ~9 ms of every cached run
  const build = typeof DBTOOL_BUILD_HASH === 'string' ? DBTOOL_BUILD_HASH : reviewerBuildHash(join(dirname(fileURLToPath(import.meta.url)), '..'));
  let parser = 'unknown';
  try {
    parser = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('libpg-query/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // a bundle without package.json: the build hash still separates versions
  }
  namespace = keyOf('dbtool-review-cache', VERSION, build, parser, process.versions.v8);
  return namespace;
}

/**
 * The hash of the reviewer as tsc built it into `dist` (or as it stands in src/ under the test runner): the
 * reviewer, the cache, and the one module outside them the reviewer imports. The CLI bundle is made from
 * those same files.
 */
export function reviewerBuildHash(dist: string): string {
  const hash = createHash('sha256');
  for (const folder of ['review', 'cache']) hashTree(join(dist, folder), hash);
  for (const file of ['regexp.js', 'regexp.ts']) {
    try {
      hash.update(readFileSync(join(dist, file)));
    } catch {
      // built or run from sources: one of the two exists
    }
  }
  return hash.digest('hex');
}

function hashTree(dir: string, hash: ReturnType<typeof createHash>): void {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return;
  }
  for (const name of names.filter((n) => /\.(js|ts)$/.test(n) && !n.endsWith('.d.ts')).sort()) {
    hash.update(`${name}\0`);
    hash.update(readFileSync(join(dir, name)));
  }
}
