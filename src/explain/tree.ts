import type { ChalkInstance } from 'chalk';
import type { NodeMetrics, PlanMetrics } from './analyze.js';
import type { Diagnostic } from './diagnostic.js';

export interface TreeOptions {
  color: ChalkInstance;
  width: number;
  /** "PostgreSQL 18.1", shown in the header */
  server?: string;
}

const CONDITIONS = ['Index Cond', 'Recheck Cond', 'Hash Cond', 'Merge Cond', 'Join Filter', 'Filter'] as const;

export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text;
}

/** The plan as a tree, one line per node plus its conditions, then the diagnostics. Pure. */
export function renderPlan(plan: PlanMetrics, diagnostics: Diagnostic[], opts: TreeOptions): string {
  const c = opts.color;
  const width = Math.max(60, opts.width);
  const lines: string[] = [];
  const head = [
    plan.analyzed ? `execution ${formatMs(plan.totalMs)}` : 'estimated plan (not executed)',
    plan.planningMs !== undefined ? `planning ${formatMs(plan.planningMs)}` : undefined,
    plan.jitMs !== undefined ? `JIT ${formatMs(plan.jitMs)}` : undefined,
    opts.server,
  ]
    .filter(Boolean)
    .join(' · ');
  lines.push(c.bold(head));
  const settings = Object.entries(plan.settings);
  if (settings.length > 0) lines.push(c.dim(fit(`non-default settings: ${settings.map(([k, v]) => `${k}=${v}`).join(', ')}`, width)));
  const flagged = new Set(diagnostics.map((d) => d.nodeId));
  const walk = (node: NodeMetrics, prefix: string, childPrefix: string) => {
    lines.push(fit(`${prefix}${nodeLine(node, plan, c, flagged.has(node.id))}`, width + colourOverhead(c)));
    const detailPrefix = `${childPrefix}${node.children.length > 0 ? '│ ' : '  '}  `;
    for (const detail of nodeDetails(node)) lines.push(c.dim(fit(`${detailPrefix}${detail}`, width)));
    node.children.forEach((id, i) => {
      const last = i === node.children.length - 1;
      const child = plan.nodes[id]!;
      walk(child, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`);
    });
  };
  if (plan.nodes[0]) walk(plan.nodes[0], '', '');
  for (const t of plan.triggers)
    lines.push(`${c.dim('trigger')} ${t.name}${t.relation ? ` on ${t.relation}` : ''}: ${formatMs(t.ms)}, ${formatCount(t.calls)} calls`);
  lines.push('');
  if (!plan.analyzed) {
    lines.push(c.dim('Not executed: times, actual rows and most diagnostics need EXPLAIN ANALYZE.'));
  } else if (diagnostics.length === 0) {
    lines.push(`${c.green('✔')} No problems found in this plan.`);
  } else {
    lines.push(c.bold(`${diagnostics.length} finding${diagnostics.length === 1 ? '' : 's'}, costliest first:`));
    for (const d of diagnostics) lines.push(...diagnosticLines(d, plan, c, width));
  }
  return `${lines.join('\n')}\n`;
}

/** chalk's escape codes do not take up columns; give coloured lines room for them. */
function colourOverhead(c: ChalkInstance): number {
  return c.level > 0 ? 60 : 0;
}

function nodeLine(node: NodeMetrics, plan: PlanMetrics, c: ChalkInstance, flagged: boolean): string {
  const parts: string[] = [];
  const hot = node.share >= 0.3 ? c.red.bold : node.share >= 0.1 ? c.yellow : (t: string) => t;
  const label = `${node.raw['Parent Relationship'] === 'InitPlan' || node.raw['Parent Relationship'] === 'SubPlan' ? `${node.raw['Subplan Name'] ?? node.raw['Parent Relationship']}: ` : ''}${node.label}`;
  parts.push(`${flagged ? c.red('▲ ') : ''}${hot(label)}`);
  if (plan.analyzed) {
    parts.push(hot(`${formatMs(node.exclusiveMs)} ${Math.round(node.share * 100)}%`));
    if (node.actualRows !== undefined) {
      const factor = node.estimateFactor ?? 1;
      const est = `est ${formatCount(node.planRows ?? 0)}${factor >= 10 ? ` ${node.underestimated ? '↑' : '↓'}${formatCount(Math.round(factor))}×` : ''}`;
      parts.push(`rows ${formatCount(node.actualRows)} (${factor >= 10 ? c.magenta(est) : est})`);
    }
    if (node.loops > 1) parts.push(`loops ${formatCount(node.loops)}`);
    const b = node.buffers;
    if (b.hit + b.read + b.tempRead + b.tempWritten > 0) {
      parts.push(
        c.dim(
          `buffers hit ${formatCount(b.hit)}${b.read ? ` read ${formatCount(b.read)}` : ''}${b.tempRead + b.tempWritten ? ` temp ${formatCount(b.tempRead + b.tempWritten)}` : ''}`,
        ),
      );
    }
  } else if (node.planRows !== undefined) {
    parts.push(`est rows ${formatCount(node.planRows)}, cost ${node.raw['Total Cost'] ?? '?'}`);
  }
  return parts.join('  ');
}

function nodeDetails(node: NodeMetrics): string[] {
  const details: string[] = [];
  for (const key of CONDITIONS) {
    const value = node.raw[key];
    if (typeof value === 'string') details.push(`${key}: ${value}`);
  }
  if (node.removedByFilterTotal > 0) details.push(`rows removed by filter: ${formatCount(node.removedByFilterTotal)}`);
  const sortKey = node.raw['Sort Key'];
  if (Array.isArray(sortKey))
    details.push(
      `Sort Key: ${sortKey.join(', ')}${node.raw['Sort Method'] ? ` (${node.raw['Sort Method']}, ${node.raw['Sort Space Used'] ?? '?'} kB ${node.raw['Sort Space Type'] ?? ''})` : ''}`,
    );
  if (typeof node.raw['Workers Planned'] === 'number')
    details.push(`workers planned ${node.raw['Workers Planned']}, launched ${node.raw['Workers Launched'] ?? '?'}`);
  return details;
}

function diagnosticLines(d: Diagnostic, plan: PlanMetrics, c: ChalkInstance, width: number): string[] {
  const badge = d.severity === 'high' ? c.red.bold('high  ') : d.severity === 'medium' ? c.yellow('medium') : c.dim('low   ');
  const where = d.nodeId !== undefined ? c.dim(` (node ${d.nodeId}: ${plan.nodes[d.nodeId]?.label ?? '?'})`) : '';
  const out = [` ${badge} ${c.bold(d.id)}${where}`];
  for (const line of wrap(d.message, width - 9)) out.push(`        ${line}`);
  for (const line of wrap(`→ ${d.suggestion}`, width - 9)) out.push(`        ${c.cyan(line)}`);
  if (d.sql) out.push(`          ${c.green(d.sql)}`);
  return out;
}

function wrap(text: string, width: number): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if (current && current.length + word.length + 1 > width) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}
