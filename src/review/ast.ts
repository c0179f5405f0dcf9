import type { AlterTableCmd, AlterTableStmt, Node, RangeVar } from '@pgsql/types';

/** The parser's nodes are one-key objects (`{ AlterTableStmt: {...} }`); this names the key. */
export function nodeTag(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  for (const key in node) return key;
  return undefined;
}

/** The body of a node if it has the given tag. */
export function asNode<T = Record<string, unknown>>(node: unknown, tag: string): T | undefined {
  if (!node || typeof node !== 'object') return undefined;
  return (node as Record<string, unknown>)[tag] as T | undefined;
}

export function stringValue(node: unknown): string | undefined {
  return asNode<{ sval?: string }>(node, 'String')?.sval;
}

export function names(list: Node[] | undefined): string[] {
  return (list ?? []).map((n) => stringValue(n) ?? '').filter((s) => s !== '');
}

export const DEFAULT_SCHEMA = 'public';

/** Catalog key of a relation or type: `schema.name` with the schema PostgreSQL would resolve it to. */
export function relationKey(rv: RangeVar | undefined): string {
  return `${rv?.schemaname ?? DEFAULT_SCHEMA}.${rv?.relname ?? ''}`;
}

/** The target table and subcommands of an ALTER TABLE (not ALTER INDEX), or undefined for any other statement. */
export function alterCommands(node: Node | undefined): { target: string; cmds: AlterTableCmd[] } | undefined {
  const stmt = asNode<AlterTableStmt>(node, 'AlterTableStmt');
  if (!stmt || stmt.objtype === 'OBJECT_INDEX') return undefined;
  const cmds = (stmt.cmds ?? []).map((c) => asNode<AlterTableCmd>(c, 'AlterTableCmd')).filter((c): c is AlterTableCmd => c !== undefined);
  return { target: relationKey(stmt.relation), cmds };
}

export function qualifiedKey(parts: string[]): string {
  if (parts.length >= 2) return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
  return `${DEFAULT_SCHEMA}.${parts[0] ?? ''}`;
}

/** How reports name a relation: bare in `public`, `schema.name` elsewhere, as `pg_locks` users expect. */
export function displayName(key: string): string {
  return key.startsWith(`${DEFAULT_SCHEMA}.`) ? key.slice(DEFAULT_SCHEMA.length + 1) : key;
}

/** Calls `visit` for every node below `root` (depth first), with its tag and body. */
export function walk(root: unknown, visit: (tag: string, body: Record<string, unknown>) => void): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (current && typeof current === 'object') {
      // a hot loop over every AST object: for…in and a char-code test allocate nothing
      const record = current as Record<string, unknown>;
      for (const key in record) {
        const value = record[key];
        if (value && typeof value === 'object') {
          const first = key.charCodeAt(0);
          if (first >= 65 && first <= 90 && !Array.isArray(value)) visit(key, value as Record<string, unknown>);
          stack.push(value);
        }
      }
    }
  }
}

/** The `name` option of a statement's DefElem list (`WITH (…)`, function options, DO arguments); null when absent. */
export function option(list: Node[] | undefined, name: string): { arg?: Node } | null {
  for (const item of list ?? []) {
    const def = asNode<{ defname?: string; arg?: Node }>(item, 'DefElem');
    if (def?.defname === name) return def;
  }
  return null;
}
