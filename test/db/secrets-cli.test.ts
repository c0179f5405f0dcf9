import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../migrate/helpers.js';
import { dbtool, freshDatabase, journalFolder, sharedServer, stopSharedServer, withPg } from '../migrate/helpers.js';

afterAll(stopSharedServer);

/**
 * Passwords made of distinctive fragments joined by the characters that defeated pattern-based redaction:
 * spaces, "@", ":", "/", "%", quotes, backslashes, "#", "?" and non-ASCII.
 */
const PASSWORDS = {
  spaces: 'Zq9x Kv7y Wm3q',
  at: 'Zq9x@Kv7y@Wm3q',
  mixed: 'Zq9x:Kv7y/Wm3q%41Rt8p?Hn2d#Jc5b',
  unicode: 'Zq9x üñí€😀 Kv7y',
  quotes: "Zq9x'Kv7y\\Wm3q Rt8p",
} as const;

function fragments(password: string): string[] {
  return password.split(/[^A-Za-z0-9]+/).filter((f) => f.length >= 3);
}

/** Nothing of the password in anything the CLI printed, in any spelling; and no stack trace. */
function expectNoSecret(result: CliResult, password: string): void {
  const all = `${result.stdout}\n${result.stderr}`;
  for (const spelling of [password, encodeURIComponent(password), ...fragments(password)]) expect(all).not.toContain(spelling);
  expect(all).not.toContain('internal error');
  expect(all).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

let host: string;
let port: string;
let database: string;
let folder: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  const engine = await sharedServer();
  const url = new URL(await freshDatabase());
  host = url.hostname;
  port = url.port;
  database = url.pathname.slice(1);
  folder = journalFolder({});
  // this file's server: members of dbtool_pw must log in with their password over TCP (the rest stays trust)
  const hba = String((await engine.client.query<{ f: string }>("SELECT current_setting('hba_file') AS f")).rows[0]?.f);
  writeFileSync(hba, `host all +dbtool_pw 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, 'utf8')}`);
  await engine.client.query('SELECT pg_reload_conf()');
  await engine.client.exec('CREATE ROLE dbtool_pw NOLOGIN');
  for (const [name, password] of Object.entries(PASSWORDS)) {
    const sql = (
      await engine.client.query<{ s: string }>("SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE dbtool_pw', $1::text, $2::text) AS s", [
        `pw_${name}`,
        password,
      ])
    ).rows[0]!.s;
    await engine.client.exec(sql);
  }
  // drizzle's bookkeeping table, made by the superuser, usable by the password roles
  const setup = await dbtool(['migrate', '--dir', folder, '--url', url.href]);
  expect(setup.code, setup.stderr).toBe(0);
  await withPg(url.href, (c) =>
    c.query(`GRANT CREATE ON DATABASE ${database} TO dbtool_pw; GRANT USAGE, CREATE ON SCHEMA drizzle TO dbtool_pw;
    GRANT ALL ON ALL TABLES IN SCHEMA drizzle TO dbtool_pw; GRANT ALL ON ALL SEQUENCES IN SCHEMA drizzle TO dbtool_pw`),
  );
  // the reload is asynchronous: wait until a wrong password is refused
  for (let i = 0; i < 100; i++) {
    const refused = await withPg(`postgres://pw_spaces:wrong@${host}:${port}/${database}`, async () => false).catch(() => true);
    if (refused) break;
    await new Promise((r) => setTimeout(r, 50));
  }
}, 60_000);

const kv = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

describe('passwords never leave dbtool, whatever characters they contain', { timeout: 60_000 }, () => {
  it('status succeeds with the password percent-encoded or typed as is, and prints the URL with it masked, in pretty and JSON', async () => {
    await Promise.all(
      Object.entries(PASSWORDS).flatMap(([name, password]) =>
        [encodeURIComponent(password), ...(/[#/?]/.test(password) ? [] : [password])].map(async (typed) => {
          const url = `postgres://pw_${name}:${typed}@${host}:${port}/${database}`;
          for (const format of ['pretty', 'json']) {
            const run = await dbtool(['status', '--dir', folder, '--url', url, '--format', format]);
            expect(run.stderr).toBe('');
            expect(run.code).toBe(0);
            expectNoSecret(run, password);
            expect(run.stdout).toContain(`postgres://pw_${name}:***@${host}:${port}/${database}`);
            if (format === 'json') expect(JSON.stringify(JSON.parse(run.stdout))).toContain(':***@');
          }
        }),
      ),
    );
  });

  it('status, migrate and explain succeed with spaces, "@" and ":" typed unencoded in the password, and mask all of it', async () => {
    for (const name of ['spaces', 'at'] as const) {
      const password = PASSWORDS[name];
      const url = `postgres://pw_${name}:${password}@${host}:${port}/${database}`;
      const runs = await Promise.all([
        dbtool(['status', '--dir', folder, '--url', url]),
        dbtool(['status', '--dir', folder, '--url', url, '--format', 'json']),
        dbtool(['migrate', '--dir', folder], { env: { DATABASE_URL: url } }),
        dbtool(['migrate', '--dir', folder, '--format', 'json'], { env: { DATABASE_URL: url } }),
      ]);
      for (const run of runs) {
        expect(run.code, run.stderr).toBe(0);
        expectNoSecret(run, password);
        expect(run.stdout).toContain(`pw_${name}:***@`);
      }
      // explain: a plan on success; on a refused query, the database it was refused by
      const [explained, refused] = await Promise.all([
        dbtool(['explain', 'SELECT 1', '--url', url, '--format', 'json']),
        dbtool(['explain', 'SELECT * FROM no_such_table', '--url', url]),
      ]);
      expect(explained.code, explained.stderr).toBe(0);
      expectNoSecret(explained, password);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`pw_${name}:***@`);
      expectNoSecret(refused, password);
    }
  });

  it('takes libpq key/value strings with quoted passwords, and ?password= in the URL', async () => {
    await Promise.all(
      Object.entries(PASSWORDS).map(async ([name, password]) => {
        const keyValue = `host=${host} port=${port} dbname=${database} user=pw_${name} password=${kv(password)}`;
        const query = `postgres://pw_${name}@${host}:${port}/${database}?password=${encodeURIComponent(password)}`;
        for (const url of [keyValue, query]) {
          const run = await dbtool(['status', '--dir', folder, '--url', url, '--format', 'json']);
          expect(run.code, run.stderr).toBe(0);
          expectNoSecret(run, password);
        }
      }),
    );
  });

  it('a wrong password, a closed port and an unknown database fail with exit 2, a hint, and no password', async () => {
    const closed = await freePort();
    const cases = Object.entries(PASSWORDS).flatMap(([name, password]) => [
      {
        password,
        url: `postgres://pw_${name}:${encodeURIComponent(`${password} nope`)}@${host}:${port}/${database}`,
        expect: /password authentication failed/,
      },
      // typed as is where that is unambiguous ("#", "/" and "?" must be encoded)
      {
        password,
        url: `postgres://pw_${name}:${name === 'spaces' || name === 'at' ? password : encodeURIComponent(password)}@${host}:${closed}/${database}`,
        expect: /ECONNREFUSED/,
      },
      { password, url: `host=${host} port=${port} dbname=nodb_here user=pw_${name} password=${kv(password)}`, expect: /does not exist/ },
    ]);
    await Promise.all(
      cases.map(async (c) => {
        const run = await dbtool(['status', '--dir', folder, '--url', c.url]);
        expect(run.code).toBe(2);
        expect(run.stdout).toBe('');
        expect(run.stderr).toMatch(c.expect);
        expect(run.stderr).toMatch(/^hint: /m);
        expect(run.stderr).toContain(':***@');
        expectNoSecret(run, c.password);
      }),
    );
  });

  it("a missing password says so and how to give one, instead of the driver's SASL detail", async () => {
    const run = await dbtool(['status', '--dir', folder, '--url', `postgres://pw_spaces@${host}:${port}/${database}`], { env: { PGPASSWORD: undefined } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the server asks for a password, and the connection string has none/);
    expect(run.stderr).toMatch(/hint: .*PGPASSWORD/);
    expect(run.stderr).not.toMatch(/SASL|must be a string/);
  });

  it('malformed URLs are configuration errors (exit 2, no stack trace, nothing of the password)', async () => {
    const secret = 'Zq9x Kv7y';
    const bad = [
      { url: `postgres://u@127.0.0.1:99999/db`, message: /port is out of range/ },
      { url: `postgres://u:Zq9x#Kv7y@127.0.0.1:${port}/db`, message: /contains "#"/ },
      { url: `postgres://u:Zq9x/Kv7y@127.0.0.1:${port}/db`, message: /not valid/ },
      { url: `postgres://u:Zq9x?Kv7y@127.0.0.1:${port}/db`, message: /not valid/ },
      { url: `postgres://u:Zq9x%E0Kv7y@127.0.0.1:${port}/db`, message: /not UTF-8/ },
      { url: `postgres://u:${encodeURIComponent(secret)}@127.0.0.1:65536/db`, message: /port is out of range/ },
      { url: `postgres://u:${encodeURIComponent(secret)}@127.0.0.1:${port}/db?connect_timeout=later`, message: /connect_timeout/ },
      { url: `host=127.0.0.1 password='Zq9x Kv7y`, message: /no closing quote/ },
      { url: `mysql://u:Zq9xKv7y@127.0.0.1/db`, message: /postgres:\/\// },
      // node-postgres reads the certificate files while it sets up, before connecting
      { url: `postgres://u:Zq9xKv7y@127.0.0.1:${port}/db?sslmode=verify-full&sslrootcert=/nonexistent/root.crt`, message: /ENOENT/ },
      { url: `postgres://u:Zq9xKv7y@127.0.0.1:${port}/db?uselibpqcompat=true&sslmode=verify-ca`, message: /sslrootcert/ },
    ];
    await Promise.all(
      bad.map(async (c) => {
        await Promise.all(
          [
            ['status', '--dir', folder, '--url', c.url],
            ['migrate', '--dir', folder, '--url', c.url],
            ['explain', 'SELECT 1', '--url', c.url],
          ].map(async (command) => {
            const run = await dbtool(command);
            expect(run.code, `${command.join(' ')}\n${run.stderr}`).toBe(2);
            expect(run.stderr).toMatch(c.message);
            expect(run.stderr).toMatch(/^error: the database connection string from --url is not valid/m);
            expectNoSecret(run, secret);
          }),
        );
      }),
    );
  });
});
