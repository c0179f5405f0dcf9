import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { displayName } from '../review/ast.js';
import type { RelationDetail, SizeSource } from '../review/sizes.js';
import type { StatsFile } from './format.js';
import { statsFileProblems } from './format.js';

/**
 * The review's view of a statistics export: bytes are heap + TOAST + indexes (what a rewrite copies and
 * rebuilds), and a partitioned table is as big as all its partitions together (what a scan of it reads).
 */
export function sizesFromStats(stats: StatsFile, label: string): SizeSource {
  const own = new Map<string, RelationDetail>();
  const children = new Map<string, string[]>();
  for (const r of stats.relations) {
    const key = displayName(`${r.schema}.${r.name}`);
    own.set(key, { rows: r.rows, bytes: r.heapBytes + r.toastBytes + r.indexBytes, heapBytes: r.heapBytes + r.toastBytes, indexCount: r.indexes.length });
    if (r.partitionOf) {
      const [schema, ...rest] = r.partitionOf.split('.');
      const parent = displayName(`${schema ?? 'public'}.${rest.join('.')}`);
      children.set(parent, [...(children.get(parent) ?? []), key]);
    }
  }
  const total = (key: string, seen: Set<string>): RelationDetail => {
    const self = own.get(key) ?? { rows: 0, bytes: 0, heapBytes: 0, indexCount: 0 };
    const parts = children.get(key);
    if (!parts || seen.has(key)) return self;
    seen.add(key);
    // a partitioned table's rows and bytes are its partitions'; each partition has its own copy of each index
    return parts
      .map((p) => total(p, seen))
      .reduce<RelationDetail>(
        (sum, s) => ({
          rows: sum.rows === null || s.rows === null ? null : sum.rows + s.rows,
          bytes: sum.bytes + s.bytes,
          heapBytes: (sum.heapBytes ?? 0) + (s.heapBytes ?? 0),
          indexCount: Math.max(sum.indexCount ?? 0, s.indexCount ?? 0),
        }),
        { rows: 0, bytes: self.bytes, heapBytes: self.heapBytes ?? 0, indexCount: self.indexCount ?? 0 },
      );
  };
  const sizes = new Map([...own.keys()].map((key) => [key, total(key, new Set())]));
  return { label, readAt: stats.exportedAt, database: stats.database, serverVersion: stats.server.version, sizes };
}

/** Reads a `dbtool stats export` file; a missing or malformed file is a configuration error (exit 2). */
export function readStatsFile(path: string, display: string): SizeSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the statistics file ${display}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'Write it with dbtool stats export --url <production database>, or fix the --stats path.',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the statistics file ${display} is not valid JSON: ${(error as Error).message}`, 'Export it again with dbtool stats export.');
  }
  const problems = statsFileProblems(value);
  if (problems.length > 0) {
    throw new ConfigError(
      `the statistics file ${display} cannot be used: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
      'Export it again with this version of dbtool: dbtool stats export --url <production database>.',
    );
  }
  return sizesFromStats(value as StatsFile, display);
}
