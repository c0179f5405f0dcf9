import { Catalog } from '../review/catalog/model.js';
import type { ReviewSettings } from '../review/findings.js';
import { finishReview } from '../review/finish.js';
import type { Reviewer } from '../review/load-reviewer.js';
import { loadReviewer } from '../review/load-reviewer.js';
import type { FileReport, FolderSource, Report } from '../review/report-types.js';
import type { CacheStore } from './store.js';
import { keyOf } from './store.js';
import { textHasher } from './text-hash.js';

/**
 * A run's review cache: the store, the namespace of the code that computes its entries (dbtool's version and
 * build, the parser's version), what it did, and the hashes of the texts it has seen.
 */
export interface ReviewCache {
  store: CacheStore;
  namespace: string;
  counts: ReviewCacheCounts;
  textHash: (text: string) => string;
}

/** A review cache on `store` for code `namespace`, with fresh counts. */
export function reviewCacheOn(store: CacheStore, namespace: string): ReviewCache {
  return { store, namespace, counts: emptyCounts(), textHash: textHasher() };
}

/** What a cached review did, for tests and the benchmark. */
export interface ReviewCacheCounts {
  /** folders answered by one entry: nothing parsed or replayed */
  folderHits: number;
  /** reviewed files answered from the cache, and reviewed anew */
  fileHits: number;
  fileMisses: number;
  /** files the parser read: a folder resumed from a stored schema parses only the files it reviews anew */
  parsed: number;
  /** folders whose replay started from a stored schema instead of their first file */
  resumed: number;
  /** runs answered by the stored output of the same run (the command's output cache) */
  outputHits: number;
}

export function emptyCounts(): ReviewCacheCounts {
  return { folderHits: 0, fileHits: 0, fileMisses: 0, parsed: 0, resumed: 0, outputHits: 0 };
}

/**
 * `review(folders, settings)` with its results kept in `store`, the same report byte for byte.
 *
 * A reviewed file's report depends on the settings, its text and everything before it in its folder (the
 * schema, and in a run of several files the transaction so far): the key of file i chains the hashes of
 * files 0..i. In one run it also depends on the files after it: a foreign key without an index waits for the
 * end of the folder, since a later file may create the index (`resolvedBy`), so a run is stored under the
 * hash of the whole folder. A file named on its own is judged at its end (`eachAlone`): its entry needs
 * only its chain, and editing it misses exactly its entry and those of the files after it.
 *
 * `namespace` names the code that computed the entries (dbtool's version and build, the parser's version).
 */
export async function cachedReview(
  folders: readonly FolderSource[],
  settings: ReviewSettings,
  cache: ReviewCache,
  reviewMisses?: (misses: FolderKeys[]) => Promise<FileReport[][]>,
): Promise<Report> {
  const looked = folders.map((folder) => lookUpFolder(folder, settings, cache));
  const misses = looked.filter((l): l is LookedUp & { kind: 'miss' } => l.kind === 'miss');
  // the folders to review may go to other threads (`reviewMisses`); here, the reviewer and its parser are
  // loaded only when some folder is not answered whole
  const elsewhere = misses.length > 0 && reviewMisses ? await reviewMisses(misses) : undefined;
  const reviewer = misses.length > 0 && !elsewhere ? await loadReviewer() : undefined;
  let next = 0;
  const files = looked.flatMap((l) => {
    if (l.kind === 'hit') return l.reports;
    if (elsewhere) return elsewhere[next++]!;
    return reviewMissed(l, settings, cache, reviewer as Reviewer);
  });
  return finishReview(files, settings);
}

/** A folder's cache keys, and its reports when the cache holds them all. */
type LookedUp = { kind: 'hit'; reports: FileReport[] } | ({ kind: 'miss' } & FolderKeys);

/** What reviewing a folder the cache could not answer needs: plain data, so another thread can take it. */
export interface FolderKeys {
  folder: FolderSource;
  /** chain[i]: the file and everything before it; schemas[i]: the same for the schema, which only the texts build */
  chain: string[];
  schemas: string[];
  /** the indexes of the reviewed files */
  reviewed: number[];
  /** reports found under their file's own entry (files named one by one) */
  found: Map<number, FileReport>;
  folderKey: string;
}

function lookUpFolder(folder: FolderSource, settings: ReviewSettings, { store, namespace, textHash, counts }: ReviewCache): LookedUp {
  const base = keyOf('folder', namespace, canonicalJson(settings), folder.eachAlone ? 'each-alone' : 'one-run');
  const chain: string[] = [];
  const schemas: string[] = [];
  let link = base;
  let schema = keyOf('schema', namespace);
  for (const file of folder.files) {
    const content = file.text === undefined ? 'missing' : textHash(file.text);
    link = keyOf(link, file.path, file.migration, file.review ? 'reviewed' : 'history', JSON.stringify(file.problems), content);
    schema = keyOf(schema, content);
    chain.push(link);
    schemas.push(schema);
  }
  const reviewed = folder.files.flatMap((f, i) => (f.review ? [i] : []));
  if (reviewed.length === 0) return { kind: 'hit', reports: [] };

  const folderKey = keyOf('reports', link);
  const all = store.get(folderKey) as { reports: FileReport[] } | undefined;
  if (all && Array.isArray(all.reports) && all.reports.length === reviewed.length && all.reports.every(isReport)) {
    counts.folderHits++;
    counts.fileHits += reviewed.length;
    return { kind: 'hit', reports: withTexts(folder, reviewed, all.reports) };
  }

  // files named one by one are each a run of their own: a file's report is its own entry, and a changed file
  // leaves the entries of the files before it valid. In one run, the run's state reaches every later file, so
  // the folder is the unit (its entry above); its parsed files still come from the cache.
  const found = new Map<number, FileReport>();
  if (folder.eachAlone) {
    for (const index of reviewed) {
      const entry = store.get(keyOf('file', chain[index]!)) as { report: FileReport } | undefined;
      if (entry && isReport(entry.report)) found.set(index, entry.report);
    }
  }
  if (reviewed.every((index) => found.has(index))) {
    const reports = reviewed.map((index) => found.get(index)!);
    counts.fileHits += reviewed.length;
    store.put(folderKey, { reports });
    return { kind: 'hit', reports: withTexts(folder, reviewed, reports) };
  }
  return { kind: 'miss', folder, chain, schemas, reviewed, found, folderKey };
}

/** Reviews a folder the cache could not answer whole, resuming from a stored schema where it can, and stores the results. */
export function reviewMissed(keys: FolderKeys, settings: ReviewSettings, cache: ReviewCache, reviewer: Reviewer): FileReport[] {
  const { store, counts } = cache;
  const { folder, chain, schemas, reviewed, found, folderKey } = keys;
  const firstMiss = reviewed.find((index) => !found.has(index))!;
  // the replay starts at the first miss when the schema before it was kept and nothing else carries over
  const carriesOnlySchema = folder.eachAlone || reviewed[0] === firstMiss;
  const snapshot = carriesOnlySchema && firstMiss > 0 ? storedCatalog(store, schemas[firstMiss - 1]!) : undefined;
  const last = reviewed[reviewed.length - 1]!;
  if (snapshot) counts.resumed++;
  const fresh = reviewer.reviewFolder(folder, settings, {
    // parsed files are not kept: reading a stored parse back costs as much as parsing again once the parser is
    // loaded, and writing one per file made a first run with the cache ~30 % slower than --no-cache
    parse: (text) => {
      counts.parsed++;
      return reviewer.parseSql(text);
    },
    ...(snapshot ? { resume: { at: firstMiss, catalog: snapshot } } : {}),
    // the schema before the last reviewed file (what the next review of an edited new migration starts from)
    // and after the last file (what a review of the next migration added to the folder starts from)
    onCatalogBoundary: (index, catalog) => {
      if (index === last && index > 0 && !(snapshot && index === firstMiss)) store.put(keyOf('catalog', schemas[index - 1]!), { ...catalog });
    },
    onFolderEnd: (catalog) => store.put(keyOf('catalog', schemas[schemas.length - 1]!), { ...catalog }),
  });
  const computed = new Map(fresh.map((f) => [f.index, f.report]));
  const reports = reviewed.map((index) => {
    const cached = found.get(index);
    const anew = computed.get(index);
    if (cached) counts.fileHits++;
    else counts.fileMisses++;
    if (!anew) return cached!;
    if (!cached && folder.eachAlone) store.put(keyOf('file', chain[index]!), { report: { ...anew, text: undefined } });
    return anew;
  });
  store.put(folderKey, { reports: reports.map((r) => ({ ...r, text: undefined })) });
  return withTexts(folder, reviewed, reports);
}

/** Stored reports leave the file text out (the file has it): the reports of the `reviewed` files with theirs. */
function withTexts(folder: FolderSource, reviewed: readonly number[], reports: readonly FileReport[]): FileReport[] {
  return reports.map((r, n) => ({ ...r, text: folder.files[reviewed[n]!]!.text }));
}

function storedCatalog(store: CacheStore, link: string): Catalog | undefined {
  const value = store.get(keyOf('catalog', link));
  if (!value || typeof value !== 'object' || !((value as Catalog).relations instanceof Map)) return undefined;
  return Object.assign(new Catalog(), value);
}

function isReport(value: unknown): value is FileReport {
  const report = value as FileReport | undefined;
  return typeof report === 'object' && report !== null && typeof report.path === 'string' && Array.isArray(report.statements) && Array.isArray(report.findings);
}

/** JSON with object keys sorted, so equal settings give equal keys whatever order they were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}
