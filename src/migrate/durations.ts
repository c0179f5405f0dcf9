import { UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, m: 60_000 };

/** "5s", "500ms", "2min" or a bare number of milliseconds, as PostgreSQL's timeout settings accept. */
export function parseDuration(value: string | number, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m)?\s*$/.exec(String(value));
  if (!match) throw new UsageError(`${what}: "${value}" is not a duration`, 'Use milliseconds or a unit, e.g. 500ms, 5s, 2min (0 disables the timeout).');
  return Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1));
}
