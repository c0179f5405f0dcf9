import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LocalMigration } from '../../src/migrate/local.js';
import { readDrizzleFolder } from '../../src/migrate/local.js';
import { integrityProblems } from '../../src/migrate/migrate.js';
import type { AppliedRow } from '../../src/migrate/state.js';
import { folderStatus, needsAttention } from '../../src/migrate/state.js';

const m = (name: string, createdAt: number, hash = `h-${name}`, extra: Partial<LocalMigration> = {}): LocalMigration => ({
  name,
  path: `drizzle/${name}.sql`,
  text: 'SELECT 1',
  hash,
  createdAt,
  listed: true,
  ...extra,
});
const row = (id: number, createdAt: number, hash: string, name: string | null = null): AppliedRow => ({ id, createdAt, hash, name });

describe('folderStatus (journal layout)', () => {
  it('matches rows by created_at and calls an edited file changed', () => {
    const status = folderStatus({ layout: 'journal', migrations: [m('a', 1), m('b', 2), m('c', 3)] }, [row(1, 1, 'h-a'), row(2, 2, 'other')]);
    expect(status.migrations.map((s) => s.state)).toEqual(['applied', 'changed', 'pending']);
    expect(needsAttention(status)).toBe(true);
  });

  it('finds an applied entry whose journal time was edited by its hash', () => {
    const status = folderStatus({ layout: 'journal', migrations: [m('a', 5)] }, [row(1, 1, 'h-a')]);
    expect(status.migrations[0]?.state).toBe('applied');
    expect(status.unknown).toEqual([]);
  });

  it('calls a never-applied entry older than the newest applied one out-of-order, as drizzle would skip it', () => {
    const status = folderStatus({ layout: 'journal', migrations: [m('a', 1), m('late', 2), m('c', 3)] }, [row(1, 1, 'h-a'), row(2, 3, 'h-c')]);
    expect(status.migrations.map((s) => s.state)).toEqual(['applied', 'out-of-order', 'applied']);
    expect(integrityProblems(status, false).map((p) => p.problem)).toEqual(['out-of-order']);
    expect(integrityProblems(status, true)).toEqual([]);
  });

  it('reports rows the folder does not know, missing files and unlisted files', () => {
    const status = folderStatus(
      {
        layout: 'journal',
        migrations: [m('a', 1), m('gone', 2, undefined, { text: undefined, hash: undefined }), m('orphan', 0, 'h-orphan', { listed: false })],
      },
      [row(1, 1, 'h-a'), row(7, 9, 'h-newer')],
    );
    expect(status.migrations.map((s) => s.state)).toEqual(['applied', 'missing', 'unlisted']);
    expect(status.unknown.map((r) => r.id)).toEqual([7]);
    expect(integrityProblems(status, false).map((p) => p.problem)).toEqual(['missing', 'unlisted']);
  });

  it('is quiet when everything is applied', () => {
    const status = folderStatus({ layout: 'journal', migrations: [m('a', 1), m('b', 2)] }, [row(1, 1, 'h-a'), row(2, 2, 'h-b')]);
    expect(needsAttention(status)).toBe(false);
  });
});

describe('folderStatus (v1 layout)', () => {
  it('matches by folder name, and rows written before names existed by their second and hash', () => {
    const status = folderStatus(
      {
        layout: 'v1',
        migrations: [m('20250101000000_a', Date.UTC(2025, 0, 1)), m('20250102000000_b', Date.UTC(2025, 0, 2)), m('20250103000000_c', Date.UTC(2025, 0, 3))],
      },
      [row(1, Date.UTC(2025, 0, 1) + 400, 'h-20250101000000_a'), row(2, 0, 'h-20250102000000_b', '20250102000000_b')],
    );
    expect(status.migrations.map((s) => s.state)).toEqual(['applied', 'applied', 'pending']);
  });

  it('never calls a v1 migration out-of-order: drizzle v1 applies by name', () => {
    const status = folderStatus({ layout: 'v1', migrations: [m('20250101000000_a', 1), m('20250102000000_b', 2)] }, [
      row(1, 2, 'h-20250102000000_b', '20250102000000_b'),
    ]);
    expect(status.migrations.map((s) => s.state)).toEqual(['pending', 'applied']);
  });
});

const CORPUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'real-world');
const corpus = existsSync(CORPUS);
if (!corpus) console.warn(`SKIPPED: journal quirks of the real-world corpus — ${CORPUS} is absent`);

describe.skipIf(!corpus)('journal quirks of the real-world corpus (../shared/corpus/real-world)', () => {
  const folder = (repo: string, path: string) => readDrizzleFolder(join(CORPUS, repo, path), '/');

  it('scira: journal entries whose files were never committed are missing', () => {
    const f = folder('zaidmukaddam__scira', 'drizzle__migrations');
    const status = folderStatus(f, []);
    const missing = status.migrations.filter((s) => s.state === 'missing').map((s) => s.migration.name);
    expect(missing.length).toBe(6);
    expect(
      integrityProblems(status, false)
        .filter((p) => p.problem === 'missing')
        .map((p) => p.name),
    ).toEqual(missing);
  });

  it('Zero and Dokploy: orphan files the journal does not list are unlisted', () => {
    expect(
      folderStatus(folder('Mail-0__Zero', 'packages__db__migrations'), [])
        .migrations.filter((s) => s.state === 'unlisted')
        .map((s) => s.migration.name),
    ).toEqual(['0025_far_echo']);
    expect(
      folderStatus(folder('Dokploy__dokploy', 'apps__dokploy__drizzle'), [])
        .migrations.filter((s) => s.state === 'unlisted')
        .map((s) => s.migration.name),
    ).toEqual(['0130_abandoned_dagger']);
  });

  it('kan: an entry whose "when" goes backwards is out-of-order on a database that applied the newer one', () => {
    const f = folder('kanbn__kan', 'packages__db__migrations');
    const rows = f.migrations.filter((m) => m.listed).map((m, i) => row(i + 1, m.createdAt, m.hash ?? ''));
    const newest = Math.max(...rows.map((r) => r.createdAt ?? 0));
    // a database deployed from the branch that had the newer entry, before the older one was merged
    const backwards = f.migrations.filter((m, i) => i > 0 && m.createdAt < Math.max(...f.migrations.slice(0, i).map((x) => x.createdAt)));
    expect(backwards.length).toBe(2);
    const applied = rows.filter((r) => !backwards.some((b) => b.hash === r.hash));
    const status = folderStatus(f, applied);
    expect(status.migrations.filter((s) => s.state === 'out-of-order').map((s) => s.migration.name)).toEqual(backwards.map((b) => b.name));
    expect(newest).toBeGreaterThan(0);
  });
});
