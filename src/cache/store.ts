import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

/** 100 MB: a few thousand migrations with their parse trees and reports fit several times over. */
export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;

const MAGIC = Buffer.from('DBTCACHE');
/** beside the entries: the folder's size in bytes as last listed, then what each run since added, a line each */
const USAGE_FILE = 'usage';
/** a note this long is summed into one line by the next run that writes (by listing the folder: it is rare) */
const MAX_USAGE_LINES = 1_000;
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
   * a cache of thousands), so the folder's size is kept in a note beside the entries: the size last listed, then
   * a line per run that wrote with what it added (each after a newline of its own, should a line be cut short).
   * Only once their sum passes the bound is the folder listed and pruned, and the note rewritten with the real
   * size. Appending (O_APPEND) keeps concurrent runs' lines whole and both counted; rewriting the note every run
   * made ext4 write it back at once (a truncated file is flushed at close), which stalled 3 runs in 11 here by
   * 18–127 ms.
   */
  pruneIfFull(now: number = Date.now()): void {
    const added = this.counts.bytesWritten - this.accounted;
    if (added <= 0) return;
    this.accounted = this.counts.bytesWritten;
    const usage = join(this.dir, USAGE_FILE);
    const noted = notedUsage(usage);
    try {
      if (noted !== undefined && noted.bytes + added <= this.maxBytes && noted.lines < MAX_USAGE_LINES) appendFileSync(usage, `\n${added}\n`);
      else writeFileSync(usage, `${this.prune(now).bytes}\n`);
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

/** The size the usage note adds up to, or undefined when there is none or any line of it is not a byte count. */
function notedUsage(file: string): { bytes: number; lines: number } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n').filter((line) => line !== '');
  if (lines.length === 0 || !lines.every((line) => /^\d{1,15}$/.test(line))) return undefined;
  return { bytes: lines.reduce((sum, line) => sum + Number(line), 0), lines: lines.length };
}
