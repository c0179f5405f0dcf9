import type { Node } from '@pgsql/types';
import { asNode, names, relationKey, walk } from '../ast.js';
import type { Catalog, ViewDependency } from './model.js';

/**
 * Which relations and columns a view's query reads. Qualified column references resolve through
 * their alias; bare ones are charged to every relation in the query that has such a column, which
 * may over-approximate but never misses a dependency that would make a later DROP/ALTER fail.
 */
export function viewDependencies(query: Node | undefined, catalog: Catalog): ViewDependency[] {
  const aliases = new Map<string, string>();
  const deps = new Map<string, ViewDependency>();
  const ensure = (key: string) => {
    let dep = deps.get(key);
    if (!dep) {
      dep = { relation: key, columns: new Set() };
      deps.set(key, dep);
    }
    return dep;
  };
  walk(query, (tag, body) => {
    if (tag !== 'RangeVar') return;
    const key = relationKey(body);
    ensure(key);
    aliases.set(String(body.relname), key);
    const alias = (body.alias as { aliasname?: string } | undefined)?.aliasname;
    if (alias) aliases.set(alias, key);
  });
  walk(query, (tag, body) => {
    if (tag !== 'ColumnRef') return;
    const fields = (body.fields as Node[] | undefined) ?? [];
    const star = fields.some((f) => asNode(f, 'A_Star') !== undefined);
    const parts = names(fields);
    if (parts.length >= 2 || (star && parts.length === 1)) {
      const key = aliases.get(parts[parts.length - (star ? 1 : 2)] ?? '');
      if (key) ensure(key).columns.add(star ? '*' : (parts[parts.length - 1] ?? ''));
      return;
    }
    for (const dep of deps.values()) {
      if (star) dep.columns.add('*');
      else if (parts[0] && (catalog.relation(dep.relation)?.columns.has(parts[0]) ?? true)) dep.columns.add(parts[0]);
    }
  });
  return [...deps.values()];
}
