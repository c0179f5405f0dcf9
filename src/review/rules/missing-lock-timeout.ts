import type { Node } from '@pgsql/types';
import { asNode, names, qualifiedKey } from '../ast.js';
import type { Rule, RuleContext } from '../findings.js';
import type { LockMode } from '../lock-modes.js';
import { lockStrength } from '../lock-modes.js';
import { SHOP } from './docs-history.js';
import { existingTables } from './helpers.js';

const SHARE = lockStrength('ShareLock');

export const missingLockTimeout: Rule = {
  id: 'missing-lock-timeout',
  severity: 'warning',
  summary: 'A statement that blocks writes waits for its lock with no lock_timeout (or lock_timeout = 0)',
  oncePerFile: true,
  docs: {
    why: 'A statement that needs a lock conflicting with writes (ShareLock or stronger: most ALTER TABLE forms, CREATE INDEX, CREATE TRIGGER, a foreign key to the table) first waits for every transaction that holds a conflicting lock — a long report query, an idle-in-transaction session. While it waits, every new query on the table queues behind it, so a change that takes milliseconds can stop all traffic to the table for as long as the longest transaction. lock_timeout makes the migration give up (and retry later) instead. The default, 0, waits forever.',
    bad: ['ALTER TABLE users ADD COLUMN locale text;', 'SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN locale text;'],
    good: [
      "SET lock_timeout = '3s';\nALTER TABLE users ADD COLUMN locale text;",
      "SET LOCAL lock_timeout = '3s';\nALTER TABLE users ADD COLUMN locale text;",
      "SELECT set_config('lock_timeout', '3s', true);\nALTER TABLE users ADD COLUMN locale text;",
      'CREATE TABLE coupons (id bigint PRIMARY KEY);\nALTER TABLE coupons ADD COLUMN code text;',
    ],
    drizzle:
      "drizzle-kit and drizzle's migrator set no lock_timeout. Start each migration that alters existing tables with `SET LOCAL lock_timeout = '3s';` (drizzle-kit keeps lines you add to generated files), or apply migrations with a runner that sets it (`dbtool migrate --lock-timeout`) and tell dbtool so in its configuration.",
    ignoreWhen: 'your runner sets lock_timeout for every migration; configure that once instead of ignoring each file.',
    history: SHOP,
  },
  check(ctx) {
    const state = ctx.transaction.lockTimeout;
    if (state === 'set' || (state === 'unset' && ctx.settings.runnerLockTimeout)) return [];
    const blocking = existingTables(ctx, Object.keys(ctx.effects.locks)).filter((t) => {
      const mode = ctx.effects.locks[t];
      return mode !== undefined && lockStrength(mode) >= SHARE;
    });
    // relations the review cannot name (REINDEX of an index made outside the migrations, of a schema or database;
    // CLUSTER without a table): the ones it can name are listed with them
    const unnamed = ctx.effects.unnamed.filter((u) => lockStrength(u.lock) >= SHARE);
    const waits = unnamed.length
      ? unnamed
          .map((u) => `${u.lock} on ${u.which}${'unseen' in u ? ` (${blocking.length ? `${blocking.join(', ')} and any` : 'any'} ${u.unseen})` : ''}`)
          .join(', ')
      : blocking.length
        ? describeWaits(blocking, ctx.effects.locks)
        : unknownIndexDrop(ctx);
    if (!waits) return [];
    const setting = ctx.transaction.inTransaction ? "SET LOCAL lock_timeout = '3s';" : "SET lock_timeout = '3s';";
    return [
      {
        message:
          state === 'zero'
            ? `lock_timeout is 0 (wait forever) when this statement waits for ${waits}: behind a long-running transaction it waits indefinitely, and every query on the table queues behind it meanwhile.`
            : `Waits for ${waits} with no lock_timeout: behind a long-running transaction it waits indefinitely, and every query on the table queues behind it meanwhile.`,
        help: 'Set a lock_timeout of a few seconds at the top of the migration, and retry the deploy when it times out. (Reported once per file.)',
        fix: setting,
      },
    ];
  },
};

/** `AccessExclusiveLock on a, b, ShareLock on c`. */
function describeWaits(tables: string[], locks: Readonly<Record<string, LockMode>>): string {
  const byMode = new Map<string, string[]>();
  for (const t of tables) {
    const mode = locks[t] ?? 'AccessExclusiveLock';
    byMode.set(mode, [...(byMode.get(mode) ?? []), t]);
  }
  return [...byMode].map(([mode, list]) => `${mode} on ${list.join(', ')}`).join(', ');
}

/**
 * DROP INDEX of an index the earlier migrations do not show (made outside them): its table is unknown,
 * but PostgreSQL still locks it AccessExclusive.
 */
function unknownIndexDrop(ctx: RuleContext): string | undefined {
  const stmt = asNode<{ removeType?: string; objects?: Node[]; concurrent?: boolean }>(ctx.statement.node, 'DropStmt');
  if (stmt?.removeType !== 'OBJECT_INDEX' || stmt.concurrent) return undefined;
  const parts = (stmt.objects ?? []).map((o) => names(asNode<{ items?: Node[] }>(o, 'List')?.items));
  const unknown = parts.filter((p) => !ctx.effectContext.catalog.indexes.has(qualifiedKey(p)));
  if (unknown.length === 0) return undefined;
  return `AccessExclusiveLock on the table of ${unknown.map((p) => p.join('.')).join(', ')}`;
}
