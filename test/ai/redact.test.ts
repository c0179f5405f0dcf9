import { beforeAll, describe, expect, it } from 'vitest';
import { literalsOf, OMITTED_SQL, redactSql, redactText } from '../../src/ai/core/redact-sql.js';
import { loadParser } from '../../src/review/parse.js';

beforeAll(() => loadParser());

describe('redactSql', () => {
  it.each([
    // DDL, which libpg-query's normalize leaves alone
    [`ALTER TABLE "users" ADD COLUMN "token" text DEFAULT 'secret-value' NOT NULL`, `ALTER TABLE "users" ADD COLUMN "token" text DEFAULT $1 NOT NULL`],
    [`ALTER TABLE t ADD COLUMN n integer DEFAULT 4242`, `ALTER TABLE t ADD COLUMN n integer DEFAULT $1`],
    [
      `CREATE TABLE t (id int CHECK (id > 4242), price numeric(10,2) DEFAULT 3.14, s varchar(255))`,
      `CREATE TABLE t (id int CHECK (id > $1), price numeric(10,2) DEFAULT $2, s varchar(255))`,
    ],
    [`CREATE INDEX i ON t (s) WHERE s = 'secret'`, `CREATE INDEX i ON t (s) WHERE s = $1`],
    [`COMMENT ON TABLE t IS 'who owns this'`, `COMMENT ON TABLE t IS $1`],
    [`ALTER TYPE mood ADD VALUE 'ecstatic'`, `ALTER TYPE mood ADD VALUE $1`],
    // queries: normalize's numbering, then the scanner continues after it
    [`UPDATE users SET role = 'admin' WHERE id = 4242`, `UPDATE users SET role = $1 WHERE id = $2`],
    [`INSERT INTO t VALUES (1, E'a\\'b', B'101', X'1F', U&'x', $$dollar$$)`, `INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6)`],
    [`SELECT 'x'::varchar(10)`, `SELECT $1::varchar(10)`],
    // credentials in DDL
    [`CREATE ROLE app PASSWORD 'hunter2'`, `CREATE ROLE app PASSWORD $1`],
    [`CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'u', password 'hunter2')`, `CREATE USER MAPPING FOR app SERVER s OPTIONS (user $1, password $2)`],
    [`SELECT dblink_connect('postgres://u:pw@h/db')`, `SELECT dblink_connect($1)`],
    // comments can say anything
    [`ALTER TABLE t /* ticket: pw=hunter2 */ DROP COLUMN c -- was 'secret'`, `ALTER TABLE t DROP COLUMN c`],
    // a placeholder already in the text keeps its number
    [`UPDATE t SET a = $1, b = 'x'`, `UPDATE t SET a = $1, b = $2`],
    // text that does not parse is still scanned
    [`ALTER TABLE t ADD COLUMN x text DEFAULT 'secret' NOT NULL WHATEVER`, `ALTER TABLE t ADD COLUMN x text DEFAULT $1 NOT NULL WHATEVER`],
    [`INSERT INTO t VALUES ('é', 'ü')`, `INSERT INTO t VALUES ($1, $2)`],
  ])('%s', (sql, expected) => {
    expect(redactSql(sql)).toBe(expected);
  });

  it('omits text the scanner cannot tokenize', () => {
    expect(redactSql(`INSERT INTO t VALUES ('unterminated secret`)).toBe(OMITTED_SQL);
  });
});

describe('redactText', () => {
  it('removes the literals of the statement from derived messages', () => {
    const literals = literalsOf(`ALTER TABLE t ADD COLUMN c text DEFAULT 'secret-value', ADD COLUMN n int DEFAULT 4242, ADD COLUMN f text DEFAULT 'a'`);
    expect(literals).toEqual(['secret-value', '4242', 'a']);
    expect(redactText(`default 'secret-value' and 4242 (not 42420) on a table, 'a'`, literals)).toBe(
      `default '<literal>' and <literal> (not 42420) on a table, '<literal>'`,
    );
  });

  it('reads dollar-quoted and escaped strings', () => {
    expect(literalsOf(`SELECT $tag$x y$tag$, 'it''s'`)).toEqual(['x y', "it's"]);
  });
});
