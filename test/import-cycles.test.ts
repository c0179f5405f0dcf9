import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './import-graph.js';

const src = join(import.meta.dirname, '..', 'src');

describe('import graph of src/', () => {
  const graph = importGraph(src);

  it('reads type-only, multi-line and re-export imports', () => {
    expect(graph.get('review/findings.ts')).toContain('review/transaction.ts');
    // a type-only re-export: `export type { … } from './review/report-types.js'`
    expect(graph.get('index.ts')).toContain('review/report-types.ts');
    expect(graph.get('review/engine.ts')?.length).toBeGreaterThan(5);
  });

  it('has no import cycle: layers depend one way (types included)', () => {
    expect(importCycles(graph)).toEqual([]);
  });
});

describe('what a review loads before it knows whether the cache answers it', () => {
  const loaded = (graph: ReadonlyMap<string, readonly string[]>, from: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const next of graph.get(file) ?? []) visit(next);
    };
    visit(from);
    return seen;
  };

  it('is neither the reviewer nor its parser: they load only for what the cache cannot answer', () => {
    const modules = loaded(importGraph(src, { typeOnly: false }), 'commands/review-migration.ts');
    expect(modules.has('review/finish.ts')).toBe(true);
    for (const heavy of ['review/engine.ts', 'review/parse.ts', 'review/rules/index.ts', 'review/catalog/apply.ts', 'report/pretty.ts', 'db/connect.ts']) {
      expect(modules.has(heavy), heavy).toBe(false);
    }
    // with the type-only imports (the report types name the parser's ParsedFile), the same walk does reach the
    // parser: the filter is what tells them apart
    expect(loaded(importGraph(src), 'commands/review-migration.ts').has('review/parse.ts')).toBe(true);
  });
});

describe('importCycles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-cycles-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a type-only circle through a subfolder and leaves lazy imports out', () => {
    mkdirSync(join(dir, 'rules'));
    writeFileSync(join(dir, 'findings.ts'), "import type { View } from './transaction.js';\nexport type Mode = 'all';\n");
    writeFileSync(
      join(dir, 'transaction.ts'),
      "import type { Mode } from './findings.js';\nimport { alter } from './rules/helpers.js';\nexport interface View { mode: Mode }\n",
    );
    writeFileSync(join(dir, 'rules', 'helpers.ts'), "import {\n  type Mode,\n} from '../findings.js';\nexport const alter = (m: Mode) => m;\n");
    writeFileSync(join(dir, 'cli.ts'), "export async function run() { return import('./lazy.js'); }\n");
    writeFileSync(join(dir, 'lazy.ts'), "import { run } from './cli.js';\nexport { run };\n");
    expect(importCycles(importGraph(dir))).toEqual([['findings.ts', 'rules/helpers.ts', 'transaction.ts']]);
  });
});
