import type { ChalkInstance } from 'chalk';
import type { Comparison, Pair } from './compare.js';
import { speedText } from './compare.js';
import { formatCount, formatMs } from './tree.js';

/** Where each side came from, as the reader named it: a file, or "the query, run now". */
export interface CompareSources {
  before: string;
  after: string;
  /** "PostgreSQL 18.1" per side, when known */
  servers: Pair<string | null>;
}

const change = (p: Pair<number | null>, format: (n: number) => string): string => {
  const [b, a] = p;
  if (b === null && a === null) return '–';
  return `${b === null ? '–' : format(b)} → ${a === null ? '–' : format(a)}`;
};

/** The comparison for a terminal: verdict, what changed (biggest first), totals, findings, node counts. Pure. */
export function renderComparison(c: Comparison, sources: CompareSources, opts: { color: ChalkInstance; width: number }): string {
  const k = opts.color;
  const out: string[] = [];
  const [tb, ta] = c.totals.totalMs;
  out.push(k.bold(`before: ${sources.before}${sources.servers[0] ? ` (${sources.servers[0]})` : ''}`));
  out.push(k.bold(`after:  ${sources.after}${sources.servers[1] ? ` (${sources.servers[1]})` : ''}`));
  if (c.verdict === 'not-timed') out.push('Estimated plans (not executed): no times to compare; operations below.');
  else {
    const paint = c.verdict === 'faster' ? k.green.bold : c.verdict === 'slower' ? k.red.bold : k.bold;
    out.push(paint(`total ${formatMs(tb)} → ${formatMs(ta)} (${speedText(tb, ta)})`));
  }
  out.push('');
  if (c.headlines.length > 0) {
    out.push(k.bold('What changed, biggest first:'));
    for (const h of c.headlines) {
      const mark = h.kind === 'improvement' ? k.green('✔') : h.kind === 'regression' ? k.red('▲') : k.dim('•');
      out.push(` ${mark} ${h.text}`);
    }
  } else out.push("No change in the plan's operations worth naming.");
  out.push('');
  const t = c.totals;
  const rows: Array<[string, string]> = [
    ['execution', change(t.executionMs, formatMs)],
    ['planning', change(t.planningMs, formatMs)],
    ['rows', change(t.rows, formatCount)],
    ['buffers hit', change(t.buffers.hit, formatCount)],
    ['buffers read', change(t.buffers.read, formatCount)],
    ['buffers written', change(t.buffers.written, formatCount)],
    ['temp buffers', change(t.buffers.temp, formatCount)],
  ];
  out.push(k.bold('Totals:'));
  for (const [name, value] of rows) out.push(`  ${name.padEnd(16)}${value}`);
  out.push('');
  const d = c.diagnostics;
  if (d.resolved.length + d.appeared.length + d.remaining.length > 0) {
    out.push(k.bold('Findings:'));
    for (const x of d.resolved) out.push(`  ${k.green('gone')}   ${x.id}${x.node ? k.dim(` (${x.node})`) : ''}`);
    for (const x of d.appeared) out.push(`  ${k.red('new')}    ${x.id}${x.node ? k.dim(` (${x.node})`) : ''}`);
    for (const x of d.remaining) out.push(`  ${k.dim('still')}  ${x.id}${x.node ? k.dim(` (${x.node})`) : ''}`);
    out.push('');
  }
  const changed = c.matched.filter((m) => m.kind !== 'same').length;
  out.push(
    k.dim(
      `${c.matched.length} node${c.matched.length === 1 ? '' : 's'} matched (${changed} done another way), ${c.added.length} new, ${c.removed.length} gone.`,
    ),
  );
  for (const n of c.removed) out.push(k.dim(`  gone: ${n.label}`));
  for (const n of c.added) out.push(k.dim(`  new:  ${n.label}`));
  return `${out.join('\n')}\n`;
}

/** The versioned JSON of a comparison (reportVersion 1, command "explain-compare"). */
export function comparisonToJson(c: Comparison, sources: CompareSources, toolVersion: string, regression: boolean): string {
  return `${JSON.stringify(
    {
      tool: 'dbtool',
      version: toolVersion,
      reportVersion: 1,
      command: 'explain-compare',
      before: { source: sources.before, server: sources.servers[0] },
      after: { source: sources.after, server: sources.servers[1] },
      verdict: c.verdict,
      speedup: c.speedup === null ? null : Math.round(c.speedup * 1000) / 1000,
      regression,
      totals: c.totals,
      headlines: c.headlines,
      nodes: c.matched,
      added: c.added,
      removed: c.removed,
      diagnostics: c.diagnostics,
    },
    null,
    2,
  )}\n`;
}

/** For a pull request: the verdict, what changed and the totals. */
export function comparisonToMarkdown(c: Comparison, sources: CompareSources): string {
  const out = ['### dbtool explain --compare', '', `Before: ${sources.before} · after: ${sources.after}`, ''];
  const [tb, ta] = c.totals.totalMs;
  out.push(c.verdict === 'not-timed' ? 'Estimated plans: no times to compare.' : `Total **${formatMs(tb)} → ${formatMs(ta)}** (${speedText(tb, ta)})`, '');
  for (const h of c.headlines) out.push(`- ${h.kind === 'improvement' ? '✔' : h.kind === 'regression' ? '▲' : '•'} ${h.text.replace(/\|/g, '\\|')}`);
  if (c.headlines.length > 0) out.push('');
  const t = c.totals;
  out.push(
    '| | before → after |',
    '|---|---|',
    `| execution | ${change(t.executionMs, formatMs)} |`,
    `| planning | ${change(t.planningMs, formatMs)} |`,
    `| rows | ${change(t.rows, formatCount)} |`,
    `| buffers hit / read | ${change(t.buffers.hit, formatCount)} / ${change(t.buffers.read, formatCount)} |`,
    `| temp buffers | ${change(t.buffers.temp, formatCount)} |`,
  );
  const d = c.diagnostics;
  if (d.resolved.length || d.appeared.length) {
    out.push('');
    for (const x of d.resolved) out.push(`- gone: \`${x.id}\`${x.node ? ` (${x.node})` : ''}`);
    for (const x of d.appeared) out.push(`- new: \`${x.id}\`${x.node ? ` (${x.node})` : ''}`);
  }
  return `${out.join('\n')}\n`;
}
