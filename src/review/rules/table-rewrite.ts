import type { ColumnDef, Constraint as PgConstraint } from '@pgsql/types';
import { asNode } from '../ast.js';
import type { Rule } from '../findings.js';
import { alterCommands, existingTables, tableName } from './helpers.js';

export const tableRewrite: Rule = {
  id: 'table-rewrite',
  severity: 'error',
  summary: 'A statement that rewrites an existing table while holding a lock that blocks reads and writes',
  check(ctx) {
    // a rewrite copies what it scans; TRUNCATE's new empty storage copies nothing and is not this rule's concern
    const scanned = new Set(ctx.effects.scans);
    const tables = existingTables(ctx, ctx.effects.rewrites).filter((t) => ctx.effects.locks[t] === 'AccessExclusiveLock' && scanned.has(t));
    if (tables.length === 0) return [];
    const why = ctx.effects.rewriteReasons.join('; ');
    const alter = alterCommands(ctx.statement.node);
    const addColumn = alter?.cmds.find((c) => c.subtype === 'AT_AddColumn');
    const typeChange = alter?.cmds.find((c) => c.subtype === 'AT_AlterColumnType');
    let help = 'Avoid rewriting a live table: create a new structure next to the old one, backfill it in batches, then switch over in a later deploy.';
    let fix: string | null = null;
    if (alter && addColumn) {
      const def = asNode<ColumnDef>(addColumn.def, 'ColumnDef');
      const defaultExpr = (def?.constraints ?? []).map((c) => asNode<PgConstraint>(c, 'Constraint')).find((c) => c?.contype === 'CONSTR_DEFAULT')?.raw_expr;
      const table = tableName(tables[0] ?? '');
      const parts = def && defaultExpr ? columnDefinitionParts(ctx.statement.sql, def.colname ?? '') : undefined;
      if (def && parts) {
        const column = def.colname ?? 'column';
        const { type, expr } = parts;
        help = 'Add the column without the volatile default, set the default for new rows, then backfill existing rows in batches.';
        fix = [
          `ALTER TABLE ${table} ADD COLUMN "${column}" ${type};`,
          `ALTER TABLE ${table} ALTER COLUMN "${column}" SET DEFAULT ${expr};`,
          `-- backfill in batches, each in its own transaction:`,
          `-- UPDATE ${table} SET "${column}" = ${expr} WHERE "${column}" IS NULL AND id IN (SELECT id FROM ${table} WHERE "${column}" IS NULL LIMIT 10000);`,
        ].join('\n');
      } else {
        help = 'Serial, identity and stored generated columns fill every existing row. Add a plain nullable column, backfill it in batches, then attach the default or sequence.';
      }
    } else if (asNode(ctx.statement.node, 'RefreshMatViewStmt')) {
      help = 'REFRESH MATERIALIZED VIEW CONCURRENTLY lets reads continue (it needs a unique index on the view); run it outside the migration if it is slow.';
      fix = `${ctx.statement.sql.replace(/^(\s*REFRESH\s+MATERIALIZED\s+VIEW)\s+/i, '$1 CONCURRENTLY ')};`;
    } else if (typeChange) {
      help = 'Change the type without a rewrite: add a new column of the new type, keep both in sync (trigger or application code), backfill in batches, switch reads, then drop the old column in a later migration. Some changes need no rewrite at all, e.g. widening varchar(n) or varchar → text.';
    }
    return [{
      message: `Rewrites ${tables.join(', ')} while holding AccessExclusiveLock: every read and write of the table waits until the whole table is copied${why ? ` (${why})` : ''}.`,
      help,
      fix,
    }];
  },
};

/** The type and DEFAULT texts of an added column, as written, for the suggested rewrite. */
function columnDefinitionParts(sql: string, column: string): { type: string; expr: string } | undefined {
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = sql.match(new RegExp(`ADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?"?${escaped}"?\\s+(.+?)\\s+DEFAULT\\s+(.+?)(?:\\s+(?:NOT\\s+NULL|NULL|CONSTRAINT|CHECK|REFERENCES|UNIQUE|PRIMARY)\\b.*)?\\s*$`, 'is'));
  if (!match?.[1] || !match[2]) return undefined;
  return { type: match[1].trim(), expr: match[2].trim() };
}
