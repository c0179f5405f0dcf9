import { displayName } from '../ast.js';
import { isUserType } from '../catalog/dependencies.js';
import type { Dependency, Dependent } from '../catalog/dependency-records.js';
import { describeDependent } from '../catalog/dependency-records.js';
import { referencingForeignKeys } from '../catalog/drop-dependents.js';
import type { Catalog, Relation } from '../catalog/model.js';
import type { LockMode } from '../lock-modes.js';
import type { EffectsBuilder } from './builder.js';

const AEL: LockMode = 'AccessExclusiveLock';

/** One object that blocks a drop: how PostgreSQL names it, and the table CASCADE would alter to remove it. */
interface Blocker {
  label: string;
  table?: string;
}

function blockerOf(d: Dependent): Blocker {
  return { label: describeDependent(d), table: 'table' in d ? d.table : undefined };
}

/**
 * A DROP … RESTRICT that other objects block fails with 2BP01 and PostgreSQL's own list of them; with
 * CASCADE it drops them, altering (and locking) the tables they belong to.
 */
function reportBlocked(subject: string, blockers: Blocker[], cascade: boolean, hint: string, out: EffectsBuilder): void {
  if (blockers.length === 0) return;
  if (cascade) {
    for (const b of blockers) if (b.table) out.lock(b.table, AEL);
    out.notes.push(`CASCADE also drops ${[...new Set(blockers.map((b) => b.label))].join(', ')}`);
    return;
  }
  out.fail({
    message: `cannot drop ${subject} because other objects depend on it (${[...new Set(blockers.map((b) => b.label))].join(', ')})`,
    sqlstate: '2BP01',
    hint,
  });
}

/** DROP TYPE / DROP DOMAIN of a type the history created: columns, domains, composite types, function signatures and views that use it. */
export function dropTypeEffect(catalog: Catalog, key: string, cascade: boolean, droppedTogether: ReadonlySet<string>, out: EffectsBuilder): void {
  if (!isUserType(catalog, key)) return;
  const blockers: Blocker[] = [];
  for (const relation of catalog.relations.values()) {
    for (const column of relation.columns.values()) {
      if (column.type.name === key) blockers.push({ label: `column ${column.name} of table ${displayName(relation.key)}`, table: relation.key });
    }
  }
  for (const [domain, info] of catalog.domains)
    if (info.base.name === key && !droppedTogether.has(domain)) blockers.push({ label: `type ${displayName(domain)}` });
  for (const d of catalog.dependentsOn({ kind: 'type', key })) {
    if (d.dependent.kind === 'type' && droppedTogether.has(d.dependent.key)) continue;
    blockers.push(blockerOf(d.dependent));
  }
  reportBlocked(
    `type ${displayName(key)}`,
    blockers,
    cascade,
    'change the columns to another type (an enum: ALTER COLUMN … TYPE text, then to the new type) and drop or change the domains, types and functions that use it first; CASCADE would drop those columns with their data',
    out,
  );
}

/** DROP SEQUENCE: a column default that calls nextval() on it (serial included) blocks it; an identity column owns it. */
export function dropSequenceEffect(catalog: Catalog, key: string, cascade: boolean, out: EffectsBuilder): void {
  const records = catalog.dependentsOn({ kind: 'sequence', key });
  const identity = records.find((d) => d.dependent.kind === 'identity');
  if (identity && identity.dependent.kind === 'identity') {
    const { table, column } = identity.dependent;
    // an internal dependency: even CASCADE refuses, PostgreSQL names the column that owns it
    out.fail({
      message: `cannot drop sequence ${displayName(key)} because column ${column} of table ${displayName(table)} requires it`,
      sqlstate: '2BP01',
      hint: `ALTER TABLE ${displayName(table)} ALTER COLUMN ${column} DROP IDENTITY drops the sequence with the identity`,
    });
    return;
  }
  const defaults = records.filter((d) => d.dependent.kind === 'default');
  reportBlocked(
    `sequence ${displayName(key)}`,
    defaults.map((d) => blockerOf(d.dependent)),
    cascade,
    "ALTER TABLE … ALTER COLUMN … DROP DEFAULT (or SET DEFAULT to the new source) first, in the same migration; a serial column's sequence goes with its column or table",
    out,
  );
}

/** DROP FUNCTION: defaults, CHECK constraints, indexes, triggers, views, generated columns and signatures that use it. */
export function dropFunctionEffect(catalog: Catalog, name: string, arity: number | undefined, cascade: boolean, out: EffectsBuilder): void {
  if (!catalog.functions.has(name)) return;
  const all = catalog.dependencies.filter((d) => d.on.kind === 'function' && d.on.name === name && (arity === undefined || d.on.arity === arity));
  // before 15 a generation expression's dependencies were automatic: the function drops and takes the generated column along
  const silent = out.ctx.pgVersion < 15 ? all.filter((d) => d.dependent.kind === 'generated') : [];
  for (const d of silent) {
    if (!('table' in d.dependent)) continue;
    out.lock(d.dependent.table, AEL);
    out.notes.push(`before PostgreSQL 15 this also drops the generated ${describeDependent(d.dependent)} with its data`);
  }
  const records: Dependency[] = all.filter((d) => !silent.includes(d));
  reportBlocked(
    `function ${name}`,
    records.map((d) => blockerOf(d.dependent)),
    cascade,
    'keep the function and change its body with CREATE OR REPLACE FUNCTION (same signature), or drop or change what uses it first',
    out,
  );
}

/** DROP INDEX: a constraint's own index cannot be dropped alone; a foreign key leaning on it blocks it. */
export function dropIndexEffect(catalog: Catalog, key: string, cascade: boolean, out: EffectsBuilder): void {
  const [schema, name] = key.split('.');
  for (const relation of catalog.relations.values()) {
    if (!relation.key.startsWith(`${schema}.`)) continue;
    const constraint = relation.constraints.find((c) => c.name === name && (c.kind === 'primary' || c.kind === 'unique' || c.kind === 'exclusion'));
    if (!constraint) continue;
    // an internal dependency: CASCADE does not help either
    out.fail({
      message: `cannot drop index ${name} because constraint ${constraint.name} on table ${displayName(relation.key)} requires it`,
      sqlstate: '2BP01',
      hint: `ALTER TABLE ${displayName(relation.key)} DROP CONSTRAINT ${constraint.name} drops the index with the constraint`,
    });
    return;
  }
  const leaning = catalog.dependentsOn({ kind: 'index', key });
  reportBlocked(
    `index ${name}`,
    leaning.map((d) => blockerOf(d.dependent)),
    cascade,
    'drop the foreign keys that use it first, or build the replacement unique index before dropping this one (a foreign key keeps the index it was created with)',
    out,
  );
}

/** ALTER TABLE … DROP CONSTRAINT of a PRIMARY KEY / UNIQUE constraint that foreign keys lean on. */
export function dropKeyConstraintEffect(catalog: Catalog, relation: Relation, name: string, cascade: boolean, out: EffectsBuilder): void {
  const key = `${relation.key.split('.')[0]}.${name}`;
  const leaning = catalog.dependentsOn({ kind: 'index', key });
  reportBlocked(
    `constraint ${name} on table ${displayName(relation.key)}`,
    leaning.map((d) => blockerOf(d.dependent)),
    cascade,
    'drop the foreign keys that reference it first (and re-add them once the new key exists)',
    out,
  );
}

/**
 * What blocks ALTER TABLE … DROP COLUMN besides views: foreign keys (of any table) that reference the
 * column, and, from PostgreSQL 15, generated columns that read it (before 15 they are dropped with it).
 */
export function dropColumnBlockers(catalog: Catalog, relation: Relation, column: string, pgVersion: number): Blocker[] {
  const blockers: Blocker[] = referencingForeignKeys(catalog, relation, column).map(({ relation: other, constraint }) => ({
    label: `constraint ${constraint.name} on table ${displayName(other.key)}`,
    table: other.key,
  }));
  if (pgVersion >= 15) {
    for (const d of generatedReaders(catalog, relation, column)) blockers.push(blockerOf(d.dependent));
  }
  for (const d of definitionReaders(catalog, relation, column)) blockers.push({ label: describeDependent(d.dependent) });
  return blockers;
}

/** Triggers (UPDATE OF, WHEN) and policies whose definition reads `column`. */
export function definitionReaders(catalog: Catalog, relation: Relation, column: string): Dependency[] {
  return catalog.dependentsOn({ kind: 'column', table: relation.key, column }).filter((d) => d.dependent.kind === 'trigger' || d.dependent.kind === 'policy');
}

/** Generated columns of the table whose expression reads `column`. */
export function generatedReaders(catalog: Catalog, relation: Relation, column: string): Dependency[] {
  return catalog.dependentsOn({ kind: 'column', table: relation.key, column }).filter((d) => d.dependent.kind === 'generated' && d.dependent.column !== column);
}

/**
 * Indexes and constraints over several columns that PostgreSQL drops silently with one of them: a
 * UNIQUE (a, b) that also guarded b is gone without a word. Those on the dropped column alone go
 * unmentioned: nothing else loses anything.
 */
export function silentlyDropped(catalog: Catalog, relation: Relation, column: string): string[] {
  const out: string[] = [];
  for (const c of relation.constraints) {
    if ((c.kind === 'primary' || c.kind === 'unique' || c.kind === 'exclusion') && c.columns.length > 1 && c.columns.includes(column)) {
      out.push(`constraint ${c.name} (${c.columns.join(', ')})`);
    }
  }
  // columns an index or CHECK reads in an expression or predicate are recorded as dependencies on them
  const reads = (is: (d: Dependent) => boolean) =>
    new Set(
      catalog.dependencies
        .filter((d) => is(d.dependent) && d.on.kind === 'column' && d.on.table === relation.key)
        .map((d) => (d.on.kind === 'column' ? d.on.column : '')),
    );
  for (const index of catalog.indexesOf(relation.key)) {
    const involved = new Set([...index.columns, ...reads((d) => d.kind === 'index' && d.key === index.key)]);
    if (involved.has(column) && involved.size > 1) out.push(`index ${displayName(index.key)}${index.columns.length ? ` (${index.columns.join(', ')})` : ''}`);
  }
  for (const c of relation.constraints) {
    if (c.kind !== 'check') continue;
    const involved = reads((d) => d.kind === 'constraint' && d.table === relation.key && d.name === c.name);
    if (involved.has(column) && involved.size > 1) out.push(`constraint ${c.name}`);
  }
  return [...new Set(out)];
}
