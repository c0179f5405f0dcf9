import type { PlanMetrics } from './analyze.js';
import type { Diagnostic } from './diagnostic.js';
import type { RawExplain } from './plan-json.js';
import { formatCount, formatMs } from './tree.js';

export interface ExplainContext {
  server: { version: string; major: number } | undefined;
  /** the query as run (absent for --plan input) */
  query: string | undefined;
  analyzed: boolean;
  generic: boolean;
  /** non-default planner settings the plan recorded */
  settings: Record<string, string>;
}

/** The versioned JSON report: plan, per-node metrics and diagnostics. */
/** `extra` adds top-level keys of its own (the AI second opinion's `ai`). */
export function explainToJson(
  plan: RawExplain,
  metrics: PlanMetrics,
  diagnostics: Diagnostic[],
  context: ExplainContext,
  toolVersion: string,
  extra: Record<string, unknown> = {},
): string {
  return `${JSON.stringify(
    {
      tool: 'dbtool',
      version: toolVersion,
      reportVersion: 1,
      command: 'explain',
      server: context.server ?? null,
      query: context.query ?? null,
      analyzed: context.analyzed,
      genericPlan: context.generic,
      settings: context.settings,
      totals: { executionMs: metrics.executionMs ?? null, planningMs: metrics.planningMs ?? null, jitMs: metrics.jitMs ?? null, totalMs: metrics.totalMs },
      nodes: metrics.nodes.map((n) => ({
        id: n.id,
        parentId: n.parentId ?? null,
        label: n.label,
        nodeType: n.nodeType,
        relation: n.relation ?? null,
        index: n.index ?? null,
        loops: n.loops,
        inclusiveMs: round(n.inclusiveMs),
        exclusiveMs: round(n.exclusiveMs),
        share: round(n.share),
        actualRows: n.actualRows ?? null,
        planRows: n.planRows ?? null,
        estimateFactor: n.estimateFactor === undefined ? null : round(n.estimateFactor),
        rowsRemovedByFilter: n.removedByFilterTotal,
        buffers: n.buffers,
      })),
      triggers: metrics.triggers,
      diagnostics,
      plan,
      ...extra,
    },
    null,
    2,
  )}\n`;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** For a ticket or pull request: the diagnostics and the costliest nodes as a table. */
export function explainToMarkdown(metrics: PlanMetrics, diagnostics: Diagnostic[], context: ExplainContext): string {
  const out: string[] = ['### dbtool explain', ''];
  if (context.query) out.push('```sql', context.query.trim(), '```', '');
  out.push(
    `${metrics.analyzed ? `Execution **${formatMs(metrics.totalMs)}**` : 'Estimated plan (not executed)'}${metrics.planningMs !== undefined ? `, planning ${formatMs(metrics.planningMs)}` : ''}${context.server ? `, PostgreSQL ${context.server.version}` : ''}`,
    '',
  );
  if (diagnostics.length > 0) {
    out.push('| severity | finding | node | what to do |', '|---|---|---|---|');
    for (const d of diagnostics) {
      const node = d.nodeId === undefined ? '' : `${d.nodeId}: ${metrics.nodes[d.nodeId]?.label ?? ''}`;
      out.push(`| ${d.severity} | **${d.id}** — ${cell(d.message)} | ${cell(node)} | ${cell(d.suggestion)}${d.sql ? ` \`${cell(d.sql)}\`` : ''} |`);
    }
  } else out.push(metrics.analyzed ? 'No problems found.' : 'Not executed: run with ANALYZE for diagnostics.');
  out.push('', '| node | operation | time (excl.) | share | rows (est) | loops |', '|---|---|---|---|---|---|');
  const slowest = [...metrics.nodes].sort((a, b) => b.exclusiveMs - a.exclusiveMs).slice(0, 10);
  for (const n of slowest) {
    out.push(
      `| ${n.id} | ${cell(n.label)} | ${formatMs(n.exclusiveMs)} | ${Math.round(n.share * 100)}% | ${n.actualRows === undefined ? '' : formatCount(n.actualRows)} (${formatCount(n.planRows ?? 0)}) | ${n.loops} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
