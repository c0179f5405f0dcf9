import { spawnSync } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, createBrotliDecompress } from 'node:zlib';

/*
 * A pre-initialised PGlite data folder, made once when dbtool is built.
 *
 * On an empty folder PGlite runs initdb by starting a second PGlite instance next to the first, plus the initdb
 * WebAssembly module, and copies the 128 MB heap once more: the first `dbtool migrate` on a new project peaked
 * at ~800 MB RSS, against ~270 MB for every later run on the same folder. The seed is what PGlite itself leaves
 * on disk after creating a database in an empty folder and closing it (tar, brotli); a new embedded database is
 * that archive unpacked, then opened like an existing one. The archive is keyed by the PGlite version, since a
 * data folder only fits the PostgreSQL build that made it; without a matching seed, PGlite's initdb runs as before.
 */

/** The installed @electric-sql/pglite version (its package.json is not exported, so found next to its entry). */
export function pgliteVersion(): string | undefined {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { name?: string; version?: string };
    return manifest.name === '@electric-sql/pglite' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/** dist/pglite-seed/pglite-<version>.tar.br, next to the compiled code (dist/db/ and the CLI bundle's dist/bundle/ are both one folder below). */
export function seedPathFor(version: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'pglite-seed', `pglite-${version}.tar.br`);
}

/**
 * Fills `dataDir` from the seed when it is an empty folder and a seed for the installed PGlite exists. Unpacks into
 * a sibling folder and renames it into place, so an interrupted run never leaves half a database. Returns whether
 * it did; any problem (no seed, a damaged one) leaves the folder empty for PGlite's own initdb.
 */
export async function seedDataDir(dataDir: string, seedFile = seedFileForInstalled()): Promise<boolean> {
  if (!seedFile || !existsSync(seedFile)) return false;
  if (!existsSync(dataDir) || readdirSync(dataDir).length > 0) return false;
  const staging = `${dataDir}.seeding-${process.pid}`;
  try {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { mode: 0o700 });
    // in a short-lived child: the brotli decoder's 16 MB window, freed, would otherwise stay in this process's
    // malloc heap and add ~15 MB to the peak PGlite reaches next (the child is gone before PGlite starts)
    // the compiled module itself: this code may be running from the CLI bundle (dist/bundle/), one folder below it
    const script = fileURLToPath(new URL('../db/pglite-seed.js', import.meta.url));
    const child = spawnSync(process.execPath, [script, seedFile, staging], { stdio: 'ignore', timeout: 60_000 });
    if (child.status !== 0) throw new Error(`unpacking the seed failed (${child.status ?? child.signal})`);
    if (!existsSync(join(staging, 'PG_VERSION'))) throw new Error('the seed holds no PG_VERSION');
    rmdirSync(dataDir);
    renameSync(staging, dataDir);
    return true;
  } catch {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    return false;
  }
}

function seedFileForInstalled(): string | undefined {
  const version = pgliteVersion();
  return version ? seedPathFor(version) : undefined;
}

/** Creates a database with PGlite in a scratch folder, closes it, and stores the folder as the seed `out`. */
export async function makeSeed(out: string): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'dbtool-pglite-seed-'));
  try {
    const dataDir = join(scratch, 'data');
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(dataDir);
    await db.close();
    const archive = brotliCompressSync(tar(dataDir), { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_LGWIN]: 24 } });
    mkdirSync(dirname(out), { recursive: true });
    const partial = join(dirname(out), `.${basename(out)}.${process.pid}`);
    writeFileSync(partial, archive);
    renameSync(partial, out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// A minimal ustar archive: directories and regular files, names relative to the folder, the folder's own modes.

const BLOCK = 512;

export function tar(root: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(join(root, path));
      if (stat.isDirectory()) {
        parts.push(header(`${path}/`, stat.mode & 0o7777, 0, stat.mtimeMs, '5'));
        walk(path);
      } else if (stat.isFile()) {
        const data = readFileSync(join(root, path));
        parts.push(header(path, stat.mode & 0o7777, data.length, stat.mtimeMs, '0'), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
      } else {
        throw new Error(`${path} is neither a file nor a folder`);
      }
    }
  };
  walk('');
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function header(path: string, mode: number, size: number, mtimeMs: number, type: '0' | '5'): Buffer {
  const block = Buffer.alloc(BLOCK);
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = path.lastIndexOf('/', path.length - 2);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155) throw new Error(`${path}: name too long for the archive`);
  }
  const octal = (value: number, width: number): string => `${value.toString(8).padStart(width - 1, '0')}\0`;
  block.write(name, 0, 100);
  block.write(octal(mode, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(size, 12), 124);
  block.write(octal(Math.floor(mtimeMs / 1000), 12), 136);
  block.write(type, 156);
  block.write('ustar\0' + '00', 257);
  block.write(prefix, 345, 155);
  block.write(' '.repeat(8), 148);
  block.write(`${octal(checksum(block), 7)} `, 148);
  return block;
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

/** Unpacks an archive made by tar() into `root` as it streams in: the 40 MB folder is never held in memory whole. */
export class Untar {
  private pending: Buffer = Buffer.alloc(0);
  private fd: number | undefined;
  /** bytes of the current file still to write, then bytes of padding to skip */
  private left = 0;
  private skip = 0;
  private ended = false;

  constructor(private readonly root: string) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      if (this.left > 0) {
        const n = Math.min(this.left, this.pending.length);
        if (n === 0) return;
        writeSync(this.fd!, this.pending, 0, n);
        this.left -= n;
        this.pending = this.pending.subarray(n);
        if (this.left > 0) return;
      }
      if (this.fd !== undefined) {
        closeSync(this.fd);
        this.fd = undefined;
      }
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.pending.length);
        this.skip -= n;
        this.pending = this.pending.subarray(n);
        if (this.skip > 0) return;
      }
      if (this.ended || this.pending.length < BLOCK) return;
      this.entry(this.pending.subarray(0, BLOCK));
      this.pending = this.pending.subarray(BLOCK);
    }
  }

  /** Throws unless the archive's end marker was seen. */
  end(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    if (!this.ended) throw new Error('truncated archive');
  }

  private entry(block: Buffer): void {
    if (block.every((byte) => byte === 0)) {
      this.ended = true;
      return;
    }
    const text = (start: number, length: number): string => {
      const raw = block.subarray(start, start + length);
      const end = raw.indexOf(0);
      return raw.subarray(0, end < 0 ? raw.length : end).toString('utf8');
    };
    const number = (start: number, length: number): number => {
      const value = text(start, length).trim();
      if (!/^[0-7]+$/.test(value)) throw new Error('damaged archive header');
      return parseInt(value, 8);
    };
    if (text(257, 6) !== 'ustar' || number(148, 8) !== checksum(block)) throw new Error('damaged archive header');
    const prefix = text(345, 155);
    const path = posix.normalize(prefix ? `${prefix}/${text(0, 100)}` : text(0, 100));
    if (path.startsWith('/') || path === '..' || path.startsWith('../')) throw new Error(`unsafe path ${path} in the archive`);
    const mode = number(100, 8);
    const size = number(124, 12);
    const type = text(156, 1);
    if (type === '5') {
      mkdirSync(join(this.root, path), { recursive: true, mode });
    } else if (type === '0' || type === '') {
      this.fd = openSync(join(this.root, path), 'w', mode);
      this.left = size;
      this.skip = (BLOCK - (size % BLOCK)) % BLOCK;
    } else {
      throw new Error(`unexpected entry type ${JSON.stringify(type)} in the archive`);
    }
  }
}

export function untar(archive: Buffer, root: string): void {
  const unpacker = new Untar(root);
  unpacker.push(archive);
  unpacker.end();
}

/** Unpacks a brotli-compressed archive into a folder. */
export async function unpackSeed(seedFile: string, into: string): Promise<void> {
  const unpacker = new Untar(into);
  await pipeline(createReadStream(seedFile), createBrotliDecompress(), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) unpacker.push(chunk);
  });
  unpacker.end();
}

// `node pglite-seed.js <seed> <folder>`: the child seedDataDir runs
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.length === 4) {
  // no top-level await: it would keep CommonJS code from require()-ing the library (require(esm) refuses it)
  unpackSeed(process.argv[2]!, process.argv[3]!).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
