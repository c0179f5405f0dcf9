// bin/dbtool.js runs the CLI bundle in dist/bundle/ (scripts/bundle.mjs). These runs record every module each
// node process resolves, through a loader hook passed in NODE_OPTIONS (child processes inherit it), and check
// that the bundle is what runs, that it still loads the parser only when the cache cannot answer, and that the
// code it reaches by path (package.json, the PGlite seed's unpacker) is found from dist/bundle/ too.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'dbtool.js');
const DIST = `${pathToFileURL(join(ROOT, 'dist')).href}/`;
const scratch = mkdtempSync(join(tmpdir(), 'dbtool-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hooks = join(scratch, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.MODULE_LOG, JSON.stringify({ pid: process.pid, main: !context.parentURL, url: result.url }) + '\\n');
  return result;
}
`,
);
const register = join(scratch, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

interface Loaded {
  pid: number;
  main: boolean;
  url: string;
}

let runs = 0;
function run(args: string[], cwd = ROOT): { code: number | null; stdout: string; stderr: string; loaded: Loaded[] } {
  const log = join(scratch, `modules-${++runs}.jsonl`);
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', MODULE_LOG: log, NODE_OPTIONS: `--import=${pathToFileURL(register).href}` },
    maxBuffer: 1 << 26,
    timeout: 120_000,
  });
  const loaded = readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Loaded);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, loaded };
}

const fromDist = (loaded: Loaded[]) => loaded.filter((m) => m.url.startsWith(DIST)).map((m) => m.url.slice(DIST.length));

describe('the CLI bundle', () => {
  it('is what bin/dbtool.js runs, without any of the unbundled modules beside it', () => {
    const result = run(['--version']);
    expect(result.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    // the version comes from package.json, found above dist/bundle/ as it is above dist/
    expect(result.stdout.trim()).toBe(manifest.version);
    const dist = fromDist(result.loaded);
    expect(dist).toContain('bundle/cli.js');
    // a module loaded both bundled and unbundled would exist twice (two DbtoolError classes, two caches)
    expect(dist.filter((path) => !path.startsWith('bundle/'))).toEqual([]);
  });

  it('loads the parser for a review the cache cannot answer, and not for one it can', () => {
    const cache = join(scratch, 'cache');
    const folder = join(ROOT, 'fixtures', 'drizzle-set-not-null');
    const cold = run(['review-migration', folder, '--format', 'json', '--cache-dir', cache]);
    expect(cold.code).toBe(1);
    expect(JSON.parse(cold.stdout).summary.files).toBeGreaterThan(0);
    const parser = (loaded: Loaded[]) => loaded.some((m) => m.url.includes('/node_modules/libpg-query/'));
    expect(parser(cold.loaded)).toBe(true);
    const warm = run(['review-migration', folder, '--format', 'json', '--cache-dir', cache]);
    expect(warm.stdout).toBe(cold.stdout);
    expect(warm.code).toBe(1);
    expect(parser(warm.loaded)).toBe(false);
    expect(fromDist(warm.loaded).length).toBeLessThan(fromDist(cold.loaded).length);
  });

  it('names its build, for the review cache, by the hash of the reviewer it was made from', async () => {
    const built = (await import(pathToFileURL(join(ROOT, 'dist', 'commands', 'review-cache.js')).href)) as typeof import('../src/commands/review-cache.js');
    const hash = built.reviewerBuildHash(join(ROOT, 'dist'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const bundle = join(ROOT, 'dist', 'bundle');
    const holding = readdirSync(bundle).filter((name) => name.endsWith('.js') && readFileSync(join(bundle, name), 'utf8').includes(`"${hash}"`));
    expect(holding).toHaveLength(1);
  });

  it('creates the embedded database from the seed, unpacked by the compiled seed module in a child process', () => {
    const project = join(scratch, 'project');
    cpSync(join(ROOT, 'fixtures', 'drizzle-type-changes'), join(project, 'drizzle'), { recursive: true });
    const result = run(['migrate'], project);
    expect(result.stderr).not.toContain('internal error');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('2 migrations applied');
    const unpacker = result.loaded.filter((m) => m.main && m.url === `${DIST}db/pglite-seed.js`);
    expect(unpacker).toHaveLength(1);
    expect(unpacker[0]!.pid).not.toBe(result.loaded.find((m) => m.main && m.url.endsWith('/bin/dbtool.js'))?.pid);
  }, 120_000);
});
