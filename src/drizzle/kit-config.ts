import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { redactUrl } from '../db/redact.js';
import { ConfigError } from '../errors.js';

/** The parts of a drizzle-kit config that dbtool uses. */
export interface DrizzleConfig {
  /** the config file */
  path: string;
  /** its folder: drizzle-kit resolves `out` against the working directory, which is normally this one */
  dir: string;
  /** absolute migrations folder */
  out: string;
  /** a postgres URL built from dbCredentials, when they are given */
  url: string | undefined;
  migrationsTable: string | undefined;
  migrationsSchema: string | undefined;
}

/** drizzle-kit looks in the working directory only, in this order. */
const DEFAULT_NAMES = ['drizzle.config.ts', 'drizzle.config.js', 'drizzle.config.json'];

/**
 * Finds and loads the drizzle config: `explicit` when given (an error if missing), otherwise the first
 * of drizzle.config.ts/.js/.json in `cwd`; undefined when there is none.
 */
export async function loadDrizzleConfig(cwd: string, explicit?: string): Promise<DrizzleConfig | undefined> {
  const path = explicit ? resolve(cwd, explicit) : DEFAULT_NAMES.map((n) => resolve(cwd, n)).find((p) => existsSync(p));
  if (!path) return undefined;
  if (!existsSync(path)) throw new ConfigError(`drizzle config ${explicit} not found`, 'Pass the path of your drizzle.config.ts with --drizzle-config.');
  const raw = await evaluate(path);
  return readConfig(raw, path, cwd);
}

async function evaluate(path: string): Promise<unknown> {
  try {
    if (extname(path) === '.json') return JSON.parse(readFileSync(path, 'utf8'));
    // TypeScript (and CommonJS/ESM JavaScript) the way the project wrote it, imports and process.env included
    const { createJiti } = await import('jiti');
    const jiti = createJiti(pathToFileURL(path).href, { interopDefault: true, moduleCache: false });
    const loaded = await jiti.import<unknown>(path);
    return (loaded as { default?: unknown })?.default ?? loaded;
  } catch (error) {
    const message = redactUrl(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
    throw new ConfigError(
      `cannot load the drizzle config ${path}: ${message}`,
      'Fix the error in the config file (drizzle-kit would fail on it too), or pass --dir and --url instead.',
    );
  }
}

/** Validates the loaded object: only what dbtool relies on, with messages naming the file. */
export function readConfig(raw: unknown, path: string, cwd: string): DrizzleConfig {
  if (!raw || typeof raw !== 'object')
    throw new ConfigError(`${path} does not export a config object`, 'export default defineConfig({ dialect: "postgresql", out: "./drizzle", … })');
  const config = raw as { dialect?: unknown; out?: unknown; dbCredentials?: unknown; migrations?: { table?: unknown; schema?: unknown } };
  if (config.dialect !== undefined && config.dialect !== 'postgresql') {
    throw new ConfigError(
      `${path}: dialect is ${JSON.stringify(config.dialect)}; dbtool works with PostgreSQL only`,
      'dbtool reads dialect "postgresql" configs.',
    );
  }
  if (config.out !== undefined && typeof config.out !== 'string') throw new ConfigError(`${path}: "out" must be a folder path`);
  const text = (value: unknown, key: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') throw new ConfigError(`${path}: ${key} must be a non-empty string`);
    return value;
  };
  return {
    path,
    dir: dirname(path),
    out: resolve(cwd, (config.out as string | undefined) ?? 'drizzle'),
    url: credentialsUrl(config.dbCredentials, path),
    migrationsTable: text(config.migrations?.table, 'migrations.table'),
    migrationsSchema: text(config.migrations?.schema, 'migrations.schema'),
  };
}

/** `{ url }` as is; `{ host, port, user, password, database, ssl }` as a URL with encoded parts. */
export function credentialsUrl(credentials: unknown, path: string): string | undefined {
  if (credentials === undefined || credentials === null) return undefined;
  if (typeof credentials !== 'object') throw new ConfigError(`${path}: dbCredentials must be an object`);
  const c = credentials as Record<string, unknown>;
  if (c.url !== undefined) {
    if (typeof c.url !== 'string' || c.url === '') {
      throw new ConfigError(`${path}: dbCredentials.url is empty`, 'It usually comes from an environment variable (process.env.DATABASE_URL): is it set here?');
    }
    return c.url;
  }
  if (typeof c.host !== 'string' || c.host === '') throw new ConfigError(`${path}: dbCredentials needs a url or a host`);
  const user = typeof c.user === 'string' ? encodeURIComponent(c.user) : '';
  const password = c.password === undefined || c.password === null ? '' : `:${encodeURIComponent(String(c.password))}`;
  const auth = user || password ? `${user}${password}@` : '';
  const port = c.port === undefined ? '' : `:${Number(c.port)}`;
  const database = typeof c.database === 'string' ? `/${encodeURIComponent(c.database)}` : '';
  const ssl =
    c.ssl === true || c.ssl === 'require'
      ? '?sslmode=require'
      : typeof c.ssl === 'string' && c.ssl !== '' && c.ssl !== 'disable'
        ? `?sslmode=${encodeURIComponent(c.ssl)}`
        : c.ssl === false || c.ssl === 'disable'
          ? '?sslmode=disable'
          : '';
  return `postgres://${auth}${c.host}${port}${database}${ssl}`;
}
