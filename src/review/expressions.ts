import type { Node } from '@pgsql/types';
import { asNode, names, nodeTag, walk } from './ast.js';

export type Volatility = 'immutable' | 'stable' | 'volatile';

/** Built-in functions whose volatility decides whether ADD COLUMN … DEFAULT rewrites the table. */
const VOLATILE_FUNCTIONS = new Set([
  'random',
  'random_normal',
  'setseed',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'gen_random_bytes',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
  'pg_current_xact_id',
  'gen_salt',
  'crypt',
]);

const STABLE_FUNCTIONS = new Set([
  'now',
  'statement_timestamp',
  'transaction_timestamp',
  'current_setting',
  'to_char',
  'to_timestamp',
  'age',
  'current_schema',
  'current_database',
  'concat',
  'concat_ws',
  'format',
  'to_date',
]);

const IMMUTABLE_FUNCTIONS = new Set([
  'lower',
  'upper',
  'length',
  'char_length',
  'substr',
  'substring',
  'trim',
  'btrim',
  'ltrim',
  'rtrim',
  'abs',
  'round',
  'floor',
  'ceil',
  'md5',
  'jsonb_build_object',
  'jsonb_build_array',
  'json_build_object',
  'json_build_array',
  'array_fill',
  'make_interval',
  'make_date',
  'replace',
  'left',
  'right',
  'coalesce',
  'greatest',
  'least',
  'int4',
  'int8',
  'text',
  'numeric',
  'to_jsonb',
  'to_json',
  'array_length',
  'cardinality',
]);

/** pg_catalog functions the reviewer knows by name: pg_catalog comes first on the search path, so an unqualified call means them. */
export function isBuiltinFunction(name: string): boolean {
  return VOLATILE_FUNCTIONS.has(name) || STABLE_FUNCTIONS.has(name) || IMMUTABLE_FUNCTIONS.has(name);
}

function rank(v: Volatility): number {
  return v === 'immutable' ? 0 : v === 'stable' ? 1 : 2;
}

/**
 * The volatility PostgreSQL would assign to an expression, judged from the functions it calls. Unknown
 * functions count as volatile because that is CREATE FUNCTION's default; `userFunctions` supplies what
 * earlier migrations declared.
 */
export function expressionVolatility(expr: Node | undefined, userFunctions?: ReadonlyMap<string, Volatility>): Volatility {
  if (!expr) return 'immutable';
  let result: Volatility = 'immutable';
  const consider = (v: Volatility) => {
    if (rank(v) > rank(result)) result = v;
  };
  const visit = (tag: string, body: Record<string, unknown>) => {
    if (tag === 'FuncCall') {
      const fn = names(body.funcname as Node[] | undefined);
      const name = (fn[fn.length - 1] ?? '').toLowerCase();
      const declared = userFunctions?.get(name);
      if (declared) consider(declared);
      else if (VOLATILE_FUNCTIONS.has(name)) consider('volatile');
      else if (STABLE_FUNCTIONS.has(name)) consider('stable');
      else if (!IMMUTABLE_FUNCTIONS.has(name)) consider('volatile');
    } else if (tag === 'SQLValueFunction') {
      consider('stable');
    } else if (tag === 'SubLink') {
      consider('volatile');
    }
  };
  const rootTag = nodeTag(expr);
  if (rootTag) visit(rootTag, asNode(expr, rootTag) ?? {});
  walk(expr, visit);
  return result;
}

/** `col IS NOT NULL` (possibly among ANDed terms): the columns such a CHECK proves non-null. */
export function columnsProvenNotNull(expr: Node | undefined): string[] {
  if (!expr) return [];
  const nullTest = asNode<{ arg?: Node; nulltesttype?: string }>(expr, 'NullTest');
  if (nullTest) {
    if (nullTest.nulltesttype !== 'IS_NOT_NULL') return [];
    const ref = asNode<{ fields?: Node[] }>(nullTest.arg, 'ColumnRef');
    const fields = names(ref?.fields);
    const column = fields[fields.length - 1];
    return column ? [column] : [];
  }
  const bool = asNode<{ boolop?: string; args?: Node[] }>(expr, 'BoolExpr');
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap((a) => columnsProvenNotNull(a));
  return [];
}
