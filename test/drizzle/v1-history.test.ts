import { describe, expect, it } from 'vitest';
import { ROOT_SNAPSHOT_ID } from '../../src/drizzle/branch-history.js';
import { planRebaseV1 } from '../../src/drizzle/rebase-plan.js';
import { v1BehindBaseProblems, v1ForkProblems } from '../../src/drizzle/v1-branches.js';
import type { Footprint, V1Node } from '../../src/drizzle/v1-history.js';
import { branchConflicts, v1Node } from '../../src/drizzle/v1-history.js';

/** The footprint drizzle-kit v1 writes for a statement on a column (the shape of its snapshot.json). */
const column = (type: string, table: string, col: string, prop: string, sqlHash?: string): Footprint => ({
  statementType: type,
  statementTarget: ['column', 'public', table, col],
  writes: [`s|colprop|public.${table}.${col}.${prop}`],
  reads: [`n|tbl|public.${table}`, 'n|sch|public', `n|col|public.${table}.${col}`],
  ...(sqlHash ? { sqlHash } : {}),
});
const dropTable = (table: string): Footprint => ({
  statementType: 'drop_table',
  statementTarget: ['table', 'public', table],
  writes: [`n|tbl|public.${table}`, `e|tbl|public.${table}`],
});

const node = (folder: string, id: string, prevIds: string[], footprints: Footprint[] = [], deltas: unknown[] = [{}]): V1Node =>
  v1Node(folder, { type: prevIds[0] === ROOT_SNAPSHOT_ID ? 'base' : 'diff', id, prevIds, footprints, deltas })!;

const init = node('20250101000000_init', 'a', [ROOT_SNAPSHOT_ID]);

describe('branchConflicts: drizzle-kit v1 conflict check', () => {
  it('parallel changes of different properties commute; the same property conflicts', () => {
    const type = node('20250102000000_email_type', 'b', ['a'], [column('alter_column', 'users', 'email', 'type')]);
    const notNull = node('20250103000000_email_not_null', 'c', ['a'], [column('alter_column', 'users', 'email', 'notNull')]);
    expect(branchConflicts([init, type, notNull])).toEqual([]);
    const type2 = node('20250103000000_email_type2', 'd', ['a'], [column('alter_column', 'users', 'email', 'type')]);
    const [conflict, ...rest] = branchConflicts([init, type, type2]);
    expect(rest).toEqual([]);
    expect(conflict).toMatchObject({
      fork: '20250101000000_init',
      left: { source: '20250102000000_email_type', change: 'alter_column public.users.email' },
      right: { source: '20250103000000_email_type2' },
    });
  });

  it('a write against what the other side reads conflicts; the identical statement on both sides does not', () => {
    const nick = node('20250102000000_nick', 'b', ['a'], [column('add_column', 'users', 'nick', 'type')]);
    const drop = node('20250103000000_drop_users', 'c', ['a'], [dropTable('users')]);
    expect(branchConflicts([init, nick, drop])).toHaveLength(1);
    const same1 = node('20250102000000_x', 'b', ['a'], [column('alter_column', 'users', 'email', 'type', 'h1')]);
    const same2 = node('20250103000000_y', 'c', ['a'], [column('alter_column', 'users', 'email', 'type', 'h1')]);
    expect(branchConflicts([init, same1, same2])).toEqual([]);
  });

  it('leaves joined by a later snapshot (prevIds with both) are no longer compared', () => {
    const type = node('20250102000000_a', 'b', ['a'], [column('alter_column', 'users', 'email', 'type')]);
    const type2 = node('20250103000000_b', 'c', ['a'], [column('alter_column', 'users', 'email', 'type')]);
    const joined = node('20250104000000_join', 'd', ['b', 'c']);
    expect(branchConflicts([init, type, type2, joined])).toEqual([]);
  });
});

describe('v1 findings', () => {
  const mine = node('20250102000000_email_320', 'b', ['a'], [column('alter_column', 'users', 'email', 'type')]);
  const custom = node('20250102000001_backfill', 'c', ['b'], [], []);
  const theirs = node('20250103000000_email_255', 'd', ['a'], [column('alter_column', 'users', 'email', 'type')]);

  it('snapshot-fork on the later-sorting side of a conflicting pair in a merged folder', () => {
    const problems = v1ForkProblems([init, mine, custom, theirs]);
    expect([...problems.keys()]).toEqual(['20250103000000_email_255']);
    expect(problems.get('20250103000000_email_255')![0]!.rule).toBe('snapshot-fork');
  });

  it("migration-behind-base on every branch folder of the conflicting chain, never on the base's", () => {
    const base = new Set(['20250101000000_init', '20250103000000_email_255']);
    const added = new Set(['20250102000000_email_320', '20250102000001_backfill']);
    const problems = v1BehindBaseProblems([init, mine, custom, theirs], added, base, 'origin/main');
    expect([...problems.keys()]).toEqual(['20250102000000_email_320', '20250102000001_backfill']);
    expect(problems.get('20250102000000_email_320')!.message).toContain("in parallel with origin/main's 20250103000000_email_255");
    expect(problems.get('20250102000000_email_320')!.help).toContain('dbtool generate --rebase origin/main');
    // a commuting branch: quiet
    const other = node(
      '20250103000000_orders',
      'd',
      ['a'],
      [{ statementType: 'create_table', statementTarget: ['table', 'public', 'orders'], writes: ['n|tbl|public.orders'], reads: ['n|sch|public'] }],
    );
    expect(v1BehindBaseProblems([init, mine, custom, other], added, new Set(['20250101000000_init', '20250103000000_orders']), 'main').size).toBe(0);
  });

  it('planRebaseV1: branch folders are those neither the ref nor the merge base has; a diff without deltas is custom', () => {
    const folders = ['20250101000000_init', '20250102000000_email_320', '20250102000001_backfill', '20250103000000_email_255'];
    const plan = planRebaseV1(
      'main',
      {
        folders,
        sql: new Map(folders.map((f) => [f, f.endsWith('backfill') ? 'UPDATE users SET nick = email;' : 'ALTER TABLE users ...;'])),
        nodes: new Map([init, mine, custom, theirs].map((n) => [n.folder, n])),
      },
      ['20250101000000_init', '20250103000000_email_255'],
      ['20250101000000_init'],
    );
    expect(plan.branch.map((b) => `${b.tag}:${b.kind}`)).toEqual(['20250102000000_email_320:generated', '20250102000001_backfill:custom']);
    expect(plan.generateName).toBe('email_320');
    expect(plan.droppedOnBase).toEqual([]);
    const dropped = planRebaseV1('main', { folders, sql: new Map(), nodes: new Map() }, ['20250103000000_email_255'], ['20250101000000_init']);
    expect(dropped.droppedOnBase).toEqual(['20250101000000_init']);
  });
});
