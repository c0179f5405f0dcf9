import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const root = join(import.meta.dirname, '..');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as LockEntry;

/** Where npm resolves `name` from the package installed at `from` (nested first, then each parent). */
function resolveEntry(from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

// `npm ci` refuses to install when the lock file misses any package the manifests name, including optional
// platform packages that this machine's registry mirror does not serve (squawk-cli's darwin/win32 builds).
describe('package-lock.json', () => {
  it('is in sync with package.json, so `npm ci` installs on a fresh clone', () => {
    const root = lock.packages[''] ?? {};
    expect(root.dependencies).toEqual(manifest.dependencies);
    expect(root.devDependencies).toEqual(manifest.devDependencies);
  });

  it('lists every dependency and optional platform package of every locked package', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const wanted = { ...entry.dependencies, ...entry.optionalDependencies };
      for (const name of Object.keys(wanted)) if (!resolveEntry(path, name)) missing.push(`${path || '(root)'} → ${name}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('npm pack', () => {
  it('ships the built CLI and nothing of the repository besides it (no sources, tests or fixtures)', () => {
    // --ignore-scripts: list what the tarball would hold without rebuilding (npm test has built dist/ already)
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
    expect(files).toContain('bin/dbtool.js');
    expect(files).toContain('dist/cli.js');
    // the bundle bin/dbtool.js runs, with its worker and the seed unpacker it reaches by path
    expect(files).toContain('dist/bundle/cli.js');
    expect(files).toContain('dist/bundle/folder-worker.js');
    expect(files).toContain('dist/db/pglite-seed.js');
    expect(files).toContain('README.md');
    const outside = files.filter((p) => !p.startsWith('dist/') && !['bin/dbtool.js', 'README.md', 'package.json', 'LICENSE'].includes(p));
    expect(outside).toEqual([]);
    expect(files.some((p) => /(^|\/)(test|fixtures|src)\//.test(p) || p.endsWith('.test.js'))).toBe(false);
  });
});
