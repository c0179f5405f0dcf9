import type { Node } from '@pgsql/types';
import { asNode, names, qualifiedKey, walk } from '../ast.js';
import { isBuiltinFunction } from '../expressions.js';
import type { Target } from './dependency-records.js';
import { sameTarget } from './dependency-records.js';
import type { Catalog } from './model.js';
import { normalizeType } from './types.js';

/**
 * What an expression stored in the catalog (a default, CHECK, generation or index expression, a view
 * query) records in pg_depend: the history's own functions it calls, the sequences `nextval('s')` names
 * (a regclass literal; a text argument is looked up at run time and records nothing), the user types it
 * casts to, and (`ownTable`: a table's own expressions) the columns it reads.
 */
export function expressionTargets(expr: unknown, catalog: Catalog, ownTable?: string): Target[] {
  const found: Target[] = [];
  const add = (t: Target) => {
    if (!found.some((f) => sameTarget(f, t))) found.push(t);
  };
  walk(expr, (tag, body) => {
    if (tag === 'FuncCall') {
      const fn = names(body.funcname as Node[] | undefined);
      const name = (fn[fn.length - 1] ?? '').toLowerCase();
      const args = (body.args as Node[] | undefined) ?? [];
      if (name === 'nextval' && fn.length <= 2) {
        const sequence = regclassLiteral(args[0]);
        if (sequence) add({ kind: 'sequence', key: sequence });
      }
      // a polyfill of a built-in (gen_random_uuid before 13): unqualified calls still reach pg_catalog's
      if (catalog.functions.has(name) && !(fn.length === 1 && isBuiltinFunction(name))) add({ kind: 'function', name, arity: args.length });
    } else if (tag === 'TypeCast') {
      const type = normalizeType(body.typeName as never).type.name;
      if (isUserType(catalog, type)) add({ kind: 'type', key: type });
    } else if (tag === 'ColumnRef' && ownTable) {
      const parts = names(body.fields as Node[] | undefined);
      const column = parts[parts.length - 1];
      if (column) add({ kind: 'column', table: ownTable, column });
    }
  });
  return found;
}

/**
 * A policy's or trigger's own-table columns: bare names outside subqueries (a name inside one may belong
 * to the subquery's tables) that the table has, and NEW.x / OLD.x.
 */
export function ownColumnsRead(expr: unknown, columns: ReadonlyMap<string, unknown>): string[] {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!value || typeof value !== 'object') return;
    if ('SubLink' in value) return;
    const ref = asNode<{ fields?: Node[] }>(value, 'ColumnRef');
    if (ref) {
      const parts = names(ref.fields);
      const column = parts[parts.length - 1] ?? '';
      const qualifier = parts.length === 2 ? (parts[0] ?? '').toLowerCase() : '';
      if ((parts.length === 1 || qualifier === 'new' || qualifier === 'old') && columns.has(column)) found.add(column);
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(expr);
  return [...found];
}

/** `'s'::regclass` or a bare `'s'` (an unknown literal PostgreSQL resolves to regclass for nextval). */
function regclassLiteral(arg: Node | undefined): string | undefined {
  const cast = asNode<{ arg?: Node; typeName?: { names?: Node[] } }>(arg, 'TypeCast');
  if (cast && names(cast.typeName?.names).pop()?.toLowerCase() !== 'regclass') return undefined;
  const literal = asNode<{ sval?: { sval?: string } }>(cast ? cast.arg : arg, 'A_Const')?.sval?.sval;
  if (literal === undefined) return undefined;
  return qualifiedKey(splitIdentifier(literal));
}

/** `public."Seq"` → [public, Seq]: unquoted parts fold to lower case, as regclass input does. */
function splitIdentifier(text: string): string[] {
  const parts: string[] = [];
  for (const match of text.matchAll(/"((?:[^"]|"")*)"|([^."]+)/g)) {
    parts.push(match[1] !== undefined ? match[1].replace(/""/g, '"') : (match[2] ?? '').trim().toLowerCase());
  }
  return parts;
}

/** Types the history created: the only ones whose drop the reviewer can judge. */
export function isUserType(catalog: Catalog, key: string): boolean {
  return catalog.enums.has(key) || catalog.domains.has(key) || catalog.composites.has(key);
}

/** A function's identity as the catalog keeps it: bare lower-case name and the number of input arguments. */
export function functionIdentity(funcname: Node[] | undefined, parameters: Node[] | undefined): { name: string; arity: number } {
  const parts = names(funcname);
  const inputs = (parameters ?? []).filter((p) => {
    const mode = asNode<{ mode?: string }>(p, 'FunctionParameter')?.mode;
    return mode !== 'FUNC_PARAM_OUT' && mode !== 'FUNC_PARAM_TABLE';
  });
  return { name: (parts[parts.length - 1] ?? '').toLowerCase(), arity: inputs.length };
}

/** The user types a function's signature names (arguments and result). */
export function signatureTypes(catalog: Catalog, parameters: Node[] | undefined, returnType: unknown): string[] {
  const types = (parameters ?? []).map((p) => asNode<{ argType?: unknown }>(p, 'FunctionParameter')?.argType);
  types.push(returnType);
  return [...new Set(types.filter(Boolean).map((t) => normalizeType(t as never).type.name))].filter((k) => isUserType(catalog, k));
}
