/** The one database surface the rest of dbtool sees; pg and PGlite both fit it. */
export interface QueryResult<T> {
  rows: T[];
}

export interface DbClient {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs one or more statements with the simple protocol; returns nothing. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/** What PostgreSQL said when it refused a statement (pg and PGlite report the same fields). */
export interface ServerError {
  code: string;
  message: string;
  /** 1-based character position in the statement text, when the server gives one */
  position?: number;
  detail?: string;
  hint?: string;
}

export function asServerError(error: unknown): ServerError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; message?: unknown; position?: unknown; detail?: unknown; hint?: unknown };
  if (typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code) || typeof e.message !== 'string') return undefined;
  const position = Number(e.position);
  return {
    code: e.code,
    message: e.message,
    ...(Number.isFinite(position) && position > 0 ? { position } : {}),
    ...(typeof e.detail === 'string' && e.detail ? { detail: e.detail } : {}),
    ...(typeof e.hint === 'string' && e.hint ? { hint: e.hint } : {}),
  };
}

/** SQLSTATE 55P03: lock_timeout expired (or NOWAIT could not get the lock). */
export const LOCK_NOT_AVAILABLE = '55P03';

/** The server's PostgreSQL major version (12, 13, … 18). */
export async function serverMajor(db: DbClient): Promise<number> {
  return Math.floor(Number((await db.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]?.v) / 10000);
}
