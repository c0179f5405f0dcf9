import type { AlterTableCmd, AlterTableType, ColumnDef, Node, Constraint as PgConstraint, RangeVar } from '@pgsql/types';
import { asNode, names, relationKey } from '../ast.js';
import { attachFailures } from '../catalog/inheritance.js';
import type { Relation } from '../catalog/model.js';
import type { BoundSpec } from '../catalog/partition-bounds.js';
import { boundProvenBy, indexesToBuild } from '../catalog/partition-bounds.js';
import { normalizeType, typeChangeVerdict, typeLabel } from '../catalog/types.js';
import { columnDefFacts } from '../column-def.js';
import { expressionVolatility } from '../expressions.js';
import type { LockMode } from '../lock-modes.js';
import type { EffectsBuilder } from './builder.js';
import { knownEmpty } from './builder.js';
import { definitionReaders, dropColumnBlockers, dropKeyConstraintEffect, generatedReaders, silentlyDropped } from './dependents.js';

/** What one ALTER TABLE subcommand does, beyond its lock on the target. */
interface AlterFact {
  /** the lock PostgreSQL takes on the altered relation (AlterTableGetLockLevel) */
  lock: LockMode | ((cmd: AlterTableCmd) => LockMode);
  /** one line for docs and explanations */
  summary: string;
  /** produced only inside PostgreSQL (never by parsing SQL), so no migration can contain it */
  internal?: boolean;
  /** why no engine case can observe this entry (the coverage test accepts nothing else) */
  unobservable?: string;
  effect?: (cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder) => void;
}

const AEL: LockMode = 'AccessExclusiveLock';
const SUEL: LockMode = 'ShareUpdateExclusiveLock';
const SREL: LockMode = 'ShareRowExclusiveLock';

/** Storage parameters PostgreSQL lets ALTER TABLE SET change under ShareUpdateExclusiveLock. */
const LIGHT_RELOPTIONS =
  /^(fillfactor|autovacuum_.*|toast\.autovacuum_.*|parallel_workers|vacuum_truncate|toast\.vacuum_truncate|vacuum_index_cleanup|toast\.vacuum_index_cleanup|toast_tuple_target|log_autovacuum_min_duration|user_catalog_table)$/;

function relOptionsLock(cmd: AlterTableCmd): LockMode {
  const options = (cmd.def as { List?: { items?: Node[] } } | undefined)?.List?.items ?? [];
  const heavy = options.some((o) => {
    const name =
      [asNode<{ defnamespace?: string; defname?: string }>(o, 'DefElem')].map((d) =>
        d?.defnamespace ? `${d.defnamespace}.${d.defname}` : (d?.defname ?? ''),
      )[0] ?? '';
    return !LIGHT_RELOPTIONS.test(name);
  });
  return heavy ? AEL : SUEL;
}

function constraintLock(cmd: AlterTableCmd): LockMode {
  const c = asNode<PgConstraint>(cmd.def, 'Constraint');
  return c?.contype === 'CONSTR_FOREIGN' ? SREL : AEL;
}

/**
 * THE table for ALTER TABLE: every subcommand the parser knows, so a new one fails to compile until
 * someone decides what it does. Lock levels follow PostgreSQL's AlterTableGetLockLevel for 12–18 and
 * are checked against real engines by test/engine.
 */
export const ALTER_TABLE_FACTS: Record<AlterTableType, AlterFact> = {
  AT_AddColumn: { lock: AEL, summary: 'ADD COLUMN: rewrites the table when the new values must be computed per row', effect: addColumnEffect },
  AT_AddColumnToView: { lock: AEL, internal: true, summary: 'CREATE OR REPLACE VIEW adding columns' },
  AT_ColumnDefault: { lock: AEL, summary: 'SET/DROP DEFAULT: catalog only' },
  AT_CookedColumnDefault: { lock: AEL, internal: true, summary: 'internal default' },
  AT_DropNotNull: { lock: AEL, summary: 'DROP NOT NULL: catalog only' },
  AT_SetNotNull: { lock: AEL, summary: 'SET NOT NULL: scans the table unless a valid CHECK (col IS NOT NULL) proves it', effect: setNotNullEffect },
  AT_SetExpression: { lock: AEL, summary: 'SET EXPRESSION: recomputes a stored generated column (PG 17+)', effect: setExpressionEffect },
  AT_DropExpression: { lock: AEL, summary: 'DROP EXPRESSION: catalog only (PG 13+)' },
  AT_SetStatistics: { lock: SUEL, summary: 'SET STATISTICS: catalog only' },
  AT_SetOptions: { lock: SUEL, summary: 'ALTER COLUMN SET (options): catalog only' },
  AT_ResetOptions: { lock: SUEL, summary: 'ALTER COLUMN RESET (options): catalog only' },
  AT_SetStorage: { lock: AEL, summary: 'SET STORAGE: catalog only, applies to new rows' },
  AT_SetCompression: { lock: AEL, summary: 'SET COMPRESSION: applies to new values only' },
  AT_DropColumn: { lock: AEL, summary: 'DROP COLUMN: catalog only; fails when a view uses the column unless CASCADE', effect: dropColumnEffect },
  AT_AddIndex: { lock: AEL, internal: true, summary: 'internal index add', effect: (_c, t, _r, out) => out.scan(t) },
  AT_ReAddIndex: { lock: AEL, internal: true, summary: 'internal index rebuild' },
  AT_AddConstraint: {
    lock: constraintLock,
    summary: 'ADD CONSTRAINT: CHECK/FOREIGN KEY validate with a full scan unless NOT VALID; PRIMARY KEY/UNIQUE build an index',
    effect: addConstraintEffect,
  },
  AT_ReAddConstraint: { lock: constraintLock, internal: true, summary: 'internal constraint re-add' },
  AT_ReAddDomainConstraint: { lock: AEL, internal: true, summary: 'internal domain constraint re-add' },
  AT_AlterConstraint: { lock: AEL, summary: 'ALTER CONSTRAINT: deferrability, catalog only' },
  AT_ValidateConstraint: { lock: SUEL, summary: 'VALIDATE CONSTRAINT: full scan under a lock that allows reads and writes', effect: validateEffect },
  AT_AddIndexConstraint: { lock: AEL, internal: true, summary: 'ADD CONSTRAINT … USING INDEX: reuses a built index', effect: usingIndexEffect },
  AT_DropConstraint: { lock: AEL, summary: 'DROP CONSTRAINT: catalog only; a foreign key also locks the referenced table', effect: dropConstraintEffect },
  AT_ReAddComment: { lock: AEL, internal: true, summary: 'internal comment re-add' },
  AT_AlterColumnType: {
    lock: AEL,
    summary: 'ALTER COLUMN TYPE: rewrites unless the cast is binary coercible or a proven-safe length change',
    effect: alterTypeEffect,
  },
  AT_AlterColumnGenericOptions: { lock: AEL, summary: 'foreign table column options' },
  AT_ChangeOwner: { lock: AEL, summary: 'OWNER TO: catalog only' },
  AT_ClusterOn: { lock: SUEL, summary: 'CLUSTER ON: catalog only' },
  AT_DropCluster: { lock: SUEL, summary: 'SET WITHOUT CLUSTER: catalog only' },
  AT_SetLogged: {
    lock: AEL,
    summary: 'SET LOGGED: rewrites the table into the WAL (nothing when it is already logged)',
    effect: (_c, t, r, out) => persistenceEffect(t, r, false, out),
  },
  AT_SetUnLogged: {
    lock: AEL,
    summary: 'SET UNLOGGED: rewrites the table (nothing when it is already unlogged)',
    effect: (_c, t, r, out) => persistenceEffect(t, r, true, out),
  },
  AT_DropOids: { lock: AEL, summary: 'SET WITHOUT OIDS: no-op' },
  AT_SetAccessMethod: { lock: AEL, summary: 'SET ACCESS METHOD: rewrites the table (PG 15+)', effect: setAccessMethodEffect },
  AT_SetTableSpace: { lock: AEL, summary: 'SET TABLESPACE: copies every block of the table (nothing when it is already there)', effect: setTablespaceEffect },
  AT_SetRelOptions: { lock: relOptionsLock, summary: 'SET (storage parameters): catalog only' },
  AT_ResetRelOptions: { lock: relOptionsLock, summary: 'RESET (storage parameters): catalog only' },
  AT_ReplaceRelOptions: { lock: AEL, internal: true, summary: 'internal options replace' },
  AT_EnableTrig: { lock: SREL, summary: 'ENABLE TRIGGER' },
  AT_EnableAlwaysTrig: { lock: SREL, summary: 'ENABLE ALWAYS TRIGGER' },
  AT_EnableReplicaTrig: { lock: SREL, summary: 'ENABLE REPLICA TRIGGER' },
  AT_DisableTrig: { lock: SREL, summary: 'DISABLE TRIGGER' },
  AT_EnableTrigAll: { lock: SREL, summary: 'ENABLE TRIGGER ALL' },
  AT_DisableTrigAll: { lock: SREL, summary: 'DISABLE TRIGGER ALL' },
  AT_EnableTrigUser: { lock: SREL, summary: 'ENABLE TRIGGER USER' },
  AT_DisableTrigUser: { lock: SREL, summary: 'DISABLE TRIGGER USER' },
  AT_EnableRule: { lock: AEL, summary: 'ENABLE RULE' },
  AT_EnableAlwaysRule: { lock: AEL, summary: 'ENABLE ALWAYS RULE' },
  AT_EnableReplicaRule: { lock: AEL, summary: 'ENABLE REPLICA RULE' },
  AT_DisableRule: { lock: AEL, summary: 'DISABLE RULE' },
  AT_AddInherit: {
    lock: AEL,
    summary: 'INHERIT: ShareUpdateExclusive on the parent; fails unless the child has every parent column (same type, collation, NOT NULL) and CHECK',
    effect: addInheritEffect,
  },
  AT_DropInherit: { lock: AEL, summary: 'NO INHERIT: AccessShare on the parent', effect: (cmd, _t, _r, out) => inheritEffect(cmd, 'AccessShareLock', out) },
  AT_AddOf: { lock: AEL, summary: 'OF type' },
  AT_DropOf: { lock: AEL, summary: 'NOT OF' },
  AT_ReplicaIdentity: { lock: AEL, summary: 'REPLICA IDENTITY: catalog only' },
  AT_EnableRowSecurity: { lock: AEL, summary: 'ENABLE ROW LEVEL SECURITY: catalog only' },
  AT_DisableRowSecurity: { lock: AEL, summary: 'DISABLE ROW LEVEL SECURITY: catalog only' },
  AT_ForceRowSecurity: { lock: AEL, summary: 'FORCE ROW LEVEL SECURITY: catalog only' },
  AT_NoForceRowSecurity: { lock: AEL, summary: 'NO FORCE ROW LEVEL SECURITY: catalog only' },
  AT_GenericOptions: { lock: AEL, summary: 'foreign table options' },
  AT_AttachPartition: {
    lock: SUEL,
    summary:
      'ATTACH PARTITION: parent ShareUpdateExclusive (PG 12+), the partition is scanned to check its bound unless its valid CHECK constraints (and NOT NULL on the key) imply it; a default partition is scanned too',
    effect: attachPartitionEffect,
  },
  AT_DetachPartition: {
    lock: (cmd) => (asNode<{ concurrent?: boolean }>(cmd.def, 'PartitionCmd')?.concurrent ? SUEL : AEL),
    summary: 'DETACH PARTITION: AccessExclusive on parent and partition; CONCURRENTLY (PG 14+) only ShareUpdateExclusive but not in a transaction',
    effect: detachPartitionEffect,
  },
  AT_DetachPartitionFinalize: {
    lock: SUEL,
    unobservable: 'only exists after a DETACH … CONCURRENTLY was interrupted',
    summary: 'DETACH PARTITION … FINALIZE (PG 14+)',
  },
  AT_AddIdentity: { lock: AEL, summary: 'ADD GENERATED … AS IDENTITY on an existing column: catalog only' },
  AT_SetIdentity: { lock: AEL, summary: 'SET identity options: catalog only' },
  AT_DropIdentity: { lock: AEL, summary: 'DROP IDENTITY: catalog only' },
  AT_ReAddStatistics: { lock: SUEL, internal: true, summary: 'internal statistics re-add' },
};

export function alterCommandLock(cmd: AlterTableCmd): LockMode {
  const fact = ALTER_TABLE_FACTS[cmd.subtype ?? 'AT_AddColumn'];
  return typeof fact.lock === 'function' ? fact.lock(cmd) : fact.lock;
}

function addColumnEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const def = asNode<ColumnDef>(cmd.def, 'ColumnDef');
  if (!def) return;
  if (cmd.missing_ok && relation?.columns.has(def.colname ?? '')) {
    out.notes.push(`column ${def.colname} already exists: IF NOT EXISTS makes this a no-op`);
    return;
  }
  const { type } = normalizeType(def.typeName);
  const { constraints, defaultExpr, generated, identity, serial, notNull } = columnDefFacts(def);
  const domain = out.ctx.catalog.domains.get(type.name);
  const col = def.colname ?? '?';
  if (serial) out.rewrite(target, `${col} is ${typeLabel(type)} from a serial type: its nextval() default is volatile, so every row gets its own value`);
  else if (identity) out.rewrite(target, `${col} is an identity column: every existing row gets a generated value`);
  else if (generated) {
    const virtual = generated.generated_kind === 'v';
    if (virtual) {
      if (out.supports(18)) out.notes.push(`${col} is a virtual generated column: computed on read, no rewrite`);
    } else out.rewrite(target, `${col} is a stored generated column: computed and stored for every row`);
  } else if (defaultExpr) {
    const volatility = expressionVolatility(defaultExpr, out.ctx.catalog.functions);
    if (volatility === 'volatile') out.rewrite(target, `the default of ${col} is volatile: it is evaluated for every existing row`);
    else out.notes.push(`the default of ${col} is ${volatility}: stored once in the catalog, no rewrite`);
  } else if (domain?.hasCheck) {
    out.rewrite(target, `${col} has domain type ${typeLabel(type)} with constraints: PostgreSQL rewrites to check them`);
  }
  if (notNull && !defaultExpr && !serial && !identity && !generated) {
    out.scan(target, `NOT NULL without a default: every existing row is checked (and the statement fails if the table has rows)`);
  }
  for (const c of constraints) {
    if (c.contype === 'CONSTR_CHECK' && !c.skip_validation) out.scan(target, `the CHECK constraint on ${col} is validated against every row`);
    if (c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY')
      out.scan(target, `the ${c.contype === 'CONSTR_PRIMARY' ? 'primary key' : 'unique'} index on ${col} is built from the whole table`);
    if (c.contype === 'CONSTR_FOREIGN') {
      // the new column is NULL in every existing row unless a default fills it: nothing to validate
      out.lock(relationKey(c.pktable), SREL);
      if (defaultExpr) out.scan(target, `the foreign key on ${col} is validated against every row`);
    }
  }
}

function setNotNullEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const col = cmd.name ?? '';
  const column = relation?.columns.get(col);
  if (column?.notNull) {
    out.notes.push(`${col} is already NOT NULL: no scan`);
    return;
  }
  const proof = relation?.constraints.find((c) => c.kind === 'check' && c.validated && c.provesNotNull?.includes(col));
  if (proof) {
    out.fact('set-not-null-proven-by-check');
    out.notes.push(`the valid CHECK constraint ${proof.name} proves ${col} IS NOT NULL: no scan`);
    return;
  }
  out.scan(target, `SET NOT NULL reads every row of ${target.split('.')[1]} to check ${col}`);
}

function setExpressionEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  if (!out.supports(17)) return;
  const column = relation?.columns.get(cmd.name ?? '');
  if (column?.generated === 'virtual') out.notes.push(`${column.name} is virtual: nothing is stored, no rewrite`);
  else out.rewrite(target, `SET EXPRESSION recomputes ${cmd.name} for every row`);
}

function dropColumnEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const col = cmd.name ?? '';
  if (relation && !relation.columns.has(col) && !cmd.missing_ok && relation.columns.size > 0) {
    out.fail({ message: `column "${col}" of relation "${target.split('.')[1]}" does not exist`, sqlstate: '42703' });
    return;
  }
  const catalog = out.ctx.catalog;
  // a foreign key on the column is dropped with it, which locks the table it references
  for (const fk of relation?.constraints ?? []) if (fk.kind === 'foreign' && fk.references && fk.columns.includes(col)) out.lock(fk.references, AEL);
  const views = catalog.dependentViews(target, [col]);
  const others = relation ? dropColumnBlockers(catalog, relation, col, out.ctx.pgVersion) : [];
  const silent = relation ? silentlyDropped(catalog, relation, col) : [];
  if (silent.length > 0) out.notes.push(`PostgreSQL also drops, without a word: ${silent.join(', ')}`);
  if (relation && out.ctx.pgVersion < 15) {
    const generated = generatedReaders(catalog, relation, col).map((d) => ('column' in d.dependent ? d.dependent.column : ''));
    if (generated.length > 0) out.notes.push(`before PostgreSQL 15 the generated columns that read ${col} are dropped with it: ${generated.join(', ')}`);
  }
  if (views.length === 0 && others.length === 0) return;
  const labels = [...views.map((v) => `view ${v.key.split('.')[1]}`), ...others.map((b) => b.label)];
  if (cmd.behavior === 'DROP_CASCADE') {
    for (const v of views) out.lock(v.key, AEL);
    for (const b of others) if (b.table) out.lock(b.table, AEL);
    out.notes.push(`CASCADE also drops ${labels.join(', ')}`);
  } else {
    out.fail({
      message: `cannot drop column ${col} of table ${target.split('.')[1]} because other objects depend on it (${labels.join(', ')})`,
      sqlstate: '2BP01',
      hint:
        others.length > 0
          ? 'drop the foreign keys, generated columns and views that use the column first, in the same migration'
          : 'drop or redefine the dependent views first, in the same migration',
    });
  }
}

function alterTypeEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const def = asNode<ColumnDef>(cmd.def, 'ColumnDef');
  const col = cmd.name ?? '';
  const column = relation?.columns.get(col);
  const views = out.ctx.catalog.dependentViews(target, [col]);
  if (views.length > 0) {
    out.fail({
      message: `cannot alter type of a column used by a view or rule (${views.map((v) => v.key.split('.')[1]).join(', ')} uses ${col})`,
      sqlstate: '0A000',
      hint: 'drop the view, change the column, and recreate the view in the same migration',
    });
  }
  for (const d of relation ? definitionReaders(out.ctx.catalog, relation, col) : []) {
    const what = d.dependent.kind === 'trigger' ? 'trigger' : 'policy';
    out.fail({
      message: `cannot alter type of a column used in a ${what} definition (${what} ${'name' in d.dependent ? d.dependent.name : ''} uses ${col})`,
      sqlstate: '0A000',
      hint: `drop the ${what}, change the column, and create the ${what} again in the same migration`,
    });
  }
  const generated = relation ? generatedReaders(out.ctx.catalog, relation, col) : [];
  if (generated.length > 0) {
    out.fail({
      message: `cannot alter type of a column used by a generated column (${generated.map((d) => ('column' in d.dependent ? d.dependent.column : '')).join(', ')} uses ${col})`,
      // 12–14 raise it as a syntax-class error, 15 on as feature_not_supported
      sqlstate: out.ctx.pgVersion >= 15 ? '0A000' : '42601',
      hint: 'drop the generated column (or its expression, DROP EXPRESSION, PG 13+), change the type, and add it again in the same migration',
    });
  }
  const to = normalizeType(def?.typeName).type;
  const using = def?.raw_default;
  const trivialUsing = !using || isPlainColumnRef(using, col) || isCastOfColumn(using, col);
  if (!column || column.type.name === 'unknown') {
    out.rewrite(target, `the current type of ${col} is not known from earlier migrations: assuming ${typeLabel(to)} needs a rewrite`);
    return;
  }
  if (!trivialUsing) {
    out.rewrite(target, `USING computes a new value for every row of ${col}`);
    return;
  }
  const verdict = typeChangeVerdict(column.type, to, { timezoneIsUtc: out.ctx.timezoneIsUtc });
  // without a rewrite PostgreSQL keeps the column's indexes as they are (same operator class)
  if (verdict.rewrite) out.rewrite(target, verdict.reason);
  else out.notes.push(verdict.reason);
  if (verdict.rewrite) revalidatedForeignKeys(target, col, relation, out);
}

/**
 * Foreign keys on a column whose type changes are dropped and re-added: the other table of each is
 * locked ACCESS EXCLUSIVE and the constraint is validated again, reading both tables.
 */
function revalidatedForeignKeys(target: string, col: string, relation: Relation | undefined, out: EffectsBuilder): void {
  for (const fk of relation?.constraints ?? []) {
    if (fk.kind !== 'foreign' || !fk.references || !fk.columns.includes(col)) continue;
    out.lock(fk.references, AEL).scan(fk.references, `foreign key ${fk.name} is validated again against ${fk.references.split('.')[1]}`);
  }
  // a key that references the table involves the changed column only if it is one of the referenced columns
  const primaryKey = relation?.constraints.find((c) => c.kind === 'primary')?.columns;
  for (const other of out.ctx.catalog.referencingTables(target)) {
    for (const fk of other.constraints) {
      if (fk.kind !== 'foreign' || fk.references !== target) continue;
      const referenced = fk.referencedColumns ?? primaryKey;
      if (referenced && !referenced.includes(col)) continue;
      out.lock(other.key, AEL).scan(other.key, `foreign key ${fk.name} of ${other.key.split('.')[1]} is validated again`);
    }
  }
}

function isPlainColumnRef(node: Node, col: string): boolean {
  const fields = names(asNode<{ fields?: Node[] }>(node, 'ColumnRef')?.fields);
  return fields.length > 0 && fields[fields.length - 1] === col;
}

function isCastOfColumn(node: Node, col: string): boolean {
  const cast = asNode<{ arg?: Node }>(node, 'TypeCast');
  return cast?.arg !== undefined && isPlainColumnRef(cast.arg, col);
}

function addConstraintEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const c = asNode<PgConstraint>(cmd.def, 'Constraint');
  if (!c) return;
  const validate = !c.skip_validation;
  const name = c.conname ? ` ${c.conname}` : '';
  switch (c.contype) {
    case 'CONSTR_CHECK':
      if (validate) out.scan(target, `CHECK${name} is validated against every row while writes are blocked`);
      break;
    case 'CONSTR_FOREIGN': {
      const referenced = relationKey(c.pktable);
      out.lock(referenced, SREL);
      if (validate) foreignKeyValidationScans(target, referenced, names(c.fk_attrs), `FOREIGN KEY${name} is validated against every row`, out);
      break;
    }
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION':
      if (c.indexname) usingIndexEffect(cmd, target, relation, out);
      else
        out.scan(
          target,
          `the ${c.contype === 'CONSTR_PRIMARY' ? 'primary key' : c.contype === 'CONSTR_UNIQUE' ? 'unique' : 'exclusion'} index is built from the whole table while reads and writes wait`,
        );
      break;
    case 'CONSTR_NOTNULL':
      if (out.supports(18) && validate) {
        const col = names(c.keys)[0] ?? '';
        if (!relation?.columns.get(col)?.notNull) out.scan(target, `NOT NULL on ${col} is checked against every row`);
      }
      break;
    default:
      break;
  }
}

/**
 * PostgreSQL validates a foreign key with one anti-join of the referencing table against the referenced
 * one, which hashes the referenced table in full; when no referencing row has a key (the table was created
 * in the same migration, or the key columns were just added without a default) the join stops first.
 */
function foreignKeyValidationScans(target: string, referenced: string, columns: string[], why: string, out: EffectsBuilder): void {
  out.scan(target, why);
  const noKeys = knownEmpty(out.ctx, target) || (columns.length > 0 && columns.every((c) => out.ctx.nullColumns.has(`${target}.${c}`)));
  if (!noKeys && referenced !== target) out.scan(referenced, `the referenced table ${referenced.split('.')[1]} is read in full by the validation join`);
}

function usingIndexEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const c = asNode<PgConstraint>(cmd.def, 'Constraint');
  if (c?.contype !== 'CONSTR_PRIMARY') return;
  const index = out.ctx.catalog.indexes.get(`${target.split('.')[0]}.${c.indexname}`);
  const unproven = index?.columns.filter((col) => !relation?.columns.get(col)?.notNull) ?? [];
  if (unproven.length > 0) out.scan(target, `PRIMARY KEY … USING INDEX sets NOT NULL on ${unproven.join(', ')}, which scans the table`);
}

function validateEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const constraint = relation?.constraints.find((c) => c.name === cmd.name);
  if (constraint?.validated) {
    out.notes.push(`${cmd.name} is already valid: nothing to check`);
    return;
  }
  if (constraint?.kind !== 'foreign') out.scan(target, `VALIDATE CONSTRAINT ${cmd.name ?? ''} reads every row, but reads and writes continue`);
  if (constraint?.kind === 'foreign' && constraint.references) {
    out.lock(constraint.references, 'RowShareLock');
    foreignKeyValidationScans(
      target,
      constraint.references,
      constraint.columns,
      `VALIDATE CONSTRAINT ${cmd.name ?? ''} reads every row, but reads and writes continue`,
      out,
    );
  }
}

function dropConstraintEffect(cmd: AlterTableCmd, _target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const constraint = relation?.constraints.find((c) => c.name === cmd.name);
  if (constraint?.kind === 'foreign' && constraint.references) out.lock(constraint.references, AEL);
  if (relation && constraint && (constraint.kind === 'primary' || constraint.kind === 'unique'))
    dropKeyConstraintEffect(out.ctx.catalog, relation, constraint.name, cmd.behavior === 'DROP_CASCADE', out);
}

function addInheritEffect(cmd: AlterTableCmd, target: string, _relation: Relation | undefined, out: EffectsBuilder): void {
  inheritEffect(cmd, 'ShareUpdateExclusiveLock', out);
  const parent = asNode<RangeVar>(cmd.def, 'RangeVar');
  if (parent) for (const failure of attachFailures(out.ctx.catalog, relationKey(parent), target, 'inherit')) out.fail(failure);
}

function inheritEffect(cmd: AlterTableCmd, parentLock: LockMode, out: EffectsBuilder): void {
  const parent = asNode<RangeVar>(cmd.def, 'RangeVar');
  if (parent) out.lock(relationKey(parent), parentLock);
}

function setTablespaceEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  const current = relation?.tablespace ?? 'pg_default';
  if ((cmd.name ?? '') === current) out.notes.push(`${target.split('.')[1]} is already in ${current}: nothing is copied`);
  else out.rewrite(target, `SET TABLESPACE ${cmd.name ?? ''} copies every block of the table`);
}

/** PostgreSQL skips the copy when the table already has the requested persistence. */
function persistenceEffect(target: string, relation: Relation | undefined, unlogged: boolean, out: EffectsBuilder): void {
  const mode = unlogged ? 'UNLOGGED' : 'LOGGED';
  if (relation && relation.unlogged === unlogged) out.notes.push(`${target.split('.')[1]} is already ${mode.toLowerCase()}: nothing to rewrite`);
  else out.rewrite(target, `SET ${mode} copies the whole table${unlogged ? '' : ' into the WAL'}`);
}

function setAccessMethodEffect(cmd: AlterTableCmd, target: string, relation: Relation | undefined, out: EffectsBuilder): void {
  if (!out.supports(15)) return;
  const current = relation?.accessMethod ?? 'heap';
  if ((cmd.name ?? 'heap') === current) out.notes.push(`${target.split('.')[1]} already uses ${current}: nothing to rewrite`);
  else out.rewrite(target, `SET ACCESS METHOD ${cmd.name ?? ''} rewrites the table`);
}

function attachPartitionEffect(cmd: AlterTableCmd, target: string, _relation: Relation | undefined, out: EffectsBuilder): void {
  const spec = asNode<{ name?: RangeVar; bound?: BoundSpec }>(cmd.def, 'PartitionCmd');
  const child = relationKey(spec?.name);
  const catalog = out.ctx.catalog;
  if (catalog.relation(target)?.kind === 'table') {
    out.fail({ message: `table "${target.split('.')[1]}" is not partitioned`, sqlstate: '42809' });
    return;
  }
  const mismatches = attachFailures(catalog, target, child, 'partition');
  if (mismatches.length > 0) {
    for (const failure of mismatches) out.fail(failure);
    return;
  }
  out.lock(child, AEL);
  for (const p of catalog.partitionsOf(child)) out.lock(p.key, AEL);
  const parent = catalog.relation(target);
  const attached = catalog.relation(child);
  const proof = parent && attached ? boundProvenBy(parent, attached, spec?.bound) : undefined;
  const toBuild = parent && attached ? indexesToBuild(catalog, parent, attached) : [];
  const foreignKeys = parent?.constraints.filter((c) => c.kind === 'foreign') ?? [];
  const name = child.split('.')[1];
  if (!proof) {
    out.scan(
      child,
      `the rows of ${name} are checked against the partition bound (a valid CHECK constraint that implies the bound, with NOT NULL on the key, lets PostgreSQL skip it)`,
    );
  } else {
    out.fact('attach-partition-bound-proven');
    out.notes.push(
      `the valid CHECK constraint${proof.length > 1 ? 's' : ''} ${proof.join(', ')} of ${name} imply the partition bound: its rows are not checked`,
    );
    if (toBuild.length > 0) out.scan(child, `${name} has no copy of ${toBuild.join(', ')}: ATTACH builds ${toBuild.length > 1 ? 'them' : 'it'} from every row`);
  }
  // the parent's foreign keys are cloned onto the partition and validated, whatever its CHECKs prove
  for (const fk of foreignKeys) {
    if (!fk.references) continue;
    out.lock(fk.references, SREL);
    foreignKeyValidationScans(
      child,
      fk.references,
      fk.columns,
      `the foreign key ${fk.name} of ${target.split('.')[1]} is validated against every row of ${name}`,
      out,
    );
  }
  const defaultPartition = catalog.partitionsOf(target).find((p) => p.isDefaultPartition && p.partitionOf === target);
  if (defaultPartition) {
    out.lock(defaultPartition.key, AEL);
    out.scan(defaultPartition.key, `the default partition ${defaultPartition.key.split('.')[1]} is scanned for rows that now belong to the new partition`);
  }
}

function detachPartitionEffect(cmd: AlterTableCmd, _target: string, _relation: Relation | undefined, out: EffectsBuilder): void {
  const spec = asNode<{ name?: RangeVar; concurrent?: boolean }>(cmd.def, 'PartitionCmd');
  const child = relationKey(spec?.name);
  if (spec?.concurrent) {
    if (!out.supports(14)) return;
    // the second of its two transactions takes ACCESS EXCLUSIVE on the partition (observed on 14–18)
    out.forbidden().fact('detach-partition-concurrently');
    out.lock(child, AEL);
  } else {
    // observed on real servers: 12 and 13 lock the detached partition ShareUpdateExclusive, 14+ AccessExclusive
    out.lock(child, out.ctx.pgVersion >= 14 ? AEL : SUEL);
  }
}

/** ALTER TABLE … with its subcommands: the strongest lock of any subcommand, the union of the rest. */
export function alterTableEffects(target: string, cmds: AlterTableCmd[], recurse: boolean, out: EffectsBuilder): void {
  const relation = out.ctx.catalog.relation(target);
  for (const cmd of cmds) {
    const subtype = cmd.subtype ?? 'AT_AddColumn';
    const fact = ALTER_TABLE_FACTS[subtype];
    out.fact(`alter-table:${subtype}`);
    out.lock(target, alterCommandLock(cmd));
    fact.effect?.(cmd, target, relation, out);
  }
  // Most ALTER TABLE forms recurse into partitions with the same lock; a partitioned parent has no
  // storage of its own, so what would be rewritten or scanned is each partition.
  const recursing = recurse ? cmds.filter((c) => !NON_RECURSING.has(c.subtype ?? 'AT_AddColumn')) : [];
  if (recursing.length === 0 || !relation) return;
  const partitions = out.ctx.catalog.partitionsOf(target);
  for (const part of partitions) for (const cmd of recursing) out.lock(part.key, alterCommandLock(cmd));
  if (relation.kind === 'partitioned')
    out.moveStorageEffects(
      target,
      partitions.map((p) => p.key),
    );
}

const NON_RECURSING = new Set<AlterTableType>(['AT_AttachPartition', 'AT_DetachPartition', 'AT_DetachPartitionFinalize', 'AT_ValidateConstraint']);
