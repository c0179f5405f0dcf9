import type { Node } from '@pgsql/types';
import { quoteIdent } from '../../sql-ident.js';
import { asNode, displayName, names, nodeTag, qualifiedKey, walk } from '../ast.js';
import type { Rule, RuleContext, RuleFinding } from '../findings.js';
import { SHOP } from './docs-history.js';

export const enumValueRename: Rule = {
  id: 'enum-value-rename',
  severity: 'warning',
  summary: 'ALTER TYPE … RENAME VALUE: running code that writes the old label fails',
  docs: {
    why: 'Renaming an enum value changes every stored row at once (the label is catalog data), but application instances still running the previous release keep sending the old label: their inserts and updates fail with "invalid input value for enum" (SQLSTATE 22P02), and they read a label they do not know.',
    bad: ["ALTER TYPE order_status RENAME VALUE 'shipped' TO 'dispatched';"],
    good: [
      "ALTER TYPE order_status ADD VALUE 'dispatched';",
      "CREATE TYPE payment_state AS ENUM ('open', 'settled');\nALTER TYPE payment_state RENAME VALUE 'settled' TO 'paid';",
    ],
    drizzle:
      'drizzle-kit 0.31 turns a renamed `pgEnum` value into a new value plus a rewritten type; a hand-written RENAME VALUE is a custom migration. Expand and contract instead: add the new value, ship code that accepts both, move the rows, then stop writing the old one.',
    ignoreWhen: 'no deployed code writes or compares the old label (it was never used, or the application is stopped during the deploy).',
    history: SHOP,
  },
  check(ctx) {
    const stmt = asNode<{ typeName?: Node[]; oldVal?: string; newVal?: string }>(ctx.statement.node, 'AlterEnumStmt');
    if (!stmt?.oldVal || !stmt.newVal) return [];
    const key = qualifiedKey(names(stmt.typeName));
    if (ctx.transaction.createdEnums.has(key)) return [];
    const type = displayName(key);
    return [
      {
        message: `Renames '${stmt.oldVal}' of ${type} to '${stmt.newVal}': instances still running the previous release fail with "invalid input value for enum ${type}" (SQLSTATE 22P02) when they write '${stmt.oldVal}', and read a label they do not know.`,
        help: `Expand and contract: add '${stmt.newVal}' as a new value, deploy code that writes '${stmt.newVal}' and accepts both, update the rows in batches, and only then stop using '${stmt.oldVal}' (PostgreSQL cannot drop an enum value; leave it unused).`,
        fix: `ALTER TYPE ${quoteIdent(type)} ADD VALUE IF NOT EXISTS '${stmt.newVal.replace(/'/g, "''")}';`,
      },
    ];
  },
};

export const enumValueUsedInSameTransaction: Rule = {
  id: 'enum-value-used-in-same-transaction',
  severity: 'error',
  summary: 'A value added by ALTER TYPE … ADD VALUE is used before that transaction commits',
  docs: {
    why: 'Since PostgreSQL 12, ALTER TYPE … ADD VALUE may run inside a transaction block, but the new value cannot be used until that transaction commits: casting it, storing it or using it as a default fails with "unsafe use of new value" (SQLSTATE 55P04). drizzle\'s migrator applies every pending migration in one transaction, so a value added in one migration and used in a later one of the same deploy fails the whole deploy — while it passes when the two migrations are deployed one at a time.',
    bad: [
      "ALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE orders SET status = 'refunded' WHERE id = 7;",
      "ALTER TYPE order_status ADD VALUE 'draft';\nALTER TABLE orders ALTER COLUMN status SET DEFAULT 'draft';",
      "ALTER TYPE order_status ADD VALUE 'void';\nSELECT 'void'::order_status;",
    ],
    good: [
      "ALTER TYPE order_status ADD VALUE 'refunded';",
      "ALTER TYPE order_status ADD VALUE 'refunded';\nUPDATE users SET name = 'refunded' WHERE id = 7;",
      "UPDATE orders SET status = 'paid' WHERE id = 7;",
    ],
    drizzle:
      "drizzle-kit emits `ALTER TYPE … ADD VALUE` for a new `pgEnum` value; a data migration (or a `.default()`) that uses it in the same deploy fails, because drizzle's migrator runs all pending migrations in one transaction. Deploy the enum change first, or use a runner that commits each migration (`dbtool migrate`).",
    ignoreWhen:
      'the migrations that add and use the value are always deployed separately (never pending together), or your runner commits each file — set `runner` (e.g. `dbtool`) instead of ignoring.',
    history: SHOP,
  },
  check(ctx) {
    const pending = ctx.transaction.newEnumValues;
    if (!ctx.transaction.inTransaction || pending.size === 0 || nodeTag(ctx.statement.node) === 'AlterEnumStmt') return [];
    const findings: RuleFinding[] = [];
    for (const [type, labels] of pending) {
      const used = usedLabels(ctx, type, new Set(labels.keys()));
      for (const label of used) {
        const origin = labels.get(label);
        const where = origin?.migration === ctx.transaction.currentMigration ? `line ${origin?.line}` : `${origin?.migration} line ${origin?.line}`;
        findings.push({
          message: `Uses '${label}', added to ${displayName(type)} by ALTER TYPE … ADD VALUE (${where}) in the same transaction: PostgreSQL rejects it with "unsafe use of new value" (SQLSTATE 55P04) until that transaction commits, and the migration rolls back.`,
          help:
            ctx.settings.transactionMode === 'all'
              ? "drizzle's migrator applies every pending migration in one transaction: deploy the migration that adds the value on its own first, then the one that uses it (or apply with a runner that commits each file)."
              : 'Commit the ADD VALUE first: move the statements that use the value into a later migration (or COMMIT between them when the file manages its own transaction).',
          fix: null,
        });
      }
    }
    return findings;
  },
};

/**
 * New labels the statement turns into values of `type`: string constants equal to a label, in a
 * statement that casts to the type or touches a table with a column of that type.
 */
function usedLabels(ctx: RuleContext, type: string, labels: ReadonlySet<string>): string[] {
  const { constants: all, castTypes } = literalsOf(ctx.statement.node);
  const constants = [...labels].filter((l) => all.has(l));
  if (constants.length === 0) return [];
  const catalog = ctx.effectContext.catalog;
  const touchesColumn = Object.keys(ctx.effects.locks).some((name) => {
    const relation = catalog.relation(name.includes('.') ? name : `public.${name}`);
    return [...(relation?.columns.values() ?? [])].some((c) => c.type.name === type);
  });
  return castTypes.has(type) || touchesColumn ? constants : [];
}

const LITERALS = new WeakMap<object, { constants: Set<string>; castTypes: Set<string> }>();

/** String constants and cast target types of a statement, walked once however many enums are pending. */
function literalsOf(node: Node | undefined): { constants: Set<string>; castTypes: Set<string> } {
  const key = (node ?? {}) as object;
  const cached = LITERALS.get(key);
  if (cached) return cached;
  const found = { constants: new Set<string>(), castTypes: new Set<string>() };
  walk(node, (tag, body) => {
    if (tag === 'A_Const') {
      const text = (body.sval as { sval?: string } | undefined)?.sval;
      if (text !== undefined) found.constants.add(text);
    }
    const typeName = tag === 'TypeCast' ? (body.typeName as { names?: Node[] } | undefined) : undefined;
    if (typeName) found.castTypes.add(qualifiedKey(names(typeName.names)));
  });
  LITERALS.set(key, found);
  return found;
}
