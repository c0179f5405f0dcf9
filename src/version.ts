import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * dbtool's package.json, the nearest one above this code: it runs from dist/, from the CLI bundle in
 * dist/bundle/, or from src/ under the test runner.
 */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'dbtool' && manifest.version) return manifest.version;
    } catch {
      // no package.json here: look one folder up
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`dbtool's package.json is not above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The package version, read once. */
export const VERSION: string = packageVersion();
