import { resolve } from 'node:path';
import type { SizeLimit, SizeThresholds } from '../review/sizes.js';
import { DEFAULT_THRESHOLDS } from '../review/sizes.js';

/**
 * Where a review takes production sizes from. Never implicitly from DATABASE_URL or the drizzle config:
 * those usually point at a development or CI database whose tiny tables would turn every lock finding
 * into information. Sizes come from a stats export, an explicit --url, or `"stats": "live"` in the config.
 */
export type StatsSetting = { kind: 'none' } | { kind: 'file'; path: string; display: string } | { kind: 'live' };

export interface SizeSettings {
  stats: StatsSetting;
  thresholds: SizeThresholds;
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };
const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, tb: 1024 ** 4 };

/** "500k rows", "2 M rows", 10000 (rows), "8MB", "1.5 GB" → a limit; undefined when it is neither. */
export function parseSizeLimit(value: unknown): SizeLimit | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? { rows: value } : undefined;
  if (typeof value !== 'string') return undefined;
  const rows = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)\s*rows?\s*$/i.exec(value);
  if (rows) return { rows: Math.round(Number(rows[1]) * (UNITS[rows[2]!.toLowerCase()] ?? 1)) };
  const bytes = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)\s*$/i.exec(value);
  if (bytes) return { bytes: Math.round(Number(bytes[1]) * (BYTE_UNITS[bytes[2]!.toLowerCase()] ?? 1)) };
  return undefined;
}

/** The config file's `stats` and `sizes` settings; problems are added to the list the config reports. */
export function parseSizeSettings(stats: unknown, sizes: unknown, root: string, where: string, problems: string[]): SizeSettings {
  let setting: StatsSetting = { kind: 'none' };
  if (stats === 'live') setting = { kind: 'live' };
  else if (typeof stats === 'string' && stats.trim() !== '') setting = { kind: 'file', path: resolve(root, stats), display: stats };
  else if (stats !== undefined)
    problems.push(
      `${where}: stats must be the path of a dbtool stats export (e.g. "dbtool-stats.json") or "live" (read the sizes from DATABASE_URL or the drizzle config's database)`,
    );
  const thresholds = { ...DEFAULT_THRESHOLDS };
  if (sizes !== undefined) {
    if (!sizes || typeof sizes !== 'object' || Array.isArray(sizes)) {
      problems.push(`${where}: sizes must be an object such as {"errorAbove": "1M rows", "infoBelow": "8MB"}`);
    } else {
      for (const [key, value] of Object.entries(sizes)) {
        if (key !== 'errorAbove' && key !== 'infoBelow') {
          problems.push(`${where}: unknown setting "sizes.${key}" (known: errorAbove, infoBelow)`);
          continue;
        }
        const limit = parseSizeLimit(value);
        if (limit) thresholds[key] = limit;
        else problems.push(`${where}: sizes.${key} must be a row count ("500k rows", 10000) or a size ("8MB", "1GB"), not ${JSON.stringify(value)}`);
      }
    }
  }
  const { infoBelow, errorAbove } = thresholds;
  if (
    (infoBelow.rows !== undefined && errorAbove.rows !== undefined && infoBelow.rows > errorAbove.rows) ||
    (infoBelow.bytes !== undefined && errorAbove.bytes !== undefined && infoBelow.bytes > errorAbove.bytes)
  ) {
    problems.push(
      `${where}: sizes.infoBelow must not be above sizes.errorAbove (a table cannot be both small and big); the defaults are errorAbove 1M rows / 1GB, infoBelow 10k rows / 8MB`,
    );
  }
  return { stats: setting, thresholds };
}
