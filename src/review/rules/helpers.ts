import type { AlterTableCmd, AlterTableStmt, Node } from '@pgsql/types';
import { asNode, displayName, relationKey } from '../ast.js';
import type { RuleContext } from '../findings.js';

export function alterCommands(node: Node | undefined): { target: string; cmds: AlterTableCmd[] } | undefined {
  const stmt = asNode<AlterTableStmt>(node, 'AlterTableStmt');
  if (!stmt || stmt.objtype === 'OBJECT_INDEX') return undefined;
  const cmds = (stmt.cmds ?? []).map((c) => asNode<AlterTableCmd>(c, 'AlterTableCmd')).filter((c): c is AlterTableCmd => c !== undefined);
  return { target: relationKey(stmt.relation), cmds };
}

/** Display names of relations that existed before this file and that the statement touches in `list`. */
export function existingTables(ctx: RuleContext, list: readonly string[]): string[] {
  const created = new Set([...ctx.effectContext.newTables].map(displayName));
  return list.filter((name) => !created.has(name));
}

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

export function tableName(display: string): string {
  return display.split('.').map(quoteIdent).join('.');
}
