import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The static imports between the TypeScript files under `dir`: file → the files it imports, both relative to
 * `dir`. Type-only imports count unless `typeOnly` is false (a type circle still ties the modules together, but
 * loading a module evaluates only its other imports); `await import()` does not,
 * as it loads on demand and cannot take part in a cycle of module evaluation. Imports from packages are left out.
 */
export function importGraph(dir: string, options: { typeOnly?: boolean } = {}): Map<string, string[]> {
  const typeOnly = options.typeOnly ?? true;
  const root = resolve(dir);
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = new Set<string>();
    // `import … from './x.js'`, `export … from './x.js'` (one or many lines) and `import './x.js'`
    for (const m of text.matchAll(/^\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?\s*'(\.{1,2}\/[^']+)'/gm)) {
      // without type-only imports: what loading the module evaluates
      if (!typeOnly && /^\s*(?:import|export)\s+type\s/.test(m[0])) continue;
      const target = relative(root, resolve(root, dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Every import cycle: each strongly connected group of more than one file (or a file importing itself), sorted. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  // Tarjan's algorithm; the graphs here are a few hundred files, so recursion depth is no concern
  const visit = (file: string): void => {
    index.set(file, next);
    low.set(file, next);
    next++;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(file, Math.min(low.get(file)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(file, Math.min(low.get(file)!, index.get(target)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== file);
    if (group.length > 1 || graph.get(file)?.includes(file)) cycles.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}
