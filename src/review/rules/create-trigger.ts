import type { RangeVar } from '@pgsql/types';
import { asNode, displayName, relationKey } from '../ast.js';
import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';
import { isExisting } from './helpers.js';

export const createTrigger: Rule = {
  id: 'create-trigger',
  severity: 'warning',
  summary: 'CREATE TRIGGER on an existing table: blocks writes while it waits, then runs on every write',
  docs: {
    why: 'CREATE TRIGGER takes ShareRowExclusiveLock, which conflicts with every INSERT, UPDATE and DELETE: it waits for open write transactions and blocks new writes meanwhile. Once it exists, the trigger function runs for every affected row (or statement), so each write does more work and holds its locks longer — a slow or failing function slows or fails every write to the table.',
    bad: ['CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch_updated_at();'],
    good: [
      'CREATE TABLE audit_log (id bigint, payload text);\nCREATE TRIGGER audit_log_touch BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION touch_updated_at();',
    ],
    drizzle:
      'drizzle-kit has no trigger support, so triggers come from custom migrations. Put the trigger in a migration of its own with a lock_timeout, and keep the function small (no queries on other large tables).',
    ignoreWhen: 'the table takes few writes, and the function is cheap and cannot fail.',
    history: `${SHOP}\nCREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;`,
  },
  check(ctx) {
    const stmt = asNode<{ relation?: RangeVar; replace?: boolean }>(ctx.statement.node, 'CreateTrigStmt');
    if (!stmt) return [];
    const key = relationKey(stmt.relation);
    if (!isExisting(ctx, key)) return [];
    return [
      {
        message: `Takes ShareRowExclusiveLock on ${displayName(key)} (writes wait, also while it queues behind open transactions), and from then on the trigger function runs on every matching write to it.`,
        help: "Create the trigger in a migration of its own, preceded by SET LOCAL lock_timeout = '3s' so it gives up instead of stalling writes; keep the function cheap, and measure its cost on a copy of production data.",
        fix: null,
      },
    ];
  },
};
