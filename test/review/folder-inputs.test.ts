import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInput } from '../../src/drizzle/inputs.js';
import { review } from '../../src/review/engine.js';
import { loadParser } from '../../src/review/parse.js';
import { journalFolder } from '../migrate/helpers.js';

beforeAll(loadParser);

const reviewed = (path: string) => review([loadInput(path, '/', () => '')], { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' });
const problems = (path: string) => reviewed(path).files.map((f) => [f.migration, f.findings.map((x) => `${x.rule}:${x.severity}`)]);

describe('a plain folder with symbolic links', () => {
  it('reviews a .sql symlink like the file it points at', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-links-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'dbtool-target-'));
    writeFileSync(join(dir, '001_init.sql'), 'CREATE TABLE users (id int);');
    writeFileSync(join(elsewhere, 'shared.sql'), 'CREATE TABLE users (id int);');
    symlinkSync(join(elsewhere, 'shared.sql'), join(dir, '002_linked.sql'));
    const report = reviewed(dir);
    expect(report.files.map((f) => f.migration)).toEqual(['001_init', '002_linked']);
    // reviewed against the history: the linked file creates the table a second time
    expect(report.files[1]!.statements[0]!.findings.map((f) => f.rule)).toContain('statement-will-fail');
  });

  it('refuses a broken link or a link to a folder by name, with exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-links-'));
    writeFileSync(join(dir, '001_init.sql'), 'SELECT 1;');
    symlinkSync(join(dir, 'gone.sql'), join(dir, '002_broken.sql'));
    expect(() => loadInput(dir, '/', () => '')).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/002_broken\.sql is a symbolic link to .*gone\.sql, which does not exist/) }),
    );
    const other = mkdtempSync(join(tmpdir(), 'dbtool-links-'));
    writeFileSync(join(other, '001_init.sql'), 'SELECT 1;');
    mkdirSync(join(other, 'sub'));
    symlinkSync(join(other, 'sub'), join(other, '002_folder.sql'));
    expect(() => loadInput(other, '/', () => '')).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/002_folder\.sql is a symbolic link to .*sub, which is a folder/) }),
    );
  });
});

describe('journal tags', () => {
  it('warns about a tag that leaves the folder, and still reviews the file drizzle would run', () => {
    const parent = mkdtempSync(join(tmpdir(), 'dbtool-tags-'));
    const dir = journalFolder({ '0000_init': 'CREATE TABLE users (id int);' }, { parent });
    writeFileSync(join(parent, 'outside.sql'), 'CREATE TABLE outside (id int);');
    const journal = {
      version: '7',
      dialect: 'postgresql',
      entries: [
        { idx: 0, when: 1, tag: '0000_init' },
        { idx: 1, when: 2, tag: '../outside' },
        { idx: 2, when: 3, tag: join(parent, 'outside') },
        { idx: 3, when: 4, tag: 'sub/0003_nested' },
      ],
    };
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', '0003_nested.sql'), 'SELECT 1;');
    writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
    const report = reviewed(dir);
    const byTag = Object.fromEntries(
      report.files.map((f) => [f.migration, f.findings.filter((x) => x.rule === 'journal-unsafe-tag').map((x) => `${x.severity} ${x.message}`)]),
    );
    expect(byTag['0000_init']).toEqual([]);
    expect(byTag['../outside']).toEqual([expect.stringMatching(/^warning Journal entry "..\/outside" points outside the migrations folder/)]);
    expect(byTag[join(parent, 'outside')]).toEqual([expect.stringMatching(/points outside the migrations folder/)]);
    expect(byTag['sub/0003_nested']).toEqual([expect.stringMatching(/contains a path separator/)]);
    // drizzle reads it, so the reviewer does too: its statements are reviewed
    expect(report.files.find((f) => f.migration === '../outside')?.statements.map((s) => s.sql)).toEqual(['CREATE TABLE outside (id int)']);
  });

  it('flags a tag listed twice on the repeated entry only', () => {
    const dir = journalFolder({ '0000_init': 'CREATE TABLE users (id int);', '0001_more': 'ALTER TABLE users ADD COLUMN x int;' });
    const entries = [
      { idx: 0, when: 1, tag: '0000_init' },
      { idx: 1, when: 2, tag: '0001_more' },
      { idx: 2, when: 3, tag: '0000_init' },
    ];
    writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }));
    expect(problems(dir)).toEqual([
      ['0000_init', []],
      ['0001_more', []],
      ['0000_init', ['journal-duplicate-tag:error']],
    ]);
    // and the second run of the file fails where PostgreSQL would
    expect(reviewed(dir).files[2]!.statements[0]!.findings.map((f) => f.rule)).toContain('statement-will-fail');
  });
});
