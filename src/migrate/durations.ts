const UNITS: Record<string, number> = { ms: 1, s: 1000, min: 60_000, m: 60_000 };

/** "5s", "500ms", "2min" or a number of milliseconds, as PostgreSQL's timeout settings accept; undefined when neither. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m)?\s*$/.exec(value);
  return match ? Math.round(Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1)) : undefined;
}

/** A duration as people read it: "800 ms", "1.5 s", "10 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}
