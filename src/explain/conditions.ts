import { parseSync, scanSync } from 'libpg-query';
import { asNode, nodeTag, walk } from '../review/ast.js';

/**
 * Reading a plan's conditions (Filter, Index Cond, Hash Cond, Join Filter …) with the real parser.
 * EXPLAIN prints them as deparsed SQL expressions, so `SELECT 1 WHERE <condition>` parses; the parts that
 * do not (`(hashed SubPlan 1)`, `(InitPlan 1).col1`) are left out. Needs the parser loaded (`loadParser()`);
 * without it every condition reads as "nothing indexable". Pure.
 */

/** How a key is compared: equality keys go first in a B-tree index, then at most the range ones. */
export type KeyKind = 'equality' | 'range' | 'pattern';

export interface IndexKey {
  kind: KeyKind;
  /** the relation's column the key reads */
  column: string;
  /** set when the condition compares an expression of the column (`lower(email)`): its SQL, for an expression index */
  expression: string | undefined;
  /** LIKE 'prefix%' needs an operator class that orders by bytes, whatever the database's collation */
  opclass: string | undefined;
  /** the other side is a column of another relation: a join key */
  join: boolean;
}

import { quoteIdent } from '../sql-ident.js';

type Ast = Record<string, unknown>;

const RANGE = new Set(['<', '>', '<=', '>=']);

function parseWhere(expression: string): Ast | undefined {
  try {
    const stmt = parseSync(`SELECT 1 WHERE ${expression}`).stmts?.[0]?.stmt;
    const where = asNode<{ whereClause?: Ast }>(stmt, 'SelectStmt')?.whereClause;
    return where;
  } catch {
    return undefined;
  }
}

/** The condition's top-level AND-ed parts, each as text, cut where the lexer sees AND at paren depth ≤ 1. */
function conjunctTexts(expression: string): string[] {
  let tokens: Array<{ start: number; end: number; text?: string }>;
  try {
    tokens = scanSync(expression).tokens as typeof tokens;
  } catch {
    return [expression];
  }
  const bytes = Buffer.from(expression, 'utf8');
  const text = (a: number, b: number) => bytes.subarray(a, b).toString('utf8');
  // EXPLAIN wraps the whole condition in one pair of parentheses: parts sit at depth 1 inside it
  const outer = tokens.length >= 2 && tokens[0]?.text === '(' && tokens[tokens.length - 1]?.text === ')' && closes(tokens);
  const base = outer ? 1 : 0;
  const parts: string[] = [];
  let depth = 0;
  let from = outer ? tokens[0]!.end : 0;
  const last = outer ? tokens[tokens.length - 1]!.start : bytes.length;
  for (const token of tokens) {
    const t = token.text ?? text(token.start, token.end);
    if (t === '(') depth++;
    else if (t === ')') depth--;
    else if (depth === base && /^and$/i.test(t)) {
      parts.push(text(from, token.start));
      from = token.end;
    }
  }
  parts.push(text(from, last));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The first token's parenthesis is closed by the last token (not earlier). */
function closes(tokens: Array<{ text?: string }>): boolean {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]?.text;
    if (t === '(') depth++;
    else if (t === ')') depth--;
    if (depth === 0 && i < tokens.length - 1) return false;
  }
  return depth === 0;
}

/** The AND-ed parts of a condition as parser nodes; parts that do not parse are left out. */
export function conjuncts(expression: string | undefined): Ast[] {
  if (!expression) return [];
  const whole = parseWhere(expression);
  const parts = whole
    ? [whole]
    : conjunctTexts(expression)
        .map(parseWhere)
        .filter((n): n is Ast => n !== undefined);
  const out: Ast[] = [];
  const flatten = (node: Ast) => {
    const bool = asNode<{ boolop?: string; args?: Ast[] }>(node, 'BoolExpr');
    if (bool?.boolop === 'AND_EXPR') for (const arg of bool.args ?? []) flatten(arg);
    else out.push(node);
  };
  for (const part of parts) flatten(part);
  return out;
}

interface ColumnRef {
  owner: string | undefined;
  column: string;
}

function columnRef(node: unknown): ColumnRef | undefined {
  const ref = asNode<{ fields?: unknown[] }>(node, 'ColumnRef');
  if (!ref?.fields) return undefined;
  const names = ref.fields.map((f) => asNode<{ sval?: string }>(f, 'String')?.sval);
  if (names.length === 0 || names.some((n) => n === undefined)) return undefined;
  const column = names[names.length - 1]!;
  return { owner: names.length >= 2 ? names[names.length - 2] : undefined, column };
}

/** A column reference under casts and COLLATE: `(u.email)::text`, `x COLLATE "C"`. */
function bareColumn(node: unknown): ColumnRef | undefined {
  let current = node;
  for (;;) {
    const tag = nodeTag(current);
    if (tag === 'TypeCast' || tag === 'CollateClause') current = asNode<{ arg?: unknown }>(current, tag)?.arg;
    else return columnRef(current);
  }
}

interface Side {
  ours: ColumnRef[];
  others: ColumnRef[];
  /** a parameter, a subquery or anything else an index expression cannot hold */
  volatile: boolean;
  params: boolean;
}

function sideOf(node: unknown, qualifier: string | undefined): Side {
  const side: Side = { ours: [], others: [], volatile: false, params: false };
  const visit = (tag: string, body: Ast) => {
    if (tag === 'ColumnRef') {
      const ref = columnRef({ ColumnRef: body });
      if (!ref) side.volatile = true;
      else if (!qualifier || ref.owner === undefined || ref.owner === qualifier) side.ours.push(ref);
      else side.others.push(ref);
    } else if (tag === 'ParamRef') side.params = true;
    else if (tag === 'SubLink' || tag === 'A_Star') side.volatile = true;
  };
  const tag = nodeTag(node);
  if (tag) visit(tag, asNode<Ast>(node, tag)!);
  walk(node, visit);
  return side;
}

/** One column of ours, possibly inside an expression: the key that side gives, or undefined. */
function keySide(node: unknown, qualifier: string | undefined): { column: string; expression: string | undefined } | undefined {
  const side = sideOf(node, qualifier);
  if (side.others.length > 0 || side.volatile || side.params) return undefined;
  const columns = new Set(side.ours.map((r) => r.column));
  if (columns.size !== 1) return undefined;
  const bare = bareColumn(node);
  if (bare) return { column: bare.column, expression: undefined };
  const expression = renderExpression(node);
  return expression === undefined ? undefined : { column: [...columns][0]!, expression };
}

/** The side a key is compared with: constants, parameters, functions of them, or another relation's columns. */
function valueSide(node: unknown, qualifier: string | undefined): { join: boolean } | undefined {
  const side = sideOf(node, qualifier);
  if (side.ours.length > 0 || side.volatile) return undefined;
  return { join: side.others.length > 0 };
}

function operatorOf(expr: { name?: unknown[] }): string | undefined {
  const names = (expr.name ?? []).map((n) => asNode<{ sval?: string }>(n, 'String')?.sval);
  return names.length === 1 ? names[0] : undefined;
}

const COMMUTED: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

/** The string a LIKE compares with, under casts and COLLATE, when it is a literal. */
function literalText(node: unknown): string | undefined {
  let current = node;
  while (nodeTag(current) === 'TypeCast' || nodeTag(current) === 'CollateClause') current = asNode<{ arg?: unknown }>(current, nodeTag(current)!)?.arg;
  return asNode<{ sval?: { sval?: string } }>(current, 'A_Const')?.sval?.sval;
}

/** The index key one AND-ed part gives, if it is a comparison a B-tree index can answer. */
function keyOf(node: Ast, qualifier: string | undefined): IndexKey | undefined {
  const tag = nodeTag(node);
  if (tag === 'NullTest') {
    // IS NULL is answered by a B-tree like an equality; IS NOT NULL selects nearly everything, usually
    const test = asNode<{ arg?: unknown; nulltesttype?: string }>(node, tag)!;
    const key = test.nulltesttype === 'IS_NULL' ? keySide(test.arg, qualifier) : undefined;
    return key && { kind: 'equality', ...key, opclass: undefined, join: false };
  }
  if (tag === 'BoolExpr') {
    // `(a = 1) OR (a = 2)` is one key; an OR over different columns needs one index per arm
    const bool = asNode<{ boolop?: string; args?: Ast[] }>(node, tag)!;
    if (bool.boolop !== 'OR_EXPR') return undefined;
    const arms = (bool.args ?? []).map((a) => keyOf(a, qualifier));
    const first = arms[0];
    if (!first || arms.some((a) => !a || a.column !== first.column || a.expression !== first.expression || a.opclass !== first.opclass)) return undefined;
    return arms.every((a) => a!.kind === 'equality') ? first : { ...first, kind: 'range' };
  }
  if (tag === 'ColumnRef' || tag === 'FuncCall') {
    // a boolean column or expression on its own: `WHERE active`
    const key = keySide(node, qualifier);
    return key && { kind: 'equality', ...key, opclass: undefined, join: false };
  }
  if (tag !== 'A_Expr') return undefined;
  const expr = asNode<{ kind?: string; name?: unknown[]; lexpr?: unknown; rexpr?: unknown }>(node, tag)!;
  const op = operatorOf(expr);
  if (!op) return undefined;
  if (expr.kind === 'AEXPR_BETWEEN' || expr.kind === 'AEXPR_BETWEEN_SYM') {
    const key = keySide(expr.lexpr, qualifier);
    const bounds = (expr.rexpr as unknown[] | undefined) ?? [];
    return key && bounds.every((b) => valueSide(b, qualifier)) ? { kind: 'range', ...key, opclass: undefined, join: false } : undefined;
  }
  const any = expr.kind === 'AEXPR_OP_ANY' || expr.kind === 'AEXPR_IN';
  if (expr.kind !== 'AEXPR_OP' && !any) return undefined;
  // the column may be on either side: `(e.user_id = u.id)` is a key of e and one of u
  const sides: Array<[unknown, unknown, string]> = [[expr.lexpr, expr.rexpr, op]];
  if (!any) sides.push([expr.rexpr, expr.lexpr, COMMUTED[op] ?? op]);
  for (const [keyNode, valueNode, operator] of sides) {
    const key = keySide(keyNode, qualifier);
    const value = key && valueSide(valueNode, qualifier);
    if (!key || !value) continue;
    if (operator === '=') return { kind: 'equality', ...key, opclass: undefined, join: value.join };
    if (RANGE.has(operator)) return { kind: 'range', ...key, opclass: undefined, join: value.join };
    if (operator === '~~' && !value.join) {
      // LIKE 'abc%' can use a B-tree with a byte-ordered operator class; LIKE '%abc' cannot use one at all
      const pattern = literalText(valueNode);
      if (pattern !== undefined && /^[%_]/.test(pattern)) return undefined;
      return { kind: 'pattern', ...key, opclass: 'text_pattern_ops', join: false };
    }
    return undefined;
  }
  return undefined;
}

/**
 * The keys of a condition for an index on the relation `qualifier` names (its alias in the plan), equality
 * first, then range and LIKE-prefix ones; each column once. Comparisons of another relation's columns,
 * `<>`, ILIKE and parts that do not parse are left out.
 */
export function conditionKeys(expression: string | undefined, qualifier?: string): IndexKey[] {
  if (expression === undefined) return [];
  // the diagnostics ask about the same node's conditions several times: parse each once
  const memo = `${qualifier ?? ''}\0${expression}`;
  let keys = KEYS.get(memo);
  if (!keys) {
    if (KEYS.size >= 10_000) KEYS.clear();
    keys = readConditionKeys(expression, qualifier);
    KEYS.set(memo, keys);
  }
  return [...keys];
}

const KEYS = new Map<string, readonly IndexKey[]>();

function readConditionKeys(expression: string, qualifier: string | undefined): IndexKey[] {
  const keys: IndexKey[] = [];
  for (const part of conjuncts(expression)) {
    const key = keyOf(part, qualifier);
    if (key) keys.push(key);
  }
  const rank: Record<KeyKind, number> = { equality: 0, range: 1, pattern: 1 };
  const seen = new Set<string>();
  return keys
    .map((k, i) => ({ k, i }))
    .sort((a, b) => rank[a.k.kind] - rank[b.k.kind] || a.i - b.i)
    .map(({ k }) => k)
    .filter((k) => {
      const id = indexElement(k);
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
}

/** A key as an element of CREATE INDEX's column list: `email`, `email text_pattern_ops`, `(lower(email::text))`. */
export function indexElement(key: IndexKey): string {
  const base = key.expression !== undefined ? parenthesized(key.expression) : quoteIdent(key.column);
  return key.opclass ? `${base} ${key.opclass}` : base;
}

/** An expression in the parentheses an index element needs, not doubled when it already has them. */
export function parenthesized(expression: string): string {
  if (!expression.startsWith('(')) return `(${expression})`;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (ch === "'" || ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')' && --depth === 0 && i < expression.length - 1) return `(${expression})`;
  }
  return expression;
}

/** At most three elements for one index: equality keys, then range keys (a B-tree uses the first range one best). */
export function indexElements(keys: IndexKey[]): string[] | undefined {
  const elements = [...new Set(keys.map(indexElement))].slice(0, 3);
  return elements.length > 0 ? elements : undefined;
}

// ---------------------------------------------------------------------------------------------------
// expressions, written back as SQL for an expression index

function typeName(node: unknown): string | undefined {
  const type = node as { names?: unknown[]; typmods?: unknown[]; arrayBounds?: unknown[] } | undefined;
  const names = (type?.names ?? []).map((n) => asNode<{ sval?: string }>(n, 'String')?.sval);
  if (names.length === 0 || names.some((n) => n === undefined)) return undefined;
  const mods = (type?.typmods ?? []).map((m) => asNode<{ ival?: { ival?: number } }>(m, 'A_Const')?.ival?.ival);
  if (mods.some((m) => m === undefined)) return undefined;
  return `${(names as string[]).map(quoteIdent).join('.')}${mods.length ? `(${mods.join(', ')})` : ''}${'[]'.repeat(type?.arrayBounds?.length ?? 0)}`;
}

function literal(body: Ast): string | undefined {
  if (body.isnull) return 'NULL';
  const s = body.sval as { sval?: string } | undefined;
  if (s) return `'${(s.sval ?? '').replace(/'/g, "''")}'`;
  const i = body.ival as { ival?: number } | undefined;
  if (i) return String(i.ival ?? 0);
  const f = body.fval as { fval?: string } | undefined;
  if (f?.fval) return f.fval;
  const b = body.boolval as { boolval?: boolean } | undefined;
  if (b) return b.boolval ? 'true' : 'false';
  return undefined;
}

/**
 * SQL for the expressions a plan shows on an index key's side: columns (without the plan's alias),
 * constants, casts, COLLATE, function calls and operators. Undefined for anything else.
 */
export function renderExpression(node: unknown): string | undefined {
  const tag = nodeTag(node);
  const body = tag ? asNode<Ast>(node, tag) : undefined;
  if (!tag || !body) return undefined;
  switch (tag) {
    case 'ColumnRef': {
      const ref = columnRef(node);
      return ref && quoteIdent(ref.column);
    }
    case 'A_Const':
      return literal(body);
    case 'TypeCast': {
      const arg = renderExpression(body.arg);
      const type = typeName(body.typeName);
      if (arg === undefined || type === undefined) return undefined;
      const simple = nodeTag(body.arg) === 'ColumnRef' || (nodeTag(body.arg) === 'A_Const' && !/^-/.test(arg));
      return `${simple ? arg : `(${arg})`}::${type}`;
    }
    case 'CollateClause': {
      const arg = renderExpression(body.arg);
      const names = ((body.collname as unknown[] | undefined) ?? []).map((n) => asNode<{ sval?: string }>(n, 'String')?.sval);
      if (arg === undefined || names.length === 0 || names.some((n) => n === undefined)) return undefined;
      return `(${arg} COLLATE ${(names as string[]).map((n) => `"${n.replace(/"/g, '""')}"`).join('.')})`;
    }
    case 'FuncCall': {
      if (body.agg_star || body.agg_distinct || body.agg_order || body.over || body.agg_filter || body.func_variadic) return undefined;
      const names = ((body.funcname as unknown[] | undefined) ?? []).map((n) => asNode<{ sval?: string }>(n, 'String')?.sval);
      if (names.length === 0 || names.some((n) => n === undefined)) return undefined;
      const args = ((body.args as unknown[] | undefined) ?? []).map(renderExpression);
      if (args.some((a) => a === undefined)) return undefined;
      return `${(names as string[]).map(quoteIdent).join('.')}(${args.join(', ')})`;
    }
    case 'A_Expr': {
      if (body.kind !== 'AEXPR_OP') return undefined;
      const op = operatorOf(body as { name?: unknown[] });
      if (!op || !/^[+\-*/<>=~!@#%^&|`?]+$/.test(op)) return undefined;
      const right = renderExpression(body.rexpr);
      const left = body.lexpr === undefined ? '' : renderExpression(body.lexpr);
      if (left === undefined || right === undefined) return undefined;
      return left === '' ? `(${op} ${right})` : `(${left} ${op} ${right})`;
    }
    default:
      return undefined;
  }
}
