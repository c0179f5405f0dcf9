import type { Buffers, TriggerMetrics } from '../../explain/analyze.js';
import { analyzePlan } from '../../explain/analyze.js';
import { diagnose } from '../../explain/diagnose.js';
import type { Diagnostic } from '../../explain/diagnostic.js';
import type { RawExplain } from '../../explain/plan-json.js';
import type { ExplainContext } from '../../explain/report.js';
import { OMITTED_SQL, redactSql } from '../core/redact-sql.js';
import { redactPlan } from './redact-plan.js';
import type { ColumnStats, IndexDefinition, TableDefinitions } from './tables.js';

/** Where the plan came from: the database it ran on, or a file captured elsewhere. */
export type PlanSource = 'server' | 'embedded-pglite' | 'plan-file';

export interface ExplainPayloadNode {
  /** depth-first position, 0 is the root: the id verdicts and diagnostics refer to */
  id: number;
  parentId: number | null;
  label: string;
  nodeType: string;
  relation: string | null;
  index: string | null;
  loops: number;
  /** processes sharing the node's work (parallel workers plus the leader) */
  processes: number;
  inclusiveMs: number;
  /** the node's own time, loops and workers accounted for */
  exclusiveMs: number;
  /** exclusiveMs over the query's total time */
  share: number;
  /** per loop, as EXPLAIN reports it */
  actualRows: number | null;
  actualRowsTotal: number | null;
  planRows: number | null;
  estimateFactor: number | null;
  underestimated: boolean;
  rowsRemovedByFilter: number;
  rowsRemovedByIndexRecheck: number;
  /** the node's own buffers (EXPLAIN's are cumulative) */
  buffers: Buffers;
  /** the node's other EXPLAIN fields; every expression in them is redacted */
  details: Record<string, unknown>;
}

export interface ExplainPayloadDiagnostic {
  /** D1, D2, …: the id verdicts refer to */
  id: string;
  /** dbtool's check, e.g. seq-scan-filter */
  check: string;
  severity: Diagnostic['severity'];
  nodeId: number | null;
  message: string;
  suggestion: string;
  sql: string | null;
  evidence: Record<string, number | string>;
  costMs: number;
}

export interface ExplainPayloadColumn {
  name: string;
  type: string;
  notNull: boolean;
  hasDefault: boolean;
  identity?: string;
  generated?: string;
  stats?: ColumnStats;
}

/** An index as sent: the definition is redacted, so a partial index's predicate keeps no literal. */
export type ExplainPayloadIndex = IndexDefinition;

export interface ExplainPayloadTable {
  name: string;
  kind: string;
  rows: number | null;
  pages: number;
  bytes: number;
  heapBytes: number;
  columns: ExplainPayloadColumn[];
  indexes: ExplainPayloadIndex[];
}

/** Everything the model is told about a plan. Built from the plan, dbtool's analysis and the catalog; no connection details. */
export interface ExplainPayload {
  kind: 'explain';
  source: PlanSource;
  server: { version: string; major: number } | null;
  /** redacted: literals are $n, comments are gone; null for a captured plan */
  query: string | null;
  analyzed: boolean;
  genericPlan: boolean;
  /** the plan's non-default planner settings */
  settings: Record<string, string>;
  totals: { executionMs: number | null; planningMs: number | null; jitMs: number | null; totalMs: number };
  nodes: ExplainPayloadNode[];
  triggers: TriggerMetrics[];
  diagnostics: ExplainPayloadDiagnostic[];
  /** false without a database (a captured plan): no definitions, sizes or statistics, which is not the same as none */
  definitionsKnown: boolean;
  tables: ExplainPayloadTable[];
  /** relations the database did not describe */
  tablesNotDescribed: string[];
  /** expression texts that could not be normalised and were left out rather than sent */
  omittedExpressions: number;
}

export interface ExplainPayloadInput {
  plan: RawExplain;
  context: ExplainContext;
  source: PlanSource;
  /** definitions from the database the plan ran on */
  tables?: TableDefinitions;
}

// summarised by the metrics (own buffers, totals over loops) or by the tree itself
const SUMMARISED = new Set([
  'Plans',
  'Node Type',
  'Relation Name',
  'Index Name',
  'Actual Total Time',
  'Actual Rows',
  'Actual Loops',
  'Plan Rows',
  'Rows Removed by Filter',
  'Rows Removed by Index Recheck',
]);

// cumulative block counters: the metrics give each node its own; per-worker ones add tokens, not insight
const BLOCK_COUNTER = /^(Shared|Local|Temp) (Hit|Read|Dirtied|Written) Blocks$/;

function details(raw: Record<string, unknown>, top: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if ((top && SUMMARISED.has(key)) || BLOCK_COUNTER.test(key)) continue;
    out[key] = Array.isArray(value) ? value.map((v) => (isRecord(v) ? details(v, false) : v)) : isRecord(value) ? details(value, false) : value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Builds what is sent for `explain --ai`. Pure; needs the parser loaded. The plan is redacted first and
 * the metrics and diagnostics are computed from the redacted copy, so no text derived from an
 * expression (a diagnostic quoting a Filter) can carry a literal.
 */
export function buildExplainPayload(input: ExplainPayloadInput): ExplainPayload {
  const { plan, dropped } = redactPlan(input.plan);
  const metrics = analyzePlan(plan);
  const diagnostics = diagnose(metrics);
  const queryText = input.context.query ?? (typeof input.plan['Query Text'] === 'string' ? input.plan['Query Text'] : undefined);
  return {
    kind: 'explain',
    source: input.source,
    server: input.context.server ? { version: input.context.server.version, major: input.context.server.major } : null,
    query: queryText === undefined ? null : redactSql(queryText),
    analyzed: metrics.analyzed,
    genericPlan: input.context.generic,
    settings: { ...(plan.Settings ?? {}) },
    totals: { executionMs: metrics.executionMs ?? null, planningMs: metrics.planningMs ?? null, jitMs: metrics.jitMs ?? null, totalMs: round(metrics.totalMs) },
    nodes: metrics.nodes.map((n) => ({
      id: n.id,
      parentId: n.parentId ?? null,
      label: n.label,
      nodeType: n.nodeType,
      relation: n.relation ?? null,
      index: n.index ?? null,
      loops: n.loops,
      processes: n.processes,
      inclusiveMs: round(n.inclusiveMs),
      exclusiveMs: round(n.exclusiveMs),
      share: round(n.share),
      actualRows: n.actualRows ?? null,
      actualRowsTotal: n.actualRowsTotal ?? null,
      planRows: n.planRows ?? null,
      estimateFactor: n.estimateFactor === undefined ? null : round(n.estimateFactor),
      underestimated: n.underestimated,
      rowsRemovedByFilter: n.removedByFilterTotal,
      rowsRemovedByIndexRecheck: n.removedByIndexRecheckTotal,
      buffers: n.buffers,
      details: details(n.raw, true),
    })),
    triggers: metrics.triggers,
    diagnostics: diagnostics.map((d, i) => ({
      id: `D${i + 1}`,
      check: d.id,
      severity: d.severity,
      nodeId: d.nodeId ?? null,
      message: d.message,
      suggestion: d.suggestion,
      sql: d.sql ?? null,
      evidence: d.evidence,
      costMs: d.costMs,
    })),
    definitionsKnown: input.tables !== undefined,
    tables: (input.tables?.tables ?? []).map((t) => ({
      name: t.schema === 'public' ? t.name : `${t.schema}.${t.name}`,
      kind: t.kind,
      rows: t.rows,
      pages: t.pages,
      bytes: t.bytes,
      heapBytes: t.heapBytes,
      columns: t.columns.map((c) => ({
        name: c.name,
        type: c.type,
        notNull: c.notNull,
        hasDefault: c.hasDefault,
        ...(c.identity ? { identity: c.identity } : {}),
        ...(c.generated ? { generated: c.generated } : {}),
        ...(c.stats ? { stats: roundedStats(c.stats) } : {}),
      })),
      indexes: t.indexes.map((i) => ({
        name: i.name,
        definition: redactDefinition(i.definition),
        unique: i.unique,
        primary: i.primary,
        valid: i.valid,
        bytes: i.bytes,
        pages: i.pages,
      })),
    })),
    tablesNotDescribed: input.tables?.missing ?? [],
    omittedExpressions: dropped.length,
  };
}

/** pg_stats holds float4s: four decimals say as much and read better. */
function roundedStats(stats: ColumnStats): ColumnStats {
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    ...stats,
    nullFrac: r4(stats.nullFrac),
    nDistinct: Math.abs(stats.nDistinct) >= 1 ? Math.round(stats.nDistinct) : r4(stats.nDistinct),
    correlation: stats.correlation === null ? null : r4(stats.correlation),
  };
}

/** pg_get_indexdef output always parses; anything else is left out rather than scanned. */
function redactDefinition(definition: string): string {
  const redacted = redactSql(definition);
  return redacted === OMITTED_SQL ? '/* definition omitted: it could not be redacted */' : redacted;
}
