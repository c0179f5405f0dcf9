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
