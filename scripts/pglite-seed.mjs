// Builds dist/pglite-seed/pglite-<version>.tar.br: a data folder PGlite created and closed, which dbtool unpacks
// for a new embedded database instead of running PGlite's initdb (see src/db/pglite-seed.ts). Runs after tsc;
// does nothing when the seed for the installed PGlite is already there, and drops seeds of other versions.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { makeSeed, pgliteVersion, seedPathFor } from '../dist/db/pglite-seed.js';

const version = pgliteVersion();
if (!version) {
  console.error('pglite-seed: @electric-sql/pglite is not installed; no seed');
  process.exit(0);
}
const out = seedPathFor(version);
if (existsSync(dirname(out))) {
  for (const name of readdirSync(dirname(out))) if (name !== basename(out)) rmSync(`${dirname(out)}/${name}`, { force: true });
}
if (!existsSync(out)) {
  const started = Date.now();
  try {
    await makeSeed(out);
    console.error(`pglite-seed: made ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    // dbtool still works without it: a new embedded database then runs PGlite's initdb (slower, ~800 MB peak)
    console.error(`pglite-seed: no seed (${error instanceof Error ? error.message : error}); new embedded databases will run initdb`);
  }
}
