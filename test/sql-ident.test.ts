import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../src/review/parse.js';
import { quoteAlways, quoteIdent } from '../src/sql-ident.js';
import { reviewAfter } from './review/helpers.js';

beforeAll(loadParser);

describe('identifiers written back into SQL', () => {
  it('quotes what PostgreSQL would not read back unchanged: capitals, reserved words, quotes', () => {
    expect(quoteIdent('orders')).toBe('orders');
    expect(quoteIdent('adminId')).toBe('"adminId"');
    expect(quoteIdent('user')).toBe('"user"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteAlways('orders')).toBe('"orders"');
  });

  it('a suggested fix on a table named "user" (drizzle apps have one) is SQL PostgreSQL accepts', () => {
    const report = reviewAfter('CREATE TABLE "user" (id int, admin_id int);', 'CREATE INDEX user_admin_idx ON "user" (admin_id);');
    const fix = report.files[0]?.statements[0]?.findings.find((f) => f.rule === 'blocking-full-scan')?.fix;
    expect(fix).toContain('ON "user" (admin_id)');
  });
});
