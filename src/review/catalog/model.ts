import type { Node } from '@pgsql/types';
import type { Volatility } from '../expressions.js';
import type { Dependency, Target } from './dependency-records.js';
import { sameTarget } from './dependency-records.js';
import type { TypeRef } from './types.js';

export interface Column {
  name: string;
  type: TypeRef;
  notNull: boolean;
  hasDefault: boolean;
  identity: boolean;
  generated?: 'stored' | 'virtual';
  /** COLLATE given on the column (or copied with it); undefined: the type's default collation */
  collation?: string;
}

export type ConstraintKind = 'check' | 'foreign' | 'unique' | 'primary' | 'exclusion' | 'notnull';

export interface Constraint {
  name: string;
  kind: ConstraintKind;
  columns: string[];
  validated: boolean;
  /** foreign keys: the referenced relation's key */
  references?: string;
  /** foreign keys: the referenced columns as written; absent when they default to the primary key */
  referencedColumns?: string[];
  /** CHECK constraints of the form `col IS NOT NULL`: the columns they prove non-null */
  provesNotNull?: string[];
  /** CHECK constraints: the expression as written, for proofs of partition bounds */
  expr?: Node;
  /** CHECK … NO INHERIT: children are not required to have it */
  noInherit?: boolean;
  /** the name is dbtool's guess at the one PostgreSQL generates for an unnamed constraint */
  generatedName?: boolean;
}

export type RelationKind = 'table' | 'partitioned' | 'view' | 'matview' | 'foreign';

export interface ViewDependency {
  relation: string;
  /** the referenced columns; `*` when the view selects all of them */
  columns: Set<string>;
}

export interface Relation {
  key: string;
  kind: RelationKind;
  columns: Map<string, Column>;
  constraints: Constraint[];
  /** partitions: the parent's key */
  partitionOf?: string;
  /** partitioned tables: PARTITION BY strategy and key (columns; `''` for an expression) */
  partitionKey?: { strategy: 'range' | 'list' | 'hash'; columns: string[] };
  isDefaultPartition?: boolean;
  /** plain inheritance parents */
  inherits: string[];
  /** views and materialized views: what they read */
  dependsOn: ViewDependency[];
  unlogged: boolean;
  /** the table access method (CREATE TABLE … USING, SET ACCESS METHOD); heap unless said otherwise */
  accessMethod?: string;
  /** CREATE TABLE … TABLESPACE, SET TABLESPACE; pg_default unless said otherwise */
  tablespace?: string;
  /**
   * the index CLUSTER … USING or ALTER TABLE … CLUSTER ON marked (a partition: its partitioned parent's index):
   * CLUSTER without a table name re-sorts the table by it
   */
  clusterIndex?: string;
}

export interface Index {
  key: string;
  table: string;
  columns: string[];
  unique: boolean;
  /** false for an index made with ON ONLY on a partitioned table until all partitions attach */
  valid: boolean;
  /** only column names, no expressions and no WHERE: an index a foreign key can lean on */
  plain?: boolean;
}

/** The schema the earlier migrations built, as far as static analysis can know it. */
export class Catalog {
  readonly relations = new Map<string, Relation>();
  readonly indexes = new Map<string, Index>();
  readonly enums = new Map<string, string[]>();
  readonly domains = new Map<string, { base: TypeRef; hasCheck: boolean }>();
  readonly sequences = new Set<string>();
  readonly schemas = new Set<string>(['public']);
  readonly functions = new Map<string, Volatility>();
  readonly extensions = new Set<string>();
  /** composite types (CREATE TYPE … AS (…)) */
  readonly composites = new Set<string>();
  /** who uses what, beyond what columns, domains, views and foreign keys already say */
  dependencies: Dependency[] = [];

  /** Dependencies on `target`; a function named without arguments (`DROP FUNCTION f`) matches every arity. */
  dependentsOn(target: Target, anyArity = false): Dependency[] {
    return this.dependencies.filter(
      (d) => sameTarget(d.on, target) || (anyArity && target.kind === 'function' && d.on.kind === 'function' && d.on.name === target.name),
    );
  }

  forgetDependencies(drop: (d: Dependency) => boolean): void {
    this.dependencies = this.dependencies.filter((d) => !drop(d));
  }

  /**
   * Which of these keys (`schema.name`) name the index of a PRIMARY KEY, UNIQUE or EXCLUDE constraint (such an
   * index is a relation too). Asked for every CREATE and after every DROP: building every constraint's key each
   * time was the costliest step of replaying a long history.
   */
  constraintIndexesAmong(keys: Iterable<string>): Set<string> {
    const wanted = new Set(keys);
    const found = new Set<string>();
    if (wanted.size === 0) return found;
    // a key is `schema.name` with no dot in the schema, as the loop below builds it
    const names = new Set([...wanted].map((k) => k.slice(k.indexOf('.') + 1)));
    for (const r of this.relations.values()) {
      for (const c of r.constraints) {
        if (!names.has(c.name) || !(c.kind === 'primary' || c.kind === 'unique' || c.kind === 'exclusion')) continue;
        const key = `${r.key.split('.')[0]}.${c.name}`;
        if (wanted.has(key)) found.add(key);
      }
    }
    return found;
  }

  relation(key: string): Relation | undefined {
    return this.relations.get(key);
  }

  partitionsOf(key: string): Relation[] {
    const out: Relation[] = [];
    for (const r of this.relations.values()) {
      if (r.partitionOf === key) out.push(r, ...this.partitionsOf(r.key));
    }
    return out;
  }

  /** Partitions and inheritance children, at every level: what an ALTER TABLE without ONLY also changes. */
  descendantsOf(key: string): Relation[] {
    const found = new Map<string, Relation>();
    const visit = (parent: string) => {
      for (const r of this.relations.values()) {
        if (found.has(r.key) || (r.partitionOf !== parent && !r.inherits.includes(parent))) continue;
        found.set(r.key, r);
        visit(r.key);
      }
    };
    visit(key);
    return [...found.values()];
  }

  /** Views and materialized views that read `key` (optionally: one of `columns`), transitively. */
  dependentViews(key: string, columns?: readonly string[]): Relation[] {
    const found = new Map<string, Relation>();
    const visit = (target: string, cols: readonly string[] | undefined) => {
      for (const r of this.relations.values()) {
        if (found.has(r.key)) continue;
        const dep = r.dependsOn.find((d) => d.relation === target);
        if (!dep) continue;
        if (cols && !dep.columns.has('*') && !cols.some((c) => dep.columns.has(c))) continue;
        found.set(r.key, r);
        visit(r.key, undefined);
      }
    };
    visit(key, columns);
    return [...found.values()];
  }

  /** Tables whose foreign keys reference `key`. */
  referencingTables(key: string): Relation[] {
    return [...this.relations.values()].filter((r) => r.key !== key && r.constraints.some((c) => c.kind === 'foreign' && c.references === key));
  }

  indexesOf(table: string): Index[] {
    return [...this.indexes.values()].filter((i) => i.table === table);
  }
}

export function newRelation(key: string, kind: RelationKind): Relation {
  return { key, kind, columns: new Map(), constraints: [], inherits: [], dependsOn: [], unlogged: false };
}
