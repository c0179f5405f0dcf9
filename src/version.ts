import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from './project-root.js';

/**
 * The package version, read once from dbtool's package.json: the nearest one above this code, which runs from
 * dist/, from the CLI bundle in dist/bundle/, or from src/ under the test runner.
 */
export const VERSION: string = (
  JSON.parse(readFileSync(join(projectRoot(dirname(fileURLToPath(import.meta.url))), 'package.json'), 'utf8')) as { version: string }
).version;
