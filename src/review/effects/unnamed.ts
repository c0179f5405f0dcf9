import type { LockMode } from '../lock-modes.js';

/** What a statement does to relations the schema history cannot name (see UNNAMED_TARGETS). */
export interface UnnamedTargets {
  /** the lock PostgreSQL takes on each of them */
  lock: LockMode;
  /** each is read in full (an index rebuild) or rewritten (CLUSTER) */
  storage: 'scan' | 'rewrite';
  /** which relations, in words */
  which: string;
  /** for statements over many relations: how the ones the history cannot show came about */
  unseen?: string;
}

/**
 * Statements that act on relations no migration names: the table of an index the earlier migrations do not
 * create, every table of a schema or of the database, every table clustered before. The report names only
 * relations it knows (those the history shows are in locks, rewrites and scans as usual), so these effects are
 * recorded in the effects' `unnamed` list for rules to read. The lock modes are the ones engine cases prove for the
 * named forms (reindex-index, reindex-schema, reindex-database, cluster-all).
 */
export const UNNAMED_TARGETS = {
  'reindex-index': { lock: 'ShareLock', storage: 'scan', which: 'the table of an index the earlier migrations do not create' },
  'reindex-schema': { lock: 'ShareLock', storage: 'scan', which: 'every table of the schema in turn', unseen: 'made outside the migrations' },
  'reindex-database': { lock: 'ShareLock', storage: 'scan', which: 'every table of the database in turn', unseen: 'made outside the migrations' },
  'domain-users': { lock: 'ShareLock', storage: 'scan', which: 'every table with a column of a domain the earlier migrations do not create' },
  'cluster-all': {
    lock: 'AccessExclusiveLock',
    storage: 'rewrite',
    which: 'every table clustered before, in turn',
    unseen: 'clustered outside the migrations',
  },
} as const satisfies Record<string, UnnamedTargets>;

export type UnnamedTargetsId = keyof typeof UNNAMED_TARGETS;

/** One unnamed-target entry as the effects carry it. */
export type UnnamedTargetEffect = UnnamedTargets & { id: UnnamedTargetsId };
