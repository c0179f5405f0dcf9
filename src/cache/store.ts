import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** 100 MB: a few thousand migrations with their parse trees and reports fit several times over. */
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

const MAGIC = Buffer.from('DBTCACHE');
/** beside the entries: the folder's size in bytes as last known */
const USAGE_FILE = 'usage';
const FORMAT = 1;
// magic, format, key (32 bytes), payload length, payload sha256 (32 bytes)
const HEADER = MAGIC.length + 4 + 32 + 4 + 32;
/** a temporary file older than this belongs to a run that died before its rename */
const STALE_TEMP_MS = 10 * 60 * 1000;

export interface CacheCounts {
  hits: number;
  misses: number;
  /** entries that were present but corrupt, partial or written for another key: ignored, then rewritten */
  rejected: number;
  writes: number;
  /** bytes this store wrote */
  bytesWritten: number;
}

/**
 * A content-addressed store of values under sha256 keys, one file per entry. Entries carry a header with the
 * key and a checksum of the payload, so a truncated, corrupt or misplaced file is a miss and never a value.
 * Writes go to a temporary file renamed into place, so concurrent runs sharing the folder see whole entries.
 */
export class CacheStore {
  readonly counts: CacheCounts = { hits: 0, misses: 0, rejected: 0, writes: 0, bytesWritten: 0 };
  private made = new Set<string>();
  /** `counts.bytesWritten` when the folder's size was last brought up to date (worker threads add theirs to the counts) */
  private accounted = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number = DEFAULT_MAX_BYTES,
  ) {}

  /** The stored value, or undefined for a missing or untrustworthy entry. `key` is 64 hex digits. */
  get(key: string): unknown {
    let bytes: Buffer;
    try {
      bytes = readFileSync(this.path(key));
    } catch {
      this.counts.misses++;
      return undefined;
    }
    const payload = verified(bytes, key);
    if (!payload) {
      this.counts.rejected++;
      this.counts.misses++;
      return undefined;
    }
    try {
      const value = deserialize(payload);
      this.counts.hits++;
      return value;
    } catch {
      this.counts.rejected++;
      this.counts.misses++;
      return undefined;
    }
  }

  /** Stores a value; a folder that cannot be written only means nothing is kept. */
  put(key: string, value: unknown): void {
    const payload = serialize(value);
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header, 0);
    header.writeUInt32BE(FORMAT, 8);
    Buffer.from(key, 'hex').copy(header, 12);
    header.writeUInt32BE(payload.length, 44);
    createHash('sha256').update(payload).digest().copy(header, 48);
    const file = this.path(key);
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const folder = join(this.dir, key.slice(0, 2));
      if (!this.made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        this.made.add(folder);
      }
      writeFileSync(temp, Buffer.concat([header, payload]));
      // rename is atomic: a concurrent reader gets the old entry or the new one, never half of one
      renameSync(temp, file);
      this.counts.writes++;
      this.counts.bytesWritten += HEADER + payload.length;
    } catch {
      try {
        unlinkSync(temp);
      } catch {
        // never written
      }
    }
  }

  /**
   * `prune()` when the folder may have outgrown its bound. Listing every entry costs a stat each (tens of ms on
   * a cache of thousands), so the folder's size is kept in a file beside the entries, which each run adds its
   * writes to; only once that passes the bound is the folder listed and pruned, which sets it right again.
   * Concurrent runs may lose each other's additions: the folder can then pass its bound by what they wrote,
   * until the next run that writes notices.
   */
  pruneIfFull(now: number = Date.now()): void {
    const added = this.counts.bytesWritten - this.accounted;
    if (added <= 0) return;
    this.accounted = this.counts.bytesWritten;
    const usage = join(this.dir, USAGE_FILE);
    let known: number | undefined;
    try {
      const value = Number(readFileSync(usage, 'utf8'));
      if (Number.isSafeInteger(value) && value >= 0) known = value;
    } catch {
      // never pruned here yet, or unreadable: list the folder
    }
    const estimate = known === undefined ? undefined : known + added;
    const bytes = estimate === undefined || estimate > this.maxBytes ? this.prune(now).bytes : estimate;
    try {
      writeFileSync(usage, String(bytes));
    } catch {
      // an unwritable folder holds nothing to prune
    }
  }

  /** Removes the oldest entries (by write time) until the folder holds at most maxBytes. */
  prune(now: number = Date.now()): { removed: number; bytes: number } {
    const entries: Array<{ file: string; size: number; mtime: number }> = [];
    let subdirs: string[];
    try {
      subdirs = readdirSync(this.dir).filter((d) => /^[0-9a-f]{2}$/.test(d));
    } catch {
      return { removed: 0, bytes: 0 };
    }
    for (const sub of subdirs) {
      let names: string[];
      try {
        names = readdirSync(join(this.dir, sub));
      } catch {
        continue;
      }
      for (const name of names) {
        const file = join(this.dir, sub, name);
        try {
          const stat = statSync(file);
          if (name.endsWith('.tmp')) {
            if (now - stat.mtimeMs > STALE_TEMP_MS) unlinkSync(file);
            continue;
          }
          entries.push({ file, size: stat.size, mtime: stat.mtimeMs });
        } catch {
          // removed by a concurrent run meanwhile
        }
      }
    }
    let bytes = entries.reduce((n, e) => n + e.size, 0);
    let removed = 0;
    if (bytes <= this.maxBytes) return { removed, bytes };
    entries.sort((a, b) => a.mtime - b.mtime);
    for (const entry of entries) {
      if (bytes <= this.maxBytes) break;
      try {
        unlinkSync(entry.file);
        removed++;
      } catch {
        // a concurrent run pruned it first
      }
      bytes -= entry.size;
    }
    return { removed, bytes };
  }

  private path(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`cache key must be a sha256 in hex, not ${key}`);
    return join(this.dir, key.slice(0, 2), key);
  }
}

/** The payload of an entry whose header names this key and whose checksum holds; else undefined. */
function verified(bytes: Buffer, key: string): Buffer | undefined {
  if (bytes.length < HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (bytes.readUInt32BE(8) !== FORMAT) return undefined;
  if (!bytes.subarray(12, 44).equals(Buffer.from(key, 'hex'))) return undefined;
  const length = bytes.readUInt32BE(44);
  if (bytes.length !== HEADER + length) return undefined;
  const payload = bytes.subarray(HEADER);
  if (!createHash('sha256').update(payload).digest().equals(bytes.subarray(48, 80))) return undefined;
  return payload;
}

/** sha256 in hex of the parts, separated so that ("ab", "c") and ("a", "bc") differ. */
export function keyOf(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}\0`);
  return hash.digest('hex');
}
