import { afterAll, describe, expect, it } from 'vitest';
import { dbtool, freshDatabase, journalFolder, stopSharedServer, withPg } from './helpers.js';

afterAll(stopSharedServer);

describe('migrate as a role that may not create the bookkeeping', () => {
  it('exits 2 with what the role lacks, not an internal error', async () => {
    const url = await freshDatabase();
    const database = new URL(url).pathname.slice(1);
    await withPg(url, (c) =>
      c.query(`CREATE ROLE app_no_create LOGIN; REVOKE CREATE ON DATABASE ${database} FROM PUBLIC; REVOKE CREATE ON SCHEMA public FROM PUBLIC`),
    );
    const limited = new URL(url);
    limited.username = 'app_no_create';
    const dir = journalFolder({ '0000_init': 'CREATE TABLE users (id bigint PRIMARY KEY);' });
    const run = await dbtool(['migrate', '--dir', dir, '--url', limited.href]);
    expect(run.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/permission denied/);
    expect(run.stderr).toMatch(/42501/);
    expect(run.stderr).toMatch(/hint: /);
  });
});
