import type { RelationShape } from './estimate.js';
import { estimateStatement } from './estimate.js';
import type { Finding, Severity } from './findings.js';
import type { FileReport, RelationSize, Report, StatementReport } from './report-types.js';

/** What a statistics source knows beyond rows and bytes, for the blocked-time estimate. */
export interface RelationDetail extends RelationSize {
  heapBytes?: number;
  indexCount?: number;
}

/** Where sizes came from, for the report's note: a stats file or a live connection. */
export interface SizeSource {
  /** "dbtool-stats.json" or "postgres://app@db/app" */
  label: string;
  /** when the sizes were read (ISO 8601) */
  readAt: string;
  database: string;
  serverVersion: string;
  /** by the review's relation key: `users`, `audit.events` */
  sizes: ReadonlyMap<string, RelationDetail>;
}

/** A size limit in rows and/or bytes; a relation is over it when it is over either. */
export interface SizeLimit {
  rows?: number;
  bytes?: number;
}

export interface SizeThresholds {
  /** at or above: a time-under-lock finding is an error whatever its configured severity */
  errorAbove: SizeLimit;
  /** below: a time-under-lock finding is only information (the lock lasts milliseconds) */
  infoBelow: SizeLimit;
}

/**
 * Defaults from what a sequential read costs: ~10,000 rows / 8 MB are read in milliseconds from cache, so
 * the lock is not noticed; ~1,000,000 rows / 1 GB take seconds to minutes, long enough to fill every
 * connection pool waiting on the table.
 */
export const DEFAULT_THRESHOLDS: SizeThresholds = {
  errorAbove: { rows: 1_000_000, bytes: 1024 ** 3 },
  infoBelow: { rows: 10_000, bytes: 8 * 1024 ** 2 },
};

/**
 * Rules whose harm is time spent holding a lock: it grows with the table. Data loss (drops, truncation),
 * failures on production data and application breakage (renames) do not shrink with the table, so their
 * severity never follows size.
 */
export const TIME_UNDER_LOCK_RULES: ReadonlySet<string> = new Set([
  'blocking-full-scan',
  'table-rewrite',
  'unbatched-backfill',
  'add-auto-increment-column',
  'refresh-materialized-view',
  'stacked-exclusive-locks',
  'validate-in-same-transaction',
]);

/** Adds production sizes to every statement and scales time-under-lock findings by the size of what they hold. */
export function applySizes(report: Report, source: SizeSource, thresholds: SizeThresholds = DEFAULT_THRESHOLDS): Report {
  const files = report.files.map((file) => sizedFile(file, source, thresholds));
  return { ...report, files, summary: { ...report.summary, ...count(files) }, sizeSource: describeSource(source, files) };
}

function sizedFile(file: FileReport, source: SizeSource, thresholds: SizeThresholds): FileReport {
  return { ...file, statements: file.statements.map((s) => sizedStatement(s, source, thresholds)) };
}

function sizedStatement(statement: StatementReport, source: SizeSource, thresholds: SizeThresholds): StatementReport {
  const touched = [...new Set([...Object.keys(statement.locks), ...statement.rewrites, ...statement.scans])];
  const sizes: Record<string, RelationSize> = {};
  for (const name of touched) {
    const size = source.sizes.get(name);
    if (size) sizes[name] = { rows: size.rows, bytes: size.bytes };
  }
  if (Object.keys(sizes).length === 0) return statement;
  const estimate = estimateStatement(statement, shapesOf(source));
  // what the statement holds a lock on while it reads or writes: its rewrites and scans, else all it locks
  const held = statement.rewrites.length + statement.scans.length > 0 ? [...statement.rewrites, ...statement.scans] : touched;
  const known = held.every((name) => sizes[name] !== undefined);
  const biggest = held
    .map((name) => [name, sizes[name]] as const)
    .filter((e): e is readonly [string, RelationSize] => e[1] !== undefined)
    .sort((a, b) => b[1].bytes - a[1].bytes)[0];
  const findings = statement.findings.map((finding) => {
    if (!TIME_UNDER_LOCK_RULES.has(finding.rule) || !biggest) return finding;
    const severity = scaledSeverity(finding.severity, biggest[1], thresholds, known);
    return { ...finding, severity, message: `${finding.message} [${biggest[0]}: ${describeSize(biggest[1])}]` };
  });
  return { ...statement, sizes, ...(estimate ? { estimate } : {}), findings };
}

const SHAPES = new WeakMap<SizeSource, Map<string, RelationShape>>();

/** The relations whose heap and indexes the source knows, as the cost model wants them (built once per source). */
function shapesOf(source: SizeSource): ReadonlyMap<string, RelationShape> {
  let shapes = SHAPES.get(source);
  if (!shapes) {
    shapes = new Map();
    for (const [name, d] of source.sizes) {
      if (d.heapBytes !== undefined && d.indexCount !== undefined)
        shapes.set(name, { rows: d.rows, bytes: d.bytes, heapBytes: d.heapBytes, indexCount: d.indexCount });
    }
    SHAPES.set(source, shapes);
  }
  return shapes;
}

/**
 * The severity for a finding whose lock lasts as long as `size` takes to process. An unknown relation among
 * those it holds keeps the configured severity (nothing says it is small); unknown row counts go by bytes.
 */
export function scaledSeverity(configured: Severity, size: RelationSize, thresholds: SizeThresholds, allKnown: boolean): Severity {
  if (over(size, thresholds.errorAbove)) return 'error';
  if (allKnown && !over(size, thresholds.infoBelow)) return 'info';
  return configured;
}

function over(size: RelationSize, limit: SizeLimit): boolean {
  return (limit.rows !== undefined && size.rows !== null && size.rows >= limit.rows) || (limit.bytes !== undefined && size.bytes >= limit.bytes);
}

function count(files: FileReport[]): Pick<Report['summary'], 'errors' | 'warnings' | 'infos'> {
  const all: Finding[] = files.flatMap((f) => [...f.findings, ...f.statements.flatMap((s) => s.findings)]);
  return {
    errors: all.filter((f) => f.severity === 'error').length,
    warnings: all.filter((f) => f.severity === 'warning').length,
    infos: all.filter((f) => f.severity === 'info').length,
  };
}

function describeSource(source: SizeSource, files: FileReport[]): NonNullable<Report['sizeSource']> {
  const touched = new Set(files.flatMap((f) => f.statements.flatMap((s) => [...Object.keys(s.locks), ...s.rewrites, ...s.scans])));
  const known = [...touched].filter((name) => source.sizes.has(name));
  return {
    label: source.label,
    readAt: source.readAt,
    database: source.database,
    serverVersion: source.serverVersion,
    relations: touched.size,
    known: known.length,
  };
}

/** "12.4 M rows, 3.1 GB", "12 rows, 16 kB", "size 1.2 GB (rows unknown)" */
export function describeSize(size: RelationSize): string {
  return size.rows === null ? `${formatBytes(size.bytes)}, rows unknown (never analysed)` : `${formatRows(size.rows)}, ${formatBytes(size.bytes)}`;
}

export function formatRows(rows: number): string {
  if (rows >= 1e9) return `${(rows / 1e9).toFixed(1)} G rows`;
  if (rows >= 1e6) return `${(rows / 1e6).toFixed(1)} M rows`;
  if (rows >= 1e4) return `${Math.round(rows / 1e3)} k rows`;
  return `${rows} row${rows === 1 ? '' : 's'}`;
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
