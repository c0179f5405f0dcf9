import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser, parseSql } from '../../src/review/parse.js';
import { reviewAfter, rulesOf } from './helpers.js';

beforeAll(loadParser);

describe('parseSql', () => {
  it('gives 1-based positions of each statement, skipping comments and breakpoints', () => {
    const sql = '-- header\nCREATE TABLE a (id int);\n--> statement-breakpoint\n  ALTER TABLE a ADD COLUMN b text;\n';
    const { statements } = parseSql(sql);
    expect(statements.map((s) => [s.line, s.column, s.endLine])).toEqual(
      [
        [2, 1],
        [4, 3],
      ].map(([l, c]) => [l, c, l]),
    );
    expect(statements[1]?.sql).toBe('ALTER TABLE a ADD COLUMN b text');
    expect(statements[1]?.leading).toContain('statement-breakpoint');
  });

  it('counts characters, not UTF-8 bytes, after non-ASCII text', () => {
    const { statements } = parseSql("INSERT INTO t VALUES ('héllo wörld');\nSELECT 1;");
    expect(statements[1]).toMatchObject({ line: 2, column: 1, sql: 'SELECT 1' });
  });

  it('keeps dollar-quoted bodies and DO blocks whole', () => {
    const sql = 'DO $$ BEGIN PERFORM 1; EXCEPTION WHEN others THEN null; END $$;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$;';
    const { statements } = parseSql(sql);
    expect(statements).toHaveLength(2);
    expect(Object.keys(statements[0]?.node ?? {})).toEqual(['DoStmt']);
  });

  it('reports a syntax error at the parser position and still parses the rest of the file', () => {
    const sql = 'CREATE TABLE a (id int);\n--> statement-breakpoint\nALTER TABLE a ADD COLUMN;\n--> statement-breakpoint\nDROP TABLE a;';
    const { statements } = parseSql(sql);
    expect(statements).toHaveLength(3);
    expect(statements[1]?.syntaxError).toMatchObject({ line: 3, column: 25 });
    expect(statements[1]?.node).toBeUndefined();
    expect(Object.keys(statements[2]?.node ?? {})).toEqual(['DropStmt']);
  });

  it('falls back to semicolons when there are no breakpoints', () => {
    const { statements } = parseSql("SELECT 'a;b';\nSELEC 2;\nSELECT 3;");
    expect(statements.map((s) => s.syntaxError === undefined)).toEqual([true, false, true]);
    expect(statements[1]?.syntaxError?.line).toBe(2);
  });

  it('accepts a statement missing its semicolon before a breakpoint, as drizzle does', () => {
    const { statements } = parseSql('CREATE TABLE a (id int)\n--> statement-breakpoint\nCREATE TABLE b (id int)');
    expect(statements.map((s) => s.syntaxError)).toEqual([undefined, undefined]);
  });

  it('reports templated SQL as a syntax error rather than failing', () => {
    const { statements } = parseSql('CREATE TABLE {{ index .Options "Namespace" }}.users (id int);');
    expect(statements[0]?.syntaxError?.message).toMatch(/syntax error/);
  });

  it('reports a templated file once, not once per placeholder, and keeps other syntax errors', () => {
    const template = [
      'CREATE TABLE {{ index .Options "Namespace" }}.users (id int);',
      'CREATE INDEX users_id ON {{ index .Options "Namespace" }}.users (id);',
      'ALTER TABLE {{ index .Options "Namespace" }}.users ADD COLUMN email text;',
    ].join('\n');
    const report = reviewAfter('', template);
    expect(rulesOf(report)).toEqual(['syntax-error']);
    const finding = report.files[0]?.statements[0]?.findings[0];
    expect(finding?.message).toMatch(/^3 statements contain template placeholders \(\{\{ index \.Options "Namespace" \}\}\)/);
    expect(finding?.line).toBe(1);
    // an ordinary typo next to one placeholder is still its own finding
    expect(rulesOf(reviewAfter('', 'CREATE TABLE {{ .ns }}.a (id int);\nCRATE TABLE b (id int);'))).toEqual(['syntax-error', 'syntax-error']);
  });
});

describe('byte order marks', () => {
  it('are reported and do not shift positions', () => {
    const parsed = parseSql('\uFEFFCREATE TABLE a (id int);\r\nALTER TABLE a ADD COLUMN b int;');
    expect(parsed.byteOrderMark).toBe(true);
    expect(parsed.statements.map((s) => [s.line, s.column, s.syntaxError])).toEqual([
      [1, 2, undefined],
      [2, 1, undefined],
    ]);
  });
});
