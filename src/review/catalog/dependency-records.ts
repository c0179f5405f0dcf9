import { displayName } from '../ast.js';

/**
 * The object that depends: what PostgreSQL names in "… depends on …" and drops with CASCADE. Tables'
 * column types, domains' base types, views' relations and foreign keys' columns are read from the catalog
 * itself; these records hold the rest (pg_depend's normal and internal entries the history creates).
 */
export type Dependent =
  | { kind: 'default' | 'generated' | 'identity'; table: string; column: string }
  | { kind: 'constraint' | 'trigger' | 'policy'; table: string; name: string }
  | { kind: 'index' | 'view' | 'type'; key: string }
  | { kind: 'function'; name: string; arity: number };

/** What is depended on. Functions are known by bare name and argument count, as the catalog keeps them. */
export type Target =
  | { kind: 'sequence' | 'type' | 'index'; key: string }
  | { kind: 'function'; name: string; arity: number }
  | { kind: 'column'; table: string; column: string };

export interface Dependency {
  dependent: Dependent;
  on: Target;
}

/** How PostgreSQL's error detail names a dependent object. */
export function describeDependent(d: Dependent): string {
  switch (d.kind) {
    case 'default':
      return `default value for column ${d.column} of table ${displayName(d.table)}`;
    case 'generated':
    case 'identity':
      return `column ${d.column} of table ${displayName(d.table)}`;
    case 'constraint':
      return `constraint ${d.name} on table ${displayName(d.table)}`;
    case 'trigger':
      return `trigger ${d.name} on table ${displayName(d.table)}`;
    case 'policy':
      return `policy ${d.name} on table ${displayName(d.table)}`;
    case 'index':
      return `index ${displayName(d.key)}`;
    case 'view':
      return `view ${displayName(d.key)}`;
    case 'type':
      return `type ${displayName(d.key)}`;
    case 'function':
      return `function ${d.name}`;
  }
}

export function sameTarget(a: Target, b: Target): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'function' && b.kind === 'function') return a.name === b.name && a.arity === b.arity;
  if (a.kind === 'column' && b.kind === 'column') return a.table === b.table && a.column === b.column;
  return (a as { key: string }).key === (b as { key: string }).key;
}
