import { OMITTED_SQL, redactSql } from '../../ai/core/redact-sql.js';
import type { NodeMetrics, PlanMetrics } from '../analyze.js';
import { analyzePlan } from '../analyze.js';
import { diagnose } from '../diagnose.js';
import type { Diagnostic } from '../diagnostic.js';
import type { RawExplain } from '../plan-json.js';
import type { ExplainContext } from '../report.js';
import { redactExpressions, redactPlanForPage } from './redact.js';

/** One plan node as the page draws it: short keys, because a plan can have 10,000 of them. */
export interface PageNode {
  id: number;
  /** parent id, -1 for the root */
  p: number;
  /** depth */
  d: number;
  /** child ids */
  c: number[];
  /** node type */
  t: string;
  /** label ("Seq Scan on users"), with "SubPlan 1: " in front for sub-plans */
  l: string;
  /** exclusive and inclusive ms, share of the total (0–1) */
  x: number;
  i: number;
  s: number;
  /** actual rows per loop, planned rows, misestimate factor (null when unknown), underestimated */
  r: number | null;
  e: number | null;
  f: number | null;
  u: boolean;
  /** loops */
  lo: number;
  /** the node's own buffers: hit, read, dirtied, written, temp read, temp written */
  b: [number, number, number, number, number, number];
  /** estimated total cost (the icicle's measure when the plan was not executed) */
  k: number;
  /** conditions and other details: [name, text] */
  a: Array<[string, string]>;
}

export interface PageDiagnostic {
  id: string;
  severity: string;
  nodeId: number | null;
  message: string;
  suggestion: string;
  sql: string | null;
  costMs: number;
}

/** Everything one plan view of the page shows. */
export interface PagePlan {
  analyzed: boolean;
  generic: boolean;
  server: string | null;
  totals: { executionMs: number | null; planningMs: number | null; jitMs: number | null; totalMs: number };
  /** the query, literals replaced by $n unless literalsShown */
  query: string | null;
  literalsShown: boolean;
  /** expressions left out because they could not be normalised */
  hiddenExpressions: number;
  settings: Array<[string, string]>;
  nodes: PageNode[];
  diagnostics: PageDiagnostic[];
  triggers: Array<{ name: string; relation: string | null; ms: number; calls: number }>;
}

/** What a plan page is built from: the plan analysed, as the command computed it or from the redacted copy. */
export interface PlanView {
  plan: RawExplain;
  metrics: PlanMetrics;
  diagnostics: Diagnostic[];
  context: ExplainContext;
  literalsShown: boolean;
  hiddenExpressions: number;
}

const DETAIL_FIELDS = ['Index Cond', 'Recheck Cond', 'Hash Cond', 'Merge Cond', 'Join Filter', 'Filter', 'One-Time Filter', 'TID Cond'] as const;

/**
 * The plan as the page shows it. Unless literals are to be shown, the plan is redacted first the way
 * `--ai` redacts it (every expression's literals become $n; an expression that cannot be normalised is
 * left out) and the metrics and diagnostics are computed from the redacted copy, so no text derived from
 * an expression (a diagnostic quoting a Filter) carries a literal. Needs the parser loaded.
 */
export function viewOf(plan: RawExplain, context: ExplainContext, showLiterals: boolean): PlanView {
  if (showLiterals) {
    const metrics = analyzePlan(plan);
    return { plan, metrics, diagnostics: diagnose(metrics), context, literalsShown: true, hiddenExpressions: 0 };
  }
  const redacted = redactPlanForPage(plan);
  const metrics = analyzePlan(redacted.plan);
  const query = context.query === undefined ? undefined : redactQuery(context.query);
  return {
    plan: redacted.plan,
    metrics,
    diagnostics: diagnose(metrics),
    literalsShown: false,
    context: { ...context, query: query === OMITTED_SQL ? '/* query omitted: it could not be tokenized, so its literals could not be hidden */' : query },
    hiddenExpressions: redacted.dropped.length,
  };
}

/**
 * The query as --ai sends it (redactSql); a query too deeply nested for its walk of the parse tree (a
 * UNION ALL of thousands of branches overflows the stack) or longer than 20,000 characters has its literal
 * tokens replaced by the scanner (as the plan's expressions are).
 */
function redactQuery(sql: string): string {
  const scanned = () => redactExpressions([sql]).get(sql) ?? OMITTED_SQL;
  // redactSql parses the text three times and walks the tree: past this size the scanner alone is much faster
  if (sql.length > 20_000) return scanned();
  try {
    return redactSql(sql);
  } catch {
    return scanned();
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function details(node: NodeMetrics): Array<[string, string]> {
  const raw = node.raw;
  const out: Array<[string, string]> = [];
  for (const key of DETAIL_FIELDS) if (typeof raw[key] === 'string') out.push([key, raw[key] as string]);
  const list = (key: string) => (Array.isArray(raw[key]) ? (raw[key] as unknown[]).filter((x) => typeof x === 'string').join(', ') : undefined);
  for (const key of ['Sort Key', 'Presorted Key', 'Group Key']) {
    const v = list(key);
    if (v) out.push([key, v]);
  }
  if (typeof raw['Sort Method'] === 'string')
    out.push(['Sort Method', `${raw['Sort Method']}${raw['Sort Space Type'] ? `, ${raw['Sort Space Type']}: ${num(raw['Sort Space Used']) ?? '?'} kB` : ''}`]);
  if (num(raw['Hash Batches']) !== undefined)
    out.push([
      'Hash',
      `buckets ${num(raw['Hash Buckets']) ?? '?'}, batches ${raw['Hash Batches']}${num(raw['Original Hash Batches']) !== undefined && raw['Original Hash Batches'] !== raw['Hash Batches'] ? ` (planned ${raw['Original Hash Batches']})` : ''}, memory ${num(raw['Peak Memory Usage']) ?? '?'} kB`,
    ]);
  if (num(raw['HashAgg Batches']) !== undefined)
    out.push(['HashAgg', `batches ${raw['HashAgg Batches']}, memory ${num(raw['Peak Memory Usage']) ?? '?'} kB, disk ${num(raw['Disk Usage']) ?? 0} kB`]);
  if (node.removedByFilterTotal > 0) out.push(['Rows Removed by Filter', `${node.removedByFilterTotal} (all loops)`]);
  if (node.removedByIndexRecheckTotal > 0) out.push(['Rows Removed by Index Recheck', `${node.removedByIndexRecheckTotal} (all loops)`]);
  const joinRemoved = num(raw['Rows Removed by Join Filter']);
  if (joinRemoved) out.push(['Rows Removed by Join Filter', `${joinRemoved * Math.max(node.loops, 1)} (all loops)`]);
  if (num(raw['Heap Fetches']) !== undefined) out.push(['Heap Fetches', String(raw['Heap Fetches'])]);
  if (num(raw['Exact Heap Blocks']) !== undefined || num(raw['Lossy Heap Blocks']) !== undefined)
    out.push(['Heap Blocks', `exact ${num(raw['Exact Heap Blocks']) ?? 0}, lossy ${num(raw['Lossy Heap Blocks']) ?? 0}`]);
  if (num(raw['Workers Planned']) !== undefined) out.push(['Workers', `planned ${raw['Workers Planned']}, launched ${num(raw['Workers Launched']) ?? '?'}`]);
  if (num(raw['Cache Hits']) !== undefined)
    out.push([
      'Cache',
      `hits ${raw['Cache Hits']}, misses ${num(raw['Cache Misses']) ?? 0}, evictions ${num(raw['Cache Evictions']) ?? 0}, overflows ${num(raw['Cache Overflows']) ?? 0}`,
    ]);
  if (typeof raw['CTE Name'] === 'string' && !node.label.includes(raw['CTE Name'])) out.push(['CTE', raw['CTE Name']]);
  if (num(raw['Total Cost']) !== undefined) out.push(['Cost', `${num(raw['Startup Cost']) ?? 0}..${raw['Total Cost']}`]);
  if (num(raw['Actual Total Time']) !== undefined)
    out.push(['Actual time', `${num(raw['Actual Startup Time']) ?? 0}..${raw['Actual Total Time']} ms per loop`]);
  return out;
}

function pageNode(n: NodeMetrics): PageNode {
  const rel = n.raw['Parent Relationship'];
  const sub = rel === 'InitPlan' || rel === 'SubPlan' ? `${typeof n.raw['Subplan Name'] === 'string' ? n.raw['Subplan Name'] : rel}: ` : '';
  const b = n.buffers;
  return {
    id: n.id,
    p: n.parentId ?? -1,
    d: n.depth,
    c: n.children,
    t: n.nodeType,
    l: `${sub}${n.label}`,
    x: r3(n.exclusiveMs),
    i: r3(n.inclusiveMs),
    s: r3(n.share),
    r: n.actualRows ?? null,
    e: n.planRows ?? null,
    f: n.estimateFactor === undefined ? null : r3(n.estimateFactor),
    u: n.underestimated,
    lo: n.loops,
    b: [b.hit, b.read, b.dirtied, b.written, b.tempRead, b.tempWritten],
    k: num(n.raw['Total Cost']) ?? 0,
    a: details(n),
  };
}

export function pagePlan(view: PlanView): PagePlan {
  const { metrics, diagnostics, context } = view;
  return {
    analyzed: metrics.analyzed,
    generic: context.generic,
    server: context.server ? `PostgreSQL ${context.server.version}` : null,
    totals: { executionMs: metrics.executionMs ?? null, planningMs: metrics.planningMs ?? null, jitMs: metrics.jitMs ?? null, totalMs: r3(metrics.totalMs) },
    query: context.query ?? null,
    literalsShown: view.literalsShown,
    hiddenExpressions: view.hiddenExpressions,
    settings: Object.entries(metrics.settings),
    nodes: metrics.nodes.map(pageNode),
    diagnostics: diagnostics.map((d) => ({
      id: d.id,
      severity: d.severity,
      nodeId: d.nodeId ?? null,
      message: d.message,
      suggestion: d.suggestion,
      sql: d.sql ?? null,
      costMs: d.costMs,
    })),
    triggers: metrics.triggers.map((t) => ({ name: t.name, relation: t.relation ?? null, ms: t.ms, calls: t.calls })),
  };
}
