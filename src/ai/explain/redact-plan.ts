import { parseSync } from 'libpg-query';
import type { RawExplain, RawNode } from '../../explain/plan-json.js';
import { OMITTED_SQL, redactSql } from '../core/redact-sql.js';

/**
 * Fields of an EXPLAIN (FORMAT JSON) node that hold names or the planner's own vocabulary, never an
 * expression: they are sent as they are. Every other text field of a node is treated as an expression
 * (Filter, Index Cond, Output, Sort Key, … and fields a future PostgreSQL adds) and redacted, so a field
 * this list forgets is redacted rather than leaked.
 */
const NAME_FIELDS = new Set([
  'Node Type',
  'Parent Relationship',
  'Subplan Name',
  'Relation Name',
  'Schema',
  'Alias',
  'Index Name',
  'CTE Name',
  'Strategy',
  'Partial Mode',
  'Join Type',
  'Operation',
  'Scan Direction',
  'Sort Method',
  'Sort Space Type',
  'Command',
  'Function Name',
  'Table Function Name',
  'Custom Plan Provider',
  'Storage',
  'Cache Mode',
  'Conflict Resolution',
  'Sampling Method',
  'Worker Number',
  'Sort Methods Used',
  'Conflict Arbiter Indexes',
  'Tuplestore Storage',
]);

/**
 * Expression text as EXPLAIN prints it names plan parts that are not SQL (`SubPlan 1`, `(InitPlan 1).col1`,
 * `(ANY (x = (hashed SubPlan 2).col1))`, `PARTIAL count(*)`): they become identifiers for the parser and
 * are put back afterwards. They hold no literal.
 */
const PLAN_REFERENCES: ReadonlyArray<{ find: RegExp; to: string; back: RegExp; from: string }> = [
  { find: /\bhashed SubPlan (\d+)/g, to: '__dbtool_hashed_subplan_$1', back: /__dbtool_hashed_subplan_(\d+)/g, from: 'hashed SubPlan $1' },
  { find: /\bSubPlan (\d+)/g, to: '__dbtool_subplan_$1', back: /__dbtool_subplan_(\d+)/g, from: 'SubPlan $1' },
  { find: /\bInitPlan (\d+)/g, to: '__dbtool_initplan_$1', back: /__dbtool_initplan_(\d+)/g, from: 'InitPlan $1' },
  { find: /\((ANY|ALL) \(/g, to: '(__dbtool_$1(', back: /\(__dbtool_(ANY|ALL)\(/g, from: '($1 (' },
  { find: /\bPARTIAL (\w+)\(/g, to: '__dbtool_partial_$1(', back: /__dbtool_partial_(\w+)\(/g, from: 'PARTIAL $1(' },
];

/**
 * Wrappers that make an expression fragment a statement for libpg-query: a plain expression, a sort key
 * (`x DESC NULLS LAST`), a window definition (`w1 AS (PARTITION BY …)`), and last the text as a whole
 * statement (a foreign scan's Remote SQL).
 */
const WRAPPERS = ['SELECT ', 'SELECT ORDER BY ', 'SELECT WINDOW ', ''];

/**
 * The expression with every literal replaced by `$n`, through libpg-query's normalisation of the
 * expression wrapped as a statement (then the scanner, as for statements). Undefined when no wrapper
 * makes it one parseable statement: such text is dropped, never sent as it is. Needs the parser loaded.
 */
export function redactExpression(expression: string): string | undefined {
  if (expression.trim() === '') return expression;
  if (expression.includes('__dbtool_')) return undefined;
  let text = expression;
  for (const ref of PLAN_REFERENCES) text = text.replace(ref.find, ref.to);
  for (const prefix of WRAPPERS) {
    const wrapped = `${prefix}${text}`;
    if (statementCount(wrapped) !== 1) continue;
    const redacted = redactSql(wrapped);
    if (redacted === OMITTED_SQL || !redacted.startsWith(prefix) || statementCount(redacted) !== 1) continue;
    let out = redacted.slice(prefix.length);
    for (const ref of PLAN_REFERENCES) out = out.replace(ref.back, ref.from);
    return out;
  }
  return undefined;
}

function statementCount(sql: string): number {
  try {
    return (parseSync(sql).stmts ?? []).length;
  } catch {
    return 0;
  }
}

/** What redaction did to a plan: how many expressions could not be normalised and were left out. */
export interface PlanRedaction {
  plan: RawExplain;
  /** field names of the expressions that were dropped, one entry per dropped text */
  dropped: string[];
}

/**
 * A copy of the plan safe to send: node fields that are names or planner vocabulary as they are,
 * numbers and booleans as they are, every other text redacted by `redactExpression` (or dropped), nested
 * objects and lists (Plans, Workers, Group Sets, …) treated the same way. Top-level fields other than
 * the timings, triggers, JIT numbers and settings are left out (auto_explain's "Query Text" among them;
 * the payload carries the query redacted on its own). `redact` replaces `redactExpression` (the HTML page
 * redacts a big plan's expressions in batches).
 */
export function redactPlan(plan: RawExplain, redact: (expression: string) => string | undefined = redactExpression): PlanRedaction {
  const dropped: string[] = [];
  const node = redactNode(plan.Plan, dropped, redact) as RawNode;
  const out: RawExplain = { Plan: node };
  for (const key of ['Planning Time', 'Execution Time'] as const) if (typeof plan[key] === 'number') out[key] = plan[key];
  if (plan.Triggers) {
    out.Triggers = plan.Triggers.map((t) => ({
      ...(typeof t['Trigger Name'] === 'string' ? { 'Trigger Name': t['Trigger Name'] } : {}),
      ...(typeof t['Constraint Name'] === 'string' ? { 'Constraint Name': t['Constraint Name'] } : {}),
      ...(typeof t.Relation === 'string' ? { Relation: t.Relation } : {}),
      ...(typeof t.Time === 'number' ? { Time: t.Time } : {}),
      ...(typeof t.Calls === 'number' ? { Calls: t.Calls } : {}),
    }));
  }
  if (plan.JIT) out.JIT = numbersOnly(plan.JIT) as RawExplain['JIT'];
  if (plan.Settings) out.Settings = { ...plan.Settings };
  return { plan: out, dropped };
}

type Redact = (expression: string) => string | undefined;

function redactNode(value: Record<string, unknown>, dropped: string[], redact: Redact): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const kept = redactField(key, field, dropped, redact);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

function redactField(key: string, field: unknown, dropped: string[], redact: Redact): unknown {
  if (typeof field === 'number' || typeof field === 'boolean' || field === null) return field;
  if (typeof field === 'string') {
    if (NAME_FIELDS.has(key)) return field;
    const redacted = redact(field);
    if (redacted === undefined) dropped.push(key);
    return redacted;
  }
  if (Array.isArray(field)) {
    const items = field.map((item) => redactField(key, item, dropped, redact)).filter((item) => item !== undefined);
    return items;
  }
  if (typeof field === 'object') return redactNode(field as Record<string, unknown>, dropped, redact);
  return undefined;
}

/** JIT and similar blocks: counts, times and on/off options only. */
function numbersOnly(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const kept = numbersOnly(field);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}
