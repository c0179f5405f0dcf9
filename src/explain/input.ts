import { UsageError } from '../errors.js';

export interface ExplainInputFlags {
  file?: string;
  param?: string[];
  params?: string;
}

/** The query text from exactly one place: the argument, -f FILE, or standard input ("-"). */
export function chooseQuery(arg: string | undefined, flags: ExplainInputFlags, read: { file: (path: string) => string; stdin: () => string }): string {
  const sources = [arg !== undefined && arg !== '-' ? 'argument' : undefined, flags.file ? '-f' : undefined, arg === '-' ? 'stdin' : undefined].filter(Boolean);
  if (sources.length > 1) throw new UsageError('give the query once: as an argument, with -f FILE, or - for standard input');
  if (flags.file) {
    try {
      return read.file(flags.file);
    } catch (error) {
      throw new UsageError(`${flags.file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  }
  if (arg === '-') return read.stdin();
  if (arg === undefined) throw new UsageError('no query given', 'dbtool explain "SELECT …", dbtool explain -f query.sql, or dbtool explain --plan plan.json.');
  return arg;
}

/**
 * Values for $1…$n: --param (repeatable, each a string; PostgreSQL casts it to the parameter's type) or
 * --params with a JSON array (numbers, strings, booleans, null).
 */
export function chooseParams(flags: ExplainInputFlags): unknown[] {
  if (flags.params !== undefined && flags.param?.length) throw new UsageError('use either --param (repeatable) or --params, not both');
  if (flags.params === undefined) return flags.param ?? [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(flags.params);
  } catch (error) {
    throw new UsageError(`--params is not valid JSON: ${(error as Error).message}`, `Give a JSON array, e.g. --params '[42, "abc", null]'.`);
  }
  if (!Array.isArray(parsed)) throw new UsageError('--params must be a JSON array', `e.g. --params '[42, "abc", null]'.`);
  return parsed.map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v));
}
