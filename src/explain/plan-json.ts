import { UsageError } from '../errors.js';

/**
 * One node of EXPLAIN (FORMAT JSON) as PostgreSQL 12–18 write it. Every field is optional: versions add
 * and rename fields, and plans without ANALYZE or BUFFERS leave many out.
 */
export interface RawNode {
  'Node Type'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Relation Name'?: string;
  Schema?: string;
  Alias?: string;
  'Index Name'?: string;
  'CTE Name'?: string;
  Strategy?: string;
  'Join Type'?: string;
  'Parallel Aware'?: boolean;
  'Startup Cost'?: number;
  'Total Cost'?: number;
  'Plan Rows'?: number;
  'Actual Startup Time'?: number;
  'Actual Total Time'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Filter?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  'Join Filter'?: string;
  'Hash Cond'?: string;
  'Merge Cond'?: string;
  'Sort Key'?: string[];
  'Sort Method'?: string;
  'Sort Space Used'?: number;
  'Sort Space Type'?: string;
  'Hash Batches'?: number;
  'Original Hash Batches'?: number;
  'HashAgg Batches'?: number;
  'Disk Usage'?: number;
  'Peak Memory Usage'?: number;
  'Heap Fetches'?: number;
  'Exact Heap Blocks'?: number;
  'Lossy Heap Blocks'?: number;
  'Workers Planned'?: number;
  'Workers Launched'?: number;
  'Cache Hits'?: number;
  'Cache Misses'?: number;
  'Cache Evictions'?: number;
  'Cache Overflows'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Shared Dirtied Blocks'?: number;
  'Shared Written Blocks'?: number;
  'Temp Read Blocks'?: number;
  'Temp Written Blocks'?: number;
  'I/O Read Time'?: number;
  'I/O Write Time'?: number;
  'Shared I/O Read Time'?: number;
  'Shared I/O Write Time'?: number;
  Output?: string[];
  Plans?: RawNode[];
  [field: string]: unknown;
}

export interface RawExplain {
  Plan: RawNode;
  'Planning Time'?: number;
  'Execution Time'?: number;
  Triggers?: Array<{ 'Trigger Name'?: string; Relation?: string; Time?: number; Calls?: number; 'Constraint Name'?: string }>;
  JIT?: { Functions?: number; Timing?: { Total?: number | { Total?: number } } & Record<string, unknown> };
  Settings?: Record<string, string>;
  [field: string]: unknown;
}

/** Accepts what EXPLAIN (FORMAT JSON) returns: the one-element array, the object in it, or the JSON text. */
export function readPlan(input: unknown, source = 'the plan'): RawExplain {
  let value = input;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new UsageError(
        `${source} is not JSON: ${(error as Error).message}`,
        'Give the output of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) …; the text format is not read.',
      );
    }
  }
  if (Array.isArray(value)) value = value[0];
  const plan = (value as { Plan?: unknown } | undefined)?.Plan;
  if (!value || typeof value !== 'object' || !plan || typeof plan !== 'object' || typeof (plan as RawNode)['Node Type'] !== 'string') {
    throw new UsageError(
      `${source} is not an EXPLAIN (FORMAT JSON) plan: no "Plan" with a "Node Type"`,
      'Capture it with EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) <query>.',
    );
  }
  checkShape(value as Record<string, unknown>, source);
  return value as RawExplain;
}

/** Deeper than any plan PostgreSQL writes (its own stack limit stops far earlier); deeper input is refused, not walked. */
export const MAX_PLAN_DEPTH = 1000;

const STRING_FIELDS = [
  'Node Type',
  'Parent Relationship',
  'Subplan Name',
  'Relation Name',
  'Schema',
  'Alias',
  'Index Name',
  'CTE Name',
  'Strategy',
  'Join Type',
  'Filter',
  'Index Cond',
  'Recheck Cond',
  'Join Filter',
  'Hash Cond',
  'Merge Cond',
  'Sort Method',
  'Sort Space Type',
  'Operation',
];
const STRING_LIST_FIELDS = ['Sort Key', 'Output', 'Group Key', 'Presorted Key'];

/**
 * Checks, without recursion, that every node has the types the analysis relies on: a plan file is user
 * input, and a wrong type or absurd nesting must be an input error, not a crash.
 */
function checkShape(plan: Record<string, unknown>, source: string): void {
  const bad = (what: string) =>
    new UsageError(`${source} is not a plan dbtool can read: ${what}`, 'Give the unedited output of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) <query>.');
  for (const [field, type] of [
    ['Triggers', 'array'],
    ['Settings', 'object'],
    ['JIT', 'object'],
  ] as const) {
    const v = plan[field];
    if (v !== undefined && (type === 'array' ? !Array.isArray(v) : !v || typeof v !== 'object' || Array.isArray(v))) throw bad(`"${field}" is not an ${type}`);
  }
  for (const t of (plan.Triggers as unknown[] | undefined) ?? []) if (!t || typeof t !== 'object') throw bad('an entry of "Triggers" is not an object');
  const stack: Array<{ node: unknown; depth: number; path: string }> = [{ node: plan.Plan, depth: 1, path: 'Plan' }];
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop()!;
    if (depth > MAX_PLAN_DEPTH) throw bad(`it nests more than ${MAX_PLAN_DEPTH} levels deep (at ${path.length > 80 ? `…${path.slice(-60)}` : path})`);
    if (!node || typeof node !== 'object' || Array.isArray(node)) throw bad(`${path} is not an object`);
    const raw = node as Record<string, unknown>;
    if (typeof raw['Node Type'] !== 'string') throw bad(`${path} has no "Node Type"`);
    for (const field of STRING_FIELDS) if (raw[field] !== undefined && typeof raw[field] !== 'string') throw bad(`${path}."${field}" is not a string`);
    for (const field of STRING_LIST_FIELDS) {
      const v = raw[field];
      if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))) throw bad(`${path}."${field}" is not a list of strings`);
    }
    for (const [field, v] of Object.entries(raw)) {
      // numeric fields are read with a finiteness check; a string where a number belongs is still wrong
      if (
        v !== undefined &&
        typeof v !== 'number' &&
        /(Cost|Rows|Time|Loops|Blocks|Width|Batches|Buckets|Usage|Hits|Misses|Evictions|Overflows|Fetches|Planned|Launched)$/.test(field) &&
        !/^(Parallel|Async)/.test(field)
      ) {
        throw bad(`${path}."${field}" is not a number`);
      }
    }
    if (raw.Plans === undefined) continue;
    if (!Array.isArray(raw.Plans)) throw bad(`${path}."Plans" is not an array`);
    raw.Plans.forEach((child, i) => {
      stack.push({ node: child, depth: depth + 1, path: `${path}.Plans[${i}]` });
    });
  }
}
