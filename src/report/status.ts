import type { ChalkInstance } from 'chalk';
import type { FolderStatus, MigrationState } from '../migrate/state.js';

const LABEL: Record<MigrationState, string> = {
  applied: 'applied',
  changed: 'changed since applied',
  pending: 'pending',
  'out-of-order': 'skipped by drizzle (older than applied ones)',
  missing: 'file missing',
  unlisted: 'not in the journal',
};

export interface StatusView {
  folder: string;
  database: string;
  color: ChalkInstance;
}

export function statusCounts(status: FolderStatus): Record<MigrationState | 'unknown', number> {
  const counts = { applied: 0, changed: 0, pending: 0, 'out-of-order': 0, missing: 0, unlisted: 0, unknown: status.unknown.length };
  for (const s of status.migrations) counts[s.state]++;
  return counts;
}

export function statusToPretty(status: FolderStatus, view: StatusView): string {
  const c = view.color;
  const paint: Record<MigrationState, (t: string) => string> = {
    applied: c.green,
    changed: c.red,
    pending: c.yellow,
    'out-of-order': c.red,
    missing: c.red,
    unlisted: c.red,
  };
  const width = Math.max(10, ...status.migrations.map((s) => s.migration.name.length));
  const lines = [`${view.folder} on ${view.database}`];
  for (const s of status.migrations) {
    const missingButApplied = s.state === 'missing' && s.row ? ' (applied; the file was deleted)' : '';
    const partial = s.progress
      ? paint[s.state](` — partially applied: ${s.progress.stepsDone} of ${s.progress.steps} steps`) +
        c.dim(` (an interrupted run; the next one resumes at step ${s.progress.stepsDone + 1})`)
      : '';
    lines.push(`  ${s.migration.name.padEnd(width)}  ${paint[s.state](LABEL[s.state])}${partial}${missingButApplied}`);
    if (s.unrecorded) {
      const { step, steps, found } = s.unrecorded;
      lines.push(`  ${' '.repeat(width)}  ${c.yellow(`step ${step} of ${steps} ran outside a transaction and looks done but unrecorded: ${found}`)}`);
    }
  }
  for (const row of status.unknown) {
    lines.push(
      `  ${(row.name ?? `id ${row.id}`).padEnd(width)}  ${c.red('applied, but not in this folder')} ${c.dim(`(created_at ${row.createdAt ?? 'null'}, sha256 ${row.hash.slice(0, 12)}…)`)}`,
    );
  }
  const counts = statusCounts(status);
  const parts = (Object.keys(counts) as Array<keyof typeof counts>)
    .filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k === 'unknown' ? 'unknown to the folder' : LABEL[k]}`);
  lines.push(parts.length ? parts.join(', ') : 'no migrations');
  return `${lines.join('\n')}\n`;
}

export function statusToJson(status: FolderStatus, view: Omit<StatusView, 'color'>, toolVersion: string, attention: boolean): string {
  return `${JSON.stringify(
    {
      tool: 'dbtool',
      version: toolVersion,
      reportVersion: 1,
      command: 'status',
      folder: view.folder,
      database: view.database,
      needsAttention: attention,
      counts: statusCounts(status),
      migrations: status.migrations.map((s) => ({
        name: s.migration.name,
        path: s.migration.path,
        state: s.state,
        createdAt: s.migration.createdAt,
        hash: s.migration.hash ?? null,
        appliedHash: s.row?.hash ?? null,
        appliedId: s.row?.id ?? null,
        progress: s.progress ?? null,
        unrecordedStep: s.unrecorded ?? null,
      })),
      unknown: status.unknown,
    },
    null,
    2,
  )}\n`;
}
