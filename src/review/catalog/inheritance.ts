import type { ColumnDef, CreateStmt, Node, RangeVar } from '@pgsql/types';
import { asNode, displayName, names, relationKey } from '../ast.js';
import type { StaticFailure } from '../effects/builder.js';
import type { Catalog, Column, Relation } from './model.js';
import type { TypeRef } from './types.js';
import { normalizeType, typeLabel } from './types.js';

/**
 * Type modifiers as PostgreSQL stores them: numeric(10) is numeric(10,0), char and bit without a length
 * are char(1) and bit(1).
 */
function storedMods(type: TypeRef): string {
  if (type.name === 'numeric' && type.mods.length === 1) return `${type.mods[0]},0`;
  if ((type.name === 'bpchar' || type.name === 'bit') && type.mods.length === 0) return '1';
  return type.mods.join(',');
}

/** Same pg_attribute type and typmod; array dimensions are not part of the type (int[] is int[][]). */
export function sameStoredType(a: TypeRef, b: TypeRef): boolean {
  return a.name === b.name && a.array > 0 === b.array > 0 && storedMods(a) === storedMods(b);
}

function known(column: Column): boolean {
  return column.type.name !== 'unknown';
}

const short = (key: string) => displayName(key);

/** The history knows the table's columns (a table made by CREATE TABLE AS or outside the migrations has none). */
function described(relation: Relation): boolean {
  return relation.columns.size > 0 && [...relation.columns.values()].every(known);
}

/**
 * Why ALTER TABLE p ATTACH PARTITION c / ALTER TABLE c INHERIT p fails, given what the earlier migrations
 * built (MergeAttributesIntoExisting and MergeConstraintsIntoExisting, the same on 12–18): every parent
 * column with the same type, collation and NOT NULL, every inheritable CHECK constraint by name, and for a
 * partition no column of its own.
 */
export function attachFailures(catalog: Catalog, parentKey: string, childKey: string, mode: 'partition' | 'inherit'): StaticFailure[] {
  const parent = catalog.relation(parentKey);
  const child = catalog.relation(childKey);
  if (!parent || !child) return [];
  const failures: StaticFailure[] = [];
  const alterHint = (what: string) =>
    `${what} before the ${mode === 'partition' ? 'ATTACH PARTITION' : 'INHERIT'}, or create the table with CREATE TABLE ${short(childKey)} (LIKE ${short(parentKey)} INCLUDING ALL) so it matches`;
  if (mode === 'inherit' && parent.kind === 'partitioned') {
    return [
      {
        message: `cannot inherit from partitioned table "${short(parentKey)}"`,
        sqlstate: '42809',
        hint: `attach it as a partition instead: ALTER TABLE ${short(parentKey)} ATTACH PARTITION ${short(childKey)} FOR VALUES …`,
      },
    ];
  }
  if (mode === 'partition' && child.partitionOf) {
    return [
      {
        message: `"${short(childKey)}" is already a partition`,
        sqlstate: '42809',
        hint: `detach it from ${short(child.partitionOf)} first: ALTER TABLE ${short(child.partitionOf)} DETACH PARTITION ${short(childKey)}`,
      },
    ];
  }
  if (!described(parent) || !described(child)) return [];
  for (const column of parent.columns.values()) {
    const mine = child.columns.get(column.name);
    if (!mine) {
      failures.push({
        message: `child table is missing column "${column.name}"`,
        sqlstate: '42804',
        hint: alterHint(`ALTER TABLE ${short(childKey)} ADD COLUMN ${column.name} ${typeLabel(column.type)}`),
      });
      continue;
    }
    if (!sameStoredType(column.type, mine.type)) {
      failures.push({
        message: `child table "${short(childKey)}" has different type for column "${column.name}" (${typeLabel(mine.type)}, the parent has ${typeLabel(column.type)})`,
        sqlstate: '42804',
        hint: alterHint(`ALTER TABLE ${short(childKey)} ALTER COLUMN ${column.name} TYPE ${typeLabel(column.type)}`),
      });
    } else if ((column.collation ?? '') !== (mine.collation ?? '')) {
      failures.push({
        message: `child table "${short(childKey)}" has different collation for column "${column.name}"`,
        sqlstate: '42P21',
        hint: alterHint(
          `ALTER TABLE ${short(childKey)} ALTER COLUMN ${column.name} TYPE ${typeLabel(column.type)}${column.collation ? ` COLLATE "${column.collation}"` : ''}`,
        ),
      });
    }
    if (column.notNull && !mine.notNull) {
      failures.push({
        message: `column "${column.name}" in child table must be marked NOT NULL`,
        sqlstate: '42804',
        hint: alterHint(`ALTER TABLE ${short(childKey)} ALTER COLUMN ${column.name} SET NOT NULL`),
      });
    }
  }
  if (mode === 'partition') {
    for (const column of child.columns.values()) {
      if (parent.columns.has(column.name)) continue;
      failures.push({
        message: `table "${short(childKey)}" contains column "${column.name}" not found in parent "${short(parentKey)}"`,
        sqlstate: '42804',
        hint: `a partition has exactly the parent's columns: drop ${column.name} from ${short(childKey)} or add it to ${short(parentKey)} first`,
      });
    }
  }
  // unnamed constraints carry names dbtool can only guess: compare the named ones
  for (const check of parent.constraints) {
    if (check.kind !== 'check' || check.noInherit || check.generatedName) continue;
    const mine = child.constraints.find((c) => c.kind === 'check' && c.name === check.name);
    if (!mine) {
      failures.push({
        message: `child table is missing constraint "${check.name}"`,
        sqlstate: '42804',
        hint: alterHint(`add the same CHECK to ${short(childKey)} under the same name (ALTER TABLE ${short(childKey)} ADD CONSTRAINT ${check.name} CHECK (…))`),
      });
    } else if (check.validated && !mine.validated) {
      failures.push({
        message: `constraint "${check.name}" conflicts with NOT VALID constraint on child table "${short(childKey)}"`,
        sqlstate: '42P17',
        hint: `validate it first: ALTER TABLE ${short(childKey)} VALIDATE CONSTRAINT ${check.name}`,
      });
    }
  }
  return failures;
}

/**
 * Why CREATE TABLE … INHERITS / PARTITION OF fails: a partitioned parent cannot be inherited, PARTITION OF
 * needs a partitioned one, a column declared again must keep the inherited type and collation, and two
 * parents must agree on the columns they share.
 */
export function createChildFailures(catalog: Catalog, stmt: CreateStmt): StaticFailure[] {
  const parents = (stmt.inhRelations ?? []).map((n) => relationKey(asNode<RangeVar>(n, 'RangeVar')));
  const failures: StaticFailure[] = [];
  if (stmt.partbound) {
    const parent = catalog.relation(parents[0] ?? '');
    if (parent?.kind === 'table')
      failures.push({
        message: `"${short(parent.key)}" is not partitioned`,
        sqlstate: '42P17',
        hint: 'only a table created with PARTITION BY takes partitions: use INHERITS for plain inheritance, or recreate the parent as a partitioned table',
      });
    if (parent && described(parent)) {
      for (const element of stmt.tableElts ?? []) {
        const name = asNode<ColumnDef>(element, 'ColumnDef')?.colname;
        if (name && !parent.columns.has(name))
          failures.push({
            message: `column "${name}" does not exist`,
            sqlstate: '42703',
            hint: `a partition has exactly the parent's columns: add ${name} to ${short(parent.key)} first`,
          });
      }
    }
    return failures;
  }
  const inherited = new Map<string, Column>();
  for (const key of parents) {
    const parent = catalog.relation(key);
    if (!parent) continue;
    if (parent.kind === 'partitioned') {
      failures.push({
        message: `cannot inherit from partitioned table "${short(key)}"`,
        sqlstate: '42809',
        hint: `create it as a partition instead: CREATE TABLE … PARTITION OF ${short(key)} FOR VALUES …`,
      });
      continue;
    }
    for (const column of parent.columns.values()) {
      const earlier = inherited.get(column.name);
      if (earlier && known(earlier) && known(column) && !sameStoredType(earlier.type, column.type)) {
        failures.push({
          message: `inherited column "${column.name}" has a type conflict (${typeLabel(earlier.type)} versus ${typeLabel(column.type)})`,
          sqlstate: '42804',
          hint: 'parents that share a column name must give it the same type',
        });
      }
      if (!earlier) inherited.set(column.name, column);
    }
  }
  for (const element of stmt.tableElts ?? []) {
    const def = asNode<ColumnDef>(element, 'ColumnDef');
    const from = def?.colname ? inherited.get(def.colname) : undefined;
    if (!def || !from || !known(from) || !def.typeName) continue;
    const type = normalizeType(def.typeName).type;
    if (!sameStoredType(type, from.type)) {
      failures.push({
        message: `column "${def.colname}" has a type conflict (${typeLabel(type)} versus the inherited ${typeLabel(from.type)})`,
        sqlstate: '42804',
        hint: `declare ${def.colname} as ${typeLabel(from.type)}, or leave it out and let it be inherited`,
      });
      continue;
    }
    // without COLLATE the column takes its type's default collation, which conflicts with an inherited COLLATE too
    const written = names(def.collClause?.collname as Node[] | undefined).pop();
    const collation = written && written !== 'default' ? written : '';
    if (collation !== (from.collation ?? '')) {
      failures.push({
        message: `column "${def.colname}" has a collation conflict`,
        sqlstate: '42P21',
        hint: `leave ${def.colname} out so it is inherited with its collation${from.collation ? `, or write COLLATE "${from.collation}"` : ''}`,
      });
    }
  }
  return failures;
}
