import { displayName } from '../ast.js';
import type { Catalog } from '../catalog/model.js';
import type { LockMode, StatementEffects } from '../lock-modes.js';
import { strongerLock } from '../lock-modes.js';
import type { UnnamedTargetEffect, UnnamedTargetsId } from './unnamed.js';
import { UNNAMED_TARGETS } from './unnamed.js';

export interface EffectContext {
  /** the schema as it was before this statement */
  catalog: Catalog;
  pgVersion: number;
  /** the session TimeZone the migration runs with is UTC (timestamp ↔ timestamptz then needs no rewrite) */
  timezoneIsUtc: boolean;
  /** tables created earlier in the same migration file: known to be empty */
  newTables: ReadonlySet<string>;
  /** `table.column` added earlier in the same file without a default: NULL in every existing row */
  nullColumns: ReadonlySet<string>;
  /** tables of `newTables` that a statement since wrote rows into (INSERT, UPDATE, MERGE, COPY FROM) */
  filledTables?: ReadonlySet<string>;
}

/** A table created earlier in the migration and not written since has no rows: reading it in full reads nothing. */
export function knownEmpty(ctx: EffectContext, key: string): boolean {
  return ctx.newTables.has(key) && !ctx.filledTables?.has(key);
}

/** A reason PostgreSQL will refuse the statement, known without running it. */
export interface StaticFailure {
  message: string;
  /** the SQLSTATE PostgreSQL raises */
  sqlstate: string;
  hint?: string;
}

export interface AnalyzedEffects extends StatementEffects {
  /** knowledge-table entries that decided the result, for explanations and docs */
  facts: string[];
  /** why a rewrite or scan happens (or does not), in words */
  notes: string[];
  rewriteReasons: string[];
  failures: StaticFailure[];
  /** the statement kind is not modelled: its effects are unknown rather than none */
  unknown: boolean;
  /** relations it locks, scans or rewrites that the schema history cannot name */
  unnamed: UnnamedTargetEffect[];
}

/** Collects one statement's effects; keys are catalog keys, reports use display names. */
export class EffectsBuilder {
  private readonly locks = new Map<string, LockMode>();
  private readonly rewrites = new Set<string>();
  private readonly scans = new Set<string>();
  private forbiddenInTransaction = false;
  readonly facts: string[] = [];
  readonly notes: string[] = [];
  /** the notes that explain a rewrite, for rule messages */
  readonly rewriteReasons: string[] = [];
  readonly failures: StaticFailure[] = [];
  private readonly unnamed = new Set<UnnamedTargetsId>();
  unknown = false;

  constructor(readonly ctx: EffectContext) {}

  lock(key: string, mode: LockMode): this {
    this.locks.set(key, strongerLock(this.locks.get(key), mode));
    return this;
  }

  rewrite(key: string, why?: string): this {
    this.rewrites.add(key);
    if (!knownEmpty(this.ctx, key)) this.scans.add(key);
    if (why) {
      this.notes.push(why);
      this.rewriteReasons.push(why);
    }
    return this;
  }

  /** New, empty storage without reading the old (TRUNCATE): a rewrite that scans nothing. */
  replaceStorage(key: string, why?: string): this {
    this.rewrites.add(key);
    if (why) {
      this.notes.push(why);
      this.rewriteReasons.push(why);
    }
    return this;
  }

  scan(key: string, why?: string): this {
    if (knownEmpty(this.ctx, key)) {
      if (why) this.notes.push(`${why} (${displayName(key)} was created earlier in this migration and has no rows yet: nothing to read)`);
      return this;
    }
    this.scans.add(key);
    if (why) this.notes.push(why);
    return this;
  }

  forbidden(): this {
    this.forbiddenInTransaction = true;
    return this;
  }

  fact(id: string): this {
    if (!this.facts.includes(id)) this.facts.push(id);
    return this;
  }

  /** the statement also acts on relations no migration names (see UNNAMED_TARGETS) */
  touchesUnnamed(id: UnnamedTargetsId): this {
    this.unnamed.add(id);
    return this;
  }

  fail(failure: StaticFailure): this {
    this.failures.push(failure);
    return this;
  }

  /** Reports a form the target major does not accept yet (the version gates' one way of saying so). */
  requireVersion(min: number, feature: string, sqlstate = '42601'): boolean {
    if (this.ctx.pgVersion >= min) return true;
    this.fail({
      message: `${feature} requires PostgreSQL ${min} or later (reviewing for ${this.ctx.pgVersion})`,
      sqlstate,
      hint: `requires PostgreSQL ${min}: run it on PostgreSQL ${min} or later (and review with --pg-version ${min}), or write the migration without ${feature}`,
    });
    return false;
  }

  /** Whether the target major has a feature; the version gates report it when not, this only steers the model. */
  supports(min: number): boolean {
    return this.ctx.pgVersion >= min;
  }

  merge(other: EffectsBuilder): void {
    for (const [k, m] of other.locks) this.lock(k, m);
    for (const k of other.rewrites) this.rewrites.add(k);
    for (const k of other.scans) this.scans.add(k);
    if (other.forbiddenInTransaction) this.forbiddenInTransaction = true;
    for (const f of other.facts) this.fact(f);
    this.notes.push(...other.notes);
    this.rewriteReasons.push(...other.rewriteReasons);
    this.failures.push(...other.failures);
    for (const id of other.unnamed) this.unnamed.add(id);
    if (other.unknown) this.unknown = true;
  }

  /** A partitioned table stores nothing itself: its rewrite or scan happens in each partition. */
  moveStorageEffects(parent: string, partitions: string[]): void {
    const rewritten = this.rewrites.delete(parent);
    const scanned = this.scans.delete(parent);
    for (const p of partitions) {
      if (rewritten) this.rewrites.add(p);
      if (scanned) this.scans.add(p);
    }
  }

  /** Relation keys this statement locks, for rules that need the catalog entries. */
  lockedKeys(): string[] {
    return [...this.locks.keys()];
  }

  lockOf(key: string): LockMode | undefined {
    return this.locks.get(key);
  }

  build(): AnalyzedEffects {
    const locks: Record<string, LockMode> = {};
    // code-unit order: stable output without the cost of locale collation on every statement
    for (const [k, m] of [...this.locks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) locks[displayName(k)] = m;
    return {
      locks,
      rewrites: [...this.rewrites].sort().map(displayName),
      scans: [...this.scans].sort().map(displayName),
      transaction: this.forbiddenInTransaction ? 'forbidden' : 'allowed',
      facts: this.facts,
      notes: this.notes,
      rewriteReasons: this.rewriteReasons,
      failures: this.failures,
      unknown: this.unknown,
      unnamed: [...this.unnamed].map((id) => ({ id, ...UNNAMED_TARGETS[id] })),
    };
  }
}
