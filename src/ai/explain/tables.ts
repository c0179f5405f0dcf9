import type { DbClient } from '../../db/client.js';
import type { RawExplain, RawNode } from '../../explain/plan-json.js';
import { quoteAlways } from '../../sql-ident.js';

/** A relation a plan reads or writes, as the plan names it (no schema for trigger relations). */
export interface PlanRelation {
  schema: string | undefined;
  name: string;
}

/** Column statistics that describe the distribution without any value from it (pg_stats). */
export interface ColumnStats {
  nullFrac: number;
  avgWidth: number;
  /** > 0: distinct values; < 0: minus the fraction of rows that are distinct (-1: unique) */
  nDistinct: number;
  /** physical order vs. value order, -1…1; null for types without an ordering */
  correlation: number | null;
  /** statistics over the partitions / inheritance children too */
  inherited: boolean;
}

export interface TableColumnDefinition {
  name: string;
  /** format_type: `character varying(320)`, `timestamp with time zone` */
  type: string;
  notNull: boolean;
  /** whether a default exists; its expression is never read */
  hasDefault: boolean;
  identity?: 'always' | 'by default';
  generated?: 'stored' | 'virtual';
  stats?: ColumnStats;
}

export interface IndexDefinition {
  name: string;
  /** pg_get_indexdef, as the server prints it: may hold literals (partial indexes), redact before sending */
  definition: string;
  unique: boolean;
  primary: boolean;
  /** false for an index left INVALID by a failed CREATE INDEX CONCURRENTLY */
  valid: boolean;
  bytes: number;
  pages: number;
}

/** A table as the database describes it: structure and size, never a row's value. */
export interface TableDefinition {
  schema: string;
  name: string;
  kind: 'table' | 'partitioned table' | 'materialized view' | 'foreign table';
  /** pg_class.reltuples: the planner's row estimate; null when never analyzed or vacuumed */
  rows: number | null;
  /** pg_class.relpages */
  pages: number;
  /** pg_total_relation_size: heap, indexes and TOAST */
  bytes: number;
  /** pg_relation_size: the heap alone */
  heapBytes: number;
  columns: TableColumnDefinition[];
  indexes: IndexDefinition[];
}

export interface TableDefinitions {
  tables: TableDefinition[];
  /** relations of the plan the database did not describe (dropped meanwhile, no permission, over the limit) */
  missing: string[];
}

/** More relations than this are left out: the payload is for reasoning, not an inventory. */
export const MAX_TABLES = 40;

const KINDS: Record<string, TableDefinition['kind']> = { r: 'table', p: 'partitioned table', m: 'materialized view', f: 'foreign table' };

/** The relations a plan touches: scanned or modified relations, and the tables of its triggers. */
export function planRelations(plan: RawExplain): PlanRelation[] {
  const seen = new Map<string, PlanRelation>();
  const add = (schema: string | undefined, name: string) => {
    const key = `${schema ?? ''}\u0000${name}`;
    if (!seen.has(key)) seen.set(key, { schema, name });
  };
  const visit = (node: RawNode) => {
    if (typeof node['Relation Name'] === 'string') add(typeof node.Schema === 'string' ? node.Schema : undefined, node['Relation Name']);
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(plan.Plan);
  for (const trigger of plan.Triggers ?? []) if (typeof trigger.Relation === 'string') add(undefined, trigger.Relation);
  // a trigger's relation (no schema) is usually a scanned one too
  for (const r of [...seen.values()])
    if (r.schema === undefined && [...seen.values()].some((o) => o.schema !== undefined && o.name === r.name)) seen.delete(`\u0000${r.name}`);
  return [...seen.values()];
}

// the relations asked for, resolved like the plan resolved them: by schema when it gave one, else by search_path
const RELATIONS = `
WITH wanted AS (SELECT r.schema, r.name FROM json_to_recordset($1::json) AS r(schema text, name text)),
rel AS (
  SELECT DISTINCT c.oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.reltuples, c.relpages
  FROM wanted w
  JOIN pg_class c ON c.relname = w.name
  JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'm', 'f')
    AND CASE WHEN w.schema IS NULL THEN pg_table_is_visible(c.oid) ELSE n.nspname = w.schema END
)`;

const TABLES_SQL = `${RELATIONS}
SELECT schema, name, relkind, reltuples::float8 AS reltuples, relpages::float8 AS relpages,
       pg_total_relation_size(oid)::float8 AS total_bytes, pg_relation_size(oid)::float8 AS heap_bytes
FROM rel ORDER BY schema, name`;

const COLUMNS_SQL = `${RELATIONS}
SELECT rel.schema, rel.name AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.atthasdef AS has_default, a.attidentity::text AS identity, a.attgenerated::text AS generated
FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid
WHERE a.attnum > 0 AND NOT a.attisdropped
ORDER BY rel.schema, rel.name, a.attnum`;

const INDEXES_SQL = `${RELATIONS}
SELECT rel.schema, rel.name AS table_name, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
       i.indisunique AS is_unique, i.indisprimary AS is_primary, i.indisvalid AS is_valid,
       pg_relation_size(i.indexrelid)::float8 AS bytes, ic.relpages::float8 AS pages
FROM rel JOIN pg_index i ON i.indrelid = rel.oid JOIN pg_class ic ON ic.oid = i.indexrelid
ORDER BY rel.schema, rel.name, ic.relname`;

// the distribution's shape only: most_common_vals, most_common_freqs' values, histogram_bounds and the
// element statistics hold values from the table and are never selected
const STATS_SQL = `${RELATIONS}
SELECT s.schemaname AS schema, s.tablename AS table_name, s.attname AS name, s.inherited,
       s.null_frac::float8 AS null_frac, s.avg_width::int4 AS avg_width, s.n_distinct::float8 AS n_distinct, s.correlation::float8 AS correlation
FROM rel JOIN pg_stats s ON s.schemaname = rel.schema AND s.tablename = rel.name
ORDER BY s.inherited`;

interface TableRow {
  schema: string;
  name: string;
  relkind: string;
  reltuples: number;
  relpages: number;
  total_bytes: number;
  heap_bytes: number;
}
interface ColumnRow {
  schema: string;
  table_name: string;
  name: string;
  type: string;
  not_null: boolean;
  has_default: boolean;
  identity: string;
  generated: string;
}
interface IndexRow {
  schema: string;
  table_name: string;
  name: string;
  definition: string;
  is_unique: boolean;
  is_primary: boolean;
  is_valid: boolean;
  bytes: number;
  pages: number;
}
interface StatsRow {
  schema: string;
  table_name: string;
  name: string;
  inherited: boolean;
  null_frac: number;
  avg_width: number;
  n_distinct: number;
  correlation: number | null;
}

/**
 * Reads the definitions, sizes and value-free statistics of the plan's relations, in a read-only
 * transaction with a statement timeout that is always rolled back.
 */
export async function readTableDefinitions(
  client: Pick<DbClient, 'query' | 'exec'>,
  relations: readonly PlanRelation[],
  timeoutMs = 10_000,
): Promise<TableDefinitions> {
  const asked = relations.slice(0, MAX_TABLES);
  const over = relations.slice(MAX_TABLES).map(display);
  if (asked.length === 0) return { tables: [], missing: over };
  const param = JSON.stringify(asked.map((r) => ({ schema: r.schema ?? null, name: r.name })));
  await client.exec(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`);
  try {
    const tables = (await client.query<TableRow>(TABLES_SQL, [param])).rows;
    const columns = (await client.query<ColumnRow>(COLUMNS_SQL, [param])).rows;
    const indexes = (await client.query<IndexRow>(INDEXES_SQL, [param])).rows;
    const stats = (await client.query<StatsRow>(STATS_SQL, [param])).rows;
    const key = (schema: string, name: string) => `${schema}\u0000${name}`;
    const byTable = new Map<string, TableDefinition>();
    for (const t of tables) {
      byTable.set(key(t.schema, t.name), {
        schema: t.schema,
        name: t.name,
        kind: KINDS[t.relkind] ?? 'table',
        rows: Number(t.reltuples) < 0 ? null : Number(t.reltuples),
        pages: Number(t.relpages),
        bytes: Number(t.total_bytes),
        heapBytes: Number(t.heap_bytes),
        columns: [],
        indexes: [],
      });
    }
    for (const c of columns) {
      const table = byTable.get(key(c.schema, c.table_name));
      if (!table) continue;
      const column: TableColumnDefinition = { name: c.name, type: c.type, notNull: Boolean(c.not_null), hasDefault: Boolean(c.has_default) };
      if (c.identity === 'a') column.identity = 'always';
      if (c.identity === 'd') column.identity = 'by default';
      if (c.generated === 's') column.generated = 'stored';
      if (c.generated === 'v') column.generated = 'virtual';
      table.columns.push(column);
    }
    for (const i of indexes) {
      byTable.get(key(i.schema, i.table_name))?.indexes.push({
        name: i.name,
        definition: i.definition,
        unique: Boolean(i.is_unique),
        primary: Boolean(i.is_primary),
        valid: Boolean(i.is_valid),
        bytes: Number(i.bytes),
        pages: Number(i.pages),
      });
    }
    // rows ordered inherited last: a partitioned table's own (inherited) statistics win over none
    for (const s of stats) {
      const column = byTable.get(key(s.schema, s.table_name))?.columns.find((c) => c.name === s.name);
      if (!column || (column.stats && !column.stats.inherited && s.inherited)) continue;
      column.stats = {
        nullFrac: Number(s.null_frac),
        avgWidth: Number(s.avg_width),
        nDistinct: Number(s.n_distinct),
        correlation: s.correlation === null ? null : Number(s.correlation),
        inherited: Boolean(s.inherited),
      };
    }
    const found = [...byTable.values()];
    const missing = asked.filter((r) => !found.some((t) => t.name === r.name && (r.schema === undefined || t.schema === r.schema))).map(display);
    return { tables: found, missing: [...missing, ...over] };
  } finally {
    await client.exec('ROLLBACK').catch(() => undefined);
  }
}

function display(r: PlanRelation): string {
  return r.schema && r.schema !== 'public' ? `${r.schema}.${r.name}` : r.name;
}

/**
 * The tables as migration SQL (columns, NOT NULL, the indexes as the server defines them), so dbtool's
 * review judges a suggested schema change against the real schema. Stays on this machine.
 */
export function historySql(tables: readonly TableDefinition[]): string {
  const statements: string[] = [];
  for (const t of tables) {
    if (t.kind !== 'table' && t.kind !== 'partitioned table') continue;
    const columns = t.columns.map((c) => `${quoteAlways(c.name)} ${c.type}${c.notNull ? ' NOT NULL' : ''}`);
    statements.push(`CREATE TABLE ${quoteAlways(t.schema)}.${quoteAlways(t.name)} (${columns.join(', ')});`);
    for (const i of t.indexes) statements.push(`${i.definition};`);
  }
  return statements.join('\n--> statement-breakpoint\n');
}
