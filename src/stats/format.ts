/**
 * The statistics file `dbtool stats export` writes and the review reads: sizes of a database's tables,
 * partitions and indexes from the catalog, never a value stored in a table. Versioned so that older files
 * keep being read (or are refused with a clear message) when the format grows.
 */
export const STATS_FORMAT = 'dbtool-stats';
export const STATS_VERSION = 1;

export interface IndexStats {
  name: string;
  bytes: number;
  unique: boolean;
  /** false for an index left INVALID by a failed CREATE INDEX CONCURRENTLY */
  valid: boolean;
}

export interface RelationStats {
  schema: string;
  name: string;
  kind: 'table' | 'partitioned table' | 'materialized view';
  /** the planner's row estimate (pg_class.reltuples); null when the table was never analysed or vacuumed */
  rows: number | null;
  /** main fork of the heap */
  heapBytes: number;
  /** the TOAST table and its index */
  toastBytes: number;
  /** all indexes of the relation */
  indexBytes: number;
  /** `schema.name` of the partitioned table this one is a partition of */
  partitionOf: string | null;
  indexes: IndexStats[];
}

export interface StatsFile {
  format: typeof STATS_FORMAT;
  version: typeof STATS_VERSION;
  /** ISO 8601, UTC */
  exportedAt: string;
  server: { version: string; major: number };
  /** the database's name, to notice a file exported from another database */
  database: string;
  relations: RelationStats[];
}

/** Problems that make `value` not a statistics file this version can use; empty when it is one. */
export function statsFileProblems(value: unknown): string[] {
  if (!isObject(value)) return ['the file is not a JSON object'];
  if (value.format !== STATS_FORMAT) return [`"format" is ${JSON.stringify(value.format)}, not "${STATS_FORMAT}" (not a file written by dbtool stats export)`];
  if (value.version !== STATS_VERSION) {
    return [
      typeof value.version === 'number' && value.version > STATS_VERSION
        ? `the file has format version ${value.version}; this dbtool reads version ${STATS_VERSION} (upgrade dbtool)`
        : `"version" is ${JSON.stringify(value.version)}, expected ${STATS_VERSION}`,
    ];
  }
  const problems: string[] = [];
  if (typeof value.exportedAt !== 'string' || Number.isNaN(Date.parse(value.exportedAt))) problems.push('"exportedAt" is not a date');
  if (!isObject(value.server) || typeof value.server.major !== 'number' || typeof value.server.version !== 'string')
    problems.push('"server" needs "version" (text) and "major" (number)');
  if (typeof value.database !== 'string') problems.push('"database" is not a name');
  if (!Array.isArray(value.relations)) return [...problems, '"relations" is not a list'];
  value.relations.forEach((r: unknown, i: number) => {
    const where = `relations[${i}]`;
    if (!isObject(r)) {
      problems.push(`${where} is not an object`);
      return;
    }
    if (typeof r.schema !== 'string' || typeof r.name !== 'string') problems.push(`${where} needs "schema" and "name"`);
    if (!(r.rows === null || isCount(r.rows))) problems.push(`${where}.rows is not a row count or null`);
    for (const field of ['heapBytes', 'toastBytes', 'indexBytes'] as const) if (!isCount(r[field])) problems.push(`${where}.${field} is not a byte count`);
    if (!Array.isArray(r.indexes)) problems.push(`${where}.indexes is not a list`);
  });
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
