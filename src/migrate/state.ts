import type { LocalFolder, LocalMigration } from './local.js';

/** A row of drizzle's migrations table. */
export interface AppliedRow {
  id: number;
  hash: string;
  createdAt: number | null;
  /** v1 tables only */
  name: string | null;
}

export type MigrationState =
  /** recorded, and the file still has the hash that was applied */
  | 'applied'
  /** recorded, but the file changed since */
  | 'changed'
  | 'pending'
  /** pending, but older than the newest applied entry: drizzle's migrator silently skips it */
  | 'out-of-order'
  /** the journal lists it and the file is gone */
  | 'missing'
  /** a .sql file the journal does not list: drizzle never applies it */
  | 'unlisted';

export interface MigrationStatus {
  migration: LocalMigration;
  state: MigrationState;
  row: AppliedRow | undefined;
  /** a pending file an interrupted run got part of the way through (steps done are applied and recorded) */
  progress?: { stepsDone: number; steps: number };
  /** the file's next step runs outside a transaction and looks done, but was never recorded (an interrupted run) */
  unrecorded?: { step: number; steps: number; found: string };
}

export interface FolderStatus {
  migrations: MigrationStatus[];
  /** rows of the migrations table that match no migration of the folder */
  unknown: AppliedRow[];
}

/** Matches drizzle's bookkeeping rows to the folder's migrations. Pure. */
export function folderStatus(folder: Pick<LocalFolder, 'layout' | 'migrations'>, rows: AppliedRow[]): FolderStatus {
  const unused = new Set(rows);
  const newestApplied = Math.max(-Infinity, ...rows.map((r) => r.createdAt ?? -Infinity));
  const migrations = folder.migrations.map((migration): MigrationStatus => {
    const row = matchRow(folder.layout, migration, unused);
    if (row) unused.delete(row);
    return { migration, row, state: stateOf(folder.layout, migration, row, newestApplied) };
  });
  return { migrations, unknown: [...unused] };
}

function stateOf(layout: LocalFolder['layout'], m: LocalMigration, row: AppliedRow | undefined, newestApplied: number): MigrationState {
  if (m.text === undefined) return 'missing';
  if (row) return row.hash === m.hash ? 'applied' : 'changed';
  if (!m.listed) return 'unlisted';
  // drizzle 0.31's migrator applies an entry only when its `when` exceeds the newest created_at
  if (layout === 'journal' && m.createdAt <= newestApplied) return 'out-of-order';
  return 'pending';
}

/**
 * v1 tables record the folder name. 0.31 rows carry only created_at (the journal `when`) and the hash;
 * created_at identifies the entry, the hash breaks ties and finds entries whose `when` was edited.
 */
function matchRow(layout: LocalFolder['layout'], m: LocalMigration, rows: Set<AppliedRow>): AppliedRow | undefined {
  const candidates = [...rows];
  if (layout === 'v1') {
    const named = candidates.find((r) => r.name === m.name);
    if (named) return named;
    const unnamed = candidates.filter((r) => r.name === null);
    return (
      unnamed.find((r) => r.createdAt !== null && Math.floor(r.createdAt / 1000) === Math.floor(m.createdAt / 1000)) ?? unnamed.find((r) => r.hash === m.hash)
    );
  }
  if (!m.listed) return m.hash === undefined ? undefined : candidates.find((r) => r.hash === m.hash);
  const sameTime = candidates.filter((r) => r.createdAt === m.createdAt);
  return sameTime.find((r) => r.hash === m.hash) ?? sameTime[0] ?? candidates.find((r) => r.hash === m.hash);
}

export function needsAttention(status: FolderStatus): boolean {
  return status.unknown.length > 0 || status.migrations.some((s) => s.state !== 'applied');
}
