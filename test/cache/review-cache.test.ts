// The review cache (issue 17): a cached report is the uncached one byte for byte, whatever the cache holds —
// nothing, everything, corrupt or foreign entries, entries written by a concurrent run, or entries for an
// older version of one file.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReviewCacheCounts } from '../../src/cache/review-cache.js';
import { cachedReview, emptyCounts, reviewCacheOn } from '../../src/cache/review-cache.js';
import { CacheStore, keyOf } from '../../src/cache/store.js';
import { codeNamespace } from '../../src/commands/review-cache.js';
import { reviewInputs } from '../../src/drizzle/group-inputs.js';
import type { LoadedInput } from '../../src/drizzle/inputs.js';
import { loadInput } from '../../src/drizzle/inputs.js';
import { reviewToJson } from '../../src/report/json.js';
import { review } from '../../src/review/engine.js';
import type { ReviewSettings } from '../../src/review/findings.js';
import { loadParser } from '../../src/review/parse.js';
import type { Report } from '../../src/review/report-types.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'real-world');
const corpusPresent = existsSync(CORPUS);
if (!corpusPresent) console.warn(`SKIPPED: ${CORPUS} is absent, so the cached-versus-uncached corpus comparison does not run`);

const SETTINGS: ReviewSettings = { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' };
const none = () => '';
const json = (report: Report) => reviewToJson(report, '0.0.0');

let work: string;
beforeAll(async () => {
  await loadParser();
  work = mkdtempSync(join(tmpdir(), 'dbtool-cache-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Reads the paths as review-migration does (files of one folder named one by one share one read). */
function inputsOf(paths: string[]): LoadedInput[] {
  const folders = new Map<string, LoadedInput>();
  return paths.map((p) => loadInput(p, '/', none, folders));
}

async function uncached(paths: string[], settings = SETTINGS): Promise<string> {
  return json(await reviewInputs(inputsOf(paths), settings, review));
}

async function cached(paths: string[], dir: string, settings = SETTINGS): Promise<{ json: string; counts: ReviewCacheCounts; store: CacheStore }> {
  const store = new CacheStore(dir);
  const counts = emptyCounts();
  const report = await reviewInputs(inputsOf(paths), settings, (folders) =>
    cachedReview(folders, settings, { ...reviewCacheOn(store, codeNamespace()), counts }),
  );
  return { json: json(report), counts, store };
}

/** A drizzle folder (journal and files) with these migrations, in this order. */
function drizzleFolder(name: string, migrations: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'meta'), { recursive: true });
  const tags = Object.keys(migrations);
  const entries = tags.map((tag, idx) => ({ idx, version: '7', when: 1736154000000 + idx * 1000, tag, breakpoints: true }));
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }));
  for (const tag of tags) writeFileSync(join(dir, `${tag}.sql`), migrations[tag]!);
  return dir;
}

/** An app (its package.json: the project root, where .dbtool/ goes) with the SIX migrations in its drizzle folder. */
function appProject(name: string): { project: string; folder: string } {
  const project = join(work, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), '{"name":"app"}');
  return { project, folder: drizzleFolder(`${name}/drizzle`, SIX) };
}

/** The folder size the store's usage note adds up to. */
function noted(dir: string): number {
  return readFileSync(join(dir, 'usage'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .reduce((sum, line) => sum + Number(line), 0);
}

function entryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((n) => /[0-9a-f]{64}$/.test(n))
    .map((n) => join(dir, n));
}

const SIX = {
  '0000_users': 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" text);',
  '0001_orders':
    'CREATE TABLE "orders" ("id" serial PRIMARY KEY NOT NULL, "user_id" integer);\n--> statement-breakpoint\nALTER TABLE "orders" ADD CONSTRAINT "orders_user_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id");',
  '0002_email_index': 'CREATE INDEX "users_email_idx" ON "users" ("email");',
  '0003_name': 'ALTER TABLE "users" ADD COLUMN "name" text NOT NULL;',
  '0004_type': 'ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(200);',
  '0005_drop': 'ALTER TABLE "orders" DROP COLUMN "user_id";',
};

describe('cached and uncached reports are byte-identical', () => {
  const folders = corpusPresent
    ? readdirSync(CORPUS)
        .filter((p) => statSync(join(CORPUS, p)).isDirectory())
        .flatMap((p) => readdirSync(join(CORPUS, p)).map((inner) => join(CORPUS, p, inner)))
    : [];
  const files = folders.flatMap((folder) =>
    loadInput(folder, '/', none)
      .files.filter((f) => f.text !== undefined)
      .map((f) => resolve('/', f.path)),
  );

  it.skipIf(!corpusPresent)(
    'on the whole real-world corpus, as folders and as files named one by one: empty cache, full cache',
    async () => {
      const dir = join(work, 'corpus-cache');
      for (const paths of [folders, files]) {
        const expected = await uncached(paths);
        const cold = await cached(paths, dir);
        expect(cold.json).toBe(expected);
        const warm = await cached(paths, dir);
        expect(warm.json).toBe(expected);
        // the warm run parsed and replayed nothing: every folder came from one entry
        expect(warm.counts.parsed + warm.counts.fileMisses).toBe(0);
        expect(warm.counts.folderHits).toBeGreaterThan(0);
        expect(warm.store.counts.writes).toBe(0);
      }
    },
    600_000,
  );
});

describe('invalidation', () => {
  it('editing one file of files named one by one misses that file and the later ones; the earlier ones are served', async () => {
    const folder = drizzleFolder('edit-one', SIX);
    const dir = join(work, 'edit-one-cache');
    const paths = Object.keys(SIX).map((tag) => join(folder, `${tag}.sql`));
    const first = await cached(paths, dir);
    expect(first.json).toBe(await uncached(paths));
    expect(first.counts.fileMisses).toBe(6);
    writeFileSync(join(folder, '0003_name.sql'), 'ALTER TABLE "users" ADD COLUMN "name" text;');
    const edited = await cached(paths, dir);
    expect(edited.json).toBe(await uncached(paths));
    expect(edited.counts).toMatchObject({ folderHits: 0, fileHits: 3, fileMisses: 3 });
    // the edit shows: the column is nullable now, so no finding about a NOT NULL column without a default
    expect(edited.json).not.toBe(first.json);
  });

  it('editing one file of a folder reviews the folder anew: the folder is one run', async () => {
    const folder = drizzleFolder('edit-folder', SIX);
    const dir = join(work, 'edit-folder-cache');
    await cached([folder], dir);
    writeFileSync(join(folder, '0004_type.sql'), 'ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(100);');
    const edited = await cached([folder], dir);
    expect(edited.json).toBe(await uncached([folder]));
    expect(edited.counts).toMatchObject({ folderHits: 0, fileHits: 0, fileMisses: 6, parsed: 6 });
  });

  it('a finding that waits for the end of the folder follows a later file: the index that resolved it removed', async () => {
    // the foreign key of 0001 has no index until 0002 creates one: in a folder review the finding is dropped,
    // so the report of 0001 depends on a LATER file, and the cache must not serve it once 0002 changes
    const folder = drizzleFolder('lookahead', {
      '0000_users': SIX['0000_users'],
      '0001_orders': SIX['0001_orders'],
      '0002_fk_index': 'CREATE INDEX "orders_user_idx" ON "orders" ("user_id");',
    });
    const dir = join(work, 'lookahead-cache');
    const before = await cached([folder], dir);
    expect(before.json).toBe(await uncached([folder]));
    expect(before.json).not.toContain('foreign-key-without-index');
    writeFileSync(join(folder, '0002_fk_index.sql'), 'CREATE INDEX "users_email_idx" ON "users" ("email");');
    const after = await cached([folder], dir);
    expect(after.json).toBe(await uncached([folder]));
    expect(after.json).toContain('foreign-key-without-index');
  });

  it('a changed setting is a different entry', async () => {
    const folder = drizzleFolder('settings', SIX);
    const dir = join(work, 'settings-cache');
    await cached([folder], dir);
    const pg12: ReviewSettings = { ...SETTINGS, pgVersion: 12 };
    const other = await cached([folder], dir, pg12);
    expect(other.counts.folderHits).toBe(0);
    expect(other.json).toBe(await uncached([folder], pg12));
    const severities: ReviewSettings = { ...SETTINGS, rules: { 'adding-not-nullable-field': 'off' } };
    expect((await cached([folder], dir, severities)).counts.folderHits).toBe(0);
  });

  it('a new migration after an unchanged history starts from the stored schema, edited or not', async () => {
    const { '0005_drop': added, ...history } = SIX;
    const folder = drizzleFolder('pre-merge', history);
    const dir = join(work, 'pre-merge-cache');
    // the folder reviewed whole (on the main branch) keeps the schema after its last file
    await cached([folder], dir);
    const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<Record<string, unknown>> };
    journal.entries.push({ idx: 5, version: '7', when: 1736154005000, tag: '0005_drop', breakpoints: true });
    writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
    const last = join(folder, '0005_drop.sql');
    writeFileSync(last, added);
    // the branch's new migration: its history is neither parsed nor replayed
    const branch = await cached([last], dir);
    expect(branch.counts).toMatchObject({ resumed: 1, parsed: 1 });
    expect(branch.json).toBe(await uncached([last]));
    writeFileSync(last, 'ALTER TABLE "orders" ALTER COLUMN "user_id" SET NOT NULL;');
    const edited = await cached([last], dir);
    expect(edited.counts).toMatchObject({ resumed: 1, parsed: 1 });
    expect(edited.json).toBe(await uncached([last]));
    expect(edited.json).not.toBe(branch.json);
  });
});

describe('entries that cannot be trusted', () => {
  it('corrupt, truncated and foreign entries are ignored and rewritten', async () => {
    const folder = drizzleFolder('corrupt', SIX);
    const paths = Object.keys(SIX).map((tag) => join(folder, `${tag}.sql`));
    const dir = join(work, 'corrupt-cache');
    const expected = await uncached(paths);
    await cached(paths, dir);
    const entries = entryFiles(dir);
    expect(entries.length).toBeGreaterThan(6);
    entries.forEach((file, i) => {
      const bytes = readFileSync(file);
      if (i % 3 === 0) bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff; // a flipped byte in the payload
      if (i % 3 === 1) {
        writeFileSync(file, bytes.subarray(0, bytes.length >> 1)); // a partial write
        return;
      }
      if (i % 3 === 2) {
        // an intact entry of another key copied over this one
        writeFileSync(file, readFileSync(entries[(i + 1) % entries.length]!));
        return;
      }
      writeFileSync(file, bytes);
    });
    const damaged = await cached(paths, dir);
    expect(damaged.json).toBe(expected);
    expect(damaged.store.counts.rejected).toBeGreaterThan(0);
    expect(damaged.store.counts.hits).toBe(0);
    // rewritten: the next run is answered from the cache again
    const again = await cached(paths, dir);
    expect(again.json).toBe(expected);
    expect(again.counts.folderHits).toBe(1);
    expect(again.store.counts.rejected).toBe(0);
  });

  it('an entry of another dbtool build is not read', async () => {
    const store = new CacheStore(join(work, 'namespace-cache'));
    const folder = drizzleFolder('namespace', SIX);
    const counts = emptyCounts();
    await cachedReview([loadInput(folder, '/', none)], SETTINGS, { ...reviewCacheOn(store, keyOf('another build')), counts });
    const mine = emptyCounts();
    await cachedReview([loadInput(folder, '/', none)], SETTINGS, { ...reviewCacheOn(store, codeNamespace()), counts: mine });
    expect(mine).toMatchObject({ folderHits: 0, fileHits: 0, fileMisses: 6, resumed: 0 });
  });
});

describe('the store', () => {
  it('prunes the oldest entries first down to its size bound, and stale temporary files', async () => {
    const dir = join(work, 'prune-cache');
    const store = new CacheStore(dir, 10_000);
    const keys = Array.from({ length: 10 }, (_, i) => keyOf('entry', String(i)));
    const now = Date.now();
    keys.forEach((key, i) => {
      store.put(key, { payload: 'x'.repeat(1_900), i });
      // entry 0 is the oldest
      const file = join(dir, key.slice(0, 2), key);
      utimesSync(file, new Date(now - (100 - i) * 60_000), new Date(now - (100 - i) * 60_000));
    });
    const stale = join(dir, keys[0]!.slice(0, 2), `${keys[0]}.123.abcd.tmp`);
    writeFileSync(stale, 'half');
    utimesSync(stale, new Date(now - 3_600_000), new Date(now - 3_600_000));
    const result = store.prune(now);
    expect(result.bytes).toBeLessThanOrEqual(10_000);
    const kept = keys.filter((key) => store.get(key) !== undefined);
    // the newest ones survive, as a suffix of the write order
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(10);
    expect(kept).toEqual(keys.slice(10 - kept.length));
    expect(result.removed).toBe(10 - kept.length);
    expect(existsSync(stale)).toBe(false);
  });

  it('lists the folder only when the size it keeps of it passes the bound', async () => {
    const dir = join(work, 'usage-cache');
    const store = new CacheStore(dir, 10_000);
    const put = (i: number) => store.put(keyOf('usage', String(i)), { payload: 'x'.repeat(1_900), i });
    put(0);
    store.pruneIfFull();
    // the first time it lists the folder and notes its size
    const first = noted(dir);
    expect(first).toBe(entryFiles(dir).reduce((n, f) => n + statSync(f).size, 0));
    // later runs add what they wrote, without listing: an entry written behind its back is not seen
    writeFileSync(join(dir, 'usage'), String(first + 1));
    put(1);
    store.pruneIfFull();
    expect(noted(dir)).toBe(2 * first + 1);
    store.pruneIfFull();
    expect(noted(dir)).toBe(2 * first + 1);
    // a second run writing into the same folder adds its share beside the first's: neither is lost
    const other = new CacheStore(dir, 10_000);
    other.put(keyOf('usage', 'other'), { payload: 'x'.repeat(1_900), i: -1 });
    other.pruneIfFull();
    expect(noted(dir)).toBe(2 * first + 1 + other.counts.bytesWritten);
    expect(readFileSync(join(dir, 'usage'), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    // past the bound, it prunes to the bound and notes the real size, on one line again
    for (let i = 2; i < 8; i++) put(i);
    store.pruneIfFull();
    const after = entryFiles(dir).reduce((n, f) => n + statSync(f).size, 0);
    expect(after).toBeLessThanOrEqual(10_000);
    expect(readFileSync(join(dir, 'usage'), 'utf8')).toBe(`${after}\n`);
    // a corrupt note is a listing, never trusted
    writeFileSync(join(dir, 'usage'), '120\nmany\n');
    put(9);
    store.pruneIfFull();
    expect(readFileSync(join(dir, 'usage'), 'utf8')).toBe(`${entryFiles(dir).reduce((n, f) => n + statSync(f).size, 0)}\n`);
  });

  it('reads nothing from a missing folder and writes nothing into an unwritable one, without failing', async () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'not a folder');
    const store = new CacheStore(join(file, 'cache'));
    const key = keyOf('k');
    store.put(key, { a: 1 });
    expect(store.get(key)).toBeUndefined();
    expect(store.counts.writes).toBe(0);
  });
});

describe('the command line', () => {
  const BIN = join(ROOT, 'bin', 'dbtool.js');
  function dbtool(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((done) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }

  it('two concurrent runs share one cache folder; both reports equal the uncached one and the entries they left are whole', async () => {
    const { project, folder } = appProject('concurrent');
    const expected = await dbtool(['review-migration', folder, '--format', 'json', '--no-cache'], project);
    expect(existsSync(join(project, '.dbtool', 'cache'))).toBe(false);
    const both = await Promise.all([1, 2].map(() => dbtool(['review-migration', folder, '--format', 'json'], project)));
    for (const run of both) {
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(expected.stdout);
    }
    const dir = join(project, '.dbtool', 'cache');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('*\n');
    expect(
      readdirSync(dir, { recursive: true })
        .map(String)
        .filter((n) => n.endsWith('.tmp')),
    ).toEqual([]);
    // a third run is answered from what they left: it writes no entry
    const written = new Map(entryFiles(dir).map((f) => [f, statSync(f).mtimeMs]));
    expect(written.size).toBeGreaterThan(0);
    const third = await dbtool(['review-migration', folder, '--format', 'json'], project);
    expect(third.stdout).toBe(expected.stdout);
    expect(new Map(entryFiles(dir).map((f) => [f, statSync(f).mtimeMs]))).toEqual(written);
  }, 60_000);

  /** The entry holding a run's whole output: the one whose stored text is what the run printed. */
  function outputEntry(dir: string, printed: string): string {
    const found = entryFiles(dir).filter((file) => {
      const value = new CacheStore(dir).get(file.slice(-64)) as { bytes?: Uint8Array } | undefined;
      return value?.bytes !== undefined && Buffer.from(value.bytes).toString('utf8') === printed;
    });
    expect(found).toHaveLength(1);
    return found[0]!.slice(-64);
  }

  it('a run repeated with nothing changed prints the stored output of the first, and nothing else answers it', async () => {
    const { project, folder } = appProject('repeated');
    const args = ['review-migration', folder, '--format', 'json', '--cache-dir', 'c'];
    const first = await dbtool(args, project);
    expect(first.code).toBe(1);
    const dir = join(project, 'c');
    const key = outputEntry(dir, first.stdout);
    // with every other entry gone, the repeat is still answered, and writes nothing: no folder was reviewed
    for (const file of entryFiles(dir)) if (!file.endsWith(key)) rmSync(file);
    const again = await dbtool(args, project);
    expect(again).toEqual(first);
    expect(entryFiles(dir).map((f) => f.slice(-64))).toEqual([key]);
    // the entry is what is printed: a planted text comes out as it is, with the exit code its counts give
    new CacheStore(dir).put(key, { bytes: Buffer.from('planted ✓\n'), errors: 0, warnings: 3 });
    expect(await dbtool(args, project)).toEqual({ code: 0, stdout: 'planted ✓\n', stderr: '' });
    const limited = await dbtool([...args, '--max-warnings', '2'], project);
    expect(limited).toEqual({ code: 1, stdout: 'planted ✓\n', stderr: '3 warnings, more than --max-warnings 2 allows\n' });
    // and a corrupt entry is reviewed anew, never printed
    const entry = entryFiles(dir).find((f) => f.endsWith(key))!;
    writeFileSync(entry, readFileSync(entry).subarray(0, 100));
    expect(await dbtool(args, project)).toEqual(first);
  }, 60_000);

  it('the stored output is keyed by everything that shapes it: the files, the settings, the format and its options', async () => {
    const { project, folder } = appProject('keyed');
    const cached = (...args: string[]) => dbtool(['review-migration', folder, '--cache-dir', 'c', ...args], project);
    const uncached = (...args: string[]) => dbtool(['review-migration', folder, '--no-cache', ...args], project);
    const variants = [
      ['--format', 'json'],
      ['--format', 'markdown'],
      ['--format', 'pretty'],
      ['--format', 'pretty', '--verbose'],
      ['--format', 'json', '--pg-version', '12'],
    ];
    for (const variant of variants) await cached(...variant);
    // each variant, repeated, prints what the uncached run prints
    for (const variant of variants) expect(await cached(...variant), variant.join(' ')).toEqual(await uncached(...variant));
    // an edited migration and a changed rule severity are seen at once
    writeFileSync(join(folder, '0005_drop.sql'), 'ALTER TABLE "orders" ADD COLUMN "note" text;');
    const edited = await cached('--format', 'json');
    expect(edited).toEqual(await uncached('--format', 'json'));
    writeFileSync(join(project, 'dbtool.config.json'), '{"rules": {"table-rewrite": "info"}}');
    const relaxed = await cached('--format', 'json');
    expect(relaxed).toEqual(await uncached('--format', 'json'));
    expect(relaxed.stdout).not.toBe(edited.stdout);
  }, 60_000);

  it('--cache-dir moves the cache; the config\'s "cache": false turns it off', async () => {
    const { project, folder } = appProject('flags');
    const moved = await dbtool(['review-migration', folder, '--format', 'json', '--cache-dir', 'ci-cache'], project);
    expect(moved.code).toBe(1);
    expect(entryFiles(join(project, 'ci-cache')).length).toBeGreaterThan(0);
    expect(existsSync(join(project, '.dbtool'))).toBe(false);
    writeFileSync(join(project, 'dbtool.config.json'), '{"cache": false}');
    await dbtool(['review-migration', folder, '--format', 'json'], project);
    expect(existsSync(join(project, '.dbtool'))).toBe(false);
    writeFileSync(join(project, 'dbtool.config.json'), '{"cache": "yes"}');
    const wrong = await dbtool(['review-migration', folder], project);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('cache must be true');
  }, 60_000);
});
