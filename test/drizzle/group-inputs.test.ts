// Files of one folder named one by one are reviewed in one pass over the folder's history (issue 17): the
// report must be the one reviewing each file alone gives, in the order the files were named.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { reviewInputs } from '../../src/drizzle/group-inputs.js';
import type { LoadedInput } from '../../src/drizzle/inputs.js';
import { loadInput } from '../../src/drizzle/inputs.js';
import { reviewToJson } from '../../src/report/json.js';
import { review } from '../../src/review/engine.js';
import type { ReviewSettings } from '../../src/review/findings.js';
import { loadParser } from '../../src/review/parse.js';
import type { Report } from '../../src/review/report-types.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'fixtures');
const CORPUS = join(ROOT, '..', 'shared', 'corpus', 'real-world');
const corpusPresent = existsSync(CORPUS);
if (!corpusPresent) console.warn(`SKIPPED: ${CORPUS} is absent, so the corpus part of the files-named-one-by-one test does not run`);

const DEFAULTS: ReviewSettings = { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' };
// the settings under which files reviewed together would differ from files reviewed alone
const ONE_RUN: ReviewSettings = { pgVersion: 14, timezoneIsUtc: true, transactionMode: 'all', newAcrossFiles: true };

const none = () => '';

/** The files dbtool reviews in a folder (missing journal entries cannot be named), as absolute paths. */
function filesOf(folder: string): string[] {
  return loadInput(folder, '/', none)
    .files.filter((f) => f.text !== undefined)
    .map((f) => resolve('/', f.path));
}

/** Today's path: every file loaded and reviewed on its own, the reports concatenated in the order named. */
function oneByOne(paths: string[], settings: ReviewSettings): Report {
  const reports = paths.map((p) => review([loadInput(p, '/', none)], settings));
  const files = reports.flatMap((r) => r.files);
  return { pgVersion: settings.pgVersion, files, summary: sum(reports) };
}

function sum(reports: Report[]): Report['summary'] {
  const total = { files: 0, statements: 0, errors: 0, warnings: 0, infos: 0, suppressed: 0 };
  for (const r of reports) for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += r.summary[k];
  return total;
}

/** What review-migration now does: one folder read, one pass over its history. */
async function grouped(paths: string[], settings: ReviewSettings): Promise<Report> {
  const folders = new Map<string, LoadedInput>();
  return await reviewInputs(
    paths.map((p) => loadInput(p, '/', none, folders)),
    settings,
  );
}

/** The folder named, with only the given files under review. */
function folderWithOnly(folder: string, named: string[], settings: ReviewSettings): Report {
  const input = loadInput(folder, '/', none);
  const keep = new Set(named);
  for (const f of input.files) f.review = keep.has(resolve('/', f.path));
  return review([input], settings);
}

const json = (report: Report) => JSON.parse(reviewToJson(report, '0.0.0')) as unknown;

function drizzleFolders(dir: string): string[] {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((p) => statSync(p).isDirectory() && (existsSync(join(p, 'meta', '_journal.json')) || readdirSync(p).some((n) => /^\d{14}_/.test(n))));
}

function corpusFolders(): string[] {
  return readdirSync(CORPUS)
    .filter((p) => statSync(join(CORPUS, p)).isDirectory())
    .flatMap((p) => readdirSync(join(CORPUS, p)).map((inner) => join(CORPUS, p, inner)));
}

/** A deterministic shuffle, so the report order is tested beyond sorted input. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

beforeAll(loadParser);

describe('files of one folder named one by one', () => {
  const fixtureFolders = drizzleFolders(FIXTURES);

  it('has drizzle fixture folders to test with', async () => {
    expect(fixtureFolders.length).toBeGreaterThanOrEqual(10);
  });

  it.each([
    ['defaults', DEFAULTS],
    ['one run, PG 14', ONE_RUN],
  ] as const)('fixtures (%s): same report as each file alone (and, under the defaults, as the folder with only them under review)', async (_, settings) => {
    for (const folder of fixtureFolders) {
      const files = filesOf(folder);
      expect(json(await grouped(files, settings)), folder).toEqual(json(oneByOne(files, settings)));
      // every other file, in folder order: the folder reviewed with only those under review
      const some = files.filter((_, i) => i % 2 === 1);
      if (some.length === 0) continue;
      expect(json(await grouped(some, settings)), folder).toEqual(json(oneByOne(some, settings)));
      if (settings === DEFAULTS) expect(json(await grouped(some, settings)), folder).toEqual(json(folderWithOnly(folder, some, settings)));
    }
  });

  it('keeps the order the paths were given in, across folders, with a file named twice', async () => {
    const paths = shuffled(fixtureFolders.flatMap(filesOf), 7);
    paths.splice(3, 0, paths[10] as string);
    const report = await grouped(paths, DEFAULTS);
    expect(report.files.map((f) => resolve('/', f.path))).toEqual(paths);
    expect(json(report)).toEqual(json(oneByOne(paths, DEFAULTS)));
  });

  it('leaves a file excluded from review out of the report and in the history', async () => {
    const folder = join(FIXTURES, 'drizzle-index-on-existing-table');
    const files = filesOf(folder);
    const inputs = files.map((p) => loadInput(p, '/', none, new Map()));
    const folders = new Map<string, LoadedInput>();
    const groupedInputs = files.map((p) => loadInput(p, '/', none, folders));
    for (const list of [inputs, groupedInputs]) (list[0]?.files.at(-1) ?? { review: true }).review = false;
    const alone = inputs.flatMap((input) => review([input], DEFAULTS).files);
    expect(json(await reviewInputs(groupedInputs, DEFAULTS))).toEqual(json({ pgVersion: 18, files: alone, summary: review(inputs, DEFAULTS).summary }));
  });

  it('review-migration names the files of a folder in reverse and reports them in that order, as one by one', async () => {
    const folder = join(FIXTURES, 'drizzle-foreign-key-existing-tables');
    const files = filesOf(folder).reverse();
    const cli = (args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'dbtool.js'), 'review-migration', ...args, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
    const together = cli(files);
    expect([0, 1]).toContain(together.status);
    const alone = files.map((f) => JSON.parse(cli([f]).stdout) as { files: unknown[] });
    expect((JSON.parse(together.stdout) as { files: unknown[] }).files).toEqual(alone.flatMap((r) => r.files));
  });
});

describe.skipIf(!corpusPresent)('corpus files named one by one', () => {
  it("every folder, every 10th file and the last named: same report as each file alone (today's path), in the order named", async () => {
    // today's path is the quadratic one: all 2,049 files one by one take a minute here, a tenth of them seconds
    for (const folder of corpusFolders()) {
      const files = filesOf(folder).filter((_, i, all) => i % 10 === 0 || i === all.length - 1);
      expect(json(await grouped(files, DEFAULTS)), folder).toEqual(json(oneByOne(files, DEFAULTS)));
    }
  }, 120_000);

  it('a few corpus folders: a subset named, shuffled, under one-run settings too', async () => {
    for (const folder of corpusFolders().slice(0, 6)) {
      const some = shuffled(
        filesOf(folder).filter((_, i) => i % 3 === 0),
        3,
      );
      expect(json(await grouped(some, ONE_RUN)), folder).toEqual(json(oneByOne(some, ONE_RUN)));
    }
  }, 120_000);

  it('is not the folder reviewed with only those files under review: there they run together (why eachAlone exists)', async () => {
    // the folder named runs its reviewed files in one transaction, so a lock one file takes stacks with the
    // next file's; each file named alone is its own run. The corpus has such pairs.
    const differs: string[] = [];
    for (const folder of corpusFolders().slice(0, 6)) {
      const some = filesOf(folder).filter((_, i) => i % 3 === 0);
      if (JSON.stringify(json(await grouped(some, DEFAULTS))) !== JSON.stringify(json(folderWithOnly(folder, some, DEFAULTS)))) differs.push(folder);
    }
    expect(differs.length).toBeGreaterThan(0);
  }, 120_000);
});
