import { displayName, names, asNode } from '../ast.js';
import type { Node } from '@pgsql/types';
import type { Rule } from '../findings.js';
import { alterCommands } from './helpers.js';

export const dropTable: Rule = {
  id: 'drop-table',
  severity: 'warning',
  summary: 'DROP TABLE of an existing table: data loss, and running code that still uses it fails',
  check(ctx) {
    const stmt = asNode<{ removeType?: string; objects?: Node[] }>(ctx.statement.node, 'DropStmt');
    if (stmt?.removeType !== 'OBJECT_TABLE') return [];
    const dropped = (stmt.objects ?? []).map((o) => names(asNode<{ items?: Node[] }>(o, 'List')?.items).join('.'));
    const existing = dropped.filter((d) => !ctx.effectContext.newTables.has(d.includes('.') ? d : `public.${d}`));
    if (existing.length === 0) return [];
    return [{
      message: `Drops ${existing.join(', ')}: its data is gone, and application instances still running the previous release fail on their next query to it.`,
      help: 'Deploy code that no longer reads or writes the table first; drop it in a later migration (keep a backup or rename it first if the data may be needed).',
      fix: null,
    }];
  },
};

export const dropColumn: Rule = {
  id: 'drop-column',
  severity: 'warning',
  summary: 'DROP COLUMN on an existing table: data loss, and running code that selects it fails',
  check(ctx) {
    const alter = alterCommands(ctx.statement.node);
    if (!alter || ctx.effectContext.newTables.has(alter.target)) return [];
    return alter.cmds.filter((c) => c.subtype === 'AT_DropColumn').map((c) => ({
      message: `Drops column ${c.name} of ${displayName(alter.target)}: its data is gone, and instances still running the previous release fail when they select or insert it.`,
      help: 'Stop using the column in application code (in Drizzle: remove it from the schema and deploy) before the migration that drops it.',
      fix: null,
    }));
  },
};
