import type { AlterTableCmd, AlterTableStmt, ColumnDef, CreateStmt, Node, Constraint as PgConstraint, RangeVar } from '@pgsql/types';
import { asNode, names, nodeTag, option, qualifiedKey, relationKey, stringValue } from '../ast.js';
import type { Volatility } from '../expressions.js';
import { columnsProvenNotNull } from '../expressions.js';
import { doBlocks, rolledBackAsDuplicate } from '../plpgsql.js';
import { expressionTargets, functionIdentity, isUserType, ownColumnsRead, signatureTypes } from './dependencies.js';
import type { Dependent } from './dependency-records.js';
import {
  dropColumn,
  dropFunctionDependents,
  dropIndexDependents,
  dropTypeDependents,
  pruneDependencies,
  referencingForeignKeys,
  usesColumn,
} from './drop-dependents.js';
import type { Catalog, Column, Constraint, ConstraintKind, Relation } from './model.js';
import { newRelation } from './model.js';
import { normalizeType } from './types.js';
import { viewDependencies } from './view-deps.js';

/** Records what a statement creates, changes or removes, after its effects have been judged. */
export function applyStatement(catalog: Catalog, node: Node | undefined): void {
  const tag = nodeTag(node);
  if (!tag || !node) return;
  const body = asNode<Record<string, unknown>>(node, tag) ?? {};
  const handler = APPLY[tag];
  if (handler) handler(catalog, body);
  // a drop removes what depended on the object with it (CASCADE, or a column's own constraints)
  if (tag === 'DropStmt' || (tag === 'AlterTableStmt' && dropsSomething(body))) pruneDependencies(catalog);
}

/** Whether an ALTER TABLE has a DROP subcommand: the others remove nothing a dependency record names. */
function dropsSomething(body: { cmds?: Node[] }): boolean {
  return (body.cmds ?? []).some((item) => (asNode<AlterTableCmd>(item, 'AlterTableCmd')?.subtype ?? '').startsWith('AT_Drop'));
}

// biome-ignore lint/suspicious/noExplicitAny: one table of appliers over every statement kind; each reads its own node's fields
type Applier = (catalog: Catalog, body: any) => void;

const CONSTRAINT_KIND: Partial<Record<string, ConstraintKind>> = {
  CONSTR_CHECK: 'check',
  CONSTR_FOREIGN: 'foreign',
  CONSTR_UNIQUE: 'unique',
  CONSTR_PRIMARY: 'primary',
  CONSTR_EXCLUSION: 'exclusion',
  CONSTR_NOTNULL: 'notnull',
};

/** CREATE_TABLE_LIKE_CONSTRAINTS in the parser's TableLikeClause.options bit set (ALL sets every bit) */
const LIKE_CONSTRAINTS = 1 << 2;

const STRATEGY: Record<string, 'range' | 'list' | 'hash'> = {
  PARTITION_STRATEGY_RANGE: 'range',
  PARTITION_STRATEGY_LIST: 'list',
  PARTITION_STRATEGY_HASH: 'hash',
};

function partitionKey(spec: { strategy?: string; partParams?: Node[] } | undefined): Relation['partitionKey'] {
  const strategy = STRATEGY[spec?.strategy ?? ''];
  if (!strategy) return undefined;
  const columns = (spec?.partParams ?? []).map((p) => asNode<{ name?: string }>(p, 'PartitionElem')?.name ?? '');
  return { strategy, columns };
}

const APPLY: Record<string, Applier> = {
  /** what the body's SQL creates, unless drizzle's duplicate_object guard rolls the block back */
  DoStmt(catalog, stmt: { args?: Node[] }) {
    const blocks = doBlocks(stmt);
    if (typeof blocks === 'string') return;
    for (const block of blocks) {
      if (rolledBackAsDuplicate(block, catalog)) continue;
      for (const node of block.nodes ?? []) applyStatement(catalog, node);
    }
  },
  CreateStmt(catalog, stmt: CreateStmt) {
    const key = relationKey(stmt.relation);
    if (stmt.if_not_exists && catalog.relations.has(key)) return;
    const relation = newRelation(key, stmt.partspec ? 'partitioned' : 'table');
    relation.unlogged = stmt.relation?.relpersistence === 'u';
    if (stmt.accessMethod) relation.accessMethod = stmt.accessMethod;
    if (stmt.tablespacename) relation.tablespace = stmt.tablespacename;
    const parents = (stmt.inhRelations ?? []).map((n) => relationKey(asNode<RangeVar>(n, 'RangeVar')));
    const partitioning = partitionKey(stmt.partspec);
    if (partitioning) relation.partitionKey = partitioning;
    if (stmt.partbound) {
      relation.partitionOf = parents[0];
      relation.isDefaultPartition = Boolean(
        asNode<{ is_default?: boolean }>(stmt.partbound, 'PartitionBoundSpec')?.is_default ?? (stmt.partbound as { is_default?: boolean }).is_default,
      );
    } else relation.inherits = parents;
    for (const parentKey of parents) {
      const parent = catalog.relation(parentKey);
      for (const col of parent?.columns.values() ?? []) relation.columns.set(col.name, { ...col });
      // a child starts with the parent's inheritable CHECK constraints, under the same names
      for (const c of parent?.constraints ?? []) if (c.kind === 'check' && !c.noInherit) relation.constraints.push({ ...c, columns: [...c.columns] });
    }
    for (const element of stmt.tableElts ?? []) {
      const column = asNode<ColumnDef>(element, 'ColumnDef');
      if (column) {
        addColumn(catalog, relation, column);
        continue;
      }
      const constraint = asNode<PgConstraint>(element, 'Constraint');
      if (constraint) {
        addConstraint(catalog, relation, constraint, undefined);
        continue;
      }
      const like = asNode<{ relation?: RangeVar; options?: number }>(element, 'TableLikeClause');
      const source = like && catalog.relation(relationKey(like.relation));
      for (const col of source?.columns.values() ?? []) relation.columns.set(col.name, { ...col });
      // INCLUDING CONSTRAINTS (or ALL) copies the CHECK constraints with their names
      if (source && ((like?.options ?? 0) & LIKE_CONSTRAINTS) !== 0) {
        for (const c of source.constraints) if (c.kind === 'check') relation.constraints.push({ ...c, columns: [...c.columns] });
      }
    }
    catalog.relations.set(key, relation);
  },

  CreateTableAsStmt(catalog, stmt: { into?: { rel?: RangeVar; colNames?: Node[] }; objtype?: string; query?: Node; if_not_exists?: boolean }) {
    const key = relationKey(stmt.into?.rel);
    if (stmt.if_not_exists && catalog.relations.has(key)) return;
    const relation = newRelation(key, stmt.objtype === 'OBJECT_MATVIEW' ? 'matview' : 'table');
    // CREATE TABLE AS copies the rows once; only a materialized view keeps depending on its query
    if (relation.kind === 'matview') {
      relation.dependsOn = viewDependencies(stmt.query, catalog);
      recordExpression(catalog, { kind: 'view', key }, stmt.query);
    }
    for (const name of names(stmt.into?.colNames)) relation.columns.set(name, unknownColumn(name));
    catalog.relations.set(key, relation);
  },

  ViewStmt(catalog, stmt: { view?: RangeVar; query?: Node; aliases?: Node[] }) {
    const key = relationKey(stmt.view);
    const relation = newRelation(key, 'view');
    relation.dependsOn = viewDependencies(stmt.query, catalog);
    // CREATE OR REPLACE VIEW replaces what the old query used
    catalog.forgetDependencies((d) => d.dependent.kind === 'view' && d.dependent.key === key);
    recordExpression(catalog, { kind: 'view', key }, stmt.query);
    for (const name of names(stmt.aliases)) relation.columns.set(name, unknownColumn(name));
    catalog.relations.set(key, relation);
  },

  AlterTableStmt(catalog, stmt: AlterTableStmt) {
    const relation = catalog.relation(relationKey(stmt.relation));
    if (!relation) return;
    // without ONLY, column and constraint changes reach every partition and inheritance child
    const descendants = stmt.relation?.inh === false ? [] : catalog.descendantsOf(relation.key);
    for (const item of stmt.cmds ?? []) {
      const cmd = asNode<AlterTableCmd>(item, 'AlterTableCmd');
      if (!cmd) continue;
      applyAlterCommand(catalog, relation, cmd);
      for (const child of descendants) propagateToChild(relation, child, cmd);
    }
  },

  RenameStmt(catalog, stmt: { renameType?: string; relation?: RangeVar; subname?: string; newname?: string; object?: Node }) {
    const newName = stmt.newname ?? '';
    if (stmt.renameType === 'OBJECT_COLUMN') {
      const relation = catalog.relation(relationKey(stmt.relation));
      const column = relation?.columns.get(stmt.subname ?? '');
      if (!relation || !column) return;
      for (const child of catalog.descendantsOf(relation.key)) {
        const inherited = child.columns.get(column.name);
        if (!inherited) continue;
        child.columns.delete(column.name);
        child.columns.set(newName, { ...inherited, name: newName });
      }
      relation.columns.delete(column.name);
      relation.columns.set(newName, { ...column, name: newName });
      const rename = (n: string) => (n === column.name ? newName : n);
      for (const c of relation.constraints) c.columns = c.columns.map(rename);
      for (const other of catalog.referencingTables(relation.key)) {
        for (const c of other.constraints) if (c.references === relation.key && c.referencedColumns) c.referencedColumns = c.referencedColumns.map(rename);
      }
      for (const view of catalog.relations.values()) {
        for (const dep of view.dependsOn) {
          if (dep.relation === relation.key && dep.columns.delete(column.name)) dep.columns.add(newName);
        }
      }
      for (const d of catalog.dependencies) {
        for (const side of [d.dependent, d.on]) {
          if ('column' in side && side.table === relation.key && side.column === column.name) side.column = newName;
        }
      }
    } else if (stmt.renameType === 'OBJECT_TABCONSTRAINT') {
      const relation = catalog.relation(relationKey(stmt.relation));
      const constraint = relation?.constraints.find((c) => c.name === stmt.subname);
      if (relation && constraint) {
        constraint.name = newName;
        const schema = relation.key.split('.')[0];
        for (const d of catalog.dependencies) {
          if (d.dependent.kind === 'constraint' && d.dependent.table === relation.key && d.dependent.name === stmt.subname) d.dependent.name = newName;
          // a PRIMARY KEY / UNIQUE constraint's index is renamed with it
          if (d.on.kind === 'index' && d.on.key === `${schema}.${stmt.subname}`) d.on.key = `${schema}.${newName}`;
        }
      }
    } else if (stmt.renameType === 'OBJECT_INDEX') {
      const oldKey = relationKey(stmt.relation);
      renameKey(catalog.indexes, oldKey, newName, (i, k) => (i.key = k));
      // renaming the index of a PRIMARY KEY / UNIQUE / EXCLUDE constraint renames the constraint too
      const [schema, oldName] = oldKey.split('.');
      for (const r of catalog.relations.values()) {
        if (r.key.split('.')[0] !== schema) continue;
        for (const c of r.constraints) if (c.name === oldName && (c.kind === 'primary' || c.kind === 'unique' || c.kind === 'exclusion')) c.name = newName;
      }
      const newKey = `${oldKey.split('.')[0]}.${newName}`;
      for (const d of catalog.dependencies) {
        if (d.dependent.kind === 'index' && d.dependent.key === oldKey) d.dependent.key = newKey;
        if (d.on.kind === 'index' && d.on.key === oldKey) d.on.key = newKey;
      }
      for (const r of catalog.relations.values()) if (r.clusterIndex === oldKey) r.clusterIndex = newKey;
    } else if (stmt.renameType === 'OBJECT_SEQUENCE') {
      const oldKey = relationKey(stmt.relation);
      const newKey = `${oldKey.split('.')[0]}.${newName}`;
      if (catalog.sequences.delete(oldKey)) catalog.sequences.add(newKey);
      for (const d of catalog.dependencies) if (d.on.kind === 'sequence' && d.on.key === oldKey) d.on.key = newKey;
    } else if (stmt.renameType === 'OBJECT_TYPE' || stmt.renameType === 'OBJECT_DOMAIN') {
      // ALTER TYPE mood RENAME TO mood_old, then CREATE TYPE mood: the enum-change recipe
      const oldKey = qualifiedKey(names(asNode<{ items?: Node[] }>(stmt.object, 'List')?.items));
      renameKey(catalog.enums, oldKey, newName, () => undefined);
      renameKey(catalog.domains, oldKey, newName, () => undefined);
      moveType(catalog, oldKey, `${oldKey.split('.')[0]}.${newName}`);
    } else if (stmt.renameType === 'OBJECT_FUNCTION' || stmt.renameType === 'OBJECT_PROCEDURE' || stmt.renameType === 'OBJECT_ROUTINE') {
      const fn = asNode<{ objname?: Node[]; objfuncargs?: Node[]; args_unspecified?: boolean }>(stmt.object, 'ObjectWithArgs');
      const { name, arity } = functionIdentity(fn?.objname, fn?.objfuncargs);
      const volatility = catalog.functions.get(name);
      const to = newName.toLowerCase();
      if (volatility === undefined) return;
      catalog.functions.set(to, volatility);
      for (const d of catalog.dependencies) {
        for (const side of [d.dependent, d.on]) {
          if (side.kind === 'function' && side.name === name && (fn?.args_unspecified || side.arity === arity)) side.name = to;
        }
      }
    } else if (['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(stmt.renameType ?? '')) {
      const oldKey = relationKey(stmt.relation);
      const newKey = renameKey(catalog.relations, oldKey, newName, (r, k) => (r.key = k));
      if (newKey) moveReferences(catalog, oldKey, newKey);
    }
  },

  AlterObjectSchemaStmt(catalog, stmt: { objectType?: string; relation?: RangeVar; object?: Node; newschema?: string }) {
    if ((stmt.objectType === 'OBJECT_TYPE' || stmt.objectType === 'OBJECT_DOMAIN') && stmt.newschema) {
      const parts = names(asNode<{ items?: Node[] }>(stmt.object, 'List')?.items);
      const oldKey = qualifiedKey(parts);
      for (const map of [catalog.enums, catalog.domains] as Array<Map<string, unknown>>) {
        const item = map.get(oldKey);
        if (item === undefined) continue;
        map.delete(oldKey);
        map.set(`${stmt.newschema}.${parts[parts.length - 1] ?? ''}`, item);
      }
      moveType(catalog, oldKey, `${stmt.newschema}.${parts[parts.length - 1] ?? ''}`);
      return;
    }
    if (stmt.objectType === 'OBJECT_SEQUENCE' && stmt.relation && stmt.newschema) {
      const oldKey = relationKey(stmt.relation);
      const newKey = `${stmt.newschema}.${stmt.relation.relname}`;
      if (catalog.sequences.delete(oldKey)) catalog.sequences.add(newKey);
      for (const d of catalog.dependencies) if (d.on.kind === 'sequence' && d.on.key === oldKey) d.on.key = newKey;
      return;
    }
    if (!stmt.relation || !stmt.newschema) return;
    const oldKey = relationKey(stmt.relation);
    const relation = catalog.relation(oldKey);
    if (!relation) return;
    const newKey = `${stmt.newschema}.${stmt.relation.relname}`;
    catalog.relations.delete(oldKey);
    relation.key = newKey;
    catalog.relations.set(newKey, relation);
    moveReferences(catalog, oldKey, newKey);
  },

  IndexStmt(catalog, stmt: { idxname?: string; relation?: RangeVar; indexParams?: Node[]; unique?: boolean; if_not_exists?: boolean; whereClause?: Node }) {
    const table = relationKey(stmt.relation);
    const schema = table.split('.')[0] ?? 'public';
    const columns = (stmt.indexParams ?? []).map((p) => asNode<{ name?: string }>(p, 'IndexElem')?.name ?? '').filter(Boolean);
    const name = stmt.idxname ?? `${stmt.relation?.relname}_${columns.join('_') || 'expr'}_idx`;
    const key = `${schema}.${name}`;
    if (stmt.if_not_exists && catalog.indexes.has(key)) return;
    const relation = catalog.relation(table);
    const onlyParent = relation?.kind === 'partitioned' && !stmt.relation?.inh;
    const plain = columns.length === (stmt.indexParams ?? []).length && !stmt.whereClause;
    catalog.indexes.set(key, { key, table, columns, unique: Boolean(stmt.unique), valid: !onlyParent, plain });
    recordExpression(catalog, { kind: 'index', key }, [stmt.indexParams, stmt.whereClause], table);
  },

  DropStmt(catalog, stmt: { objects?: Node[]; removeType?: string; behavior?: string }) {
    const cascade = stmt.behavior === 'DROP_CASCADE';
    for (const object of stmt.objects ?? []) {
      // DROP TYPE / DROP DOMAIN name their objects as TypeName nodes, the rest as lists of names
      const parts = names(asNode<{ items?: Node[] }>(object, 'List')?.items ?? asNode<{ names?: Node[] }>(object, 'TypeName')?.names);
      const single = stringValue(object);
      const key = qualifiedKey(parts.length ? parts : single ? [single] : []);
      switch (stmt.removeType) {
        case 'OBJECT_TABLE':
        case 'OBJECT_VIEW':
        case 'OBJECT_MATVIEW':
        case 'OBJECT_FOREIGN_TABLE':
          dropRelation(catalog, key, cascade);
          break;
        case 'OBJECT_INDEX':
          if (cascade) dropIndexDependents(catalog, key);
          catalog.indexes.delete(key);
          for (const r of catalog.relations.values()) if (r.clusterIndex === key) delete r.clusterIndex;
          break;
        case 'OBJECT_SEQUENCE':
          catalog.sequences.delete(key);
          if (cascade) {
            for (const d of catalog.dependentsOn({ kind: 'sequence', key })) {
              const column = d.dependent.kind === 'default' ? catalog.relation(d.dependent.table)?.columns.get(d.dependent.column) : undefined;
              if (column) column.hasDefault = false;
            }
          }
          catalog.forgetDependencies((d) => d.on.kind === 'sequence' && d.on.key === key);
          break;
        case 'OBJECT_TYPE':
        case 'OBJECT_DOMAIN':
          if (cascade) dropTypeDependents(catalog, key);
          catalog.enums.delete(key);
          catalog.domains.delete(key);
          catalog.composites.delete(key);
          catalog.forgetDependencies((d) => (d.on.kind === 'type' && d.on.key === key) || (d.dependent.kind === 'type' && d.dependent.key === key));
          break;
        case 'OBJECT_FUNCTION':
        case 'OBJECT_PROCEDURE':
        case 'OBJECT_ROUTINE': {
          const fn = asNode<{ objname?: Node[]; objfuncargs?: Node[]; args_unspecified?: boolean }>(object, 'ObjectWithArgs');
          const { name, arity } = functionIdentity(fn?.objname, fn?.objfuncargs);
          const matches = (n: string, a: number) => n === name && (fn?.args_unspecified || a === arity);
          if (cascade) dropFunctionDependents(catalog, matches);
          catalog.forgetDependencies(
            (d) =>
              (d.on.kind === 'function' && matches(d.on.name, d.on.arity)) || (d.dependent.kind === 'function' && matches(d.dependent.name, d.dependent.arity)),
          );
          break;
        }
        case 'OBJECT_TRIGGER':
        case 'OBJECT_POLICY': {
          const table = qualifiedKey(parts.slice(0, -1));
          const name = parts[parts.length - 1];
          const kind = stmt.removeType === 'OBJECT_TRIGGER' ? 'trigger' : 'policy';
          catalog.forgetDependencies((d) => d.dependent.kind === kind && d.dependent.table === table && d.dependent.name === name);
          break;
        }
        case 'OBJECT_SCHEMA': {
          const schema = single ?? parts[0] ?? '';
          catalog.schemas.delete(schema);
          for (const r of [...catalog.relations.keys()]) if (r.startsWith(`${schema}.`)) dropRelation(catalog, r, true);
          break;
        }
        default:
          break;
      }
    }
  },

  ClusterStmt(catalog, stmt: { relation?: RangeVar; indexname?: string }) {
    // CLUSTER t (no USING) keeps the index marked before; CLUSTER without a table marks nothing new
    if (!stmt.relation || !stmt.indexname) return;
    const relation = catalog.relation(relationKey(stmt.relation));
    if (!relation) return;
    const index = `${relation.key.split('.')[0]}.${stmt.indexname}`;
    // a partitioned table: PostgreSQL marks each partition's index, not the parent's
    const targets = relation.kind === 'partitioned' ? catalog.partitionsOf(relation.key).filter((p) => p.kind === 'table') : [relation];
    for (const target of targets) target.clusterIndex = index;
  },

  CreateEnumStmt(catalog, stmt: { typeName?: Node[]; vals?: Node[] }) {
    catalog.enums.set(qualifiedKey(names(stmt.typeName)), names(stmt.vals));
  },

  AlterEnumStmt(catalog, stmt: { typeName?: Node[]; oldVal?: string; newVal?: string; newValNeighbor?: string; newValIsAfter?: boolean }) {
    const key = qualifiedKey(names(stmt.typeName));
    const values = catalog.enums.get(key);
    if (!values || !stmt.newVal) return;
    if (stmt.oldVal) {
      const at = values.indexOf(stmt.oldVal);
      if (at >= 0) values[at] = stmt.newVal;
    } else if (!values.includes(stmt.newVal)) {
      const neighbor = stmt.newValNeighbor ? values.indexOf(stmt.newValNeighbor) : -1;
      if (neighbor < 0) values.push(stmt.newVal);
      else values.splice(stmt.newValIsAfter ? neighbor + 1 : neighbor, 0, stmt.newVal);
    }
  },

  CreateDomainStmt(catalog, stmt: { domainname?: Node[]; typeName?: Node; constraints?: Node[] }) {
    const hasCheck = (stmt.constraints ?? []).some((c) => ['CONSTR_CHECK', 'CONSTR_NOTNULL'].includes(asNode<PgConstraint>(c, 'Constraint')?.contype ?? ''));
    catalog.domains.set(qualifiedKey(names(stmt.domainname)), { base: normalizeType(stmt.typeName as never).type, hasCheck });
  },

  CreateSeqStmt(catalog, stmt: { sequence?: RangeVar }) {
    catalog.sequences.add(relationKey(stmt.sequence));
  },

  CreateSchemaStmt(catalog, stmt: { schemaname?: string }) {
    if (stmt.schemaname) catalog.schemas.add(stmt.schemaname);
  },

  CreateExtensionStmt(catalog, stmt: { extname?: string }) {
    if (stmt.extname) catalog.extensions.add(stmt.extname);
  },

  CreateFunctionStmt(catalog, stmt: { funcname?: Node[]; options?: Node[]; parameters?: Node[]; returnType?: unknown }) {
    const { name, arity } = functionIdentity(stmt.funcname, stmt.parameters);
    const volatility = (stringValue(option(stmt.options, 'volatility')?.arg) ?? 'volatile') as Volatility;
    if (!name) return;
    catalog.functions.set(name, volatility);
    // CREATE OR REPLACE cannot change the signature's types, so the records stay right either way
    catalog.forgetDependencies((d) => d.dependent.kind === 'function' && d.dependent.name === name && d.dependent.arity === arity);
    for (const key of signatureTypes(catalog, stmt.parameters, stmt.returnType)) {
      catalog.dependencies.push({ dependent: { kind: 'function', name, arity }, on: { kind: 'type', key } });
    }
  },

  CompositeTypeStmt(catalog, stmt: { typevar?: RangeVar; coldeflist?: Node[] }) {
    const key = relationKey(stmt.typevar);
    catalog.composites.add(key);
    for (const def of stmt.coldeflist ?? []) {
      const type = normalizeType(asNode<ColumnDef>(def, 'ColumnDef')?.typeName).type.name;
      if (isUserType(catalog, type)) catalog.dependencies.push({ dependent: { kind: 'type', key }, on: { kind: 'type', key: type } });
    }
  },

  CreateTrigStmt(catalog, stmt: { trigname?: string; relation?: RangeVar; funcname?: Node[]; whenClause?: Node; columns?: Node[] }) {
    const table = relationKey(stmt.relation);
    const dependent: Dependent = { kind: 'trigger', table, name: stmt.trigname ?? '' };
    catalog.forgetDependencies((d) => d.dependent.kind === 'trigger' && d.dependent.table === table && d.dependent.name === dependent.name);
    const { name: fn } = functionIdentity(stmt.funcname, undefined);
    if (catalog.functions.has(fn)) catalog.dependencies.push({ dependent, on: { kind: 'function', name: fn, arity: 0 } });
    const relation = catalog.relation(table);
    if (!relation) return;
    // UPDATE OF columns and the WHEN condition's NEW.x / OLD.x
    const read = new Set([...names(stmt.columns).filter((c) => relation.columns.has(c)), ...ownColumnsRead(stmt.whenClause, relation.columns)]);
    for (const column of read) catalog.dependencies.push({ dependent, on: { kind: 'column', table, column } });
  },

  CreatePolicyStmt(catalog, stmt: { policy_name?: string; table?: RangeVar; qual?: Node; with_check?: Node }) {
    recordPolicy(catalog, relationKey(stmt.table), stmt.policy_name ?? '', [stmt.qual, stmt.with_check]);
  },

  AlterPolicyStmt(catalog, stmt: { policy_name?: string; table?: RangeVar; qual?: Node; with_check?: Node }) {
    const table = relationKey(stmt.table);
    const name = stmt.policy_name ?? '';
    if (stmt.qual === undefined && stmt.with_check === undefined) return;
    // ALTER POLICY replaces only the expressions it names; the records do not say which expression used what,
    // so the kept one's uses are forgotten too (quiet rather than wrong)
    catalog.forgetDependencies((d) => d.dependent.kind === 'policy' && d.dependent.table === table && d.dependent.name === name);
    recordPolicy(catalog, table, name, [stmt.qual, stmt.with_check]);
  },
};

function unknownColumn(name: string): Column {
  return { name, type: { name: 'unknown', mods: [], array: 0 }, notNull: false, hasDefault: false, identity: false };
}

function renameKey<T>(map: Map<string, T>, oldKey: string, newName: string, setKey: (item: T, key: string) => void): string | undefined {
  const item = map.get(oldKey);
  if (!item) return undefined;
  const newKey = `${oldKey.split('.')[0]}.${newName}`;
  map.delete(oldKey);
  setKey(item, newKey);
  map.set(newKey, item);
  return newKey;
}

/** Everything that pointed at a renamed or moved relation follows it, as PostgreSQL's OIDs do. */
function moveReferences(catalog: Catalog, oldKey: string, newKey: string): void {
  for (const r of catalog.relations.values()) {
    if (r.partitionOf === oldKey) r.partitionOf = newKey;
    r.inherits = r.inherits.map((k) => (k === oldKey ? newKey : k));
    for (const d of r.dependsOn) if (d.relation === oldKey) d.relation = newKey;
    for (const c of r.constraints) if (c.references === oldKey) c.references = newKey;
  }
  for (const i of catalog.indexes.values()) if (i.table === oldKey) i.table = newKey;
  for (const d of catalog.dependencies) {
    for (const side of [d.dependent, d.on]) {
      if ('table' in side && side.table === oldKey) side.table = newKey;
      if (side.kind === 'view' && side.key === oldKey) side.key = newKey;
    }
  }
}

/** A renamed or moved type: columns, domains and records follow it, as PostgreSQL's OIDs do (the enum-change recipe relies on it). */
function moveType(catalog: Catalog, oldKey: string, newKey: string): void {
  if (catalog.composites.delete(oldKey)) catalog.composites.add(newKey);
  for (const r of catalog.relations.values()) for (const c of r.columns.values()) if (c.type.name === oldKey) c.type = { ...c.type, name: newKey };
  for (const d of catalog.domains.values()) if (d.base.name === oldKey) d.base = { ...d.base, name: newKey };
  for (const d of catalog.dependencies) {
    for (const side of [d.dependent, d.on]) if (side.kind === 'type' && side.key === oldKey) side.key = newKey;
  }
}

function dropRelation(catalog: Catalog, key: string, cascade: boolean): void {
  if (!catalog.relations.has(key)) return;
  const doomed = [key, ...catalog.partitionsOf(key).map((p) => p.key)];
  if (cascade) doomed.push(...catalog.dependentViews(key).map((v) => v.key));
  for (const k of doomed) {
    catalog.relations.delete(k);
    for (const [ik, index] of catalog.indexes) if (index.table === k) catalog.indexes.delete(ik);
    for (const r of catalog.relations.values()) {
      r.constraints = r.constraints.filter((c) => c.references !== k);
      r.dependsOn = r.dependsOn.filter((d) => d.relation !== k);
    }
  }
}

function addColumn(catalog: Catalog, relation: Relation, def: ColumnDef): Column {
  const { type, serial } = normalizeType(def.typeName);
  const column: Column = { name: def.colname ?? '', type, notNull: Boolean(def.is_not_null), hasDefault: serial, identity: false };
  const collation = collationOf(def);
  if (collation) column.collation = collation;
  for (const item of def.constraints ?? []) {
    const c = asNode<PgConstraint>(item, 'Constraint');
    if (!c) continue;
    if (c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY') column.notNull = true;
    if (c.contype === 'CONSTR_DEFAULT') column.hasDefault = true;
    if (c.contype === 'CONSTR_IDENTITY') {
      column.identity = true;
      column.notNull = true;
    }
    if (c.contype === 'CONSTR_GENERATED') column.generated = c.generated_kind === 'v' ? 'virtual' : 'stored';
    if (c.contype !== 'CONSTR_NOTNULL' && c.contype !== 'CONSTR_DEFAULT') addConstraint(catalog, relation, c, column.name);
    if (c.contype === 'CONSTR_DEFAULT') recordExpression(catalog, { kind: 'default', table: relation.key, column: column.name }, c.raw_expr);
    if (c.contype === 'CONSTR_GENERATED') recordExpression(catalog, { kind: 'generated', table: relation.key, column: column.name }, c.raw_expr, relation.key);
    if (c.contype === 'CONSTR_IDENTITY') recordIdentity(catalog, relation.key, column.name, c.options);
  }
  if (serial) {
    const sequence = `${relation.key}_${column.name}_seq`;
    catalog.sequences.add(sequence);
    catalog.dependencies.push({ dependent: { kind: 'default', table: relation.key, column: column.name }, on: { kind: 'sequence', key: sequence } });
  }
  relation.columns.set(column.name, column);
  return column;
}

/** A policy depends on the functions its expressions call and the columns of its table they read. */
function recordPolicy(catalog: Catalog, table: string, name: string, expressions: unknown[]): void {
  const dependent: Dependent = { kind: 'policy', table, name };
  for (const on of expressionTargets(expressions, catalog)) catalog.dependencies.push({ dependent, on });
  const relation = catalog.relation(table);
  for (const column of relation ? ownColumnsRead(expressions, relation.columns) : [])
    catalog.dependencies.push({ dependent, on: { kind: 'column', table, column } });
}

/** What a stored expression (default, generation, CHECK, index, view) depends on, as pg_depend records it. */
function recordExpression(catalog: Catalog, dependent: Dependent, expr: unknown, ownTable?: string): void {
  for (const on of expressionTargets(expr, catalog, ownTable)) catalog.dependencies.push({ dependent, on });
}

/** An identity column owns its sequence internally: `<table>_<column>_seq` unless SEQUENCE NAME says otherwise. */
function recordIdentity(catalog: Catalog, table: string, column: string, options: Node[] | undefined): void {
  const named = names(asNode<{ items?: Node[] }>(option(options, 'sequence_name')?.arg, 'List')?.items);
  const key = named.length ? qualifiedKey(named) : `${table}_${column}_seq`;
  catalog.dependencies.push({ dependent: { kind: 'identity', table, column }, on: { kind: 'sequence', key } });
}

/**
 * The unique index a new foreign key leans on: the PRIMARY KEY when no columns are named, otherwise the
 * one constraint or plain unique index over exactly the referenced columns. Several candidates: PostgreSQL
 * picks one by OID, which the history cannot tell, so nothing is recorded.
 */
function recordForeignKeyIndex(catalog: Catalog, relation: Relation, constraint: Constraint): void {
  const referenced = constraint.references === relation.key ? relation : constraint.references ? catalog.relation(constraint.references) : undefined;
  if (!referenced) return;
  const schema = referenced.key.split('.')[0];
  const primary = referenced.constraints.find((c) => c.kind === 'primary');
  const wanted = constraint.referencedColumns;
  if (!wanted) {
    if (primary)
      catalog.dependencies.push({
        dependent: { kind: 'constraint', table: relation.key, name: constraint.name },
        on: { kind: 'index', key: `${schema}.${primary.name}` },
      });
    return;
  }
  const same = (cols: string[]) => cols.length === wanted.length && wanted.every((c) => cols.includes(c));
  const candidates = [
    ...referenced.constraints.filter((c) => (c.kind === 'primary' || c.kind === 'unique') && same(c.columns)).map((c) => `${schema}.${c.name}`),
    ...catalog
      .indexesOf(referenced.key)
      .filter((i) => i.unique && i.plain && same(i.columns))
      .map((i) => i.key),
  ];
  if (candidates.length === 1)
    catalog.dependencies.push({
      dependent: { kind: 'constraint', table: relation.key, name: constraint.name },
      on: { kind: 'index', key: candidates[0] ?? '' },
    });
}

function addConstraint(catalog: Catalog, relation: Relation, c: PgConstraint, columnName: string | undefined): void {
  const kind = CONSTRAINT_KIND[c.contype ?? ''];
  if (!kind || kind === 'notnull') {
    if (kind === 'notnull') for (const col of constraintColumns(c, columnName)) markNotNull(relation, col);
    return;
  }
  const columns = constraintColumns(c, columnName);
  const table = relation.key.split('.')[1] ?? '';
  const suffix = { check: 'check', foreign: 'fkey', unique: 'key', primary: 'pkey', exclusion: 'excl' }[kind];
  const name = c.conname ?? (kind === 'primary' ? `${table}_pkey` : `${table}_${columns.join('_') || 'expr'}_${suffix}`);
  const constraint: Constraint = {
    name,
    kind,
    columns,
    validated: !c.skip_validation,
  };
  if (!c.conname) constraint.generatedName = true;
  if (kind === 'foreign') {
    constraint.references = relationKey(c.pktable);
    const referenced = names(c.pk_attrs);
    if (referenced.length) constraint.referencedColumns = referenced;
  }
  if (kind === 'check') {
    constraint.provesNotNull = columnsProvenNotNull(c.raw_expr);
    if (c.raw_expr) constraint.expr = c.raw_expr;
    if (c.is_no_inherit) constraint.noInherit = true;
  }
  if (kind === 'primary') for (const col of columns) markNotNull(relation, col);
  relation.constraints.push(constraint);
  if (kind === 'check') recordExpression(catalog, { kind: 'constraint', table: relation.key, name }, c.raw_expr, relation.key);
  if (kind === 'foreign') recordForeignKeyIndex(catalog, relation, constraint);
}

function constraintColumns(c: PgConstraint, columnName: string | undefined): string[] {
  const listed = names(c.keys ?? c.fk_attrs);
  if (listed.length) return listed;
  if (columnName) return [columnName];
  if (c.contype === 'CONSTR_CHECK') return columnsProvenNotNull(c.raw_expr);
  return [];
}

function markNotNull(relation: Relation, column: string): void {
  const col = relation.columns.get(column);
  if (col) col.notNull = true;
}

function applyAlterCommand(catalog: Catalog, relation: Relation, cmd: AlterTableCmd): void {
  const column = cmd.name ? relation.columns.get(cmd.name) : undefined;
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const def = asNode<ColumnDef>(cmd.def, 'ColumnDef');
      if (def && !(cmd.missing_ok && relation.columns.has(def.colname ?? ''))) addColumn(catalog, relation, def);
      break;
    }
    case 'AT_DropColumn':
      if (column) {
        if (cmd.behavior === 'DROP_CASCADE') {
          for (const v of catalog.dependentViews(relation.key, [column.name])) catalog.relations.delete(v.key);
          for (const { relation: other, constraint } of referencingForeignKeys(catalog, relation, column.name))
            other.constraints = other.constraints.filter((c) => c !== constraint);
        }
        dropColumn(catalog, relation, column.name);
      }
      break;
    case 'AT_AlterColumnType': {
      const def = asNode<ColumnDef>(cmd.def, 'ColumnDef');
      if (column && def) {
        column.type = normalizeType(def.typeName).type;
        // a new type without COLLATE takes the type's default collation
        const collation = collationOf(def);
        if (collation) column.collation = collation;
        else delete column.collation;
      }
      break;
    }
    case 'AT_ColumnDefault':
      if (column) {
        column.hasDefault = cmd.def !== undefined;
        catalog.forgetDependencies((d) => d.dependent.kind === 'default' && d.dependent.table === relation.key && d.dependent.column === column.name);
        recordExpression(catalog, { kind: 'default', table: relation.key, column: column.name }, cmd.def);
      }
      break;
    case 'AT_SetNotNull':
      if (column) column.notNull = true;
      break;
    case 'AT_DropNotNull':
      if (column) column.notNull = false;
      break;
    case 'AT_AddIdentity':
      if (column) {
        column.identity = true;
        recordIdentity(catalog, relation.key, column.name, asNode<PgConstraint>(cmd.def, 'Constraint')?.options);
      }
      break;
    case 'AT_DropIdentity':
      // the identity's sequence is dropped with it
      if (column) column.identity = false;
      if (column)
        catalog.forgetDependencies((d) => d.dependent.kind === 'identity' && d.dependent.table === relation.key && d.dependent.column === column.name);
      break;
    case 'AT_DropExpression':
      if (column) delete column.generated;
      if (column)
        catalog.forgetDependencies((d) => d.dependent.kind === 'generated' && d.dependent.table === relation.key && d.dependent.column === column.name);
      break;
    case 'AT_AddConstraint': {
      const c = asNode<PgConstraint>(cmd.def, 'Constraint');
      if (c) addConstraint(catalog, relation, c, undefined);
      break;
    }
    case 'AT_ValidateConstraint': {
      const c = relation.constraints.find((k) => k.name === cmd.name);
      if (c) c.validated = true;
      break;
    }
    case 'AT_DropConstraint':
      relation.constraints = relation.constraints.filter((c) => c.name !== cmd.name);
      // a PRIMARY KEY / UNIQUE constraint's index goes with it, and its CLUSTER mark too
      if (relation.clusterIndex === `${relation.key.split('.')[0]}.${cmd.name}`) delete relation.clusterIndex;
      break;
    case 'AT_ClusterOn':
      if (relation.kind !== 'partitioned') relation.clusterIndex = `${relation.key.split('.')[0]}.${cmd.name}`;
      break;
    case 'AT_DropCluster':
      delete relation.clusterIndex;
      break;
    case 'AT_SetLogged':
      relation.unlogged = false;
      break;
    case 'AT_SetUnLogged':
      relation.unlogged = true;
      break;
    case 'AT_SetTableSpace':
      relation.tablespace = cmd.name ?? 'pg_default';
      break;
    case 'AT_SetAccessMethod':
      relation.accessMethod = cmd.name ?? 'heap';
      break;
    case 'AT_AttachPartition': {
      const spec = asNode<{ name?: RangeVar; bound?: { is_default?: boolean } }>(cmd.def, 'PartitionCmd');
      const child = catalog.relation(relationKey(spec?.name));
      if (child) {
        child.partitionOf = relation.key;
        child.isDefaultPartition = Boolean(spec?.bound?.is_default);
      }
      break;
    }
    case 'AT_AddInherit': {
      const parent = relationKey(asNode<RangeVar>(cmd.def, 'RangeVar'));
      if (!relation.inherits.includes(parent)) relation.inherits.push(parent);
      break;
    }
    case 'AT_DropInherit': {
      const parent = relationKey(asNode<RangeVar>(cmd.def, 'RangeVar'));
      relation.inherits = relation.inherits.filter((k) => k !== parent);
      break;
    }
    case 'AT_DetachPartition': {
      const spec = asNode<{ name?: RangeVar }>(cmd.def, 'PartitionCmd');
      const child = catalog.relation(relationKey(spec?.name));
      if (child) delete child.partitionOf;
      break;
    }
    default:
      break;
  }
}

function collationOf(def: ColumnDef): string | undefined {
  const parts = names(def.collClause?.collname);
  const name = parts[parts.length - 1];
  return name && name !== 'default' ? name : undefined;
}

/**
 * What an ALTER TABLE (without ONLY) on a parent does to each partition or inheritance child, as far as
 * later ATTACH / INHERIT checks need it: the same columns, types, NOT NULL marks and inheritable CHECKs.
 */
function propagateToChild(parent: Relation, child: Relation, cmd: AlterTableCmd): void {
  const name = cmd.name ?? '';
  switch (cmd.subtype) {
    case 'AT_AddColumn': {
      const added = parent.columns.get(asNode<ColumnDef>(cmd.def, 'ColumnDef')?.colname ?? '');
      if (added && !child.columns.has(added.name)) child.columns.set(added.name, { ...added });
      break;
    }
    case 'AT_DropColumn':
      child.columns.delete(name);
      child.constraints = child.constraints.filter((c) => !usesColumn(c, name));
      break;
    case 'AT_AlterColumnType':
    case 'AT_SetNotNull':
    case 'AT_DropNotNull': {
      const source = parent.columns.get(name);
      const target = child.columns.get(name);
      if (!source || !target) break;
      if (cmd.subtype === 'AT_AlterColumnType') {
        target.type = { ...source.type };
        if (source.collation) target.collation = source.collation;
        else delete target.collation;
      } else target.notNull = source.notNull;
      break;
    }
    case 'AT_AddConstraint': {
      const c = asNode<PgConstraint>(cmd.def, 'Constraint');
      const added = c?.contype === 'CONSTR_CHECK' ? parent.constraints[parent.constraints.length - 1] : undefined;
      if (added && !added.noInherit && !child.constraints.some((k) => k.name === added.name)) child.constraints.push({ ...added, columns: [...added.columns] });
      if (c?.contype === 'CONSTR_PRIMARY') for (const col of names(c.keys)) markNotNull(child, col);
      break;
    }
    case 'AT_DropConstraint':
      child.constraints = child.constraints.filter((c) => !(c.kind === 'check' && c.name === name));
      break;
    default:
      break;
  }
}
