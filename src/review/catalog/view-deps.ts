import type { Node, RangeVar } from '@pgsql/types';
import { asNode, names, nodeTag, relationKey, walk } from '../ast.js';
import type { Catalog, ViewDependency } from './model.js';

interface Scope {
  /** alias or table name → relation key, for this query level's FROM items */
  aliases: Map<string, string>;
  /** relation keys in this level's FROM, in order */
  relations: string[];
  parent: Scope | undefined;
}

/**
 * Which relations and columns a view's query reads, resolved level by level as PostgreSQL does:
 * `*` and bare column names resolve against the FROM list of their own query level (then outer levels
 * for correlated references). A bare name with no catalog knowledge is charged to every relation of its
 * level, which may over-approximate but never misses a dependency that would make a later DDL fail.
 */
export function viewDependencies(query: Node | undefined, catalog: Catalog): ViewDependency[] {
  const deps = new Map<string, ViewDependency>();
  const use = (key: string, column?: string) => {
    let dep = deps.get(key);
    if (!dep) {
      dep = { relation: key, columns: new Set() };
      deps.set(key, dep);
    }
    if (column) dep.columns.add(column);
  };
  const ctes = new Set<string>();
  walk(query, (tag, body) => {
    if (tag === 'CommonTableExpr') ctes.add(String(body.ctename));
  });

  const visitSelect = (select: Record<string, unknown>, parent: Scope | undefined) => {
    const scope: Scope = { aliases: new Map(), relations: [], parent };
    const nested: Node[] = [];
    collectFrom(select.fromClause as Node[] | undefined, scope, nested, ctes);
    for (const key of scope.relations) use(key);
    for (const sub of nested) visitNode(sub, scope);
    // everything but FROM belongs to this level; subqueries inside open their own level
    const rest = { ...select, fromClause: undefined };
    visitExpressions(rest, scope);
  };

  const visitNode = (node: unknown, scope: Scope | undefined) => {
    const select = asNode<Record<string, unknown>>(node, 'SelectStmt');
    if (select) visitSelect(select, scope);
    else visitExpressions(node, scope);
  };

  const visitExpressions = (value: unknown, scope: Scope | undefined): void => {
    if (Array.isArray(value)) {
      for (const item of value) visitExpressions(item, scope);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const tag = nodeTag(value);
    if (tag === 'SelectStmt') {
      visitSelect(asNode<Record<string, unknown>>(value, tag) ?? {}, scope);
      return;
    }
    if (tag === 'ColumnRef') {
      resolveColumn(asNode<{ fields?: Node[] }>(value, tag)?.fields ?? [], scope, catalog, use);
      return;
    }
    if (tag === 'RangeVar') {
      const key = relationKey(asNode<RangeVar>(value, tag));
      use(key);
      return;
    }
    for (const child of Object.values(value)) visitExpressions(child, scope);
  };

  visitNode(query, undefined);
  return [...deps.values()];
}

function collectFrom(items: Node[] | undefined, scope: Scope, nested: Node[], ctes: Set<string>): void {
  for (const item of items ?? []) {
    const rv = asNode<RangeVar>(item, 'RangeVar');
    if (rv) {
      if (!rv.schemaname && ctes.has(rv.relname ?? '')) continue;
      const key = relationKey(rv);
      scope.relations.push(key);
      scope.aliases.set(rv.alias?.aliasname ?? rv.relname ?? '', key);
      continue;
    }
    const join = asNode<{ larg?: Node; rarg?: Node; quals?: Node }>(item, 'JoinExpr');
    if (join) {
      collectFrom(
        [join.larg, join.rarg].filter((n): n is Node => n !== undefined),
        scope,
        nested,
        ctes,
      );
      if (join.quals) nested.push(join.quals);
      continue;
    }
    const sub = asNode<{ subquery?: Node }>(item, 'RangeSubselect');
    if (sub?.subquery) nested.push(sub.subquery);
    else nested.push(item);
  }
}

function resolveColumn(fields: Node[], scope: Scope | undefined, catalog: Catalog, use: (key: string, column?: string) => void): void {
  const star = fields.some((f) => asNode(f, 'A_Star') !== undefined);
  const parts = names(fields);
  if (star && parts.length === 0) {
    for (const key of scope?.relations ?? []) use(key, '*');
    return;
  }
  if (parts.length >= 2 || star) {
    const qualifier = parts[parts.length - (star ? 1 : 2)] ?? '';
    for (let s = scope; s; s = s.parent) {
      const key = s.aliases.get(qualifier);
      if (key) {
        use(key, star ? '*' : parts[parts.length - 1]);
        return;
      }
    }
    return;
  }
  const column = parts[0] ?? '';
  for (let s = scope; s; s = s.parent) {
    const known = s.relations.filter((key) => catalog.relation(key)?.columns.has(column));
    if (known.length > 0) {
      for (const key of known) use(key, column);
      return;
    }
    const unknown = s.relations.filter((key) => !catalog.relation(key) || catalog.relation(key)?.columns.size === 0);
    if (unknown.length > 0) {
      for (const key of unknown) use(key, column);
      return;
    }
  }
}
