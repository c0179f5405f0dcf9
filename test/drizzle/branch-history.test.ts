import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { behindBaseProblems } from '../../src/drizzle/branch-base.js';
import type { SnapshotLink } from '../../src/drizzle/branch-history.js';
import { journalBranchProblems, ROOT_SNAPSHOT_ID, readSnapshot, sameSchema, snapshotLink, v1BranchProblems } from '../../src/drizzle/branch-history.js';
import { loadInput } from '../../src/drizzle/inputs.js';
import { planRebase } from '../../src/drizzle/rebase-plan.js';

const snap = (id: string, prevId: string, tables: Record<string, unknown> = {}): SnapshotLink =>
  snapshotLink({ id, prevId, version: '7', dialect: 'postgresql', tables }, `meta/${id}.json`)!;
const journal = (...tags: Array<string | [string, number]>) => ({
  entries: tags.map((t, i) => (typeof t === 'string' ? { idx: i, when: 1000 + i, tag: t } : { idx: t[1], when: 1000 + i, tag: t[0] })),
});
const rules = (problems: Map<number, Array<{ rule: string }>>) => Object.fromEntries([...problems].map(([i, p]) => [i, p.map((x) => x.rule)]));

describe('journalBranchProblems', () => {
  it('a linear history (custom migrations included) and a journal without snapshots are quiet', () => {
    const snapshots = new Map([
      ['0000', snap('a', ROOT_SNAPSHOT_ID, { t: 1 })],
      ['0001', snap('b', 'a', { t: 1 })],
      ['0002', snap('c', 'b', { t: 2 })],
    ]);
    expect(rules(journalBranchProblems(journal('0000_init', '0001_custom', '0002_more'), snapshots))).toEqual({});
    expect(rules(journalBranchProblems(journal('0000_init', '0001_custom', '0002_more'), new Map()))).toEqual({});
  });

  it('the same number twice, and an idx that does not increase', () => {
    const problems = journalBranchProblems(journal('0000_init', ['0001_orders', 1], ['0001_nick', 1]), new Map());
    expect(rules(problems)).toEqual({ 2: ['migration-number-collision', 'journal-idx-out-of-order'] });
    expect(problems.get(2)![0]!.message).toContain('0001_nick has the number 0001 of 0001_orders');
  });

  it('two snapshots with the same parent (a renumbered branch migration), and a parent that is not the previous id', () => {
    const fork = new Map([
      ['0000', snap('a', ROOT_SNAPSHOT_ID)],
      ['0001', snap('b', 'a')],
      ['0002', snap('c', 'a')],
    ]);
    expect(rules(journalBranchProblems(journal('0000_init', '0001_orders', '0002_nick'), fork))).toEqual({ 2: ['snapshot-fork'] });
    const broken = new Map([
      ['0000', snap('a', ROOT_SNAPSHOT_ID)],
      ['0001', snap('b', 'a')],
      ['0002', snap('c', 'x')],
    ]);
    expect(rules(journalBranchProblems(journal('0000_init', '0001_orders', '0002_nick'), broken))).toEqual({ 2: ['snapshot-chain-broken'] });
  });

  it('reaches review-migration through the folder reader', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-branch-'));
    mkdirSync(join(dir, 'meta'));
    for (const tag of ['0000_init', '0001_orders', '0002_nick']) writeFileSync(join(dir, `${tag}.sql`), 'SELECT 1;');
    writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(journal('0000_init', '0001_orders', '0002_nick')));
    writeFileSync(join(dir, 'meta', '0000_snapshot.json'), JSON.stringify({ id: 'a', prevId: ROOT_SNAPSHOT_ID }));
    writeFileSync(join(dir, 'meta', '0001_snapshot.json'), JSON.stringify({ id: 'b', prevId: 'a' }));
    writeFileSync(join(dir, 'meta', '0002_snapshot.json'), JSON.stringify({ id: 'c', prevId: 'a' }));
    const input = loadInput(dir, '/', () => '');
    expect(input.files.map((f) => f.problems.map((p) => p.rule))).toEqual([[], [], ['snapshot-fork']]);
  });
});

describe('a branch migration the merged journal dropped', () => {
  it('is a number collision (error) besides journal-unlisted-file, and a branch migration for --rebase', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-branch-unlisted-'));
    mkdirSync(join(dir, 'meta'));
    for (const tag of ['0000_init', '0001_orders', '0001_nick']) writeFileSync(join(dir, `${tag}.sql`), 'SELECT 1;');
    writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify(journal('0000_init', '0001_orders')));
    const input = loadInput(dir, '/', () => '');
    expect(input.files.map((f) => f.problems.map((p) => p.rule))).toEqual([[], [], ['journal-unlisted-file', 'migration-number-collision']]);
    const sql = new Map<string, string | undefined>([
      ['0000_init', ''],
      ['0001_orders', ''],
      ['0001_nick', 'ALTER TABLE x ADD y text;'],
      ['0002_kept', ''],
    ]);
    const plan = planRebase('main', { tags: [...sql.keys()], sql, snapshots: new Map() }, ['0000_init', '0001_orders'], ['0000_init'], ['0002_kept']);
    expect(plan.branch.map((b) => b.tag)).toEqual(['0001_nick']);
  });
});

describe('readSnapshot', () => {
  it('takes the links from the head of the file, and parses it all when they come after a nested object', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-snapshot-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ id: 'a1', prevId: 'p1', tables: { t: { id: 'nested' } }, pad: 'x'.repeat(5000) }, null, 2));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ tables: { t: { id: 'nested', prevId: 'nested' } }, id: 'b1', prevId: 'p2' }));
    writeFileSync(join(dir, 'c.json'), '{"id": "c1", "prevIds": ["x", "y"], "type": "base"}');
    expect(readSnapshot(join(dir, 'a.json'), 'a')).toMatchObject({ id: 'a1', prevIds: ['p1'] });
    expect(readSnapshot(join(dir, 'b.json'), 'b')).toMatchObject({ id: 'b1', prevIds: ['p2'] });
    expect(readSnapshot(join(dir, 'c.json'), 'c')).toMatchObject({ id: 'c1', prevIds: ['x', 'y'] });
    expect(readSnapshot(join(dir, 'a.json'), 'a', true)?.body).toHaveProperty('tables');
    expect(readSnapshot(join(dir, 'missing.json'), 'm')).toBeUndefined();
  });
});

describe('v1BranchProblems', () => {
  it('flags only a parent no snapshot of the folder has; parallel siblings are valid in v1', () => {
    const link = (id: string, ...prevIds: string[]) => snapshotLink({ id, prevIds }, `${id}/snapshot.json`);
    const folders = [
      { name: '20250101000000_init', link: link('a', ROOT_SNAPSHOT_ID) },
      { name: '20250102000000_x', link: link('b', 'a') },
      { name: '20250103000000_y', link: link('c', 'a') },
      { name: '20250104000000_z', link: link('d', 'gone') },
    ];
    expect([...v1BranchProblems(folders).keys()]).toEqual(['20250104000000_z']);
  });
});

describe('behindBaseProblems', () => {
  const base = { ref: 'main', tags: ['0000_init', '0001_orders'], latest: snap('b', 'a') };
  it('a branch migration whose number is taken on the base, or generated before the base moved on', () => {
    const taken = behindBaseProblems(['0000_init', '0001_nick'], new Set(['0001_nick']), new Map([['0001', snap('n', 'a')]]), base);
    expect(taken.get('0001_nick')?.message).toContain('its number 0001 is already taken on main');
    expect(taken.get('0001_nick')?.help).toContain('dbtool generate --rebase main');
    const stale = behindBaseProblems(
      ['0000_init', '0001_orders', '0002_nick'],
      new Set(['0002_nick']),
      new Map([
        ['0000', snap('a', ROOT_SNAPSHOT_ID)],
        ['0001', snap('b', 'a')],
        ['0002', snap('n', 'a')],
      ]),
      base,
    );
    expect(stale.get('0002_nick')?.message).toContain("does not descend from main's latest snapshot b");
  });
  it('quiet for a migration generated on top of the base', () => {
    const fine = behindBaseProblems(
      ['0000_init', '0001_orders', '0002_nick'],
      new Set(['0002_nick']),
      new Map([
        ['0000', snap('a', ROOT_SNAPSHOT_ID)],
        ['0001', snap('b', 'a')],
        ['0002', snap('n', 'b')],
      ]),
      base,
    );
    expect(fine.size).toBe(0);
  });
});

describe('planRebase', () => {
  it('keeps the base, classifies custom migrations by header or unchanged snapshot, names the generated one', () => {
    const sql = new Map<string, string | undefined>([
      ['0000_init', ''],
      ['0001_orders', ''],
      ['0001_nick', 'ALTER TABLE x ADD COLUMN y text;'],
      ['0002_fill', 'UPDATE x SET y = 1;'],
      ['0003_seed', '-- Custom SQL migration file, put your code below! --\nINSERT INTO x VALUES (1);'],
      ['0004_noop', 'UPDATE x SET y = 2;'],
    ]);
    const snapshots = new Map([
      ['0002', snap('f', 'n', { x: { y: 1 } })],
      ['0003', snap('s', 'f', { x: { y: 2 } })],
      ['0004', snap('t', 's', { x: { y: 2 } })],
    ]);
    const plan = planRebase('main', { tags: [...sql.keys()], sql, snapshots }, ['0000_init', '0001_orders'], ['0000_init']);
    expect(plan.branch.map((b) => `${b.tag}:${b.kind}`)).toEqual(['0001_nick:generated', '0002_fill:generated', '0003_seed:custom', '0004_noop:custom']);
    expect(plan.generateName).toBe('nick');
    expect(sameSchema(snap('p', 'q', { t: { a: 1, b: 2 } }), snap('r', 'p', { t: { b: 2, a: 1 } }))).toBe(true);
  });
});
