import { isUtf8 } from 'node:buffer';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSqlBytes, firstInvalidUtf8, MAX_SQL_BYTES, readSqlFile } from '../src/drizzle/read-text.js';
import { InputError } from '../src/errors.js';
import type { CliResult } from './migrate/helpers.js';
import { BIN, dbtool, journalFolder } from './migrate/helpers.js';

const INIT = 'CREATE TABLE users (id bigint PRIMARY KEY, email text);';

function project(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-hostile-'));
  journalFolder(Object.fromEntries(Object.keys(files).map((k) => [k, ''])), { parent: dir });
  for (const [tag, content] of Object.entries(files)) writeFileSync(join(dir, 'drizzle', `${tag}.sql`), content);
  return dir;
}

/** A user error: exit 2, the message, no stack trace. */
function refused(result: CliResult, ...parts: string[]): void {
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const part of parts) expect(result.stderr).toContain(part);
  expect(result.code).toBe(2);
}

/** The CLI with a deadline: a command that blocks on a pipe or reads /dev/zero forever fails the test instead of hanging it. */
async function bounded(args: string[], cwd: string, ms = 15_000): Promise<CliResult> {
  const run = dbtool(args, { cwd });
  const timer = setTimeout(() => run.kill('SIGKILL'), ms);
  try {
    return await run;
  } finally {
    clearTimeout(timer);
  }
}

describe('a NUL byte in a migration (issue 11, 8a)', () => {
  const withNul = `${INIT}\n--> statement-breakpoint\nSELECT 1;\0 DROP TABLE users;\n`;

  it('stops review-migration with the file:line:column of the byte', async () => {
    const dir = project({ '0000_init': withNul });
    refused(await dbtool(['review-migration', 'drizzle'], { cwd: dir }), 'drizzle/0000_init.sql:3:10: NUL byte (0x00) at byte offset 90');
    // also when only a later file of the folder is named, and when the folder is only history
    const later = project({ '0000_init': withNul, '0001_more': 'SELECT 2;' });
    refused(await dbtool(['review-migration', 'drizzle/0001_more.sql'], { cwd: later }), 'drizzle/0000_init.sql:3:10');
  });

  it('stops migrate before it opens the database, so nothing is recorded as applied', async () => {
    const dir = project({ '0000_init': withNul });
    const result = await dbtool(['migrate', '--dir', 'drizzle'], { cwd: dir });
    refused(result, 'drizzle/0000_init.sql:3:10: NUL byte');
    expect(result.stdout).not.toContain('Applying');
    // the embedded database (the default target) was never created
    expect(existsSync(join(dir, '.dbtool'))).toBe(false);
  });
});

describe('files dbtool must not read (issue 11, 9)', () => {
  it('refuses /dev/zero, named directly or as a file of a folder, without reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-hostile-dev-'));
    refused(await bounded(['review-migration', '/dev/zero'], dir), '/dev/zero: is a character device, not a regular file');
    const folder = project({ '0000_init': INIT });
    symlinkSync('/dev/zero', join(folder, 'drizzle', '0001_zero.sql'));
    // (a link: how a link is described may change, that it is refused by name may not)
    refused(await bounded(['review-migration', 'drizzle'], folder), 'drizzle/0001_zero.sql', 'not a regular file');
  });

  it('refuses a named pipe instead of waiting for a writer', async () => {
    const dir = project({ '0000_init': INIT });
    execFileSync('mkfifo', [join(dir, 'drizzle', '0001_pipe.sql')]);
    execFileSync('mkfifo', [join(dir, 'direct.sql')]);
    refused(await bounded(['review-migration', 'direct.sql'], dir), 'direct.sql: is a named pipe (FIFO)');
    refused(await bounded(['review-migration', 'drizzle'], dir), 'drizzle/0001_pipe.sql: is a named pipe (FIFO)');
  });

  it('refuses a directory named like a migration: listed in the journal, left over in the folder, or a v1 migration.sql', async () => {
    const listed = project({ '0000_init': INIT });
    const file = join(listed, 'drizzle', '0000_init.sql');
    execFileSync('rm', [file]);
    mkdirSync(file);
    refused(await dbtool(['review-migration', 'drizzle'], { cwd: listed }), 'drizzle/0000_init.sql: is a directory, not a SQL file');
    const unlisted = project({ '0000_init': INIT });
    mkdirSync(join(unlisted, 'drizzle', 'x.sql'));
    refused(await dbtool(['review-migration', 'drizzle'], { cwd: unlisted }), 'drizzle/x.sql: is a directory');
    const v1 = mkdtempSync(join(tmpdir(), 'dbtool-hostile-v1-'));
    mkdirSync(join(v1, '20240101000000_init', 'migration.sql'), { recursive: true });
    refused(await dbtool(['review-migration', '.'], { cwd: v1 }), '20240101000000_init/migration.sql: is a directory');
  });

  it('refuses a file that cannot be opened (a symbolic link loop) as an input error', async () => {
    const dir = project({ '0000_init': INIT });
    symlinkSync('0001_loop.sql', join(dir, 'drizzle', '0001_loop.sql'));
    refused(await dbtool(['review-migration', 'drizzle'], { cwd: dir }), 'drizzle/0001_loop.sql: too many levels of symbolic links');
  });

  // root reads a chmod 000 file anyway, so there this case cannot be made; the symlink loop above covers an open that fails
  const root = process.getuid?.() === 0;
  if (root) console.warn('input-hostile.test.ts: running as root, the chmod 000 case is skipped (root reads the file regardless)');
  it.skipIf(root)('refuses an unreadable file with "permission denied"', async () => {
    const dir = project({ '0000_init': INIT, '0001_secret': 'SELECT 1;' });
    execFileSync('chmod', ['000', join(dir, 'drizzle', '0001_secret.sql')]);
    refused(await dbtool(['review-migration', 'drizzle'], { cwd: dir }), 'drizzle/0001_secret.sql: permission denied');
  });

  it('refuses a file over the size cap from its size, without reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-hostile-big-'));
    const big = join(dir, 'dump.sql');
    closeSync(openSync(big, 'w'));
    // sparse: no disk space used; reading it would take 64 MB of memory at least
    truncateSync(big, MAX_SQL_BYTES + 2);
    refused(await bounded(['review-migration', 'dump.sql'], dir), 'dump.sql: 67,108,866 bytes, more than the 64 MB dbtool reads from one SQL file');
  });

  it('caps standard input too: `review-migration - < /dev/zero` ends with an input error', async () => {
    const zero = openSync('/dev/zero', 'r');
    const child = spawn(process.execPath, [BIN, 'review-migration', '-'], { stdio: [zero, 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    closeSync(zero);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += String(d)));
    child.stdout?.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    refused({ code, stdout: '', stderr }, '<stdin>: more than the 64 MB dbtool reads');
  });
});

describe('text that is not UTF-8 SQL (issue 11, 9)', () => {
  const sql = 'SELECT 1;\nSELECT 2;\n';

  it('names UTF-16 and UTF-32 with or without a byte order mark', async () => {
    const le = Buffer.from(sql, 'utf16le');
    const be = Buffer.from(le).swap16();
    const dir = project({
      '0000_init': INIT,
      '0001_le_bom': Buffer.concat([Buffer.from([0xff, 0xfe]), le]),
    });
    refused(
      await dbtool(['review-migration', 'drizzle'], { cwd: dir }),
      'drizzle/0001_le_bom.sql: is UTF-16 (little-endian) text, byte order mark FF FE; dbtool reads SQL files as UTF-8',
    );
    expect(() => decodeSqlBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), be]), 'f.sql')).toThrow('f.sql: is UTF-16 (big-endian) text, byte order mark FE FF');
    expect(() => decodeSqlBytes(le, 'f.sql')).toThrow('f.sql: is UTF-16 (little-endian) text without a byte order mark');
    expect(() => decodeSqlBytes(be, 'f.sql')).toThrow('f.sql: is UTF-16 (big-endian) text without a byte order mark');
    expect(() => decodeSqlBytes(Buffer.from([0xff, 0xfe, 0, 0, 0x53, 0, 0, 0]), 'f.sql')).toThrow('UTF-32 (little-endian)');
  });

  it("locates the first byte that is not UTF-8 (a Latin-1 file) and a binary file's first bad byte", async () => {
    const dir = project({
      '0000_init': INIT,
      '0001_latin1': Buffer.concat([Buffer.from('SELECT 1;\n-- caf'), Buffer.from([0xe9]), Buffer.from('\nSELECT 2;\n')]),
    });
    refused(await dbtool(['review-migration', 'drizzle'], { cwd: dir }), 'drizzle/0001_latin1.sql:2:7: not valid UTF-8: byte 0xe9 at byte offset 16');
    // a PNG's signature: 0x89 comes before its NUL bytes
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    expect(() => decodeSqlBytes(png, 'logo.sql')).toThrow('logo.sql:1:1: not valid UTF-8: byte 0x89 at byte offset 0');
    // columns count characters, not bytes, before the bad one
    expect(() => decodeSqlBytes(Buffer.concat([Buffer.from('-- é€😀 '), Buffer.from([0xc0, 0x80])]), 'f.sql')).toThrow(
      'f.sql:1:9: not valid UTF-8: byte 0xc0 at byte offset 13',
    );
  });

  it("finds the first invalid byte exactly where Node's own validator says the text stops being UTF-8", () => {
    const cases = [
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98, 0x80],
      [0xe0, 0x9f, 0x80],
      [0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    ];
    for (const bytes of cases) {
      const b = Buffer.from([0x41, ...bytes, 0x42]);
      const at = firstInvalidUtf8(b);
      expect(at === -1, `${b.toString('hex')}`).toBe(isUtf8(b));
      if (at >= 0) {
        expect(isUtf8(b.subarray(0, at))).toBe(true);
        expect(at).toBe(1);
      }
    }
    // random byte strings biased towards multi-byte sequences: agreement with isUtf8, and a valid prefix up to the offset
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % 256;
    };
    const pool = [0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xc0];
    for (let n = 0; n < 3000; n++) {
      const b = Buffer.from(Array.from({ length: 1 + (next() % 8) }, () => pool[next() % pool.length] ?? 0));
      const at = firstInvalidUtf8(b);
      expect(at === -1, b.toString('hex')).toBe(isUtf8(b));
      if (at >= 0) {
        expect(isUtf8(b.subarray(0, at)), b.toString('hex')).toBe(true);
      }
    }
  });

  it('accepts a UTF-8 byte order mark: not an input error, the reviewer reports it as PostgreSQL would', async () => {
    const dir = project({ '0000_init': INIT, '0001_bom': `\uFEFF${sql}` });
    const result = await dbtool(['review-migration', 'drizzle/0001_bom.sql', '--format', 'json'], { cwd: dir });
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { files: { findings: { message: string }[]; statements: unknown[] }[] };
    expect(report.files.at(-1)?.statements).toHaveLength(2);
    expect(report.files.at(-1)?.findings[0]?.message).toContain('byte order mark');
    expect(readSqlFile(join(dir, 'drizzle', '0001_bom.sql')).charCodeAt(0)).toBe(0xfeff);
  });

  it('throws InputError (exit 2) for every refusal, so the CLI prints it without a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-hostile-unit-'));
    const cases: Array<() => unknown> = [
      () => readSqlFile('/dev/zero'),
      () => readSqlFile(dir),
      () => readSqlFile(join(dir, 'absent.sql')),
      () => decodeSqlBytes(Buffer.from('a\0b'), 'x'),
    ];
    for (const read of cases) {
      let thrown: unknown;
      try {
        read();
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as InputError).exitCode).toBe(2);
    }
    const small = join(dir, 'small.sql');
    writeFileSync(small, 'SELECT 1;');
    expect(() => readSqlFile(small, 'small.sql', { maxBytes: 4 })).toThrow('small.sql: 9 bytes, more than the 4 bytes dbtool reads');
  });
});

describe('control characters from files never reach the terminal raw (issue 11, 9)', () => {
  // an identifier and a comment carrying a CSI sequence, a C1 control, a bidi override and a bell; a file name with ESC
  const hostile = '-- \x1b]0;pwned\x07 title\nCREATE INDEX "i\x1b[2J" ON "t\u009b31m" ("c\u202e") ;\n';

  for (const format of ['pretty', 'markdown', 'github'] as const) {
    it(`escapes them visibly in ${format} output`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dbtool-hostile-esc-'));
      writeFileSync(join(dir, 'e\x1bvil.sql'), hostile);
      const result = await dbtool(['review-migration', 'e\x1bvil.sql', '--format', format], { cwd: dir });
      expect(result.code).toBe(1);
      // eslint-disable-next-line no-control-regex
      expect(result.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
      expect(result.stdout).toContain('\\x1b');
      expect(result.stdout).toContain(format === 'github' ? 'e\\x1bvil.sql' : '\\x1b[2J');
      if (format !== 'github') expect(result.stdout).toContain('\\u202e');
    });
  }

  it('escapes them in what --fix prints about the statements it rewrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-hostile-esc-fix-'));
    writeFileSync(join(dir, 'fix.sql'), 'CREATE INDEX "i\x1b[2J" ON t (c);\n');
    const result = await dbtool(['review-migration', 'fix.sql', '--fix', '--transaction-mode', 'none', '--format', 'json'], { cwd: dir });
    expect(result.stderr).toContain('blocking-full-scan: CREATE INDEX "i\\x1b[2J"');
    expect(result.stderr).not.toContain('\x1b');
  });
});
