import { PGlite } from '@electric-sql/pglite';
import { beforeAll, describe, expect, it } from 'vitest';
import { review } from '../../src/review/engine.js';
import type { ReviewSettings } from '../../src/review/findings.js';
import { loadParser } from '../../src/review/parse.js';
import { DEFAULTS, reviewAfter, rulesOf } from './helpers.js';

beforeAll(loadParser);

const SHOP = `CREATE TYPE order_status AS ENUM ('pending', 'paid');
CREATE TABLE users (id bigint PRIMARY KEY, name text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, status order_status, total integer);`;

/** Reviews `files` as pending migrations after the history: `migration:line rule` for each finding. */
function folder(files: string[], settings: Partial<ReviewSettings> = {}): string[] {
  const report = review(
    [
      {
        files: [
          { path: '0000.sql', migration: '0000', text: SHOP, problems: [], review: false },
          ...files.map((text, i) => ({ path: `000${i + 1}.sql`, migration: `000${i + 1}`, text, problems: [], review: true })),
        ],
      },
    ],
    { ...DEFAULTS, runnerLockTimeout: true, ...settings },
  );
  return report.files.flatMap((f) => f.statements.flatMap((s) => s.findings.map((x) => `${f.migration}:${x.line} ${x.rule}`)));
}

describe('enum-value-used-in-same-transaction', () => {
  const add = "ALTER TYPE order_status ADD VALUE 'refunded';";
  const use = "UPDATE orders SET status = 'refunded' WHERE id = 1;";

  it("follows drizzle's single transaction into later files of the run", () => {
    expect(folder([add, use])).toContain('0002:1 enum-value-used-in-same-transaction');
  });

  it('is silent when the runner commits each file, or the file commits before the use', () => {
    expect(folder([add, use], { transactionMode: 'per-file' })).not.toContain('0002:1 enum-value-used-in-same-transaction');
    expect(folder([`${add}\nCOMMIT;\nBEGIN;\n${use}`], { transactionMode: 'none' })).toEqual([]);
    expect(folder([`${add}\n${use}`], { transactionMode: 'none' })).toEqual([]);
  });

  it('fires inside an explicit BEGIN block when the runner adds none', () => {
    expect(folder([`BEGIN;\n${add}\n${use}\nCOMMIT;`], { transactionMode: 'none' })).toContain('0001:3 enum-value-used-in-same-transaction');
  });

  it('follows the type through a rename in the same run, as PostgreSQL does', async () => {
    const rename = 'ALTER TYPE order_status RENAME TO order_state;';
    expect(folder([add, rename, use])).toContain('0003:1 enum-value-used-in-same-transaction');
    // the engine agrees: the renamed type's uncommitted value is still unsafe to use
    const db = new PGlite();
    try {
      await db.exec(SHOP);
      await db.exec(`BEGIN; ${add} ${rename}`);
      await expect(db.exec(use)).rejects.toMatchObject({ code: '55P04' });
    } finally {
      await db.close();
    }
  });

  it('ignores the label in a column of another type, and a type created in the same transaction', () => {
    expect(folder([`${add}\nUPDATE users SET name = 'refunded' WHERE id = 1;`])).toEqual([]);
    expect(rulesOf(reviewAfter(SHOP, "CREATE TYPE t AS ENUM ('a');\nALTER TYPE t RENAME VALUE 'a' TO 'b';"))).not.toContain('enum-value-rename');
  });
});

describe('validate-in-same-transaction', () => {
  const add = 'ALTER TABLE orders ADD CONSTRAINT total_check CHECK (total >= 0) NOT VALID;';
  const validate = 'ALTER TABLE orders VALIDATE CONSTRAINT total_check;';

  it('fires across the files of one drizzle run, not across committed files', () => {
    expect(folder([add, validate])).toContain('0002:1 validate-in-same-transaction');
    // what is left is the validation's dependence on the data, which no transaction layout removes
    expect(folder([add, validate], { transactionMode: 'per-file' })).toEqual(['0002:1 data-dependent-change']);
    expect(folder([`${add}\n${validate}`], { transactionMode: 'none' })).toEqual(['0001:2 data-dependent-change']);
  });
});

describe('missing-lock-timeout', () => {
  const alter = 'ALTER TABLE users ADD COLUMN locale text;';
  const lint = (sql: string, settings: Partial<ReviewSettings> = {}) => folder([sql], { runnerLockTimeout: false, ...settings });

  it('recognises SET, SET LOCAL and set_config, and RESET undoing them', () => {
    expect(lint(alter)).toEqual(['0001:1 missing-lock-timeout']);
    expect(lint(`SET lock_timeout TO '2s';\n${alter}`)).toEqual([]);
    expect(lint(`SET LOCAL lock_timeout = 2000;\n${alter}`)).toEqual([]);
    expect(lint(`SELECT set_config('lock_timeout', '2s', false);\n${alter}`)).toEqual([]);
    expect(lint(`SET lock_timeout = '2s';\nRESET lock_timeout;\n${alter}`)).toEqual(['0001:3 missing-lock-timeout']);
  });

  it('does not count SET LOCAL outside a transaction block', () => {
    expect(lint(`SET LOCAL lock_timeout = '2s';\n${alter}`, { transactionMode: 'none' })).toEqual(['0001:2 missing-lock-timeout']);
  });

  it('is silent when the runner sets lock_timeout, unless the file sets it to 0', () => {
    expect(folder([alter])).toEqual([]);
    expect(folder([`SET lock_timeout = '0s';\n${alter}`])).toEqual(['0001:2 missing-lock-timeout']);
  });

  it('reports once per file, and nothing for new tables or locks that let writes through', () => {
    expect(lint(`${alter}\nALTER TABLE users ADD COLUMN tz text;`)).toEqual(['0001:1 missing-lock-timeout']);
    expect(lint("CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN x text;\nCOMMENT ON TABLE users IS 'people';")).toEqual([]);
  });

  it('needs a SET in each file: the next deploy may run a file alone', () => {
    // (a second, different column: adding the same one twice is a statement PostgreSQL rejects)
    expect(lint([`SET lock_timeout = '2s';\n${alter}`, alter.replace('locale', 'timezone')].join('\n'))).toEqual([]);
    expect(folder([`SET lock_timeout = '2s';\n${alter}`, 'ALTER TABLE orders ADD COLUMN note text;'], { runnerLockTimeout: false })).toEqual([
      '0002:1 missing-lock-timeout',
    ]);
  });
});

describe('transaction-forbidden and explicit transactions', () => {
  const concurrently = 'CREATE INDEX CONCURRENTLY users_name ON users (name);';

  it('fires inside an explicit BEGIN even when the runner wraps nothing', () => {
    expect(folder([`BEGIN;\n${concurrently}\nCOMMIT;`], { transactionMode: 'none' })).toContain('0001:2 transaction-forbidden');
    expect(folder([concurrently], { transactionMode: 'none' })).toEqual([]);
  });

  it("is silent after a COMMIT ends drizzle's transaction (the COMMIT itself is transaction-control's finding)", () => {
    expect(folder([`COMMIT;\n${concurrently}`])).toEqual(['0001:1 transaction-control']);
  });
});

describe('foreign-key-without-index', () => {
  const fk = 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;';

  it('waits for the rest of the folder: an index created later resolves it', () => {
    expect(folder([fk])).toEqual(['0001:1 foreign-key-without-index']);
    expect(folder([fk, 'CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);'], { transactionMode: 'none' })).toEqual([]);
    expect(folder([`${fk}\nCREATE INDEX orders_user_id_total_idx ON orders (user_id, total);`])).not.toContain('0001:1 foreign-key-without-index');
  });

  it('is not resolved by an index that does not start with the key columns', () => {
    expect(folder([`${fk}\nCREATE INDEX orders_total_user_idx ON orders (total, user_id);`])).toContain('0001:1 foreign-key-without-index');
  });
});

describe('stacked-exclusive-locks', () => {
  it('counts only locks this file took on tables that existed before it', () => {
    expect(folder(['ALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;'])).toContain('0001:2 stacked-exclusive-locks');
    expect(folder(['ALTER TABLE users ADD COLUMN a text;', 'ALTER TABLE orders ADD COLUMN b text;'])).toEqual([]);
    expect(folder(['ALTER TABLE users ADD COLUMN a text;\nALTER TABLE orders ADD COLUMN b text;'], { transactionMode: 'none' })).toEqual([]);
  });
});

describe('statement-will-fail on duplicate assignments', () => {
  it('knows PostgreSQL refuses a column assigned or listed twice', () => {
    expect(rulesOf(reviewAfter(SHOP, 'UPDATE orders SET total = 1, total = 2 WHERE id = 1;'))).toContain('statement-will-fail');
    expect(rulesOf(reviewAfter(SHOP, 'INSERT INTO orders (id, id) VALUES (1, 2);'))).toContain('statement-will-fail');
    expect(rulesOf(reviewAfter(SHOP, 'CREATE TABLE t (a int, a text);'))).toContain('statement-will-fail');
    expect(rulesOf(reviewAfter(SHOP, "UPDATE orders SET total = 1, status = 'paid' WHERE id = 1;"))).not.toContain('statement-will-fail');
  });
});
