import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

/** The project's own drizzle-kit: node_modules/.bin upwards from the working directory. */
export function findDrizzleKit(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', process.platform === 'win32' ? 'drizzle-kit.cmd' : 'drizzle-kit');
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) {
      throw new ConfigError('drizzle-kit is not installed in this project', 'Install it next to drizzle-orm: npm install -D drizzle-kit');
    }
  }
}

/** The migration files of an out folder (0.31 <tag>.sql files and v1 <timestamp>_<name>/migration.sql). */
export function migrationFiles(out: string): Map<string, number> {
  const files = new Map<string, number>();
  if (!existsSync(out)) return files;
  for (const entry of readdirSync(out, { withFileTypes: true })) {
    const path = entry.isDirectory() ? join(out, entry.name, 'migration.sql') : join(out, entry.name);
    if (!path.endsWith('.sql') || !existsSync(path)) continue;
    files.set(path, statSync(path).mtimeMs);
  }
  return files;
}

/** Files that appeared (or were rewritten) between two listings. */
export function createdFiles(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after]
    .filter(([path, mtime]) => before.get(path) !== mtime)
    .map(([path]) => path)
    .sort();
}

export interface KitRun {
  code: number | null;
  output: string;
}

/** Runs drizzle-kit with the terminal when there is one (it may ask about renames), otherwise piped through. */
export function runDrizzleKit(
  bin: string,
  args: string[],
  cwd: string,
  forward: { stdout(t: string): void; stderr(t: string): void },
  interactive: boolean,
): Promise<KitRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, args, { cwd, stdio: interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d) => {
      output += String(d);
      forward.stdout(String(d));
    });
    child.stderr?.on('data', (d) => {
      output += String(d);
      forward.stderr(String(d));
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, output }));
  });
}
