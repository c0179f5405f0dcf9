import { DEFAULT_SCHEMA, displayName } from '../../review/ast.js';
import type { Catalog, ConstraintKind, RelationKind } from '../../review/catalog/model.js';
import { typeLabel } from '../../review/catalog/types.js';

/** How big a table is, from the database's statistics (pg_class.reltuples, pg_total_relation_size). */
export interface TableSize {
  /** the planner's row estimate; null when the table was never analysed (unknown, not empty) */
  rows: number | null;
  /** heap + indexes + TOAST */
  bytes: number;
}

/** Sizes by relation name as reports show it: `users`, `audit.events` outside `public`. */
export type TableSizes = Readonly<Record<string, TableSize>>;

export interface TableColumn {
  name: string;
  type: string;
  notNull: boolean;
  /** whether a default exists; its expression is never sent (it is a literal more often than not) */
  hasDefault: boolean;
  identity?: true;
  generated?: 'stored' | 'virtual';
}

export interface TableIndex {
  name: string;
  columns: string[];
  unique: boolean;
  /** false while an ON ONLY index on a partitioned table waits for its partitions */
  valid: boolean;
}

export interface TableConstraint {
  name: string;
  kind: ConstraintKind;
  columns: string[];
  /** false for NOT VALID constraints not validated yet */
  validated: boolean;
  references?: string;
}

/** One relation of the schema as the reviewer sees it: structure only, no data and no expressions. */
export interface TableEntry {
  name: string;
  kind: RelationKind;
  columns: TableColumn[];
  indexes: TableIndex[];
  constraints: TableConstraint[];
  partitionOf?: string;
  partitions?: number;
  unlogged?: true;
  size?: TableSize;
}

/** The catalog key of a relation named as reports name it. */
export function catalogKey(reportName: string): string {
  return reportName.includes('.') ? reportName : `${DEFAULT_SCHEMA}.${reportName}`;
}

/** The entry of relation `key` (a catalog key), or undefined when the catalog does not know it. */
export function tableEntry(catalog: Catalog, key: string, sizes?: TableSizes): TableEntry | undefined {
  const relation = catalog.relation(key);
  if (!relation) return undefined;
  const name = displayName(key);
  const entry: TableEntry = {
    name,
    kind: relation.kind,
    columns: [...relation.columns.values()].map((c) => ({
      name: c.name,
      type: typeLabel(c.type),
      notNull: c.notNull,
      hasDefault: c.hasDefault,
      ...(c.identity ? { identity: true as const } : {}),
      ...(c.generated ? { generated: c.generated } : {}),
    })),
    indexes: catalog.indexesOf(key).map((i) => ({ name: displayName(i.key), columns: i.columns, unique: i.unique, valid: i.valid })),
    constraints: relation.constraints.map((c) => ({
      name: c.name,
      kind: c.kind,
      columns: c.columns,
      validated: c.validated,
      ...(c.references ? { references: displayName(c.references) } : {}),
    })),
  };
  if (relation.partitionOf) entry.partitionOf = displayName(relation.partitionOf);
  const partitions = catalog.partitionsOf(key).length;
  if (partitions > 0) entry.partitions = partitions;
  if (relation.unlogged) entry.unlogged = true;
  const size = sizes?.[name];
  if (size) entry.size = { rows: size.rows, bytes: size.bytes };
  return entry;
}
