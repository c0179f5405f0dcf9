import type { RawExplain, RawNode } from './plan-json.js';

export interface Buffers {
  hit: number;
  read: number;
  dirtied: number;
  written: number;
  tempRead: number;
  tempWritten: number;
}

/** What one plan node cost, with loops and parallel workers accounted for. */
export interface NodeMetrics {
  /** depth-first position: stable, so diagnostics and the --ai payload can point at a node */
  id: number;
  parentId: number | undefined;
  depth: number;
  children: number[];
  raw: RawNode;
  nodeType: string;
  /** "Seq Scan on public.items", "Index Scan using items_pkey on items", … */
  label: string;
  relation: string | undefined;
  index: string | undefined;
  loops: number;
  /** processes sharing the work (a Gather's workers plus its leader), 1 outside parallel plans */
  processes: number;
  /** ms for all loops, per process: comparable with the query's wall time */
  inclusiveMs: number;
  /** inclusiveMs minus the children's, never below zero */
  exclusiveMs: number;
  /** exclusiveMs over the plan's total time */
  share: number;
  /** actual rows are per-loop averages in EXPLAIN; totals multiply by loops */
  actualRows: number | undefined;
  actualRowsTotal: number | undefined;
  planRows: number | undefined;
  /** ≥ 1: how far the estimate was off, either way */
  estimateFactor: number | undefined;
  underestimated: boolean;
  removedByFilterTotal: number;
  removedByIndexRecheckTotal: number;
  /** buffers are cumulative in EXPLAIN; these are the node's own */
  buffers: Buffers;
  /** the node's cumulative buffers (itself and below) */
  buffersInclusive: Buffers;
  ioReadMs: number | undefined;
}

export interface TriggerMetrics {
  name: string;
  relation: string | undefined;
  ms: number;
  calls: number;
  /** a foreign key's check or action (RI_ConstraintTrigger…) */
  foreignKey: boolean;
}

export interface PlanMetrics {
  nodes: NodeMetrics[];
  analyzed: boolean;
  planningMs: number | undefined;
  executionMs: number | undefined;
  /** execution time, or the root's time when EXPLAIN gave none */
  totalMs: number;
  jitMs: number | undefined;
  triggers: TriggerMetrics[];
  settings: Record<string, string>;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function buffersOf(raw: RawNode): Buffers {
  return {
    hit: num(raw['Shared Hit Blocks']) ?? 0,
    read: num(raw['Shared Read Blocks']) ?? 0,
    dirtied: num(raw['Shared Dirtied Blocks']) ?? 0,
    written: num(raw['Shared Written Blocks']) ?? 0,
    tempRead: num(raw['Temp Read Blocks']) ?? 0,
    tempWritten: num(raw['Temp Written Blocks']) ?? 0,
  };
}

function minus(a: Buffers, b: Buffers): Buffers {
  const keys = Object.keys(a) as Array<keyof Buffers>;
  return Object.fromEntries(keys.map((k) => [k, Math.max(0, a[k] - b[k])])) as unknown as Buffers;
}

function sum(list: Buffers[]): Buffers {
  const total: Buffers = { hit: 0, read: 0, dirtied: 0, written: 0, tempRead: 0, tempWritten: 0 };
  for (const b of list) for (const k of Object.keys(total) as Array<keyof Buffers>) total[k] += b[k];
  return total;
}

export function labelOf(raw: RawNode): string {
  // EXPLAIN's text format names a ModifyTable by its operation; so does dbtool
  const type = raw['Node Type'] === 'ModifyTable' && typeof raw.Operation === 'string' ? raw.Operation : (raw['Node Type'] ?? 'Unknown');
  const relation = raw['Relation Name'] ? `${raw.Schema && raw.Schema !== 'public' ? `${raw.Schema}.` : ''}${raw['Relation Name']}` : undefined;
  const alias = raw.Alias && raw.Alias !== raw['Relation Name'] ? ` ${raw.Alias}` : '';
  const strategy =
    type === 'Aggregate' && raw.Strategy && raw.Strategy !== 'Plain'
      ? `${raw.Strategy === 'Hashed' ? 'Hash' : raw.Strategy === 'Sorted' ? 'Group' : raw.Strategy} `
      : '';
  const join = raw['Join Type'] && raw['Join Type'] !== 'Inner' ? ` ${raw['Join Type']}` : '';
  if (raw['Index Name']) return `${type} using ${raw['Index Name']}${relation ? ` on ${relation}${alias}` : ''}`;
  if (relation) return `${type} on ${relation}${alias}`;
  if (raw['CTE Name']) return `${type} on ${raw['CTE Name']}`;
  return `${strategy}${type}${join}`;
}

/** Per-node metrics for a plan. Pure; tolerant of fields a PostgreSQL version adds or leaves out. */
export function analyzePlan(plan: RawExplain): PlanMetrics {
  const nodes: NodeMetrics[] = [];
  const visit = (raw: RawNode, parentId: number | undefined, depth: number, processes: number): NodeMetrics => {
    const id = nodes.length;
    const loops = num(raw['Actual Loops']) ?? (raw['Actual Total Time'] !== undefined ? 1 : 0);
    const type = raw['Node Type'] ?? 'Unknown';
    const node: NodeMetrics = {
      id,
      parentId,
      depth,
      children: [],
      raw,
      nodeType: type,
      label: labelOf(raw),
      relation: raw['Relation Name'],
      index: raw['Index Name'],
      loops,
      processes,
      inclusiveMs: ((num(raw['Actual Total Time']) ?? 0) * loops) / processes,
      exclusiveMs: 0,
      share: 0,
      actualRows: num(raw['Actual Rows']),
      actualRowsTotal: undefined,
      planRows: num(raw['Plan Rows']),
      estimateFactor: undefined,
      underestimated: false,
      removedByFilterTotal: (num(raw['Rows Removed by Filter']) ?? 0) * Math.max(loops, 1),
      removedByIndexRecheckTotal: (num(raw['Rows Removed by Index Recheck']) ?? 0) * Math.max(loops, 1),
      buffers: buffersOf(raw),
      buffersInclusive: buffersOf(raw),
      ioReadMs: num(raw['I/O Read Time']) ?? num(raw['Shared I/O Read Time']),
    };
    nodes.push(node);
    if (node.actualRows !== undefined) node.actualRowsTotal = node.actualRows * loops;
    if (node.actualRows !== undefined && node.planRows !== undefined && loops > 0) {
      const actual = Math.max(node.actualRows, 1);
      const planned = Math.max(node.planRows, 1);
      node.estimateFactor = Math.max(actual / planned, planned / actual);
      node.underestimated = actual > planned;
    }
    // below a Gather the times are per-process averages; its workers plus the leader share the wall time
    const launched = num(raw['Workers Launched']);
    const childProcesses = type === 'Gather' || type === 'Gather Merge' ? (launched ?? 0) + 1 : processes;
    const kids = (raw.Plans ?? []).map((child) => visit(child, id, depth + 1, childProcesses));
    node.children = kids.map((k) => k.id);
    node.exclusiveMs = Math.max(0, node.inclusiveMs - kids.reduce((t, k) => t + k.inclusiveMs, 0));
    node.buffers = minus(node.buffersInclusive, sum(kids.map((k) => k.buffersInclusive)));
    return node;
  };
  const root = visit(plan.Plan, undefined, 0, 1);
  const analyzed = plan.Plan['Actual Total Time'] !== undefined || plan.Plan['Actual Loops'] !== undefined;
  const executionMs = num(plan['Execution Time']);
  const totalMs = executionMs ?? root.inclusiveMs;
  for (const node of nodes) node.share = totalMs > 0 ? node.exclusiveMs / totalMs : 0;
  const timing = plan.JIT?.Timing?.Total;
  const jitMs = typeof timing === 'number' ? timing : num((timing as { Total?: number } | undefined)?.Total);
  const triggers = (plan.Triggers ?? []).map((t) => ({
    name: t['Trigger Name'] ?? 'trigger',
    relation: t.Relation,
    ms: num(t.Time) ?? 0,
    calls: num(t.Calls) ?? 0,
    foreignKey: /^RI_ConstraintTrigger/.test(t['Trigger Name'] ?? '') || t['Constraint Name'] !== undefined,
  }));
  return { nodes, analyzed, planningMs: num(plan['Planning Time']), executionMs, totalMs, jitMs, triggers, settings: plan.Settings ?? {} };
}
