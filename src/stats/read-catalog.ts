import type { DbClient } from '../db/client.js';
import { asServerError } from '../db/client.js';
import { DatabaseError } from '../errors.js';
import type { IndexStats, RelationStats, StatsFile } from './format.js';
import { STATS_FORMAT, STATS_VERSION } from './format.js';

export interface CatalogReadOptions {
  /** cancel a catalog query running longer than this */
  statementTimeoutMs: number;
  /** pg_relation_size takes AccessShareLock: do not queue behind a migration holding AccessExclusiveLock */
  lockTimeoutMs: number;
  now: () => Date;
}

// Schemas that belong to PostgreSQL itself; temporary tables belong to one session and are left out too.
const OWN_RELATIONS = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;

interface RelationRow {
  schema: string;
  name: string;
  relkind: string;
  rows: string | number | null;
  heap: string | number;
  toast: string | number;
  indexes: string | number;
  partition_of: string | null;
}

interface IndexRow {
  schema: string;
  table: string;
  name: string;
  bytes: string | number;
  unique: boolean;
  valid: boolean;
}

const KINDS: Record<string, RelationStats['kind']> = { r: 'table', p: 'partitioned table', m: 'materialized view' };

/**
 * Sizes of every table, partition, materialized view and index from the catalog, in one read-only
 * transaction: pg_class estimates and relation file sizes only — no row is read, and neither are the
 * value arrays of pg_stats (most common values, histograms).
 */
export async function readCatalogStats(db: DbClient, options: CatalogReadOptions): Promise<StatsFile> {
  await db.exec(
    `BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.round(options.statementTimeoutMs)}; SET LOCAL lock_timeout = ${Math.round(options.lockTimeoutMs)}`,
  );
  try {
    const server = (
      await db.query<{ version: string; num: string; database: string }>(
        "SELECT current_setting('server_version') AS version, current_setting('server_version_num') AS num, current_database() AS database",
      )
    ).rows[0];
    const relations = (
      await db.query<RelationRow>(
        `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
              CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS rows,
              pg_relation_size(c.oid) AS heap,
              CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) ELSE 0 END AS toast,
              pg_indexes_size(c.oid) AS indexes,
              (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i
                 JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace
                WHERE i.inhrelid = c.oid AND c.relispartition) AS partition_of
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'm') AND c.relpersistence <> 't' AND ${OWN_RELATIONS}
        ORDER BY n.nspname, c.relname`,
      )
    ).rows;
    const indexes = (
      await db.query<IndexRow>(
        `SELECT n.nspname AS schema, t.relname AS table, ic.relname AS name, pg_relation_size(ic.oid) AS bytes,
              i.indisunique AS unique, i.indisvalid AS valid
         FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE t.relkind IN ('r', 'p', 'm') AND t.relpersistence <> 't' AND ${OWN_RELATIONS}
        ORDER BY n.nspname, t.relname, ic.relname`,
      )
    ).rows;
    await db.exec('COMMIT');
    const byTable = new Map<string, IndexStats[]>();
    for (const ix of indexes) {
      const key = `${ix.schema}.${ix.table}`;
      const list = byTable.get(key) ?? [];
      list.push({ name: ix.name, bytes: Number(ix.bytes), unique: Boolean(ix.unique), valid: Boolean(ix.valid) });
      byTable.set(key, list);
    }
    return {
      format: STATS_FORMAT,
      version: STATS_VERSION,
      exportedAt: options.now().toISOString(),
      server: { version: server?.version ?? '', major: Math.floor(Number(server?.num) / 10000) },
      database: server?.database ?? '',
      relations: relations.map((r) => ({
        schema: r.schema,
        name: r.name,
        kind: KINDS[r.relkind] ?? 'table',
        rows: r.rows === null ? null : Number(r.rows),
        heapBytes: Number(r.heap),
        toastBytes: Number(r.toast),
        indexBytes: Number(r.indexes),
        partitionOf: r.partition_of,
        indexes: byTable.get(`${r.schema}.${r.name}`) ?? [],
      })),
    };
  } catch (error) {
    await db.exec('ROLLBACK').catch(() => undefined);
    const server = asServerError(error);
    if (!server) throw error;
    const hint =
      server.code === '55P03'
        ? 'A migration or another session holds a lock on a table: run the export again when it has finished.'
        : server.code === '57014'
          ? 'The catalog queries were cancelled by the statement timeout: raise --statement-timeout for a database with very many tables.'
          : server.code === '42501'
            ? 'Connect as a role that may read the catalog and relation sizes (the application role usually can).'
            : 'Check that the URL points at the database the migrations run against.';
    throw new DatabaseError(`reading table statistics failed: ${server.message} (SQLSTATE ${server.code})`, hint);
  }
}
