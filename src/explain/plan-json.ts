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
      throw new UsageError(`${source} is not JSON: ${(error as Error).message}`, 'Give the output of EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) …; the text format is not read.');
    }
  }
  if (Array.isArray(value)) value = value[0];
  const plan = (value as { Plan?: unknown } | undefined)?.Plan;
  if (!value || typeof value !== 'object' || !plan || typeof plan !== 'object' || typeof (plan as RawNode)['Node Type'] !== 'string') {
    throw new UsageError(`${source} is not an EXPLAIN (FORMAT JSON) plan: no "Plan" with a "Node Type"`, 'Capture it with EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) <query>.');
  }
  return value as RawExplain;
}
