/**
 * dbtool installed in a temporary app the way npm would: the packed tarball (npm pack) unpacked into the
 * app's node_modules, its dependencies and the app's own (pg, PGlite, drizzle-orm) linked from this
 * repository's node_modules, so no network. Needs dist/ (npm run build).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** What the app has installed besides dbtool. */
const APP_PACKAGES = ['pg', '@electric-sql/pglite', 'drizzle-orm', '@types/pg', '@types/node'];

export interface PackedApp {
  dir: string;
  /** runs `file` (in the app folder) with node and waits for it */
  node(file: string, args: string[]): { code: number | null; stdout: string; stderr: string };
  /** the same, without blocking: several can run at once */
  nodeAsync(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** type-checks the files (strict, NodeNext) and returns tsc's output and exit code */
  tsc(...files: string[]): { status: number | null; output: string };
  remove(): void;
}

export function packApp(): PackedApp {
  if (!existsSync(join(ROOT, 'dist', 'migrator.js'))) throw new Error('dist/ is not built: npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-api-app-'));
  // --ignore-scripts: pack the dist/ that is built instead of rebuilding it (prepare)
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const tarball = join(dir, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
  const pkg = join(dir, 'node_modules', 'dbtool');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['xzf', tarball, '-C', pkg, '--strip-components=1']);
  const link = (name: string) => {
    const to = join(dir, 'node_modules', name);
    if (existsSync(to)) return;
    mkdirSync(dirname(to), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), to, 'dir');
  };
  // dbtool's own dependencies, as npm install would hoist them
  const manifest = JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").dependencies)'], { cwd: pkg, encoding: 'utf8' })) as Record<
    string,
    string
  >;
  for (const name of [...Object.keys(manifest), ...APP_PACKAGES]) link(name);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  return {
    dir,
    node(file, args) {
      const r = spawnSync(process.execPath, [file, ...args], { cwd: dir, encoding: 'utf8', timeout: 170_000 });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    nodeAsync(file, args) {
      const child = spawn(process.execPath, [file, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += String(d)));
      child.stderr.on('data', (d) => (stderr += String(d)));
      return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
    },
    tsc(...files) {
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
          },
          files,
        }),
      );
      const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], {
        cwd: dir,
        encoding: 'utf8',
      });
      return { status: r.status, output: r.stdout + r.stderr };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
