import type { Node } from '@pgsql/types';
import { names, walk } from '../ast.js';
import { isUserType } from './dependencies.js';
import type { Dependency, Dependent } from './dependency-records.js';
import type { Catalog, Constraint, Relation } from './model.js';

function dependentExists(catalog: Catalog, d: Dependent): boolean {
  switch (d.kind) {
    case 'default':
    case 'generated':
    case 'identity':
      return catalog.relation(d.table)?.columns.has(d.column) ?? false;
    case 'constraint':
      return catalog.relation(d.table)?.constraints.some((c) => c.name === d.name) ?? false;
    case 'trigger':
    case 'policy':
      return catalog.relations.has(d.table);
    case 'index':
      return catalog.indexes.has(d.key);
    case 'view':
      return catalog.relations.has(d.key);
    case 'type':
      return isUserType(catalog, d.key);
    case 'function':
      return catalog.functions.has(d.name);
  }
}

/** Forgets records whose dependent, or whose depended-on column or index, is gone. */
export function pruneDependencies(catalog: Catalog): void {
  if (catalog.dependencies.length === 0) return;
  // the indexes that are not plain ones are looked up among the constraints in one pass: one lookup each is
  // quadratic on long histories
  const viaConstraints = catalog.dependencies.flatMap((d) => (d.on.kind === 'index' && !catalog.indexes.has(d.on.key) ? [d.on.key] : []));
  const constraintIndexes = catalog.constraintIndexesAmong(viaConstraints);
  catalog.forgetDependencies((d) => {
    if (!dependentExists(catalog, d.dependent)) return true;
    if (d.on.kind === 'column') return !(catalog.relation(d.on.table)?.columns.has(d.on.column) ?? false);
    if (d.on.kind === 'index') return !catalog.indexes.has(d.on.key) && !constraintIndexes.has(d.on.key);
    return false;
  });
}

/** Removes one dependent object, as CASCADE does; pruneDependencies then forgets its own records. */
function dropDependent(catalog: Catalog, d: Dependent): void {
  switch (d.kind) {
    case 'default': {
      const column = catalog.relation(d.table)?.columns.get(d.column);
      if (column) column.hasDefault = false;
      catalog.forgetDependencies((r) => r.dependent === d);
      break;
    }
    case 'generated':
    case 'identity': {
      const relation = catalog.relation(d.table);
      if (relation) dropColumn(catalog, relation, d.column);
      break;
    }
    case 'constraint': {
      const relation = catalog.relation(d.table);
      if (relation) relation.constraints = relation.constraints.filter((c) => c.name !== d.name);
      break;
    }
    case 'trigger':
    case 'policy':
      catalog.forgetDependencies((r) => r.dependent === d);
      break;
    case 'index':
      catalog.indexes.delete(d.key);
      break;
    case 'view':
      catalog.relations.delete(d.key);
      break;
    case 'type':
      catalog.enums.delete(d.key);
      catalog.domains.delete(d.key);
      catalog.composites.delete(d.key);
      dropTypeDependents(catalog, d.key);
      break;
    case 'function':
      catalog.forgetDependencies((r) => r.dependent === d);
      break;
  }
}

function dropAll(catalog: Catalog, records: Dependency[]): void {
  for (const r of records) dropDependent(catalog, r.dependent);
  pruneDependencies(catalog);
}

/** DROP TYPE … CASCADE: columns of the type, domains over it, and whatever recorded a use of it. */
export function dropTypeDependents(catalog: Catalog, key: string): void {
  for (const relation of [...catalog.relations.values()]) {
    for (const column of [...relation.columns.values()]) if (column.type.name === key) dropColumn(catalog, relation, column.name);
  }
  for (const [domain, info] of [...catalog.domains]) {
    if (info.base.name !== key) continue;
    catalog.domains.delete(domain);
    dropTypeDependents(catalog, domain);
  }
  dropAll(catalog, catalog.dependentsOn({ kind: 'type', key }));
}

export function dropFunctionDependents(catalog: Catalog, matches: (name: string, arity: number) => boolean): void {
  dropAll(
    catalog,
    catalog.dependencies.filter((d) => d.on.kind === 'function' && matches(d.on.name, d.on.arity)),
  );
}

/** DROP INDEX … CASCADE: the foreign keys that leaned on it. */
export function dropIndexDependents(catalog: Catalog, key: string): void {
  dropAll(catalog, catalog.dependentsOn({ kind: 'index', key }));
}

/**
 * What a dropped column takes with it: indexes and constraints of its own table that involve it (auto
 * dependencies, dropped silently), generated columns that read it, and the views a CASCADE removes.
 */
export function dropColumn(catalog: Catalog, relation: Relation, column: string): void {
  relation.columns.delete(column);
  const involved = catalog.dependentsOn({ kind: 'column', table: relation.key, column });
  relation.constraints = relation.constraints.filter((c) => !usesColumn(c, column));
  for (const [k, index] of catalog.indexes) if (index.table === relation.key && index.columns.includes(column)) catalog.indexes.delete(k);
  dropAll(catalog, involved);
}

/** Foreign keys (of any table, this one included) whose referenced columns include `column` of `relation`. */
export function referencingForeignKeys(
  catalog: Catalog,
  relation: Relation,
  column: string,
): Array<{ relation: Relation; constraint: Relation['constraints'][number] }> {
  const primary = relation.constraints.find((c) => c.kind === 'primary')?.columns ?? [];
  const out: Array<{ relation: Relation; constraint: Relation['constraints'][number] }> = [];
  for (const other of catalog.relations.values()) {
    for (const c of other.constraints) {
      if (c.kind !== 'foreign' || c.references !== relation.key) continue;
      // a foreign key on the column itself goes with the column
      if (other === relation && c.columns.includes(column)) continue;
      if ((c.referencedColumns ?? primary).includes(column)) out.push({ relation: other, constraint: c });
    }
  }
  return out;
}

/** A constraint PostgreSQL drops with the column: its key columns, or any column its CHECK expression reads. */
export function usesColumn(c: Constraint, column: string): boolean {
  if (c.columns.includes(column)) return true;
  let found = false;
  if (c.expr) {
    walk(c.expr, (tag, body) => {
      if (tag !== 'ColumnRef') return;
      const fields = names((body as { fields?: Node[] }).fields);
      if (fields[fields.length - 1] === column) found = true;
    });
  }
  return found;
}
