import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The project a command runs in: the nearest folder upwards with a package.json, else the working directory. It holds .dbtool/. */
export function projectRoot(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(cwd);
  }
}
