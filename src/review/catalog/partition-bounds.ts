import type { Node } from '@pgsql/types';
import { asNode, names } from '../ast.js';
import type { Catalog, Relation } from './model.js';

/** A constant as written in a bound or a CHECK: a number, or the text of a string literal. */
type Literal = { num: number } | { text: string };

function literal(node: Node | undefined): Literal | undefined {
  const cast = asNode<{ arg?: Node }>(node, 'TypeCast');
  if (cast) return literal(cast.arg);
  const c = asNode<{ ival?: { ival?: number }; fval?: { fval?: string }; sval?: { sval?: string }; isnull?: boolean }>(node, 'A_Const');
  if (!c || c.isnull) return undefined;
  if (c.sval) return { text: c.sval.sval ?? '' };
  if (c.fval) return { num: Number(c.fval.fval) };
  if (c.ival) return { num: c.ival.ival ?? 0 };
  return undefined;
}

const NUMERIC_KEYS = new Set(['int2', 'int4', 'int8', 'numeric']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * How two constants order for a key of type `type`, when that is certain without PostgreSQL's input
 * functions: the same literal text, integers of an integer key, ISO dates of a date key.
 */
function compare(a: Literal, b: Literal, type: string): number | undefined {
  if ('text' in a && 'text' in b) {
    if (a.text === b.text) return 0;
    if (type === 'date' && ISO_DATE.test(a.text) && ISO_DATE.test(b.text)) return a.text < b.text ? -1 : 1;
    return undefined;
  }
  if ('num' in a && 'num' in b && NUMERIC_KEYS.has(type)) return a.num === b.num ? 0 : a.num < b.num ? -1 : 1;
  return undefined;
}

function isKey(node: Node | undefined, key: string): boolean {
  const fields = names(asNode<{ fields?: Node[] }>(node, 'ColumnRef')?.fields);
  return fields.length > 0 && fields[fields.length - 1] === key;
}

/** What one conjunct of a CHECK says about the key: a comparison with a constant, or a set of allowed values. */
type Op = '<' | '<=' | '=' | '>=' | '>';
type Fact = { op: Op; value: Literal } | { among: Literal[] };

const FLIP: Record<string, Op> = { '<': '>', '<=': '>=', '=': '=', '>=': '<=', '>': '<' };

function conjuncts(expr: Node | undefined): Node[] {
  const bool = asNode<{ boolop?: string; args?: Node[] }>(expr, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(conjuncts);
  return expr ? [expr] : [];
}

function factsOf(expr: Node, key: string): Fact[] {
  const e = asNode<{ kind?: string; name?: Node[]; lexpr?: Node; rexpr?: Node }>(expr, 'A_Expr');
  if (!e) return [];
  const op = names(e.name)[0] ?? '';
  if (e.kind === 'AEXPR_OP' && op in FLIP) {
    const right = literal(e.rexpr);
    if (isKey(e.lexpr, key) && right) return [{ op: op as Op, value: right }];
    const left = literal(e.lexpr);
    if (isKey(e.rexpr, key) && left) return [{ op: FLIP[op] ?? '=', value: left }];
    return [];
  }
  if (!isKey(e.lexpr, key)) return [];
  if (e.kind === 'AEXPR_BETWEEN') {
    const [low, high] = (asNode<{ items?: Node[] }>(e.rexpr, 'List')?.items ?? []).map(literal);
    return low && high
      ? [
          { op: '>=', value: low },
          { op: '<=', value: high },
        ]
      : [];
  }
  const items =
    e.kind === 'AEXPR_IN' && op === '='
      ? asNode<{ items?: Node[] }>(e.rexpr, 'List')?.items
      : e.kind === 'AEXPR_OP_ANY' && op === '='
        ? asNode<{ elements?: Node[] }>(e.rexpr, 'A_ArrayExpr')?.elements
        : undefined;
  if (!items) return [];
  const values = items.map(literal);
  return values.every((v): v is Literal => v !== undefined) ? [{ among: values }] : [];
}

/** PartitionBoundSpec as the parser gives it */
export interface BoundSpec {
  strategy?: string;
  is_default?: boolean;
  listdatums?: Node[];
  lowerdatums?: Node[];
  upperdatums?: Node[];
}

function isUnbounded(node: Node | undefined, word: 'minvalue' | 'maxvalue'): boolean {
  return isKey(node, word);
}

/**
 * The valid CHECK constraints (and NOT NULL) of a table about to be attached imply its partition bound, so
 * PostgreSQL skips the scan that would check every row (PartConstraintImpliedByRelConstraint). The proof is
 * PostgreSQL's predicate_implied_by with weak implication, because a CHECK passes on NULL: the key must be
 * NOT NULL (or a CHECK must say key IS NOT NULL) unless a list bound admits NULL. Only a single-column key
 * with constants dbtool can order is modelled; anything else is "not proven" and the scan stays.
 * Returns the names of the constraints that prove the bound.
 */
export function boundProvenBy(parent: Relation, child: Relation, bound: BoundSpec | undefined): string[] | undefined {
  const spec = parent.partitionKey;
  const key = spec?.columns.length === 1 ? spec.columns[0] : undefined;
  const column = key ? child.columns.get(key) : undefined;
  if (!spec || !key || !column || !bound || bound.is_default) return undefined;
  const checks = child.constraints.filter((c) => c.kind === 'check' && c.validated && c.expr);
  const notNull = column.notNull || checks.some((c) => c.provesNotNull?.includes(key));
  const proofs = new Set<string>();
  const facts = checks.flatMap((c) => conjuncts(c.expr).flatMap((n) => factsOf(n, key).map((fact) => ({ fact, by: c.name }))));
  const type = column.type.array > 0 ? '' : column.type.name;
  const holds = (test: (fact: Fact) => boolean): boolean => {
    const found = facts.find(({ fact }) => test(fact));
    if (found) proofs.add(found.by);
    return found !== undefined;
  };
  if (spec.strategy === 'range') {
    const lower = bound.lowerdatums?.[0];
    const upper = bound.upperdatums?.[0];
    const low = literal(lower);
    const high = literal(upper);
    if (!notNull) return undefined;
    const lowOk =
      isUnbounded(lower, 'minvalue') ||
      (low !== undefined && holds((f) => 'op' in f && ['>=', '>', '='].includes(f.op) && (compare(f.value, low, type) ?? -1) >= 0));
    const highOk =
      isUnbounded(upper, 'maxvalue') ||
      (high !== undefined &&
        holds(
          (f) => 'op' in f && (f.op === '<' ? (compare(f.value, high, type) ?? 1) <= 0 : ['<=', '='].includes(f.op) && (compare(f.value, high, type) ?? 1) < 0),
        ));
    return lowOk && highOk ? [...proofs] : undefined;
  }
  if (spec.strategy === 'list') {
    const datums = bound.listdatums ?? [];
    const admitsNull = datums.some((d) => asNode<{ isnull?: boolean }>(d, 'A_Const')?.isnull);
    const values = datums.map(literal).filter((v): v is Literal => v !== undefined);
    if (!notNull && !admitsNull) return undefined;
    const allowed = (v: Literal) => values.some((b) => compare(v, b, type) === 0);
    const ok = holds((f) => ('among' in f ? f.among.every(allowed) : f.op === '=' && allowed(f.value)));
    return ok ? [...proofs] : undefined;
  }
  return undefined;
}

/**
 * Indexes of the partitioned table that the new partition has no copy of: ATTACH builds them, reading the
 * partition in full whatever its constraints prove. A partition index matches when it has the same columns
 * and uniqueness (PostgreSQL also compares operator classes, collations and predicates, which the history
 * rarely varies).
 */
export function indexesToBuild(catalog: Catalog, parent: Relation, child: Relation): string[] {
  const shapes = (r: Relation) => [
    ...catalog.indexesOf(r.key).map((i) => ({ name: i.key.split('.')[1] ?? i.key, columns: i.columns, unique: i.unique })),
    ...r.constraints
      .filter((c) => c.kind === 'primary' || c.kind === 'unique' || c.kind === 'exclusion')
      .map((c) => ({ name: c.name, columns: c.kind === 'exclusion' ? [] : c.columns, unique: true })),
  ];
  const own = shapes(child);
  return shapes(parent)
    .filter((p) => p.columns.length === 0 || !own.some((o) => o.unique === p.unique && o.columns.join(',') === p.columns.join(',')))
    .map((p) => p.name);
}
