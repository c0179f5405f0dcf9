import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { positionInQuery } from '../src/explain/run.js';
import { dbtool, freshDatabase, stopSharedServer, withPg } from './migrate/helpers.js';

// What a newcomer reads when explain refuses: each message says what to do, with the exit code of a usage error.
describe('explain messages on a PostgreSQL 18 server', () => {
  let url: string;
  beforeAll(async () => {
    url = await freshDatabase();
    await withPg(url, (c) => c.query('CREATE TABLE users (id bigint PRIMARY KEY, email varchar(255) NOT NULL)'));
  });
  afterAll(() => stopSharedServer());

  it('one placeholder is "$1", not "$1…$1"', async () => {
    const r = await dbtool(['explain', '--url', url, 'SELECT * FROM users WHERE id = $1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the query uses \$1 but no values were given/);
  });

  it("--param on a query without placeholders is a usage error (2) before anything runs, not the server's bind error", async () => {
    const none = await dbtool(['explain', '--url', url, '--param', '7', 'SELECT * FROM users']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/1 value was given with --param\/--params, but the query has no \$n placeholders/);
    expect(none.stderr).not.toMatch(/bind message/);
    const extra = await dbtool(['explain', '--url', url, '--param', '7', '--param', '8', 'SELECT * FROM users WHERE id = $1']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toMatch(/2 values were given .* only uses \$1/);
  });

  it('refusing SET says how to pass settings, and the way it names works', async () => {
    const refused = await dbtool(['explain', '--url', url, "SET work_mem = '64MB'"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/PGOPTIONS='-c work_mem=64MB'/);
    const viaEnv = await dbtool(['explain', '--url', url, '--format', 'json', 'SELECT count(*) FROM users'], { env: { PGOPTIONS: '-c work_mem=64MB' } });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toMatch(/"work_mem": "64MB"/);
    const viaUrl = await dbtool(['explain', '--url', `${url}?options=-c%20work_mem%3D32MB`, '--format', 'json', 'SELECT count(*) FROM users']);
    expect(viaUrl.code).toBe(0);
    expect(viaUrl.stdout).toMatch(/"work_mem": "32MB"/);
  });

  it("a server error points into the user's query, not into dbtool's EXPLAIN wrapper", async () => {
    const r = await dbtool(['explain', '--url', url, 'SELECT id,\n  emial FROM users']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SQLSTATE 42703.*column "emial" does not exist \(line 2, column 3 of the query\)/);
    expect(r.stderr).not.toMatch(/at character/);
  });
});

describe('positionInQuery', () => {
  it('subtracts the prefix in characters and drops positions outside the query', () => {
    const error = { code: '42703', message: 'x', position: 30 };
    expect(positionInQuery(error, 'EXPLAIN (ANALYZE) ', 'SELECT émial FROM users')).toEqual({ code: '42703', message: 'x', position: 12 });
    expect(positionInQuery({ ...error, position: 3 }, 'EXPLAIN (ANALYZE) ', 'SELECT 1')).toEqual({ code: '42703', message: 'x' });
    expect(positionInQuery(error, undefined, 'SELECT 1')).toEqual({ code: '42703', message: 'x' });
  });
});
