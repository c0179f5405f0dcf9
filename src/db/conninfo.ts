import { ConfigError } from '../errors.js';

/**
 * A connection string taken apart the way libpq reads it: either a URI
 * (`postgres[ql]://[user[:password]@][host][:port][/dbname][?param=value&…]`) or a key/value string
 * (`host=… port=… password='a b'`). Values are decoded; nothing here is ever printed as is.
 */
export interface ConnInfo {
  form: 'uri' | 'keyvalue';
  host: string;
  port: string;
  user: string;
  password: string;
  dbname: string;
  /** every other setting, in the order given (connect_timeout, sslmode, application_name, …) */
  params: Array<[string, string]>;
  /**
   * The secret values and every spelling of them that may have been typed (raw, percent-encoded, quoted),
   * for scrubbing text a driver produced from the string.
   */
  secrets: string[];
}

/** Settings whose values are secrets: masked in descriptions, scrubbed from messages. */
const SECRET_KEYS = new Set(['password', 'sslpassword']);
/** Settings whose values are shown in descriptions; any other value is masked, since it could hold anything. */
const SHOWN_KEYS = new Set(['sslmode', 'connect_timeout', 'application_name', 'target_session_attrs', 'sslnegotiation', 'gssencmode', 'client_encoding']);

const HINT =
  'Write it as postgres://user:password@host:port/dbname, percent-encoding special characters in each part (@ → %40, : → %3A, / → %2F, # → %23, ? → %3F, % → %25, space → %20), or as a key/value string such as "host=… port=… dbname=… user=… password=\'…\'".';

/**
 * Parses a connection string; a malformed one throws a ConfigError that names `source` and the problem
 * but never quotes the string (any part of it could be the password).
 */
export function parseConnInfo(text: string, source = 'the connection URL'): ConnInfo {
  const fail = (problem: string): never => {
    throw new ConfigError(`the database connection string from ${source} is not valid: ${problem}`, HINT);
  };
  const trimmed = text.trim();
  if (trimmed === '') fail('it is empty');
  const scheme = /^postgres(?:ql)?:\/\//i.exec(trimmed);
  if (scheme) return parseUri(trimmed.slice(scheme[0].length), fail);
  if (/^[a-z_]+\s*=/i.test(trimmed)) return parseKeyValue(trimmed, fail);
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return fail('it must start with postgres:// or postgresql://');
  return fail('it is neither a postgres:// URL nor a key=value connection string');
}

type Fail = (problem: string) => never;

function parseUri(rest: string, fail: Fail): ConnInfo {
  if (rest.includes('#')) {
    fail('it contains "#", which ends a URL (everything after it would be dropped); if it is part of the password or another value, write it as %23');
  }
  if (/[\r\n]/.test(rest)) fail('it contains a line break');
  const secrets: string[] = [];
  // the authority ends at the first "/" or "?"; inside it, the user information ends at the last "@"
  const end = rest.search(/[/?]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  let tail = end < 0 ? '' : rest.slice(end);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : authority.slice(0, at);
  const hostport = at < 0 ? authority : authority.slice(at + 1);
  let user = '';
  let password = '';
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const rawUser = colon < 0 ? userinfo : userinfo.slice(0, colon);
    const rawPassword = colon < 0 ? '' : userinfo.slice(colon + 1);
    if (rawPassword) secrets.push(rawPassword);
    password = decode(rawPassword, 'the password', fail);
    user = decode(rawUser, 'the user name', fail);
  }
  const { host, port } = parseHostPort(hostport, fail);
  let dbname = '';
  if (tail.startsWith('/')) {
    const q = tail.indexOf('?');
    if ((q < 0 ? tail : tail.slice(0, q)).includes('@'))
      fail('the database name contains "@" (a "/" in the password must be written %2F; an "@" in the database name %40)');
    dbname = decode(q < 0 ? tail.slice(1) : tail.slice(1, q), 'the database name', fail);
    tail = q < 0 ? '' : tail.slice(q);
  }
  const params: Array<[string, string]> = [];
  if (tail.startsWith('?')) {
    for (const pair of tail.slice(1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) fail('a query parameter is not of the form name=value');
      const key = decode(pair.slice(0, eq), 'a query parameter name', fail);
      const raw = pair.slice(eq + 1);
      if (SECRET_KEYS.has(key) && raw) secrets.push(raw);
      params.push([key, decode(raw, `the value of ${safeKey(key)}`, fail)]);
    }
  }
  return finish({ form: 'uri', host, port, user, password, dbname, params, secrets }, fail);
}

/** host, host:port, [v6], [v6]:port, or nothing (the driver's default host). */
function parseHostPort(text: string, fail: Fail): { host: string; port: string } {
  if (text.includes(',')) fail('it names several hosts, which dbtool does not support; give one host');
  let host: string;
  let port = '';
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) fail('an IPv6 address is missing its closing "]"');
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) fail('unexpected text after the IPv6 address');
    port = after.slice(1);
  } else {
    const colon = text.lastIndexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    port = colon < 0 ? '' : text.slice(colon + 1);
    if (host.includes(':')) fail('the host has a ":" in it (an IPv6 address goes in brackets: [::1]; a ":" in the password must be written %3A)');
    if (/[@\s]/.test(host)) fail('the host name contains "@" or a space (a password with "@", "/" or "?" must be percent-encoded)');
    host = decode(host, 'the host', fail);
  }
  return { host, port };
}

/** libpq's key/value syntax: `key = value` pairs separated by space; values unquoted or in single quotes with \ escapes. */
function parseKeyValue(text: string, fail: Fail): ConnInfo {
  const settings: Array<[string, string]> = [];
  const secrets: string[] = [];
  let i = 0;
  const n = text.length;
  const space = (c: string | undefined) => c !== undefined && /\s/.test(c);
  while (i < n) {
    while (space(text[i])) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && text[i] !== '=' && !space(text[i])) i++;
    const key = text.slice(keyStart, i);
    while (space(text[i])) i++;
    if (text[i] !== '=') fail(`the setting ${safeKey(key)} is missing "=" and a value`);
    i++;
    while (space(text[i])) i++;
    const valueStart = i;
    let value = '';
    if (text[i] === "'") {
      i++;
      for (;;) {
        if (i >= n) fail(`the quoted value of ${safeKey(key)} has no closing quote`);
        const c = text[i]!;
        if (c === '\\' && i + 1 < n) {
          value += text[i + 1];
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (i < n && !space(text[i])) fail(`unexpected text after the quoted value of ${safeKey(key)}`);
    } else {
      while (i < n && !space(text[i])) {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i];
        i++;
      }
    }
    if (SECRET_KEYS.has(key.toLowerCase()) && value) secrets.push(text.slice(valueStart, i));
    settings.push([key, value]);
  }
  const info: ConnInfo = { form: 'keyvalue', host: '', port: '', user: '', password: '', dbname: '', params: [], secrets };
  for (const [key, value] of settings) {
    if (key === 'host') info.host = value;
    else if (key === 'port') info.port = value;
    else if (key === 'user') info.user = value;
    else if (key === 'password') info.password = value;
    else if (key === 'dbname') info.dbname = value;
    else info.params.push([key, value]);
  }
  return finish(info, fail);
}

/** Checks common to both forms, and the list of secret spellings. */
function finish(info: ConnInfo, fail: Fail): ConnInfo {
  if (info.port !== '') {
    if (!/^\d+$/.test(info.port)) fail('the port is not a number (if the password contains ":", "/", "@" or "?", percent-encode them)');
    const port = Number(info.port);
    if (port < 1 || port > 65535) fail('the port is out of range (1 to 65535)');
  }
  if (info.host.includes(',')) fail('it names several hosts, which dbtool does not support; give one host');
  const timeout = paramOf(info, 'connect_timeout');
  if (timeout !== undefined && !/^\s*[+-]?\d+\s*$/.test(timeout)) fail('connect_timeout must be a whole number of seconds');
  const values = [info.password, ...info.params.filter(([k]) => SECRET_KEYS.has(k.toLowerCase())).map(([, v]) => v)].filter((v) => v !== '');
  const spellings = new Set<string>();
  for (const value of [...values, ...info.secrets]) {
    spellings.add(value);
    spellings.add(encodeURIComponent(value));
    spellings.add(encodeURI(value));
    spellings.add(value.replace(/ /g, '+'));
  }
  info.secrets = [...spellings].filter((s) => s !== '').sort((a, b) => b.length - a.length);
  return info;
}

export function paramOf(info: ConnInfo, key: string): string | undefined {
  for (let i = info.params.length - 1; i >= 0; i--) if (info.params[i]![0] === key) return info.params[i]![1];
  return undefined;
}

/** Percent-decoding as libpq does it, except that a "%" not followed by two hex digits stays a "%" (as node-postgres reads it). */
function decode(text: string, what: string, fail: Fail): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '%' && /^[0-9a-f]{2}$/i.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c === '%' ? '%' : text.slice(i, i + (isHighSurrogate(c) ? 2 : 1)), 'utf8'));
      if (isHighSurrogate(c)) i++;
    }
  }
  const buffer = Buffer.from(bytes);
  const decoded = buffer.toString('utf8');
  if (!Buffer.from(decoded, 'utf8').equals(buffer)) fail(`${what} contains a percent-escape that is not UTF-8`);
  if (decoded.includes('\0')) fail(`${what} contains %00`);
  return decoded;
}

function isHighSurrogate(c: string): boolean {
  const code = c.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdbff;
}

/** libpq's connection keywords: the only names a message may quote (an unknown "name" may be a stray piece of a password). */
const LIBPQ_KEYWORDS = new Set([
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'passfile',
  'require_auth',
  'channel_binding',
  'connect_timeout',
  'client_encoding',
  'options',
  'application_name',
  'fallback_application_name',
  'keepalives',
  'keepalives_idle',
  'keepalives_interval',
  'keepalives_count',
  'tcp_user_timeout',
  'replication',
  'gssencmode',
  'sslmode',
  'sslnegotiation',
  'sslcompression',
  'sslcert',
  'sslkey',
  'sslpassword',
  'sslcertmode',
  'sslrootcert',
  'sslcrl',
  'sslcrldir',
  'sslsni',
  'requirepeer',
  'ssl_min_protocol_version',
  'ssl_max_protocol_version',
  'krbsrvname',
  'gsslib',
  'gssdelegation',
  'service',
  'target_session_attrs',
  'load_balance_hosts',
  'min_protocol_version',
  'max_protocol_version',
  'ssl',
  'uselibpqcompat',
]);

function safeKey(key: string): string {
  return LIBPQ_KEYWORDS.has(key) ? `"${key}"` : 'a setting';
}

/**
 * The same settings as a URL node-postgres reads exactly as libpq would have read the original: every part
 * percent-encoded, so spaces, "@", "#" or "+" in values cannot be misread. connect_timeout is left out
 * (dbtool enforces it itself; node-postgres ignores it).
 */
export function toDriverUrl(info: ConnInfo): string {
  const enc = encodeURIComponent;
  const auth = info.user || info.password ? `${enc(info.user)}${info.password ? `:${enc(info.password)}` : ''}@` : '';
  const host = info.host.startsWith('/') ? enc(info.host) : info.host.includes(':') ? `[${info.host}]` : enc(info.host);
  const query = info.params
    .filter(([k]) => k !== 'connect_timeout')
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  // node-postgres reads the database name with decodeURI, which leaves reserved characters encoded
  const dbname = encodeURI(info.dbname).replace(/\?/g, '%3F').replace(/#/g, '%23');
  return `postgres://${auth}${host}${info.port ? `:${info.port}` : ''}/${dbname}${query ? `?${query}` : ''}`;
}

/** What dbtool prints for a connection: user, host, port, database and harmless settings; secrets as ***. */
export function describeConnInfo(info: ConnInfo): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%2F/gi, '/');
  const auth = info.user || info.password ? `${enc(info.user)}${info.password ? ':***' : ''}@` : '';
  const host = info.host.includes(':') ? `[${info.host}]` : enc(info.host);
  const shown = info.params.map(([k, v]) => `${enc(k)}=${SHOWN_KEYS.has(k) ? enc(v) : '***'}`);
  return `postgres://${auth}${host}${info.port ? `:${info.port}` : ''}/${enc(info.dbname)}${shown.length ? `?${shown.join('&')}` : ''}`;
}
