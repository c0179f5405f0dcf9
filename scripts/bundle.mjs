// Bundles the CLI that bin/dbtool.js runs into dist/bundle/: one entry module and a few shared chunks instead of
// the ~100 files tsc leaves in dist/ (resolving and compiling them one by one cost ~45 ms of every run). The
// command modules and the reviewer stay behind dynamic imports, so each is still loaded only when needed. The
// library entry points (dist/index.js, dist/migrator.js) are tsc's output, unbundled. Runs after tsc.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { reviewerBuildHash } from '../dist/commands/review-cache.js';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const outdir = join(dist, 'bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  // the worker's name is the one the pool asks for next to itself
  entryPoints: { cli: join(dist, 'cli.js'), 'folder-worker': join(dist, 'parallel', 'folder-worker.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // packages that find their own files (WebAssembly, PGlite's data, jiti's loaders) or load only for a database
  // or Claude stay installed packages
  external: ['libpg-query', '@electric-sql/pglite', 'pg', 'jiti', '@anthropic-ai/sdk', '@anthropic-ai/sdk/*'],
  // commander is CommonJS: its require() of Node's modules needs a require in an ES module
  banner: { js: "import { createRequire as dbtoolCreateRequire } from 'node:module'; const require = dbtoolCreateRequire(import.meta.url);" },
  // the review cache's namespace names the build: worked out here once rather than on every run
  define: { DBTOOL_BUILD_HASH: JSON.stringify(reviewerBuildHash(dist)) },
  sourcemap: 'linked',
  logLevel: 'warning',
});
