import { isUtf8 } from 'node:buffer';
import type { Stats } from 'node:fs';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';

/**
 * Reading SQL text from files and standard input without trusting them: only regular files, never more than
 * a cap, and only UTF-8 text without NUL bytes. Every refusal is an InputError (exit 2) naming the file and,
 * for bad bytes, where the first one is.
 */

/** Larger than any hand-written or generated migration; a file beyond it is a dump, or not SQL. */
export const MAX_SQL_BYTES = 64 * 1024 * 1024;

export interface ReadOptions {
  /** the most bytes read before refusing (default MAX_SQL_BYTES) */
  maxBytes?: number;
}

/**
 * The text of a SQL file, as drizzle's migrator reads it (a UTF-8 byte order mark is kept: the reviewer reports
 * it, and drizzle hashes the file with it). `display` is the path as the user should see it in messages.
 */
export function readSqlFile(path: string, display: string = path, options: ReadOptions = {}): string {
  return readSql(path, display, options, false) as string;
}

/** `readSqlFile`, or undefined when nothing (or a dangling link) is at the path. */
export function readSqlFileIfPresent(path: string, display: string = path, options: ReadOptions = {}): string | undefined {
  return readSql(path, display, options, true);
}

function readSql(path: string, display: string, options: ReadOptions, absentIsUndefined: boolean): string | undefined {
  const max = options.maxBytes ?? MAX_SQL_BYTES;
  let fd: number;
  try {
    // O_NONBLOCK: opening a named pipe for reading would otherwise wait for a writer before fstat can refuse it
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if (absentIsUndefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsInputError(error, display);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notRegular(stat, display);
    if (stat.size > max) throw tooLarge(display, max, stat.size);
    return decodeSqlBytes(readAll(fd, display, max, stat.size), display);
  } catch (error) {
    throw error instanceof InputError ? error : fsInputError(error, display);
  } finally {
    closeSync(fd);
  }
}

/** Standard input as SQL text, with the same checks and cap as a file (`< /dev/zero` ends at the cap). */
export function readSqlStdin(options: ReadOptions = {}): string {
  const max = options.maxBytes ?? MAX_SQL_BYTES;
  try {
    return decodeSqlBytes(readAll(0, '<stdin>', max, 0), '<stdin>');
  } catch (error) {
    throw error instanceof InputError ? error : fsInputError(error, '<stdin>');
  }
}

/** Reads to the end, refusing once more than `max` bytes arrived (the file may grow while it is read). */
function readAll(fd: number, display: string, max: number, sizeHint: number): Buffer {
  // a regular file's size is known: one byte more shows that it grew meanwhile, and a small buffer per file keeps
  // a folder of thousands of migrations from allocating 64 KB each (garbage collection dominated such runs)
  let buffer = Buffer.allocUnsafe(Math.min(sizeHint > 0 ? sizeHint + 1 : 64 * 1024, max + 1));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (length > max) throw tooLarge(display, max);
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, max + 1));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    let n: number;
    try {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (error) {
      // a non-blocking pipe on standard input with nothing in it yet: wait a little and read again
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      throw error;
    }
    if (n === 0) break;
    length += n;
  }
  if (length > max) throw tooLarge(display, max);
  return buffer.subarray(0, length);
}

/** Bytes to text, or an InputError for UTF-16/UTF-32, invalid UTF-8 or a NUL byte, located at the first bad byte. */
export function decodeSqlBytes(bytes: Buffer, display: string): string {
  const wide = wideEncoding(bytes);
  if (wide) {
    throw new InputError(
      `${display}: is ${wide}; dbtool reads SQL files as UTF-8`,
      'Convert it to UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8 in.sql > out.sql`): drizzle-kit writes UTF-8 and migration runners send the bytes as they are.',
    );
  }
  const nul = bytes.indexOf(0);
  const invalid = isUtf8(bytes) ? -1 : firstInvalidUtf8(bytes);
  if (nul >= 0 && (invalid < 0 || nul < invalid)) {
    throw new InputError(
      `${located(bytes, nul, display)}: NUL byte (0x00) at byte offset ${nul}: PostgreSQL's parser stops at it, so nothing after it would be reviewed or applied`,
      'Remove the NUL byte (a bad copy-paste or a tool that wrote binary data); if this is a binary file, it is not a migration.',
    );
  }
  if (invalid >= 0) {
    throw new InputError(
      `${located(bytes, invalid, display)}: not valid UTF-8: byte 0x${(bytes[invalid] ?? 0).toString(16).padStart(2, '0')} at byte offset ${invalid}`,
      'Save the file as UTF-8 (from Latin-1 / Windows-1252: `iconv -f WINDOWS-1252 -t UTF-8 in.sql > out.sql`); if this is a binary file, it is not a migration.',
    );
  }
  return bytes.toString('utf8');
}

/** UTF-16 or UTF-32 by byte order mark, or UTF-16 without one by the NUL byte in every other position. */
function wideEncoding(bytes: Buffer): string | undefined {
  const [a, b, c, d] = bytes;
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return 'UTF-32 (little-endian) text, byte order mark FF FE 00 00';
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return 'UTF-32 (big-endian) text, byte order mark 00 00 FE FF';
  if (a === 0xff && b === 0xfe) return 'UTF-16 (little-endian) text, byte order mark FF FE';
  if (a === 0xfe && b === 0xff) return 'UTF-16 (big-endian) text, byte order mark FE FF';
  const sample = Math.min(bytes.length, 4096) & ~1;
  if (sample < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < sample; i += 2) {
    if (bytes[i] === 0) evenZeros++;
    if (bytes[i + 1] === 0) oddZeros++;
  }
  const pairs = sample / 2;
  if (oddZeros >= pairs * 0.4 && evenZeros <= pairs * 0.05)
    return 'UTF-16 (little-endian) text without a byte order mark (a NUL byte after every ASCII character)';
  if (evenZeros >= pairs * 0.4 && oddZeros <= pairs * 0.05)
    return 'UTF-16 (big-endian) text without a byte order mark (a NUL byte before every ASCII character)';
  return undefined;
}

/** `file:line:column` of a byte offset; the bytes before it are valid UTF-8 (it is the first bad byte). */
function located(bytes: Buffer, offset: number, display: string): string {
  let line = 1;
  let lineStart = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0 && at < offset; at = bytes.indexOf(0x0a, at + 1)) {
    line++;
    lineStart = at + 1;
  }
  // columns count characters (UTF-16 code units), as every other position dbtool prints
  const column = bytes.toString('utf8', lineStart, offset).length + 1;
  return `${display}:${line}:${column}`;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f; // no UTF-16 surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined) return i;
      const [low, high] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (next < low || next > high) return i;
    }
    i += need + 1;
  }
  return -1;
}

function notRegular(stat: Stats, display: string): InputError {
  if (stat.isDirectory()) return new InputError(`${display}: is a directory, not a SQL file`, 'A migration is a .sql file: rename or remove the directory.');
  const kind = stat.isFIFO()
    ? 'a named pipe (FIFO)'
    : stat.isCharacterDevice()
      ? 'a character device'
      : stat.isBlockDevice()
        ? 'a block device'
        : stat.isSocket()
          ? 'a socket'
          : 'not a regular file';
  return new InputError(
    `${display}: is ${kind}, not a regular file; dbtool reads SQL only from regular files (and standard input)`,
    'Pass the .sql file itself; to review SQL another program writes, pipe it in: `… | dbtool review-migration -`.',
  );
}

/** `size` when the file system told it; without it, reading stopped at the cap. */
function tooLarge(display: string, max: number, size?: number): InputError {
  const limit = max >= 1024 * 1024 ? `${Math.round(max / (1024 * 1024))} MB` : `${max} bytes`;
  return new InputError(
    `${display}: ${size === undefined ? 'more' : `${size.toLocaleString('en')} bytes, more`} than the ${limit} dbtool reads from one SQL file`,
    'Split it into several migrations; a file this large is usually a data dump, which belongs in COPY or a seed script, not a migration.',
  );
}

/** An operating-system error on an input path as a user-facing error (the path is the user's, not dbtool's fault). */
export function fsInputError(error: unknown, display: string): unknown {
  const errno = error as NodeJS.ErrnoException | undefined;
  const code = errno?.code;
  // only a failed system call on the path is the user's; anything else is a bug and stays an internal error
  if (typeof code !== 'string' || errno?.syscall === undefined) return error;
  const reason: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory, not a SQL file',
    ENOTDIR: 'a part of the path is not a directory',
    ELOOP: 'too many levels of symbolic links',
    ENXIO: 'is a socket or a device without a reader, not a regular file',
    ENAMETOOLONG: 'the path is too long',
    EMFILE: 'too many open files',
    EIO: 'input/output error',
  };
  return new InputError(
    `${display}: ${reason[code] ?? `cannot be read (${code})`}`,
    code === 'EACCES' || code === 'EPERM'
      ? "Check the file's permissions (and its folders'): dbtool needs to read it."
      : 'Pass a .sql file, a drizzle migrations folder, or - for standard input.',
  );
}
