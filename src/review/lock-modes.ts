/** Table-level lock modes, weakest first, named exactly as `pg_locks.mode` shows them. */
export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;

export type LockMode = (typeof LOCK_MODES)[number];

export function lockStrength(mode: LockMode): number {
  return LOCK_MODES.indexOf(mode);
}

export function strongerLock(a: LockMode | undefined, b: LockMode): LockMode {
  return a === undefined || lockStrength(b) > lockStrength(a) ? b : a;
}

/** What one statement does to relations that existed before it ran. */
export interface StatementEffects {
  /** relation name → strongest lock mode held while the statement runs */
  locks: Record<string, LockMode>;
  /** tables / materialized views whose storage is replaced */
  rewrites: string[];
  /** pre-existing tables read in full */
  scans: string[];
  transaction: 'allowed' | 'forbidden';
}
