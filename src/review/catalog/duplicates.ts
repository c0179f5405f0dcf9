import type { Node, RangeVar } from '@pgsql/types';
import { asNode, displayName, names, qualifiedKey, relationKey } from '../ast.js';
import type { Catalog } from './model.js';

export interface DuplicateObject {
  message: string;
  sqlstate: '42P07' | '42710';
  hint: string;
}

/** Relation kinds that come with a row type of the same name (so CREATE TYPE of that name fails too). */
const ROW_TYPED = new Set(['table', 'partitioned', 'view', 'matview', 'foreign']);

/** A name PostgreSQL keeps in pg_class: tables, views, indexes and sequences share one namespace per schema. */
function relationExists(catalog: Catalog, key: string): boolean {
  return catalog.relations.has(key) || catalog.indexes.has(key) || catalog.sequences.has(key);
}

/** A name PostgreSQL keeps in pg_type: enums, domains, and the row type of every table and view. */
function typeExists(catalog: Catalog, key: string): boolean {
  if (catalog.enums.has(key) || catalog.domains.has(key)) return true;
  const relation = catalog.relations.get(key);
  return relation !== undefined && ROW_TYPED.has(relation.kind);
}

const HINT = 'An earlier migration (or an earlier statement of this one) already creates it: remove the duplicate, give the new object another name, or drop the old one first. IF NOT EXISTS only fits a migration meant to be re-run.';

function relationClash(catalog: Catalog, key: string, rowType: boolean): DuplicateObject | undefined {
  const name = displayName(key);
  if (relationExists(catalog, key)) return { message: `relation "${name}" already exists`, sqlstate: '42P07', hint: HINT };
  if (rowType && typeExists(catalog, key)) return { message: `type "${name}" already exists (a table's name is also the name of its row type)`, sqlstate: '42710', hint: HINT };
  return undefined;
}

function typeClash(catalog: Catalog, key: string): DuplicateObject | undefined {
  return typeExists(catalog, key) ? { message: `type "${displayName(key)}" already exists`, sqlstate: '42710', hint: HINT } : undefined;
}

/** A temporary object lives in the session's own schema: it never clashes with the migrations' objects. */
function temporary(rv: RangeVar | undefined): boolean {
  return rv?.relpersistence === 't';
}

/**
 * The object a CREATE statement makes already exists in the schema the earlier statements built, so
 * PostgreSQL rejects it (42P07 for relations, 42710 for types). IF NOT EXISTS and OR REPLACE stay quiet;
 * indexes only when named (PostgreSQL picks a free name for an unnamed one).
 */
export function duplicateObject(catalog: Catalog, node: Node | undefined): DuplicateObject | undefined {
  const table = asNode<{ relation?: RangeVar; if_not_exists?: boolean }>(node, 'CreateStmt');
  if (table) return table.if_not_exists || temporary(table.relation) ? undefined : relationClash(catalog, relationKey(table.relation), true);
  const ctas = asNode<{ into?: { rel?: RangeVar }; if_not_exists?: boolean }>(node, 'CreateTableAsStmt');
  if (ctas) return ctas.if_not_exists || temporary(ctas.into?.rel) ? undefined : relationClash(catalog, relationKey(ctas.into?.rel), true);
  const view = asNode<{ view?: RangeVar; replace?: boolean }>(node, 'ViewStmt');
  if (view) return view.replace || temporary(view.view) ? undefined : relationClash(catalog, relationKey(view.view), true);
  const index = asNode<{ idxname?: string; relation?: RangeVar; if_not_exists?: boolean }>(node, 'IndexStmt');
  if (index) {
    if (!index.idxname || index.if_not_exists || temporary(index.relation)) return undefined;
    return relationClash(catalog, `${relationKey(index.relation).split('.')[0]}.${index.idxname}`, false);
  }
  const sequence = asNode<{ sequence?: RangeVar; if_not_exists?: boolean }>(node, 'CreateSeqStmt');
  if (sequence) return sequence.if_not_exists || temporary(sequence.sequence) ? undefined : relationClash(catalog, relationKey(sequence.sequence), false);
  const enumType = asNode<{ typeName?: Node[] }>(node, 'CreateEnumStmt');
  if (enumType) return typeClash(catalog, qualifiedKey(names(enumType.typeName)));
  const domain = asNode<{ domainname?: Node[] }>(node, 'CreateDomainStmt');
  if (domain) return typeClash(catalog, qualifiedKey(names(domain.domainname)));
  const composite = asNode<{ typevar?: RangeVar }>(node, 'CompositeTypeStmt');
  if (composite) return typeClash(catalog, relationKey(composite.typevar));
  return undefined;
}
