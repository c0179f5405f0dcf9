import { quoteIdent } from '../sql-ident.js';
import type { NodeMetrics, PlanMetrics } from './analyze.js';
import { conditionKeys, indexElements } from './conditions.js';
import type { Diagnostic, DiagnosticDraft, DiagnosticSeverity } from './diagnostic.js';
import { createIndexSql, expressionEstimateAdvice, hashJoinWithoutIndex } from './index-advice.js';

const pct = (x: number) => `${Math.round(x * 100)}%`;
const ms = (x: number) => `${x >= 100 ? x.toFixed(0) : x.toFixed(1)} ms`;
const count = (x: number) => Math.round(x).toLocaleString('en-US');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The index elements a condition asks for on the relation `qualifier` names, equality keys first, at most
 * three: columns (`email`), expressions (`(lower(email::text))`), LIKE prefixes (`email text_pattern_ops`).
 * Read with the parser (see conditions.ts); undefined when no part of the condition is indexable.
 */
export function filterColumns(expression: string | undefined, qualifier?: string): string[] | undefined {
  return indexElements(conditionKeys(expression, qualifier));
}

function quote(name: string): string {
  return quoteIdent(name);
}

function indexSql(node: NodeMetrics, columns: string[] | undefined): string | undefined {
  return createIndexSql(node, columns);
}

type Check = (node: NodeMetrics, plan: PlanMetrics) => DiagnosticDraft | undefined;

const NODE_CHECKS: Check[] = [
  function seqScanFilter(node) {
    if (node.nodeType !== 'Seq Scan' || node.removedByFilterTotal < 1000) return undefined;
    const returned = node.actualRowsTotal ?? 0;
    const removedShare = node.removedByFilterTotal / (node.removedByFilterTotal + returned);
    if (removedShare < 0.9) return undefined;
    const columns = filterColumns(node.raw.Filter, node.raw.Alias ?? node.relation);
    return {
      id: 'seq-scan-filter',
      nodeId: node.id,
      costMs: node.exclusiveMs,
      message: `${node.label} reads every row and throws away ${pct(removedShare)} of them (${count(node.removedByFilterTotal)} removed by the filter, ${count(returned)} kept).`,
      suggestion: columns
        ? `An index on ${node.relation} (${columns.join(', ')}) lets PostgreSQL read only the matching rows.`
        : `An index matching the filter ${node.raw.Filter ?? ''} lets PostgreSQL read only the matching rows.`,
      sql: indexSql(node, columns),
      evidence: {
        rowsRemoved: node.removedByFilterTotal,
        rowsReturned: returned,
        removedShare: Number(removedShare.toFixed(3)),
        ms: Number(node.exclusiveMs.toFixed(3)),
      },
    };
  },
  function indexFilter(node) {
    if (!/^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/.test(node.nodeType) || node.removedByFilterTotal < 1000) return undefined;
    const returned = node.actualRowsTotal ?? 0;
    if (node.removedByFilterTotal < returned) return undefined;
    const qualifier = node.raw.Alias ?? node.relation;
    const columns = filterColumns(node.raw.Filter, qualifier);
    const all =
      columns &&
      indexElements(
        [...conditionKeys(node.raw['Index Cond'] ?? node.raw['Recheck Cond'], qualifier), ...conditionKeys(node.raw.Filter, qualifier)].sort(
          (a, b) => Number(a.kind !== 'equality') - Number(b.kind !== 'equality'),
        ),
      );
    return {
      id: 'index-filter',
      nodeId: node.id,
      costMs: node.exclusiveMs,
      message: `${node.label} fetches rows through the index and then discards ${count(node.removedByFilterTotal)} of them with Filter ${node.raw.Filter ?? ''} (${count(returned)} kept): the index does not cover that condition.`,
      suggestion: all
        ? `An index on ${node.relation} (${all.join(', ')}) answers both conditions from the index.`
        : 'Extend the index with the filtered columns (or an expression / partial index matching the filter).',
      sql: indexSql(node, all),
      evidence: { rowsRemoved: node.removedByFilterTotal, rowsReturned: returned, ms: Number(node.exclusiveMs.toFixed(3)) },
    };
  },
  function misestimate(node, plan) {
    const factor = node.estimateFactor ?? 1;
    if (factor < 10 || Math.max(node.actualRows ?? 0, node.planRows ?? 0) < 100) return undefined;
    // below a LIMIT a node stops early by design: fewer rows than estimated is not a misestimate
    if (!node.underestimated && hasAncestor(plan, node, (a) => a.nodeType === 'Limit')) return undefined;
    const table = node.relation;
    const expression = expressionEstimateAdvice(node);
    return {
      id: 'row-misestimate',
      nodeId: node.id,
      costMs: node.inclusiveMs,
      message: `${node.label}: the planner expected ${count(node.planRows ?? 0)} row${node.planRows === 1 ? '' : 's'} per loop and got ${count(node.actualRows ?? 0)} (${node.underestimated ? 'under' : 'over'}estimated ${factor >= 100 ? count(factor) : factor.toFixed(0)}×); the plan above it was chosen for the wrong row count.`,
      suggestion: expression
        ? expression.suggestion
        : table
          ? `Refresh statistics (ANALYZE ${table}); if the filtered columns are correlated, extended statistics let the planner see it (CREATE STATISTICS … (dependencies, ndistinct) ON … FROM ${table}).`
          : 'Refresh statistics of the tables below this node (ANALYZE); correlated columns need extended statistics (CREATE STATISTICS).',
      sql: expression ? expression.sql : table ? `ANALYZE ${quote(table)};` : undefined,
      evidence: { planRows: node.planRows ?? 0, actualRows: node.actualRows ?? 0, factor: Number(factor.toFixed(1)), depth: node.depth },
    };
  },
  function sortSpill(node) {
    if (node.raw['Sort Space Type'] !== 'Disk') return undefined;
    const kb = num(node.raw['Sort Space Used']);
    return {
      id: 'sort-spill',
      nodeId: node.id,
      costMs: node.exclusiveMs,
      message: `${node.label} did not fit in work_mem and sorted on disk (${node.raw['Sort Method'] ?? 'external'}, ${count(kb)} kB written).`,
      suggestion: `Give this query more work_mem (about ${workMemFor(kb)}), or an index that returns the rows already in order${node.raw['Sort Key'] ? ` (${node.raw['Sort Key'].join(', ')})` : ''}.`,
      sql: `SET LOCAL work_mem = '${workMemFor(kb)}';`,
      evidence: { diskKb: kb, ms: Number(node.exclusiveMs.toFixed(3)) },
    };
  },
  function hashSpill(node) {
    const batches = num(node.raw['Hash Batches']);
    if (node.nodeType !== 'Hash' || batches <= 1) return undefined;
    const kb = num(node.raw['Peak Memory Usage']) * batches;
    return {
      id: 'hash-spill',
      nodeId: node.id,
      costMs: node.inclusiveMs,
      message: `${node.label} split its hash table into ${batches} batches on disk (planned ${num(node.raw['Original Hash Batches']) || '?'}): the inner side did not fit in work_mem.`,
      suggestion: `Give this query more work_mem (about ${workMemFor(kb)}), or make the hashed side smaller (filter it earlier, select fewer columns).`,
      sql: `SET LOCAL work_mem = '${workMemFor(kb)}';`,
      evidence: { batches, originalBatches: num(node.raw['Original Hash Batches']), ms: Number(node.inclusiveMs.toFixed(3)) },
    };
  },
  function hashAggSpill(node) {
    const batches = num(node.raw['HashAgg Batches']);
    const diskKb = num(node.raw['Disk Usage']);
    if (node.nodeType !== 'Aggregate' || (batches <= 1 && diskKb === 0)) return undefined;
    return {
      id: 'hashagg-spill',
      nodeId: node.id,
      costMs: node.exclusiveMs,
      message: `${node.label} spilled its groups to disk (${batches} batches, ${count(diskKb)} kB written): they did not fit in work_mem × hash_mem_multiplier.`,
      suggestion: `Give this query more work_mem (about ${workMemFor(diskKb)}), or reduce the number of groups before aggregating.`,
      sql: `SET LOCAL work_mem = '${workMemFor(diskKb)}';`,
      evidence: { batches, diskKb, ms: Number(node.exclusiveMs.toFixed(3)) },
    };
  },
  function lossyBitmap(node) {
    const lossy = num(node.raw['Lossy Heap Blocks']);
    if (lossy === 0) return undefined;
    return {
      id: 'lossy-bitmap',
      nodeId: node.id,
      costMs: node.exclusiveMs,
      message: `${node.label} kept ${count(lossy)} heap pages only as "some row on this page" (lossy) because the bitmap exceeded work_mem, so every row on them was rechecked (${count(node.removedByIndexRecheckTotal)} removed by the recheck).`,
      suggestion: 'Give this query more work_mem so the bitmap stays exact, or make the condition more selective.',
      sql: `SET LOCAL work_mem = '${workMemFor(Math.ceil((lossy + num(node.raw['Exact Heap Blocks'])) / 10))}';`,
      evidence: { lossyBlocks: lossy, exactBlocks: num(node.raw['Exact Heap Blocks']), recheckRemoved: node.removedByIndexRecheckTotal },
    };
  },
  function heapFetches(node) {
    const fetches = num(node.raw['Heap Fetches']) * Math.max(node.loops, 1);
    const rows = node.actualRowsTotal ?? 0;
    if (node.nodeType !== 'Index Only Scan' || fetches < 1000 || fetches < rows * 0.1) return undefined;
    return {
      id: 'index-only-heap-fetches',
      nodeId: node.id,
      costMs: node.exclusiveMs,
      message: `${node.label} is index-only but visited the table ${count(fetches)} times for ${count(rows)} rows: those pages are not marked all-visible.`,
      suggestion: `VACUUM ${node.relation ?? 'the table'} updates the visibility map; if it falls behind often, tune autovacuum for this table.`,
      sql: node.relation ? `VACUUM (ANALYZE) ${quote(node.relation)};` : undefined,
      evidence: { heapFetches: fetches, rows, ms: Number(node.exclusiveMs.toFixed(3)) },
    };
  },
  function nestedLoopInner(node, plan) {
    if (node.nodeType !== 'Nested Loop') return undefined;
    const inner = node.children.map((id) => plan.nodes[id]!).find((c) => c.raw['Parent Relationship'] === 'Inner');
    if (!inner || inner.loops < 1000) return undefined;
    const innerMs = subtreeMs(inner, plan);
    if (innerMs < plan.totalMs * 0.1) return undefined;
    const columns = filterColumns(node.raw['Join Filter'] ?? inner.raw.Filter, inner.raw.Alias ?? inner.relation);
    return {
      id: 'nested-loop-inner',
      nodeId: node.id,
      costMs: innerMs,
      message: `${node.label} ran its inner side (${inner.label}) ${count(inner.loops)} times, ${ms(innerMs)} in total.`,
      suggestion:
        inner.nodeType === 'Seq Scan'
          ? `Each loop scans ${inner.relation ?? 'the inner table'} in full: an index on its join column makes each loop a lookup (or let the planner hash-join by fixing the row estimate of the outer side).`
          : "Check the outer side's row estimate: a hash or merge join is cheaper for this many rows.",
      sql: inner.nodeType === 'Seq Scan' ? indexSql(inner, columns) : undefined,
      evidence: { innerLoops: inner.loops, innerMs: Number(innerMs.toFixed(3)) },
    };
  },
  hashJoinWithoutIndex,
  function workersNotLaunched(node) {
    const planned = num(node.raw['Workers Planned']);
    const launched = node.raw['Workers Launched'];
    if (planned === 0 || typeof launched !== 'number' || launched >= planned) return undefined;
    return {
      id: 'workers-not-launched',
      nodeId: node.id,
      costMs: node.inclusiveMs * (1 - (launched + 1) / (planned + 1)),
      message: `${node.label} planned ${planned} parallel workers but got ${launched}: the work the plan spread over ${planned + 1} processes ran on ${launched + 1}.`,
      suggestion:
        'The server ran out of background workers (max_parallel_workers, max_worker_processes) — other parallel queries held them. Raise the limits or run this at a quieter time.',
      sql: undefined,
      evidence: { planned, launched },
    };
  },
  function largeOffset(node, plan) {
    if (node.nodeType !== 'Limit') return undefined;
    const child = plan.nodes[node.children[0] ?? -1];
    const produced = child?.actualRowsTotal ?? 0;
    const returned = node.actualRowsTotal ?? 0;
    if (!child || produced < 1000 || produced < returned * 10) return undefined;
    return {
      id: 'large-offset',
      nodeId: node.id,
      costMs: subtreeMs(child, plan) * (1 - returned / produced),
      message: `${node.label} returned ${count(returned)} rows after its input produced ${count(produced)}: an OFFSET skipped the rest, and skipping costs as much as reading.`,
      suggestion: 'Paginate by key instead of OFFSET: WHERE (sort_key) > (last value seen) ORDER BY sort_key LIMIT n, with an index on the sort key.',
      sql: undefined,
      evidence: { rowsProduced: produced, rowsReturned: returned },
    };
  },
  function memoizeEvictions(node) {
    const evictions = num(node.raw['Cache Evictions']);
    if (node.nodeType !== 'Memoize' || evictions === 0) return undefined;
    return {
      id: 'memoize-evictions',
      nodeId: node.id,
      costMs: node.inclusiveMs,
      message: `${node.label} evicted ${count(evictions)} cache entries (${count(num(node.raw['Cache Hits']))} hits, ${count(num(node.raw['Cache Misses']))} misses): the cache did not fit in work_mem × hash_mem_multiplier.`,
      suggestion: 'Give this query more work_mem, or check the estimate of distinct keys that made the planner choose Memoize.',
      sql: undefined,
      evidence: { evictions, hits: num(node.raw['Cache Hits']), misses: num(node.raw['Cache Misses']) },
    };
  },
];

function hasAncestor(plan: PlanMetrics, node: NodeMetrics, test: (n: NodeMetrics) => boolean): boolean {
  for (let id = node.parentId; id !== undefined; id = plan.nodes[id]?.parentId) {
    if (test(plan.nodes[id]!)) return true;
  }
  return false;
}

function subtreeMs(node: NodeMetrics, plan: PlanMetrics): number {
  return node.exclusiveMs + node.children.reduce((t, id) => t + subtreeMs(plan.nodes[id]!, plan), 0);
}

/** A work_mem setting comfortably above what spilled, in the units PostgreSQL accepts. */
function workMemFor(kb: number): string {
  const mb = Math.max(4, 2 ** Math.ceil(Math.log2(Math.max(1, (kb * 2) / 1024))));
  return mb >= 1024 ? `${mb / 1024}GB` : `${mb}MB`;
}

const PLAN_CHECKS: Array<(plan: PlanMetrics) => DiagnosticDraft[]> = [
  function planningTime(plan) {
    const planning = plan.planningMs ?? 0;
    if (planning < 1 || planning < (plan.executionMs ?? Infinity)) return [];
    return [
      {
        id: 'planning-dominates',
        nodeId: undefined,
        costMs: planning,
        message: `Planning took ${ms(planning)}, longer than running the query (${ms(plan.executionMs ?? 0)}).`,
        suggestion: 'Use a prepared statement (most drivers can) so the plan is reused, or simplify the query (fewer joins, partitions pruned at plan time).',
        sql: undefined,
        evidence: { planningMs: planning, executionMs: plan.executionMs ?? 0 },
      },
    ];
  },
  function jitTime(plan) {
    const jit = plan.jitMs ?? 0;
    if (jit < 10 || jit < plan.totalMs * 0.3) return [];
    return [
      {
        id: 'jit-dominates',
        nodeId: undefined,
        costMs: jit,
        message: `JIT compilation took ${ms(jit)} of ${ms(plan.totalMs)}: compiling cost more than it saved.`,
        suggestion: 'Turn JIT off for this query (SET jit = off) or raise jit_above_cost so only really expensive queries are compiled.',
        sql: 'SET LOCAL jit = off;',
        evidence: { jitMs: jit, totalMs: plan.totalMs },
      },
    ];
  },
  function cacheMisses(plan) {
    const root = plan.nodes[0];
    if (!root) return [];
    const { hit, read } = root.buffersInclusive;
    // a third of the pages from outside shared buffers already dominates the time of most scans
    if (read < 1000 || read < (read + hit) / 3) return [];
    return [
      {
        id: 'cache-misses',
        nodeId: undefined,
        costMs: plan.totalMs * (read / (read + hit)),
        message: `${count(read)} of ${count(read + hit)} pages (${pct(read / (read + hit))}) came from outside PostgreSQL's shared buffers: the data was not cached.`,
        suggestion:
          'A second run is often faster; if this is the normal state, the query reads too much (look for the scans above) or shared_buffers is small for the working set.',
        sql: undefined,
        evidence: { sharedRead: read, sharedHit: hit },
      },
    ];
  },
  function slowTriggers(plan) {
    return plan.triggers
      .filter((t) => t.ms >= 1 && t.ms >= plan.totalMs * 0.1)
      .map((t) => ({
        id: t.foreignKey ? 'slow-foreign-key-check' : 'slow-trigger',
        nodeId: undefined,
        costMs: t.ms,
        message: `Trigger ${t.name}${t.relation ? ` on ${t.relation}` : ''} took ${ms(t.ms)} over ${count(t.calls)} calls (${pct(t.ms / plan.totalMs)} of the time).`,
        suggestion: t.foreignKey
          ? `A foreign key check or cascade${t.relation ? ` on ${t.relation}` : ''}: each call searches the referencing table — index its foreign key column(s).`
          : 'The trigger function runs once per row: make it cheaper or set-based (a statement-level trigger with transition tables).',
        sql: undefined,
        evidence: { ms: t.ms, calls: t.calls },
      }));
  },
];

function severityOf(costMs: number, totalMs: number): DiagnosticSeverity {
  const share = totalMs > 0 ? costMs / totalMs : 0;
  return share >= 0.3 ? 'high' : share >= 0.1 ? 'medium' : 'low';
}

/** Deterministic diagnostics, costliest first; misestimates deepest first among equals. */
export function diagnose(plan: PlanMetrics): Diagnostic[] {
  if (!plan.analyzed) return [];
  const drafts: DiagnosticDraft[] = [];
  for (const node of plan.nodes)
    for (const check of NODE_CHECKS) {
      const found = check(node, plan);
      if (found) drafts.push(found);
    }
  for (const check of PLAN_CHECKS) drafts.push(...check(plan));
  // a misestimate is usually caused deepest down: report the deepest one of a chain, not every parent it misled
  const misestimates = drafts.filter((d) => d.id === 'row-misestimate');
  const deepest = misestimates.filter((d) => !misestimates.some((o) => o !== d && isAncestor(plan, d.nodeId, o.nodeId)));
  const kept = drafts.filter((d) => d.id !== 'row-misestimate' || deepest.includes(d));
  return kept
    .map((d) => ({ ...d, costMs: Number(d.costMs.toFixed(3)), severity: severityOf(d.costMs, plan.totalMs) }))
    .sort((a, b) => b.costMs - a.costMs || num(b.evidence.depth) - num(a.evidence.depth));
}

function isAncestor(plan: PlanMetrics, ancestor: number | undefined, node: number | undefined): boolean {
  for (let id = node === undefined ? undefined : plan.nodes[node]?.parentId; id !== undefined; id = plan.nodes[id]?.parentId) {
    if (id === ancestor) return true;
  }
  return false;
}
