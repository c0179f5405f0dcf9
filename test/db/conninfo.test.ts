import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectTimeoutOf, DEFAULT_CONNECT_TIMEOUT_MS, describeTarget } from '../../src/db/connect.js';
import { describeConnInfo, parseConnInfo, toDriverUrl } from '../../src/db/conninfo.js';
import { describeConnection, redactUrl, scrubConnection } from '../../src/db/redact.js';
import { ConfigError } from '../../src/errors.js';
import { safeQueryText } from '../../src/migrate/blockers.js';
import { loadParser } from '../../src/review/parse.js';

/** Passwords built from distinctive fragments joined by the characters that broke pattern-based redaction. */
const HOSTILE = ['Zq9x Kv7y', 'Zq9x@Kv7y', 'Zq9x:Kv7y/Wm3q', 'Zq9x%41Kv7y', 'Zq9x üñí€😀 Kv7y', "Zq9x'Kv7y\\Wm3q", 'Zq9x#Kv7y?Wm3q&password=Rt8p'];

function fragments(password: string): string[] {
  return password.split(/[^A-Za-z0-9]+/).filter((f) => f.length >= 3);
}

describe('parsing connection strings', () => {
  it('reads a percent-encoded URL back to the exact password, user and database, for every hostile password', () => {
    for (const password of HOSTILE) {
      const url = `postgres://${encodeURIComponent('app user')}:${encodeURIComponent(password)}@db.example.com:6543/${encodeURIComponent('my db')}?sslmode=disable`;
      const info = parseConnInfo(url);
      expect(info).toMatchObject({ form: 'uri', user: 'app user', password, host: 'db.example.com', port: '6543', dbname: 'my db' });
      expect(info.params).toEqual([['sslmode', 'disable']]);
    }
  });

  it('takes unencoded spaces, ":" and "@" in the password the way libpq users expect (user info ends at the last "@")', () => {
    expect(parseConnInfo('postgres://app:Zq9x Kv7y@h/db')).toMatchObject({ user: 'app', password: 'Zq9x Kv7y', host: 'h', dbname: 'db' });
    expect(parseConnInfo('postgresql://app:Zq9x@Kv7y:W@h:5433/db')).toMatchObject({ user: 'app', password: 'Zq9x@Kv7y:W', host: 'h', port: '5433' });
    expect(parseConnInfo('postgres://app:100%@h/db').password).toBe('100%');
    expect(parseConnInfo('postgres://[::1]:5432/db')).toMatchObject({ host: '::1', port: '5432', user: '', password: '' });
    expect(parseConnInfo('postgres://h/db?password=Zq9x%20Kv7y&application_name=x').password).toBe('');
  });

  it('reads libpq key/value strings, quoting and backslash escapes included', () => {
    const info = parseConnInfo("host=127.0.0.1 port = 5432 user=app dbname='my db' password='Zq9x Kv7y\\'s \\\\ @:/#' connect_timeout=3");
    expect(info).toMatchObject({ form: 'keyvalue', host: '127.0.0.1', port: '5432', user: 'app', dbname: 'my db', password: "Zq9x Kv7y's \\ @:/#" });
    expect(info.params).toEqual([['connect_timeout', '3']]);
    expect(parseConnInfo('host=h password=Zq9x\\ Kv7y').password).toBe('Zq9x Kv7y');
  });

  it('hands node-postgres a URL it reads to exactly the parsed settings', () => {
    for (const password of HOSTILE) {
      const info = parseConnInfo(
        `host=127.0.0.1 port=5432 user='app user' dbname='my db' password='${password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' application_name='a+b c'`,
      );
      expect(info.password).toBe(password);
      // what node-postgres would connect with (nothing connects here)
      const driver = new pg.Client({ connectionString: toDriverUrl(info) }) as unknown as {
        host: string;
        port: number;
        user: string;
        password: string;
        database: string;
        connectionParameters: { application_name: string };
      };
      expect({
        host: driver.host,
        port: driver.port,
        user: driver.user,
        password: driver.password,
        database: driver.database,
        application: driver.connectionParameters.application_name,
      }).toEqual({ host: '127.0.0.1', port: 5432, user: 'app user', password, database: 'my db', application: 'a+b c' });
    }
  });

  it('refuses malformed strings with a ConfigError that quotes nothing from the string', () => {
    const bad = [
      'postgres://u:Zq9xKv7y@127.0.0.1:99999/db',
      'postgres://u:Zq9x#Kv7y@127.0.0.1:5432/db',
      'postgres://u:Zq9x/Kv7y@127.0.0.1:5432/db',
      'postgres://u:Zq9x?Kv7y@127.0.0.1:5432/db',
      'postgres://u:Zq9xKv7y@127.0.0.1:54x2/db',
      'postgres://u:Zq9x%FFKv7y@127.0.0.1/db',
      'postgres://u:Zq9xKv7y@[::1/db',
      'postgres://u:Zq9xKv7y@h1,h2/db',
      'postgres://u:Zq9xKv7y@h/db?connect_timeout=Zq9x',
      "host=h password='Zq9xKv7y",
      'host=h Zq9xKv7y',
      'mysql://u:Zq9xKv7y@h/db',
      'Zq9xKv7y',
      '',
    ];
    for (const text of bad) {
      let error: unknown;
      try {
        parseConnInfo(text, '--url');
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(ConfigError);
      const message = `${(error as ConfigError).message} ${(error as ConfigError).hint}`;
      expect(message).toContain('--url');
      expect(message).not.toContain('Zq9x');
      expect(message).not.toContain('Kv7y');
    }
  });
});

describe('describing and scrubbing', () => {
  it('describes a connection with the password and unknown settings masked, keeping harmless ones', () => {
    for (const password of HOSTILE) {
      const described = describeConnection(
        `postgres://app:${encodeURIComponent(password)}@h:5432/db?sslmode=require&password=${encodeURIComponent(password)}&token=Rt8pQ`,
      );
      expect(described).toBe('postgres://app:***@h:5432/db?sslmode=require&password=***&token=***');
    }
    expect(describeConnection("host=h user=app password='Zq9x Kv7y' dbname=d")).toBe('postgres://app:***@h/d');
    expect(describeConnection('postgres://u:Zq9x#Kv7y@h/db')).not.toMatch(/Zq9x|Kv7y/);
    expect(describeTarget({ kind: 'server', url: 'postgres://app:Zq9x Kv7y@h/db', source: '--url' })).toBe('postgres://app:***@h/db (from --url)');
  });

  it('removes the password from a driver message in every spelling: raw, percent-encoded, as typed, and the whole string', () => {
    const password = 'Zq9x Kv7y@Wm3q:Rt8p/ü';
    const url = `postgres://app:${encodeURIComponent(password)}@h/db`;
    const message = `failed: ${url} / ${password} / ${encodeURIComponent(password)} / ${encodeURI(password)} / ${password.replace(/ /g, '+')}`;
    const scrubbed = scrubConnection(message, url);
    for (const f of fragments(password)) expect(scrubbed).not.toContain(f);
    expect(scrubbed).toContain('postgres://app:***@h/db');
    const typed = "host=h password='Zq9x \\'Kv7y'";
    expect(scrubConnection(`bad: password='Zq9x \\'Kv7y' and Zq9x 'Kv7y`, typed)).not.toMatch(/Zq9x|Kv7y/);
  });

  it('removes a short password only where it stands alone, so the message stays readable', () => {
    expect(scrubConnection('password a was wrong for user a', 'postgres://u:a@h/db')).toBe('password *** was wrong for user ***');
  });

  it('redactUrl, for text where the string is unknown, masks up to the last "@" of the line', () => {
    expect(redactUrl('cannot load: postgres://app:Zq9x Kv7y@Wm3q@h/db failed')).toBe('cannot load: postgres://app:***@h/db failed');
    expect(redactUrl("x password='Zq9x Kv7y' y")).toBe('x password=*** y');
  });

  it('renders key/value settings as a description without secrets', () => {
    expect(describeConnInfo(parseConnInfo("host=/var/run/postgresql user=app sslpassword='Zq9x' options='-c x=1'"))).toBe(
      'postgres://app@/var/run/postgresql/?sslpassword=***&options=***',
    );
  });
});

describe('connect_timeout', () => {
  it('follows libpq: seconds, the string before PGCONNECT_TIMEOUT before the default, 0 waits for ever, 1 counts as 2', () => {
    expect(connectTimeoutOf(parseConnInfo('postgres://h/db'), undefined)).toBe(DEFAULT_CONNECT_TIMEOUT_MS);
    expect(connectTimeoutOf(parseConnInfo('postgres://h/db'), undefined, 5000)).toBe(5000);
    expect(connectTimeoutOf(parseConnInfo('postgres://h/db'), '7')).toBe(7000);
    expect(connectTimeoutOf(parseConnInfo('postgres://h/db?connect_timeout=3'), '7')).toBe(3000);
    expect(connectTimeoutOf(parseConnInfo('host=h connect_timeout=4'), undefined)).toBe(4000);
    expect(connectTimeoutOf(parseConnInfo('postgres://h/db?connect_timeout=1'), undefined)).toBe(2000);
    expect(connectTimeoutOf(parseConnInfo('postgres://h/db?connect_timeout=0'), undefined)).toBe(0);
    expect(connectTimeoutOf(parseConnInfo('postgres://h/db?connect_timeout=-5'), undefined)).toBe(0);
    expect(() => connectTimeoutOf(parseConnInfo('postgres://h/db'), 'soon')).toThrow(ConfigError);
  });
});

describe('blocking queries as shown', () => {
  beforeAll(loadParser);

  it('normalises literals away, and shows only leading keywords for text that does not parse', () => {
    expect(safeQueryText("SELECT 'sekret-123' FROM t WHERE x = 42")).toBe('SELECT $1 FROM t WHERE x = $2');
    expect(safeQueryText("ALTER ROLE app PASSWORD 'sekret-123'")).not.toContain('sekret');
    expect(safeQueryText("ALTER ROLE app PASSWORD 'sekret-123'")).toMatch(/^ALTER ROLE app PASSWORD \$1$/);
    // cut short by track_activity_query_size: an unterminated literal
    expect(safeQueryText("UPDATE accounts SET token = 'sekret-1")).toBe('UPDATE …');
    expect(safeQueryText("/* sekret-123 */ ALTER ROLE app PASSWORD 'sekret-1")).toBe('ALTER ROLE …');
    expect(safeQueryText("SELECT 'sekret-123' FROM FROM")).toBe('SELECT …');
    expect(safeQueryText("sekret-123 'x'")).toBe('');
    expect(safeQueryText('')).toBe('');
  });
});
