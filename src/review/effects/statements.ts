import type { AlterTableCmd, Node, Constraint as PgConstraint, RangeVar } from '@pgsql/types';
import { parseSync } from 'libpg-query';
import { asNode, displayName, names, nodeTag, option, qualifiedKey, relationKey, stringValue, walk } from '../ast.js';
import { functionIdentity } from '../catalog/dependencies.js';
import { createChildFailures } from '../catalog/inheritance.js';
import type { Catalog } from '../catalog/model.js';
import type { LockMode } from '../lock-modes.js';
import { LOCK_MODES } from '../lock-modes.js';
import { doBlocks, rolledBackAsDuplicate } from '../plpgsql.js';
import { alterTableEffects } from './alter-table.js';
import type { AnalyzedEffects, EffectContext } from './builder.js';
import { EffectsBuilder } from './builder.js';
import { dropFunctionEffect, dropIndexEffect, dropSequenceEffect, dropTypeEffect } from './dependents.js';
import { versionGates } from './version-gates.js';

// biome-ignore lint/suspicious/noExplicitAny: one table of handlers over every statement kind; each reads its own node's fields
type Body = any;

interface StatementFact {
  /** one line for docs: what PostgreSQL locks and does */
  summary: string;
  /** why no engine case can observe this entry (the coverage test accepts nothing else) */
  unobservable?: string;
  effect: (body: Body, out: EffectsBuilder) => void;
}

const AEL: LockMode = 'AccessExclusiveLock';

/** Statements that change nothing on existing relations: no relation lock, allowed in a transaction. */
const CATALOG_ONLY = [
  'CreateSchemaStmt',
  'CreateEnumStmt',
  'CreateDomainStmt',
  'CompositeTypeStmt',
  'CreateRangeStmt',
  'CreateSeqStmt',
  'AlterSeqStmt',
  'CreateExtensionStmt',
  'AlterExtensionStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'CreateRoleStmt',
  'AlterRoleStmt',
  'DropRoleStmt',
  'GrantRoleStmt',
  'AlterDefaultPrivilegesStmt',
  'CreateCastStmt',
  'CreateOpClassStmt',
  'DefineStmt',
  'AlterFunctionStmt',
  'CreateEventTrigStmt',
  'AlterEventTrigStmt',
  'CreateConversionStmt',
  'AlterOwnerStmt',
  'CreateForeignServerStmt',
  'CreateFdwStmt',
  'CreateUserMappingStmt',
  'NotifyStmt',
  'ListenStmt',
  'CallStmt',
  'DeallocateStmt',
  'PrepareStmt',
  'CheckPointStmt',
  'AlterCollationStmt',
  'AlterTSDictionaryStmt',
  'AlterTSConfigurationStmt',
  'AlterOperatorStmt',
  'AlterStatsStmt',
  'AlterObjectDependsStmt',
  'AlterDatabaseSetStmt',
  'AlterDatabaseStmt',
  'AlterDatabaseRefreshCollStmt',
  'ConstraintsSetStmt',
  'AlterRoleSetStmt',
] as const;

/** Statements PostgreSQL refuses inside a transaction block whatever their options. */
const NEVER_IN_TRANSACTION = ['CreatedbStmt', 'DropdbStmt', 'AlterSystemStmt', 'CreateTableSpaceStmt', 'DropTableSpaceStmt'] as const;

type CatalogOnlyKind = (typeof CATALOG_ONLY)[number];
type NeverInTransactionKind = (typeof NEVER_IN_TRANSACTION)[number];
type ModelledKind =
  | 'CreateStmt'
  | 'AlterTableStmt'
  | 'DropStmt'
  | 'IndexStmt'
  | 'ReindexStmt'
  | 'ViewStmt'
  | 'CreateTableAsStmt'
  | 'RefreshMatViewStmt'
  | 'TruncateStmt'
  | 'LockStmt'
  | 'VacuumStmt'
  | 'ClusterStmt'
  | 'RenameStmt'
  | 'AlterObjectSchemaStmt'
  | 'CreateTrigStmt'
  | 'CreatePolicyStmt'
  | 'AlterPolicyStmt'
  | 'RuleStmt'
  | 'CommentStmt'
  | 'InsertStmt'
  | 'UpdateStmt'
  | 'DeleteStmt'
  | 'MergeStmt'
  | 'SelectStmt'
  | 'DoStmt'
  | 'ExplainStmt'
  | 'CopyStmt'
  | 'AlterEnumStmt'
  | 'GrantStmt'
  | 'CreateStatsStmt'
  | 'CreatePublicationStmt'
  | 'AlterPublicationStmt'
  | 'DiscardStmt'
  | 'AlterDomainStmt'
  | 'CreateSubscriptionStmt'
  | 'DropSubscriptionStmt'
  | 'TransactionStmt'
  | 'CreateFunctionStmt'
  | 'CreateForeignTableStmt';

function factsFor<K extends string>(kinds: readonly K[], make: (kind: K) => StatementFact): Record<K, StatementFact> {
  return Object.fromEntries(kinds.map((k) => [k, make(k)])) as Record<K, StatementFact>;
}

/**
 * THE table for whole statements: every statement kind dbtool models, with what PostgreSQL 12–18 does.
 * Kinds missing here are reported as unknown rather than guessed.
 */
export const STATEMENT_FACTS: Record<ModelledKind | CatalogOnlyKind | NeverInTransactionKind, StatementFact> = {
  ...factsFor(CATALOG_ONLY, (k) => ({ summary: `${k}: catalog only, no lock on existing tables`, effect: () => undefined })),
  ...factsFor(NEVER_IN_TRANSACTION, (k) => ({ summary: `${k}: cannot run inside a transaction block`, effect: (_b, out) => out.forbidden() })),
  TransactionStmt: {
    summary: 'BEGIN/COMMIT/ROLLBACK/SAVEPOINT: transaction control, no lock on tables',
    unobservable: 'transaction control ends or nests the very transaction the observation runs in',
    effect: () => undefined,
  },
  CreateSubscriptionStmt: {
    summary: 'CREATE SUBSCRIPTION: cannot run inside a transaction block when it creates the replication slot (the default)',
    effect: (b, out) => {
      const off = (name: string) => ['false', 'off', '0'].includes(String(stringValue(option(b.options, name)?.arg) ?? '').toLowerCase());
      if (!off('connect') && !off('create_slot')) out.forbidden();
    },
  },
  DropSubscriptionStmt: {
    summary: 'DROP SUBSCRIPTION: cannot run inside a transaction block while the subscription has a replication slot',
    unobservable: 'PostgreSQL contacts the publisher before it checks the transaction block, so this needs a second cluster',
    effect: (_b, out) => void out.forbidden(),
  },
  CreateFunctionStmt: { summary: 'CREATE FUNCTION: LANGUAGE sql bodies are checked, taking AccessShare on the tables they read', effect: createFunctionEffect },
  AlterEnumStmt: {
    summary: 'ALTER TYPE … ADD VALUE / RENAME VALUE: no table lock; allowed in a transaction since PG 12, but a new value cannot be used before commit',
    effect: () => undefined,
  },
  CreateStmt: {
    summary: 'CREATE TABLE: new table; locks FK-referenced tables (ShareRowExclusive) and a partitioned parent (AccessExclusive)',
    effect: createTableEffect,
  },
  CreateForeignTableStmt: {
    summary: 'CREATE FOREIGN TABLE: as CREATE TABLE; PARTITION OF locks the parent (AccessExclusive) and scans a default partition',
    effect: (b, out) => createTableEffect(b.base ?? {}, out),
  },
  AlterTableStmt: { summary: 'ALTER TABLE: see the subcommand table', effect: alterTableStatementEffect },
  DropStmt: { summary: 'DROP: AccessExclusive on the object, its partitions, FK-linked tables and (CASCADE) dependent views', effect: dropEffect },
  IndexStmt: {
    summary: 'CREATE INDEX: ShareLock (blocks writes) and a full scan; CONCURRENTLY: ShareUpdateExclusive, not in a transaction',
    effect: createIndexEffect,
  },
  ReindexStmt: {
    summary:
      'REINDEX: ShareLock on the table while the index is rebuilt; SCHEMA / DATABASE: each table in turn, not in a transaction; CONCURRENTLY: ShareUpdateExclusive, not in a transaction',
    effect: reindexEffect,
  },
  ViewStmt: { summary: 'CREATE VIEW: AccessShare on what it reads; OR REPLACE: AccessExclusive on the view', effect: viewEffect },
  CreateTableAsStmt: { summary: 'CREATE MATERIALIZED VIEW / TABLE AS: runs the query, reading its sources in full', effect: createTableAsEffect },
  RefreshMatViewStmt: {
    summary: 'REFRESH MATERIALIZED VIEW: AccessExclusive and a rewrite; CONCURRENTLY: ExclusiveLock (reads continue)',
    effect: refreshEffect,
  },
  TruncateStmt: { summary: 'TRUNCATE: AccessExclusive and new storage', effect: truncateEffect },
  LockStmt: { summary: 'LOCK TABLE: the named mode', effect: lockEffect },
  VacuumStmt: { summary: 'VACUUM: not in a transaction; FULL rewrites under AccessExclusive; ANALYZE: ShareUpdateExclusive', effect: vacuumEffect },
  ClusterStmt: {
    summary: 'CLUSTER: AccessExclusive and a rewrite; without a table: every table clustered before, in turn, not in a transaction',
    effect: clusterEffect,
  },
  RenameStmt: { summary: 'RENAME: AccessExclusive on the table (ShareUpdateExclusive for an index)', effect: renameEffect },
  AlterObjectSchemaStmt: { summary: 'SET SCHEMA: AccessExclusive', effect: (b, out) => b.relation && out.lock(relationKey(b.relation), AEL) },
  CreateTrigStmt: {
    summary: 'CREATE TRIGGER: ShareRowExclusive (blocks writes)',
    effect: (b, out) => out.lock(relationKey(b.relation), 'ShareRowExclusiveLock'),
  },
  CreatePolicyStmt: { summary: 'CREATE POLICY: AccessExclusive', effect: (b, out) => out.lock(relationKey(b.table), AEL) },
  AlterPolicyStmt: { summary: 'ALTER POLICY: AccessExclusive', effect: (b, out) => out.lock(relationKey(b.table), AEL) },
  RuleStmt: { summary: 'CREATE RULE: AccessExclusive', effect: (b, out) => out.lock(relationKey(b.relation), AEL) },
  CommentStmt: { summary: 'COMMENT ON: ShareUpdateExclusive on the table', effect: commentEffect },
  InsertStmt: { summary: 'INSERT: RowExclusive on the target; reads its sources', effect: (b, out) => dmlEffect(b, out, false) },
  UpdateStmt: { summary: 'UPDATE: RowExclusive; a backfill without an indexed WHERE reads the whole table', effect: (b, out) => dmlEffect(b, out, true) },
  DeleteStmt: { summary: 'DELETE: RowExclusive; reads the whole table without an indexed WHERE', effect: (b, out) => dmlEffect(b, out, true) },
  MergeStmt: { summary: 'MERGE: RowExclusive on the target (PG 15+); joins it with the source, reading both', effect: mergeEffect },
  SelectStmt: { summary: 'SELECT: AccessShare on what it reads', effect: selectEffect },
  DoStmt: { summary: 'DO: the effects of the SQL its body runs', effect: doEffect },
  ExplainStmt: { summary: 'EXPLAIN: the locks planning takes; with ANALYZE everything the explained statement does', effect: explainEffect },
  GrantStmt: { summary: 'GRANT/REVOKE on tables: no table lock before PG 18; AccessShare on each table from PG 18', effect: grantEffect },
  CopyStmt: { summary: 'COPY: RowExclusive (FROM) or AccessShare and a full read (TO)', effect: copyEffect },
  CreateStatsStmt: {
    summary: 'CREATE STATISTICS: ShareUpdateExclusive on the table',
    effect: (b, out) => {
      for (const n of (b.relations ?? []) as Node[]) out.lock(relationKey(asNode<RangeVar>(n, 'RangeVar')), 'ShareUpdateExclusiveLock');
    },
  },
  CreatePublicationStmt: { summary: 'CREATE PUBLICATION … FOR TABLE: ShareUpdateExclusive on each table', effect: publicationEffect },
  AlterPublicationStmt: { summary: 'ALTER PUBLICATION … ADD/SET/DROP TABLE: ShareUpdateExclusive on each table', effect: publicationEffect },
  DiscardStmt: {
    summary: 'DISCARD: ALL cannot run inside a transaction block; the other forms are session-local',
    effect: (b, out) => void (b.target === 'DISCARD_ALL' && out.forbidden()),
  },
  AlterDomainStmt: {
    summary: 'ALTER DOMAIN … ADD CONSTRAINT / SET NOT NULL: ShareLock and a full read of every table with a column of the domain',
    effect: alterDomainEffect,
  },
};

/** What one parsed statement does to the relations that exist before it runs. */
export function analyzeEffects(node: Node | undefined, ctx: EffectContext): AnalyzedEffects {
  const out = new EffectsBuilder(ctx);
  statementEffect(node, out);
  return out.build();
}

function statementEffect(node: Node | undefined, out: EffectsBuilder): void {
  const tag = nodeTag(node);
  if (!tag || !node) return;
  versionGates(node, out);
  const fact = (STATEMENT_FACTS as Record<string, StatementFact | undefined>)[tag];
  if (!fact) {
    out.unknown = true;
    out.notes.push(`dbtool does not model ${tag} yet: its locks are unknown`);
    return;
  }
  out.fact(`statement:${tag}`);
  fact.effect(asNode(node, tag) ?? {}, out);
}

function createTableEffect(stmt: Body, out: EffectsBuilder): void {
  const key = relationKey(stmt.relation);
  const columns = (stmt.tableElts ?? []).map((e: Node) => asNode<{ colname?: string }>(e, 'ColumnDef')?.colname);
  for (const name of duplicateNames(columns)) out.fail({ message: `column "${name}" specified more than once`, sqlstate: '42701' });
  if (stmt.if_not_exists && out.ctx.catalog.relation(key)) {
    out.notes.push(`${key.split('.')[1]} already exists: IF NOT EXISTS makes this a no-op`);
    return;
  }
  const parents: string[] = (stmt.inhRelations ?? []).map((n: Node) => relationKey(asNode<RangeVar>(n, 'RangeVar')));
  for (const failure of createChildFailures(out.ctx.catalog, stmt)) out.fail(failure);
  if (stmt.partbound) {
    const parent = parents[0] ?? '';
    out.lock(parent, AEL);
    const existingDefault = out.ctx.catalog.partitionsOf(parent).find((p) => p.isDefaultPartition && p.partitionOf === parent);
    if (existingDefault) {
      out.lock(existingDefault.key, AEL);
      out.scan(existingDefault.key, `the default partition ${existingDefault.key.split('.')[1]} is scanned for rows that belong to the new partition`);
    }
  } else {
    for (const parent of parents) out.lock(parent, 'ShareUpdateExclusiveLock');
  }
  walk(stmt.tableElts, (tag, body) => {
    if (tag === 'Constraint' && (body as PgConstraint).contype === 'CONSTR_FOREIGN') {
      const referenced = relationKey((body as PgConstraint).pktable);
      if (referenced !== key) out.lock(referenced, 'ShareRowExclusiveLock');
    } else if (tag === 'TableLikeClause') {
      out.lock(relationKey((body as { relation?: RangeVar }).relation), 'AccessShareLock');
    }
  });
}

function alterTableStatementEffect(stmt: Body, out: EffectsBuilder): void {
  const target = relationKey(stmt.relation);
  const cmds = (stmt.cmds ?? []).map((c: Node) => asNode<AlterTableCmd>(c, 'AlterTableCmd')).filter(Boolean) as AlterTableCmd[];
  if (stmt.missing_ok && !out.ctx.catalog.relation(target) && out.ctx.catalog.relations.size > 0) {
    out.notes.push(`${target.split('.')[1]} does not exist: IF EXISTS makes this a no-op`);
    return;
  }
  if (stmt.objtype === 'OBJECT_INDEX') {
    alterIndexEffect(target, cmds, out);
    return;
  }
  alterTableEffects(target, cmds, Boolean(stmt.relation?.inh), out);
}

function alterIndexEffect(indexKey: string, cmds: AlterTableCmd[], out: EffectsBuilder): void {
  const index = out.ctx.catalog.indexes.get(indexKey);
  for (const cmd of cmds) {
    out.fact(`alter-index:${cmd.subtype}`);
    if (cmd.subtype === 'AT_AttachPartition') {
      const child = out.ctx.catalog.indexes.get(relationKey(asNode<{ name?: RangeVar }>(cmd.def, 'PartitionCmd')?.name));
      if (index) out.lock(index.table, 'AccessShareLock');
      if (child) out.lock(child.table, 'AccessShareLock');
    }
  }
}

function dropEffect(stmt: Body, out: EffectsBuilder): void {
  const catalog = out.ctx.catalog;
  const cascade = stmt.behavior === 'DROP_CASCADE';
  const objectKey = (object: Node) => {
    // DROP TYPE / DROP DOMAIN name their objects as TypeName nodes, the rest as lists of names
    const parts = names(asNode<{ items?: Node[] }>(object, 'List')?.items ?? asNode<{ names?: Node[] }>(object, 'TypeName')?.names);
    const single = stringValue(object);
    return qualifiedKey(parts.length ? parts : single ? [single] : []);
  };
  const droppedTogether = new Set<string>((stmt.objects ?? []).map(objectKey));
  for (const object of stmt.objects ?? []) {
    const parts = names(asNode<{ items?: Node[] }>(object, 'List')?.items);
    const single = stringValue(object);
    const key = objectKey(object);
    switch (stmt.removeType) {
      case 'OBJECT_TABLE':
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW':
      case 'OBJECT_FOREIGN_TABLE':
        dropRelationEffect(key, cascade, Boolean(stmt.missing_ok), droppedTogether, out);
        break;
      case 'OBJECT_INDEX': {
        const index = catalog.indexes.get(key);
        if (stmt.concurrent) {
          out.forbidden().fact('drop-index-concurrently');
          if (index) out.lock(index.table, 'ShareUpdateExclusiveLock');
        } else if (index) out.lock(index.table, AEL);
        dropIndexEffect(catalog, key, cascade, out);
        break;
      }
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN':
        dropTypeEffect(catalog, key, cascade, droppedTogether, out);
        break;
      case 'OBJECT_SEQUENCE':
        dropSequenceEffect(catalog, key, cascade, out);
        break;
      case 'OBJECT_FUNCTION':
      case 'OBJECT_PROCEDURE':
      case 'OBJECT_ROUTINE': {
        const fn = asNode<{ objname?: Node[]; objfuncargs?: Node[]; args_unspecified?: boolean }>(object, 'ObjectWithArgs');
        const { name, arity } = functionIdentity(fn?.objname, fn?.objfuncargs);
        dropFunctionEffect(catalog, name, fn?.args_unspecified ? undefined : arity, cascade, out);
        break;
      }
      case 'OBJECT_TRIGGER':
      case 'OBJECT_POLICY':
      case 'OBJECT_RULE':
        // the object's table is named by all but the last part
        out.lock(qualifiedKey(parts.slice(0, -1)), AEL);
        break;
      case 'OBJECT_SCHEMA':
        if (cascade) {
          const schema = single ?? parts[0] ?? '';
          for (const r of catalog.relations.keys()) if (r.startsWith(`${schema}.`)) dropRelationEffect(r, true, true, droppedTogether, out);
        }
        break;
      default:
        break;
    }
  }
}

function dropRelationEffect(key: string, cascade: boolean, missingOk: boolean, droppedTogether: ReadonlySet<string>, out: EffectsBuilder): void {
  const catalog = out.ctx.catalog;
  const relation = catalog.relation(key);
  if (!relation && missingOk && catalog.relations.size > 0) return;
  out.lock(key, AEL);
  for (const p of catalog.partitionsOf(key)) out.lock(p.key, AEL);
  if (relation?.partitionOf) out.lock(relation.partitionOf, AEL);
  for (const c of relation?.constraints ?? []) if (c.kind === 'foreign' && c.references && c.references !== key) out.lock(c.references, AEL);
  // objects dropped by the same statement do not block each other
  const referencing = catalog.referencingTables(key).filter((r) => !droppedTogether.has(r.key));
  const views = catalog.dependentViews(key).filter((v) => !droppedTogether.has(v.key));
  // plain inheritance children (not partitions, which go with their parent)
  const heirs = [...catalog.relations.values()].filter((r) => r.inherits.includes(key) && !droppedTogether.has(r.key));
  if (cascade) {
    for (const r of [...referencing, ...views, ...heirs]) out.lock(r.key, AEL);
  } else if (views.length > 0 || referencing.length > 0 || heirs.length > 0) {
    const names = [...views, ...referencing, ...heirs].map((r) => r.key.split('.')[1]);
    out.fail({
      message: `cannot drop ${key.split('.')[1]} because other objects depend on it (${names.join(', ')})`,
      sqlstate: '2BP01',
      hint: 'drop the dependent objects first, or use CASCADE knowingly',
    });
  }
}

function createIndexEffect(stmt: Body, out: EffectsBuilder): void {
  const table = relationKey(stmt.relation);
  const catalog = out.ctx.catalog;
  const relation = catalog.relation(table);
  const indexKey = `${table.split('.')[0]}.${stmt.idxname ?? ''}`;
  if (stmt.if_not_exists && stmt.idxname && catalog.indexes.has(indexKey)) {
    // the table is locked before PostgreSQL notices the index exists
    out.lock(table, stmt.concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock');
    if (stmt.concurrent) out.forbidden();
    out.notes.push(`${stmt.idxname} already exists: IF NOT EXISTS skips the build`);
    return;
  }
  const partitioned = relation?.kind === 'partitioned';
  if (stmt.concurrent) {
    out.forbidden().fact('create-index-concurrently');
    if (partitioned) {
      out.fail({
        message: 'cannot create index on partitioned table concurrently',
        sqlstate: '0A000',
        hint: "create the index ON ONLY the parent, build each partition's index CONCURRENTLY, then ALTER INDEX … ATTACH PARTITION",
      });
    }
    out.lock(table, 'ShareUpdateExclusiveLock');
    out.scan(table, 'CREATE INDEX CONCURRENTLY reads the table twice without blocking writes');
    return;
  }
  out.lock(table, 'ShareLock');
  if (partitioned) {
    if (!stmt.relation?.inh) {
      out.notes.push('ON ONLY: the parent index stays invalid until every partition index is attached');
      return;
    }
    for (const p of catalog.partitionsOf(table)) {
      out.lock(p.key, 'ShareLock');
      if (p.kind === 'table') out.scan(p.key);
    }
    out.notes.push('the index is built on every partition while writes to each wait');
    return;
  }
  out.scan(table, 'CREATE INDEX reads the whole table while writes wait');
}

/** A boolean option as PostgreSQL reads it (defGetBoolean): present without a value is true; 0, false and off are false. */
function optionOn(list: Node[] | undefined, name: string): boolean {
  const def = option(list, name);
  if (!def) return false;
  if (!def.arg) return true;
  const integer = asNode<{ ival?: number }>(def.arg, 'Integer');
  if (integer) return (integer.ival ?? 0) !== 0;
  return !['false', 'off'].includes((stringValue(def.arg) ?? '').toLowerCase());
}

/** The table an index belongs to: a CREATE INDEX of the history, or the index of a PRIMARY KEY / UNIQUE / EXCLUDE constraint. */
function tableOfIndex(catalog: EffectContext['catalog'], key: string): string | undefined {
  const index = catalog.indexes.get(key);
  if (index) return index.table;
  const [schema, name] = key.split('.');
  for (const relation of catalog.relations.values()) {
    if (!relation.key.startsWith(`${schema}.`)) continue;
    if (relation.constraints.some((c) => c.name === name && (c.kind === 'primary' || c.kind === 'unique' || c.kind === 'exclusion'))) return relation.key;
  }
  return undefined;
}

/** Whether the history gives a relation an index (its own, a partitioned parent's, or a constraint's). */
function hasIndex(catalog: EffectContext['catalog'], key: string): boolean {
  const relation = catalog.relation(key);
  if (!relation) return false;
  if (catalog.indexesOf(key).length > 0) return true;
  if (relation.constraints.some((c) => c.kind === 'primary' || c.kind === 'unique' || c.kind === 'exclusion')) return true;
  return relation.partitionOf !== undefined && hasIndex(catalog, relation.partitionOf);
}

function reindexEffect(stmt: Body, out: EffectsBuilder): void {
  const concurrent = optionOn(stmt.params, 'concurrently');
  // before 14 the parenthesised list knows only VERBOSE; the keyword form (INDEX CONCURRENTLY x) carries no value
  const listed = ((stmt.params ?? []) as Node[])
    .map((p) => asNode<{ defname?: string; arg?: Node }>(p, 'DefElem'))
    .filter((d) => d && d.defname !== 'verbose' && (d.arg !== undefined || d.defname === 'tablespace'));
  if (listed.length > 0 && !out.supports(14)) return;
  const kind: string = stmt.kind;
  const catalog = out.ctx.catalog;
  if (kind === 'REINDEX_OBJECT_SCHEMA' || kind === 'REINDEX_OBJECT_SYSTEM' || kind === 'REINDEX_OBJECT_DATABASE') {
    out.forbidden();
    if (concurrent) {
      out.fact('reindex-concurrently');
      return;
    }
    if (kind === 'REINDEX_OBJECT_SYSTEM') {
      out.notes.push('REINDEX SYSTEM rebuilds the indexes of the system catalogs only: no table of the migrations is locked');
      return;
    }
    // each table and materialized view in its own transaction, one after another; partitioned tables through
    // their partitions (engine cases reindex-schema, reindex-database)
    const schema: string | undefined = kind === 'REINDEX_OBJECT_SCHEMA' ? stmt.name : undefined;
    for (const relation of catalog.relations.values()) {
      if (relation.kind !== 'table' && relation.kind !== 'matview') continue;
      if (schema !== undefined && !relation.key.startsWith(`${schema}.`)) continue;
      out.lock(relation.key, 'ShareLock');
      if (hasIndex(catalog, relation.key)) out.scan(relation.key);
    }
    out.touchesUnnamed(kind === 'REINDEX_OBJECT_SCHEMA' ? 'reindex-schema' : 'reindex-database');
    out.notes.push(
      `REINDEX ${schema === undefined ? 'DATABASE' : `SCHEMA ${schema}`} rebuilds the indexes of ${schema === undefined ? 'every table' : 'every table of the schema'}, one table after another, each under ShareLock (writes wait) with AccessExclusiveLock on the index being rebuilt (queries that plan with the table wait too)`,
    );
    return;
  }
  const name = relationKey(stmt.relation);
  const table = kind === 'REINDEX_OBJECT_INDEX' ? tableOfIndex(catalog, name) : name;
  if (concurrent) out.forbidden().fact('reindex-concurrently');
  if (!table) {
    if (!concurrent) out.touchesUnnamed('reindex-index');
    out.notes.push(
      `the earlier migrations do not create ${name.split('.')[1]}: REINDEX locks its table (${concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock'}), which dbtool cannot name`,
    );
    return;
  }
  if (catalog.relation(table)?.kind === 'partitioned') {
    if (!out.supports(14)) {
      // 12 and 13 skip a partitioned table with a warning and reject a partitioned index (version gates)
      out.notes.push('before PostgreSQL 14 REINDEX does not reach the partitions of a partitioned table');
      return;
    }
    if (!concurrent) out.forbidden();
    for (const p of catalog.partitionsOf(table)) {
      out.lock(p.key, concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock');
      if (p.kind === 'table') out.scan(p.key);
    }
    return;
  }
  out.lock(table, concurrent ? 'ShareUpdateExclusiveLock' : 'ShareLock');
  out.scan(table, 'REINDEX rebuilds from a full read of the table');
}

function viewEffect(stmt: Body, out: EffectsBuilder): void {
  const key = relationKey(stmt.view);
  const select = asNode<Body>(stmt.query, 'SelectStmt');
  const recursive =
    select?.withClause?.recursive && asNode<{ ctename?: string }>(select.withClause.ctes?.[0], 'CommonTableExpr')?.ctename === stmt.view?.relname;
  if (recursive) {
    // CREATE RECURSIVE VIEW v (a, a) becomes SELECT a, a FROM (WITH RECURSIVE v (a, a) …): the names clash there
    for (const name of duplicateNames(names(stmt.aliases)))
      out.fail({ message: `column reference "${name}" is ambiguous`, sqlstate: '42702', hint: 'give each column of the recursive view a distinct name' });
  } else {
    duplicateOutputColumns(stmt.query, stmt.aliases, out, `view ${key.split('.')[1]}`);
  }
  if (stmt.replace && out.ctx.catalog.relation(key)) out.lock(key, AEL);
  readsOf(stmt.query, out, false);
}

function createTableAsEffect(stmt: Body, out: EffectsBuilder): void {
  const key = relationKey(stmt.into?.rel);
  if (stmt.if_not_exists && out.ctx.catalog.relation(key)) return;
  duplicateOutputColumns(stmt.query, stmt.into?.colNames, out, `${stmt.objtype === 'OBJECT_MATVIEW' ? 'materialized view' : 'table'} ${key.split('.')[1]}`);
  readsOf(stmt.query, out, !stmt.into?.skipData);
}

function refreshEffect(stmt: Body, out: EffectsBuilder): void {
  const key = relationKey(stmt.relation);
  const view = out.ctx.catalog.relation(key);
  const sources = view?.dependsOn.map((d) => d.relation) ?? [];
  if (stmt.concurrent) {
    out.lock(key, 'ExclusiveLock').fact('refresh-concurrently');
    out.scan(key, 'REFRESH … CONCURRENTLY compares the new result with the old one row by row');
  } else {
    out.lock(key, AEL);
    if (stmt.skipData) out.replaceStorage(key, 'REFRESH … WITH NO DATA empties the view');
    else out.rewrite(key, 'REFRESH MATERIALIZED VIEW replaces its storage while reads wait');
  }
  // WITH NO DATA empties the view without running its query
  if (stmt.skipData) return;
  for (const source of sources) out.lock(source, 'AccessShareLock').scan(source);
}

function truncateEffect(stmt: Body, out: EffectsBuilder): void {
  const catalog = out.ctx.catalog;
  const targets = new Set<string>((stmt.relations ?? []).map((n: Node) => relationKey(asNode<RangeVar>(n, 'RangeVar'))));
  if (stmt.behavior === 'DROP_CASCADE') {
    for (const t of [...targets]) for (const r of catalog.referencingTables(t)) targets.add(r.key);
  }
  for (const t of targets) {
    for (const key of [t, ...catalog.partitionsOf(t).map((p) => p.key)]) {
      out.lock(key, AEL);
      if (catalog.relation(key)?.kind !== 'partitioned') out.replaceStorage(key, `TRUNCATE gives ${key.split('.')[1]} new, empty storage`);
    }
  }
  for (const t of targets) {
    for (const r of catalog.referencingTables(t)) {
      if (!targets.has(r.key))
        out.fail({
          message: `cannot truncate a table referenced in a foreign key constraint (${r.key.split('.')[1]} references ${t.split('.')[1]})`,
          sqlstate: '0A000',
          hint: 'truncate the referencing tables in the same statement, or use CASCADE knowingly',
        });
    }
  }
}

function lockEffect(stmt: Body, out: EffectsBuilder): void {
  const mode = LOCK_MODES[(stmt.mode ?? 8) - 1] ?? AEL;
  for (const n of stmt.relations ?? []) {
    const key = relationKey(asNode<RangeVar>(n, 'RangeVar'));
    out.lock(key, mode);
    for (const p of out.ctx.catalog.partitionsOf(key)) out.lock(p.key, mode);
  }
}

function vacuumEffect(stmt: Body, out: EffectsBuilder): void {
  const full = optionOn(stmt.options, 'full');
  if (stmt.is_vacuumcmd) out.forbidden();
  for (const n of stmt.rels ?? []) {
    const key = relationKey(asNode<{ relation?: RangeVar }>(n, 'VacuumRelation')?.relation);
    if (!stmt.is_vacuumcmd) out.lock(key, 'ShareUpdateExclusiveLock');
    else if (full) out.lock(key, AEL).rewrite(key, 'VACUUM FULL writes a new copy of the table');
    else out.lock(key, 'ShareUpdateExclusiveLock').scan(key);
  }
}

function clusterEffect(stmt: Body, out: EffectsBuilder): void {
  if (!stmt.relation) {
    // every table with an index marked clustered, each in its own transaction (engine case cluster-all)
    out.forbidden().touchesUnnamed('cluster-all');
    for (const relation of out.ctx.catalog.relations.values()) {
      if (relation.clusterIndex) out.lock(relation.key, AEL).rewrite(relation.key);
    }
    out.notes.push('CLUSTER without a table name re-sorts every table clustered before, one after another, each rewritten under AccessExclusiveLock');
    return;
  }
  const key = relationKey(stmt.relation);
  if (out.ctx.catalog.relation(key)?.kind === 'partitioned') {
    // from 15: each partition in its own transaction, so not in a transaction block (engine case cluster-partitioned)
    if (!out.supports(15)) return;
    out.forbidden().lock(key, AEL);
    for (const p of out.ctx.catalog.partitionsOf(key))
      out.lock(p.key, AEL).rewrite(p.key, `CLUSTER writes a new, sorted copy of partition ${p.key.split('.')[1]} while reads and writes wait`);
    return;
  }
  out.lock(key, AEL).rewrite(key, 'CLUSTER writes a new, sorted copy of the table while reads and writes wait');
}

function renameEffect(stmt: Body, out: EffectsBuilder): void {
  switch (stmt.renameType) {
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
    case 'OBJECT_FOREIGN_TABLE':
    case 'OBJECT_COLUMN':
    case 'OBJECT_TABCONSTRAINT':
      out.lock(relationKey(stmt.relation), AEL);
      break;
    case 'OBJECT_TRIGGER':
    case 'OBJECT_POLICY':
    case 'OBJECT_RULE':
      out.lock(relationKey(stmt.relation), AEL);
      break;
    default:
      break;
  }
}

function createFunctionEffect(stmt: Body, out: EffectsBuilder): void {
  const language = stringValue(option(stmt.options, 'language')?.arg);
  if (stmt.sql_body) {
    readsOf(stmt.sql_body, out, false);
    return;
  }
  if (language !== 'sql') return;
  const as = option(stmt.options, 'as')?.arg;
  const body = stringValue(as) ?? names(asNode<{ items?: Node[] }>(as, 'List')?.items)[0];
  if (!body) return;
  try {
    // PostgreSQL parses and analyses a LANGUAGE sql body when the function is created (check_function_bodies)
    for (const raw of parseSync(body).stmts ?? []) {
      if (raw.stmt) versionGates(raw.stmt, out);
      readsOf(raw.stmt, out, false);
    }
  } catch {
    // a body that does not parse fails CREATE FUNCTION itself; the parser reports that separately
  }
}

function explainEffect(stmt: Body, out: EffectsBuilder): void {
  // (ANALYZE false) plans only, like no ANALYZE at all
  if (optionOn(stmt.options, 'analyze')) {
    statementEffect(stmt.query, out);
    return;
  }
  // planning alone locks what the statement would touch, in the same modes, and reads nothing
  const planned = new EffectsBuilder(out.ctx);
  statementEffect(stmt.query, planned);
  for (const key of planned.lockedKeys()) out.lock(key, planned.lockOf(key) ?? 'AccessShareLock');
}

function copyEffect(stmt: Body, out: EffectsBuilder): void {
  if (!stmt.relation) {
    readsOf(stmt.query, out, true);
    return;
  }
  const key = relationKey(stmt.relation);
  if (stmt.is_from) {
    out.lock(key, 'RowExclusiveLock');
    return;
  }
  out.lock(key, 'AccessShareLock').scan(key, `COPY … TO reads every row of ${key.split('.')[1]}`);
}

function publicationEffect(stmt: Body, out: EffectsBuilder): void {
  for (const spec of stmt.pubobjects ?? []) {
    const body = asNode<{ pubobjtype?: string; pubtable?: { relation?: RangeVar } }>(spec, 'PublicationObjSpec');
    if (body?.pubtable?.relation) out.lock(relationKey(body.pubtable.relation), 'ShareUpdateExclusiveLock');
  }
}

/**
 * ALTER DOMAIN … ADD CONSTRAINT (without NOT VALID), SET NOT NULL and VALIDATE CONSTRAINT check every value of
 * the domain: each table with a column of it, or of a domain over it, is read in full under ShareLock (engine
 * cases alter-domain-*). A column holding the domain inside an array makes PostgreSQL refuse the statement. When
 * the earlier migrations do not create the domain, which tables use it is unknown, not none.
 */
function alterDomainEffect(stmt: Body, out: EffectsBuilder): void {
  const validates =
    (stmt.subtype === 'C' && !asNode<{ skip_validation?: boolean }>(stmt.def, 'Constraint')?.skip_validation) || stmt.subtype === 'O' || stmt.subtype === 'V';
  if (!validates) return;
  const domain = qualifiedKey(names(stmt.typeName));
  const { catalog } = out.ctx;
  if (!catalog.domains.has(domain)) {
    out.touchesUnnamed('domain-users');
    out.notes.push(
      `the earlier migrations do not create domain ${displayName(domain)}: the tables with a column of it, each read in full under ShareLock, are unknown`,
    );
    return;
  }
  const family = domainFamily(catalog, domain);
  for (const relation of catalog.relations.values()) {
    if (relation.kind !== 'table' && relation.kind !== 'partitioned') continue;
    const columns = [...relation.columns.values()].filter((c) => family.has(c.type.name));
    const inArray = columns.find((c) => c.type.array > 0);
    if (inArray) {
      out.fail({
        message: `cannot alter type "${displayName(domain)}" because column "${displayName(relation.key)}.${inArray.name}" uses it (PostgreSQL cannot check values inside an array of the domain)`,
        sqlstate: '0A000',
        hint: `Check the array column with a table CHECK constraint instead, or drop the constraint from the domain's design.`,
      });
      continue;
    }
    if (columns.length === 0) continue;
    out.lock(relation.key, 'ShareLock');
    if (relation.kind === 'table') out.scan(relation.key, `every ${domain.split('.')[1]} value in ${relation.key.split('.')[1]} is checked`);
  }
}

/** A domain and the domains built on it, transitively: a constraint added to it applies to all of them. */
function domainFamily(catalog: Catalog, domain: string): Set<string> {
  const family = new Set([domain]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [key, d] of catalog.domains) {
      if (!family.has(key) && family.has(d.base.name) && d.base.array === 0) {
        family.add(key);
        grew = true;
      }
    }
  }
  return family;
}

function grantEffect(stmt: Body, out: EffectsBuilder): void {
  // observed on real servers: only PostgreSQL 18 locks the tables whose privileges change
  if (out.ctx.pgVersion < 18) return;
  if (stmt.targtype !== 'ACL_TARGET_OBJECT' || !['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_FOREIGN_TABLE'].includes(stmt.objtype)) return;
  for (const n of stmt.objects ?? []) out.lock(relationKey(asNode<RangeVar>(n, 'RangeVar')), 'AccessShareLock');
}

function commentEffect(stmt: Body, out: EffectsBuilder): void {
  const parts = names(asNode<{ items?: Node[] }>(stmt.object, 'List')?.items);
  if (stmt.objtype === 'OBJECT_TABLE' || stmt.objtype === 'OBJECT_VIEW' || stmt.objtype === 'OBJECT_MATVIEW') {
    out.lock(qualifiedKey(parts), 'ShareUpdateExclusiveLock');
  } else if (stmt.objtype === 'OBJECT_COLUMN') {
    out.lock(qualifiedKey(parts.slice(0, -1)), 'ShareUpdateExclusiveLock');
  }
}

/** Relations a query reads (AccessShare), and — optionally — counts them as fully scanned. */
function readsOf(query: unknown, out: EffectsBuilder, scans: boolean): void {
  const ctes = new Set<string>();
  walk(query, (tag, body) => {
    if (tag === 'CommonTableExpr') ctes.add(String(body.ctename));
  });
  walk(query, (tag, body) => {
    if (tag !== 'RangeVar') return;
    const rv = body as RangeVar;
    if (!rv.schemaname && ctes.has(rv.relname ?? '')) return;
    const key = relationKey(rv);
    out.lock(key, 'AccessShareLock');
    for (const p of out.ctx.catalog.partitionsOf(key)) {
      out.lock(p.key, 'AccessShareLock');
      if (scans) out.scan(p.key);
    }
    if (scans && out.ctx.catalog.relation(key)?.kind !== 'partitioned' && out.ctx.catalog.relation(key)?.kind !== 'view') out.scan(key);
  });
}

function selectEffect(stmt: Body, out: EffectsBuilder): void {
  const locking = (stmt?.lockingClause ?? []).length > 0;
  // SELECT … INTO creates a table of the query's columns
  if (stmt?.intoClause) duplicateOutputColumns({ SelectStmt: stmt } as Node, undefined, out, `table ${relationKey(stmt.intoClause.rel).split('.')[1]}`);
  readsOf(stmt, out, Boolean(stmt?.fromClause?.length) && !stmt?.whereClause);
  if (locking) for (const key of out.lockedKeys()) out.lock(key, 'RowShareLock');
}

/** PostgreSQL compares identifiers after truncating them to NAMEDATALEN - 1 bytes. */
function duplicateNames(list: Array<string | undefined>): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const name of list) {
    if (name === undefined) continue;
    const key = Buffer.from(name, 'utf8').subarray(0, 63).toString('utf8');
    if (seen.has(key)) dups.add(key);
    seen.add(key);
  }
  return [...dups];
}

type AssignmentTarget = { name?: string; indirection?: Node[] } | undefined;

const resTargets = (list: Node[] | undefined): AssignmentTarget[] => (list ?? []).map((t) => asNode<{ name?: string; indirection?: Node[] }>(t, 'ResTarget'));

/**
 * Columns a SET list or an INSERT column list names twice: whole twice, or whole and in part (a = …, a.x = …).
 * Parts of one column (a.x, a.y or a[1], a[2]) are different targets.
 */
function duplicateTargets(targets: AssignmentTarget[]): string[] {
  const plain = targets.filter((t) => !t?.indirection?.length).map((t) => t?.name);
  const partial = new Set(targets.filter((t) => t?.indirection?.length).map((t) => t?.name));
  return [...new Set([...duplicateNames(plain), ...plain.filter((n): n is string => n !== undefined && partial.has(n))])];
}

/** A column assigned twice (SET a = 1, a = 2; INSERT (a, a); the same in MERGE): refused before anything runs. */
function duplicateAssignments(stmt: Body, out: EffectsBuilder): void {
  const setList = (targets: AssignmentTarget[], what: string) => {
    for (const name of duplicateTargets(targets))
      out.fail({ message: `multiple assignments to same column "${name}" in ${what}`, sqlstate: '42601', hint: 'assign each column once' });
  };
  const columnList = (targets: AssignmentTarget[], what: string) => {
    for (const name of duplicateTargets(targets))
      out.fail({ message: `column "${name}" specified more than once in the ${what} column list`, sqlstate: '42701', hint: 'list each column once' });
  };
  if (stmt.targetList) setList(resTargets(stmt.targetList), 'the SET list');
  if (stmt.cols) columnList(resTargets(stmt.cols), 'INSERT');
  const conflict = asNode<{ targetList?: Node[] }>(stmt.onConflictClause, 'OnConflictClause') ?? stmt.onConflictClause;
  if (conflict?.targetList) setList(resTargets(conflict.targetList), 'ON CONFLICT DO UPDATE');
  for (const clause of stmt.mergeWhenClauses ?? []) {
    const when = asNode<{ commandType?: string; targetList?: Node[] }>(clause, 'MergeWhenClause');
    if (when?.commandType === 'CMD_UPDATE') setList(resTargets(when.targetList), 'MERGE … UPDATE SET');
    else if (when?.commandType === 'CMD_INSERT') columnList(resTargets(when.targetList), 'MERGE … INSERT');
  }
}

/** The columns a query produces, as far as dbtool can tell. */
interface OutputColumns {
  /** names in order; undefined where a name is not known (the first column of a subquery dbtool cannot expand) */
  names: Array<string | undefined>;
  /** index in `names` where the first `*` starts: explicit column names past it have unknown positions */
  firstStar: number;
  /** false when a `*` could not be expanded: the count, and positions after it, are unknown */
  complete: boolean;
}

/**
 * The output column names of a query, as PostgreSQL derives them: `AS` names, else FigureColname's rules
 * (parse_target.c), and `*` expanded from the columns the history gives each FROM item.
 */
/** The WITH queries in scope, by name. */
type Ctes = ReadonlyMap<string, { ctequery?: Node; aliascolnames?: Node[] }>;

function outputColumns(query: Node | undefined, catalog: EffectContext['catalog'], outerCtes: Ctes = new Map()): OutputColumns {
  let select = asNode<Body>(query, 'SelectStmt');
  while (select?.op && select.op !== 'SETOP_NONE') select = select.larg;
  if (!select) return { names: [], firstStar: 0, complete: false };
  if (select.valuesLists) {
    const width = (asNode<{ items?: Node[] }>(select.valuesLists[0], 'List')?.items ?? []).length;
    return { names: Array.from({ length: width }, (_, i) => `column${i + 1}`), firstStar: Infinity, complete: true };
  }
  const ctes = new Map(outerCtes);
  for (const c of select.withClause?.ctes ?? []) {
    const cte = asNode<{ ctename?: string; ctequery?: Node; aliascolnames?: Node[] }>(c, 'CommonTableExpr');
    if (cte?.ctename) ctes.set(cte.ctename, cte);
  }
  const result: OutputColumns = { names: [], firstStar: Infinity, complete: true };
  for (const item of select.targetList ?? []) {
    const target = asNode<{ name?: string; val?: Node }>(item, 'ResTarget');
    const ref = asNode<{ fields?: Node[] }>(target?.val, 'ColumnRef');
    const fields = ref?.fields ?? [];
    if (!target?.name && fields.length > 0 && nodeTag(fields[fields.length - 1]) === 'A_Star') {
      result.firstStar = Math.min(result.firstStar, result.names.length);
      const qualifier = names(fields.slice(0, -1));
      const expanded =
        qualifier.length === 0
          ? expandAll(select.fromClause ?? [], catalog, ctes)
          : fromItemColumns(findFromItem(select.fromClause ?? [], qualifier), catalog, ctes);
      if (expanded) result.names.push(...expanded);
      else {
        result.names.push(undefined);
        result.complete = false;
      }
      continue;
    }
    result.names.push(target?.name ?? figureColname(target?.val, catalog));
  }
  return result;
}

/** `SELECT *`: every FROM item's columns in order, or undefined when one of them is not known. */
function expandAll(from: Node[], catalog: EffectContext['catalog'], ctes: Ctes): Array<string | undefined> | undefined {
  const all: Array<string | undefined> = [];
  for (const item of from) {
    const columns = fromItemColumns(item, catalog, ctes);
    if (!columns) return undefined;
    all.push(...columns);
  }
  return all;
}

/** The FROM item `x.*` refers to: a table or subquery whose alias (or name) is x. */
function findFromItem(from: Node[], qualifier: string[]): Node | undefined {
  const name = qualifier[qualifier.length - 1];
  const schema = qualifier.length > 1 ? qualifier[qualifier.length - 2] : undefined;
  for (const item of from) {
    const join = asNode<{ larg?: Node; rarg?: Node }>(item, 'JoinExpr');
    if (join) {
      const found = findFromItem(
        [join.larg, join.rarg].filter((n): n is Node => n !== undefined),
        qualifier,
      );
      if (found) return found;
      continue;
    }
    const rv = asNode<RangeVar>(item, 'RangeVar');
    if (rv && (rv.alias ? rv.alias.aliasname === name && !schema : rv.relname === name && (!schema || (rv.schemaname ?? 'public') === schema))) return item;
    const sub = asNode<{ alias?: { aliasname?: string } }>(item, 'RangeSubselect');
    if (sub?.alias?.aliasname === name && !schema) return item;
  }
  return undefined;
}

/** The columns a FROM item contributes to `*`, or undefined when the history does not tell them all. */
function fromItemColumns(item: Node | undefined, catalog: EffectContext['catalog'], ctes: Ctes): Array<string | undefined> | undefined {
  const withAliases = (columns: Array<string | undefined>, alias: { colnames?: Node[] } | undefined) => {
    const renamed = names(alias?.colnames);
    return columns.map((c, i) => renamed[i] ?? c);
  };
  const rv = asNode<RangeVar>(item, 'RangeVar');
  if (rv) {
    const cte = rv.schemaname ? undefined : ctes.get(rv.relname ?? '');
    if (cte) {
      // inside its own query the name is out of scope: a self-reference (invalid SQL) cannot recurse forever
      const outer = new Map(ctes);
      outer.delete(rv.relname ?? '');
      const inner = outputColumns(cte.ctequery, catalog, outer);
      return inner.complete ? withAliases(withAliases(inner.names, { colnames: cte.aliascolnames }), rv.alias) : undefined;
    }
    const relation = catalog.relation(relationKey(rv));
    // views and CREATE TABLE AS record only the column names written out: possibly not all of them
    if (!relation || (relation.kind !== 'table' && relation.kind !== 'partitioned') || relation.columns.size === 0) return undefined;
    if ([...relation.columns.values()].some((c) => c.type.name === 'unknown')) return undefined;
    return withAliases([...relation.columns.keys()], rv.alias);
  }
  const sub = asNode<{ subquery?: Node; alias?: { colnames?: Node[] } }>(item, 'RangeSubselect');
  if (sub) {
    const inner = outputColumns(sub.subquery, catalog, ctes);
    return inner.complete ? withAliases(inner.names, sub.alias) : undefined;
  }
  const join = asNode<{ larg?: Node; rarg?: Node; usingClause?: Node[]; isNatural?: boolean; alias?: unknown; join_using_alias?: unknown }>(item, 'JoinExpr');
  if (join && !join.isNatural && !join.alias) {
    const left = fromItemColumns(join.larg, catalog, ctes);
    const right = fromItemColumns(join.rarg, catalog, ctes);
    if (!left || !right) return undefined;
    // JOIN … USING merges the named columns into one each, listed first
    const using = names(join.usingClause);
    return [...using, ...left.filter((c) => c === undefined || !using.includes(c)), ...right.filter((c) => c === undefined || !using.includes(c))];
  }
  return undefined;
}

const SQL_VALUE_FUNCTIONS: Record<string, string> = {
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_CURRENT_TIME: 'current_time',
  SVFOP_CURRENT_TIME_N: 'current_time',
  SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
  SVFOP_CURRENT_TIMESTAMP_N: 'current_timestamp',
  SVFOP_LOCALTIME: 'localtime',
  SVFOP_LOCALTIME_N: 'localtime',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIMESTAMP_N: 'localtimestamp',
  SVFOP_CURRENT_ROLE: 'current_role',
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_USER: 'user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_CURRENT_CATALOG: 'current_catalog',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
};

const XML_FUNCTIONS: Record<string, string> = {
  IS_XMLCONCAT: 'xmlconcat',
  IS_XMLELEMENT: 'xmlelement',
  IS_XMLFOREST: 'xmlforest',
  IS_XMLPARSE: 'xmlparse',
  IS_XMLPI: 'xmlpi',
  IS_XMLROOT: 'xmlroot',
  IS_XMLSERIALIZE: 'xmlserialize',
};

const JSON_FUNCTIONS: Record<string, string> = {
  JSON_EXISTS_OP: 'json_exists',
  JSON_QUERY_OP: 'json_query',
  JSON_VALUE_OP: 'json_value',
};

/** The name PostgreSQL gives an unnamed output column (FigureColname): `?column?` when the expression suggests none. */
function figureColname(node: Node | undefined, catalog: EffectContext['catalog']): string | undefined {
  const [name, strength] = colnameOf(node, catalog);
  return strength === 0 ? '?column?' : name;
}

/** Expressions PostgreSQL always names the same way, whatever their arguments. */
const FIXED_COLUMN_NAMES: Record<string, string> = {
  GroupingFunc: 'grouping',
  MergeSupportFunc: 'merge_action',
  A_ArrayExpr: 'array',
  RowExpr: 'row',
  CoalesceExpr: 'coalesce',
  XmlSerialize: 'xmlserialize',
  JsonObjectConstructor: 'json_object',
  JsonArrayConstructor: 'json_array',
  JsonArrayQueryConstructor: 'json_array',
  JsonObjectAgg: 'json_objectagg',
  JsonArrayAgg: 'json_arrayagg',
  JsonParseExpr: 'json',
  JsonScalarExpr: 'json_scalar',
  JsonSerializeExpr: 'json_serialize',
};

/** A name for an expression and how strongly it suggests it: 2 a real name, 1 a fallback (a cast's type, "case"), 0 none. */
function colnameOf(node: Node | undefined, catalog: EffectContext['catalog']): [string | undefined, number] {
  const tag = nodeTag(node);
  const fixed = tag ? FIXED_COLUMN_NAMES[tag] : undefined;
  if (fixed) return [fixed, 2];
  const body = asNode<Body>(node, tag ?? '');
  switch (tag) {
    case 'ColumnRef': {
      const last = (body.fields ?? [])[(body.fields ?? []).length - 1];
      const name = stringValue(last);
      return name === undefined ? [undefined, 0] : [name, 2];
    }
    case 'A_Indirection': {
      const fields = names((body.indirection ?? []).filter((i: Node) => nodeTag(i) === 'String'));
      const last = fields[fields.length - 1];
      return last === undefined ? colnameOf(body.arg, catalog) : [last, 2];
    }
    case 'FuncCall': {
      const parts = names(body.funcname);
      return [parts[parts.length - 1], 2];
    }
    case 'A_Expr':
      return body.kind === 'AEXPR_NULLIF' ? ['nullif', 2] : [undefined, 0];
    case 'TypeCast': {
      const inner = colnameOf(body.arg, catalog);
      if (inner[1] > 1) return inner;
      const parts = names(body.typeName?.names);
      return parts.length ? [parts[parts.length - 1], 1] : inner;
    }
    case 'CollateClause':
      return colnameOf(body.arg, catalog);
    case 'SubLink':
      if (body.subLinkType === 'EXISTS_SUBLINK') return ['exists', 2];
      if (body.subLinkType === 'ARRAY_SUBLINK') return ['array', 2];
      // a scalar subquery is named after its single column
      if (body.subLinkType === 'EXPR_SUBLINK') return [outputColumns(body.subselect, catalog).names[0], 2];
      return [undefined, 0];
    case 'CaseExpr': {
      const inner = colnameOf(body.defresult, catalog);
      return inner[1] > 1 ? inner : ['case', 1];
    }
    case 'MinMaxExpr':
      return [body.op === 'IS_LEAST' ? 'least' : 'greatest', 2];
    case 'SQLValueFunction': {
      const name = SQL_VALUE_FUNCTIONS[String(body.op)];
      return name ? [name, 2] : [undefined, 0];
    }
    case 'XmlExpr': {
      const name = XML_FUNCTIONS[String(body.op)];
      return name ? [name, 2] : [undefined, 0];
    }
    case 'JsonFuncExpr': {
      const name = JSON_FUNCTIONS[String(body.op)];
      return name ? [name, 2] : [undefined, 0];
    }
    default:
      return [undefined, 0];
  }
}

/**
 * CREATE VIEW / MATERIALIZED VIEW / TABLE AS and SELECT INTO make a relation of the query's columns, renamed
 * by an explicit column list: two columns with one name are refused (42701) before anything runs.
 */
function duplicateOutputColumns(query: Node | undefined, aliasList: Node[] | undefined, out: EffectsBuilder, what: string): void {
  for (const name of duplicateColumnNames(query, aliasList, out.ctx.catalog)) {
    out.fail({
      message: `column "${name}" specified more than once in ${what}`,
      sqlstate: '42701',
      hint: 'give each column a distinct name (an AS alias, or a column list after the name)',
    });
  }
}

function duplicateColumnNames(query: Node | undefined, aliasList: Node[] | undefined, catalog: EffectContext['catalog']): string[] {
  const aliases = names(aliasList);
  const produced = outputColumns(query, catalog);
  // an explicit list renames the first columns; when a `*` starts before its end, which ones is unknown
  const columns = aliases.length === 0 ? produced.names : produced.firstStar < aliases.length ? aliases : [...aliases, ...produced.names.slice(aliases.length)];
  return duplicateNames(columns);
}

function dmlEffect(stmt: Body, out: EffectsBuilder, readsTarget: boolean): void {
  duplicateAssignments(stmt, out);
  const target = relationKey(stmt.relation);
  const catalog = out.ctx.catalog;
  readsOf([stmt.fromClause, stmt.usingClause, stmt.withClause, stmt.whereClause, stmt.sourceRelation], out, false);
  const select = asNode<Body>(stmt.selectStmt, 'SelectStmt');
  if (select) readsOf(select, out, Boolean(select.fromClause?.length) && !select.whereClause);
  out.lock(target, 'RowExclusiveLock');
  const partitions = catalog.partitionsOf(target);
  for (const p of partitions) out.lock(p.key, 'RowExclusiveLock');
  if (readsTarget && !usesIndexedEquality(stmt.whereClause, target, out)) {
    const storage = partitions.length ? partitions.filter((p) => p.kind === 'table').map((p) => p.key) : [target];
    const why = stmt.whereClause
      ? `no index on ${target.split('.')[1]} serves the WHERE clause: every row is read`
      : `every row of ${target.split('.')[1]} is read`;
    for (const key of storage) out.scan(key, why);
  }
}

function mergeEffect(stmt: Body, out: EffectsBuilder): void {
  if (!out.supports(15)) return;
  dmlEffect(stmt, out, true);
  readsOf(stmt.sourceRelation, out, true);
}

/** Whether a WHERE clause pins an indexed column with `=`, `IN` or a range: then no full read is needed. */
function usesIndexedEquality(where: Node | undefined, table: string, out: EffectsBuilder): boolean {
  if (!where) return false;
  const catalog = out.ctx.catalog;
  const leading = new Set(
    catalog
      .indexesOf(table)
      .map((i) => i.columns[0])
      .filter(Boolean) as string[],
  );
  for (const c of catalog.relation(table)?.constraints ?? []) if ((c.kind === 'primary' || c.kind === 'unique') && c.columns[0]) leading.add(c.columns[0]);
  let found = false;
  walk(where, (tag, body) => {
    if (tag !== 'A_Expr' || found) return;
    const op = stringValue(((body.name as Node[] | undefined) ?? [])[0]);
    if (!['=', '<', '>', '<=', '>=', '= ANY'].includes(op ?? '') && body.kind !== 'AEXPR_IN' && body.kind !== 'AEXPR_BETWEEN') return;
    const ref = names(asNode<{ fields?: Node[] }>(body.lexpr, 'ColumnRef')?.fields);
    const col = ref[ref.length - 1];
    if (col && leading.has(col)) found = true;
  });
  return found;
}

/**
 * DO blocks run PL/pgSQL: drizzle-kit wraps foreign keys in them. The body is parsed and every SQL
 * statement it would execute is analysed as if it stood alone. A block whose handler catches
 * duplicate_object (drizzle's idempotency guard) undoes all of its work, locks included, when one of its
 * statements would create something the catalog already has.
 */
function doEffect(stmt: Body, out: EffectsBuilder): void {
  const blocks = doBlocks(stmt);
  if (blocks === 'not-plpgsql') {
    out.unknown = true;
    return;
  }
  if (blocks === 'unparsable') {
    out.unknown = true;
    out.notes.push('the DO body could not be parsed as PL/pgSQL: its effects are unknown');
    return;
  }
  for (const block of blocks) {
    const inner = new EffectsBuilder(out.ctx);
    if (!block.nodes) inner.unknown = true;
    for (const node of block.nodes ?? []) statementEffect(node, inner);
    if (rolledBackAsDuplicate(block, out.ctx.catalog)) {
      out.notes.push('the object already exists: the block fails with duplicate_object, its handler rolls the block back, and nothing stays locked');
      continue;
    }
    out.merge(inner);
  }
}
