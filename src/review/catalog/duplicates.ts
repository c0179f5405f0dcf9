import type { AlterTableCmd, ColumnDef, Node, Constraint as PgConstraint, RangeVar } from '@pgsql/types';
import { asNode, displayName, names, qualifiedKey, relationKey } from '../ast.js';
import type { Catalog, Relation } from './model.js';

export interface DuplicateObject {
  message: string;
  sqlstate: '42P07' | '42710' | '42701';
  hint: string;
}

/** Relation kinds that come with a row type of the same name (so CREATE TYPE of that name fails too). */
const ROW_TYPED = new Set(['table', 'partitioned', 'view', 'matview', 'foreign']);

const INDEX_BACKED = new Set(['primary', 'unique', 'exclusion']);

/** dbtool guesses the name of an unnamed CHECK less well than PostgreSQL picks it: such names prove no clash. */
function namedConstraint(relation: Relation, name: string): boolean {
  return relation.constraints.some((c) => c.name === name && !(c.generatedName && c.kind === 'check'));
}

/**
 * A name PostgreSQL keeps in pg_class: tables, views, indexes and sequences share one namespace per schema,
 * and a PRIMARY KEY, UNIQUE or EXCLUDE constraint owns an index of its own name.
 */
function relationExists(catalog: Catalog, key: string): boolean {
  if (catalog.relations.has(key) || catalog.indexes.has(key) || catalog.sequences.has(key)) return true;
  return catalog.constraintIndexesAmong([key]).size > 0;
}

/** A name PostgreSQL keeps in pg_type: enums, domains, and the row type of every table and view. */
function typeExists(catalog: Catalog, key: string): boolean {
  if (catalog.enums.has(key) || catalog.domains.has(key)) return true;
  const relation = catalog.relations.get(key);
  return relation !== undefined && ROW_TYPED.has(relation.kind);
}

const HINT =
  'An earlier migration (or an earlier statement of this one) already creates it: remove the duplicate, give the new object another name, or drop the old one first. IF NOT EXISTS only fits a migration meant to be re-run.';

const RENAME_HINT =
  'Another object of the schema already has that name (tables, views, indexes and sequences share one namespace, and every table or view also names a row type): pick a free name, or drop or rename the other object first in the same migration.';
const COLUMN_HINT =
  'The table already has a column of that name: pick another name, or drop or rename the existing column first. ADD COLUMN IF NOT EXISTS only fits a migration meant to be re-run.';
const CONSTRAINT_HINT =
  'Constraint names are unique per table: pick another name, or drop the existing constraint first (ALTER TABLE … DROP CONSTRAINT …) in the same migration.';

function relationClash(catalog: Catalog, key: string, rowType: boolean, hint = HINT, where = ''): DuplicateObject | undefined {
  const name = where ? key.split('.')[1] : displayName(key);
  if (relationExists(catalog, key)) return { message: `relation "${name}" already exists${where}`, sqlstate: '42P07', hint };
  if (rowType && typeExists(catalog, key))
    return { message: `type "${name}" already exists${where}${where ? '' : " (a table's name is also the name of its row type)"}`, sqlstate: '42710', hint };
  return undefined;
}

function typeClash(catalog: Catalog, key: string, hint = HINT, where = ''): DuplicateObject | undefined {
  return typeExists(catalog, key)
    ? { message: `type "${where ? key.split('.')[1] : displayName(key)}" already exists${where}`, sqlstate: '42710', hint }
    : undefined;
}

const schemaOf = (key: string) => key.split('.')[0] ?? 'public';

/** Relation kinds renamed with ALTER TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE: each has a row type. */
const ROW_TYPED_RENAMES = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE']);

/** RENAME onto a name the schema, the table's columns or its constraints already use. */
function renameClash(
  catalog: Catalog,
  stmt: { renameType?: string; relation?: RangeVar; subname?: string; newname?: string; object?: Node; missing_ok?: boolean },
): DuplicateObject | undefined {
  const newName = stmt.newname ?? '';
  const type = stmt.renameType ?? '';
  if (ROW_TYPED_RENAMES.has(type) || type === 'OBJECT_SEQUENCE' || type === 'OBJECT_INDEX') {
    const oldKey = relationKey(stmt.relation);
    if (stmt.missing_ok && !relationExists(catalog, oldKey)) return undefined;
    return relationClash(catalog, `${schemaOf(oldKey)}.${newName}`, ROW_TYPED_RENAMES.has(type), RENAME_HINT);
  }
  const relation = stmt.relation ? catalog.relation(relationKey(stmt.relation)) : undefined;
  if (type === 'OBJECT_COLUMN') {
    if (!relation?.columns.has(newName) || !relation.columns.has(stmt.subname ?? '')) return undefined;
    return { message: `column "${newName}" of relation "${relation.key.split('.')[1]}" already exists`, sqlstate: '42701', hint: COLUMN_HINT };
  }
  if (type === 'OBJECT_TABCONSTRAINT') {
    const renamed = relation?.constraints.find((c) => c.name === stmt.subname);
    if (!relation || !renamed) return undefined;
    // the index of a PRIMARY KEY / UNIQUE / EXCLUDE constraint is renamed with it
    if (INDEX_BACKED.has(renamed.kind)) {
      const clash = relationClash(catalog, `${schemaOf(relation.key)}.${newName}`, false, RENAME_HINT);
      if (clash) return clash;
    }
    if (namedConstraint(relation, newName))
      return { message: `constraint "${newName}" for relation "${relation.key.split('.')[1]}" already exists`, sqlstate: '42710', hint: CONSTRAINT_HINT };
    return undefined;
  }
  if (type === 'OBJECT_TYPE' || type === 'OBJECT_DOMAIN') {
    const parts = names(asNode<{ items?: Node[] }>(stmt.object, 'List')?.items ?? asNode<{ names?: Node[] }>(stmt.object, 'TypeName')?.names);
    const oldKey = qualifiedKey(parts);
    if (!typeExists(catalog, oldKey)) return undefined;
    return typeClash(catalog, `${schemaOf(oldKey)}.${newName}`, RENAME_HINT);
  }
  return undefined;
}

/**
 * ALTER TABLE … ADD COLUMN / ADD CONSTRAINT onto a column or constraint name the table already has. The
 * subcommands run in order, so a DROP earlier in the same statement frees the name.
 */
function alterTableClash(catalog: Catalog, stmt: { relation?: RangeVar; cmds?: Node[] }): DuplicateObject | undefined {
  const relation = catalog.relation(relationKey(stmt.relation));
  if (!relation) return undefined;
  // most ALTER TABLEs add no name: the table's names are gathered only for one that does
  const addsName = (stmt.cmds ?? []).some((item) => {
    const subtype = asNode<AlterTableCmd>(item, 'AlterTableCmd')?.subtype;
    return subtype === 'AT_AddColumn' || subtype === 'AT_AddConstraint';
  });
  if (!addsName) return undefined;
  const table = relation.key.split('.')[1] ?? relation.key;
  const columns = new Set(relation.columns.keys());
  const constraints = new Set(relation.constraints.filter((c) => namedConstraint(relation, c.name)).map((c) => c.name));
  const dropped = new Set<string>();
  for (const item of stmt.cmds ?? []) {
    const cmd = asNode<AlterTableCmd>(item, 'AlterTableCmd');
    if (cmd?.subtype === 'AT_DropColumn') columns.delete(cmd.name ?? '');
    if (cmd?.subtype === 'AT_DropConstraint') {
      constraints.delete(cmd.name ?? '');
      dropped.add(cmd.name ?? '');
    }
    if (cmd?.subtype === 'AT_AddColumn') {
      const name = asNode<ColumnDef>(cmd.def, 'ColumnDef')?.colname ?? '';
      if (columns.has(name) && !cmd.missing_ok)
        return { message: `column "${name}" of relation "${table}" already exists`, sqlstate: '42701', hint: COLUMN_HINT };
      columns.add(name);
    }
    const constraint = cmd?.subtype === 'AT_AddConstraint' ? asNode<PgConstraint>(cmd.def, 'Constraint') : undefined;
    if (!constraint?.conname) continue;
    if (constraints.has(constraint.conname)) {
      return { message: `constraint "${constraint.conname}" for relation "${table}" already exists`, sqlstate: '42710', hint: CONSTRAINT_HINT };
    }
    constraints.add(constraint.conname);
    // the index of a constraint dropped just before went with it
    const clash = dropped.has(constraint.conname) ? undefined : indexNameClash(catalog, relation.key, constraint);
    if (clash) return clash;
  }
  return undefined;
}

/** A named PRIMARY KEY / UNIQUE / EXCLUDE constraint creates an index of that name (USING INDEX renames one to it). */
function indexNameClash(catalog: Catalog, tableKey: string, c: PgConstraint): DuplicateObject | undefined {
  if (!c.conname || !['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_EXCLUSION'].includes(c.contype ?? '')) return undefined;
  if (c.indexname === c.conname) return undefined;
  return relationClash(
    catalog,
    `${schemaOf(tableKey)}.${c.conname}`,
    false,
    'A PRIMARY KEY, UNIQUE or EXCLUDE constraint creates an index named like the constraint, and index names share the namespace of tables, views and sequences: rename the constraint.',
  );
}

/** The named index-backed constraints of a CREATE TABLE, on the table and on its columns. */
function createTableIndexClash(catalog: Catalog, key: string, elements: Node[] | undefined): DuplicateObject | undefined {
  for (const element of elements ?? []) {
    const column = asNode<ColumnDef>(element, 'ColumnDef');
    const constraints = column ? (column.constraints ?? []) : [element];
    for (const item of constraints) {
      const c = asNode<PgConstraint>(item, 'Constraint');
      const clash = c && indexNameClash(catalog, key, c);
      if (clash) return clash;
    }
  }
  return undefined;
}

/** ALTER … SET SCHEMA into a schema that already has a relation or type of the name. */
function setSchemaClash(
  catalog: Catalog,
  stmt: { objectType?: string; relation?: RangeVar; object?: Node; newschema?: string; missing_ok?: boolean },
): DuplicateObject | undefined {
  if (!stmt.newschema) return undefined;
  const where = ` in schema "${stmt.newschema}"`;
  if (stmt.objectType === 'OBJECT_TYPE' || stmt.objectType === 'OBJECT_DOMAIN') {
    const parts = names(asNode<{ items?: Node[] }>(stmt.object, 'List')?.items ?? asNode<{ names?: Node[] }>(stmt.object, 'TypeName')?.names);
    const oldKey = qualifiedKey(parts);
    if (!typeExists(catalog, oldKey) || schemaOf(oldKey) === stmt.newschema) return undefined;
    return typeClash(catalog, `${stmt.newschema}.${parts[parts.length - 1] ?? ''}`, RENAME_HINT, where);
  }
  if (!stmt.relation) return undefined;
  const oldKey = relationKey(stmt.relation);
  if (!relationExists(catalog, oldKey) || schemaOf(oldKey) === stmt.newschema) return undefined;
  const rowTyped = ['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(stmt.objectType ?? '');
  return relationClash(catalog, `${stmt.newschema}.${stmt.relation.relname ?? ''}`, rowTyped, RENAME_HINT, where);
}

/** A temporary object lives in the session's own schema: it never clashes with the migrations' objects. */
function temporary(rv: RangeVar | undefined): boolean {
  return rv?.relpersistence === 't';
}

/**
 * The name a statement gives an object is taken in the schema the earlier statements built, so PostgreSQL
 * rejects it: CREATE of an existing relation (42P07) or type (42710); RENAME or SET SCHEMA onto a taken
 * relation or type name; ADD COLUMN / RENAME COLUMN onto an existing column (42701); ADD / RENAME
 * CONSTRAINT onto a constraint of the table (42710) or, for an index-backed constraint, onto a relation
 * (42P07). IF NOT EXISTS and OR REPLACE stay quiet; indexes and constraints only when named (PostgreSQL
 * picks a free name for an unnamed one). The same on 12–18.
 */
export function duplicateObject(catalog: Catalog, node: Node | undefined): DuplicateObject | undefined {
  const table = asNode<{ relation?: RangeVar; if_not_exists?: boolean; tableElts?: Node[] }>(node, 'CreateStmt');
  if (table) {
    if (table.if_not_exists || temporary(table.relation)) return undefined;
    const key = relationKey(table.relation);
    return relationClash(catalog, key, true) ?? createTableIndexClash(catalog, key, table.tableElts);
  }
  const rename = asNode<Parameters<typeof renameClash>[1]>(node, 'RenameStmt');
  if (rename) return renameClash(catalog, rename);
  const alter = asNode<{ relation?: RangeVar; cmds?: Node[]; objtype?: string; missing_ok?: boolean }>(node, 'AlterTableStmt');
  if (alter) return alter.objtype === 'OBJECT_TABLE' || alter.objtype === undefined ? alterTableClash(catalog, alter) : undefined;
  const move = asNode<Parameters<typeof setSchemaClash>[1]>(node, 'AlterObjectSchemaStmt');
  if (move) return setSchemaClash(catalog, move);
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
