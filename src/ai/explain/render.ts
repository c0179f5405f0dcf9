import type { ChalkInstance } from 'chalk';
import type { Risk } from '../core/request.js';
import { footerLines, plain, suggestedSqlLines, wrap } from '../core/terminal-text.js';
import type { PlanOpinion } from './opinion.js';
import type { ExplainPayload } from './payload.js';
import type { CheckedPlanSuggestion, VerifiedPlanVerdict } from './verify.js';

export interface PlanRenderOptions {
  color: ChalkInstance;
  width: number;
}

export function renderPlanHeader(model: string, opts: PlanRenderOptions): string {
  const c = opts.color;
  return `${c.bold.underline(`Second opinion on the plan (${model})`)}\n${c.dim('  advisory only: it never changes the exit code; dbtool checks every suggested SQL before showing it')}\n`;
}

const RISK_LABEL: Record<Risk, (c: ChalkInstance) => string> = {
  none: (c) => c.green('not worth acting on'),
  low: (c) => c.blue('low impact'),
  medium: (c) => c.yellow.bold('medium impact'),
  high: (c) => c.red.bold('HIGH impact'),
};

/** One verdict: what it is about, the reasoning, and only the SQL that passed dbtool's checks. */
export function renderPlanVerdict(v: VerifiedPlanVerdict, payload: ExplainPayload, opts: PlanRenderOptions): string {
  const c = opts.color;
  const label = (id: number | null | undefined) => (id === null || id === undefined ? undefined : `node ${id}: ${payload.nodes[id]?.label ?? '?'}`);
  const subject = v.diagnostic
    ? `${c.dim(v.diagnosticId)} ${c.bold(v.diagnostic.check)}${label(v.diagnostic.nodeId) ? c.dim(` (${label(v.diagnostic.nodeId)})`) : ''}`
    : `${c.dim('new')} ${c.bold(plain(v.title) || 'issue dbtool did not report')}${v.nodeIds.length ? c.dim(` (${v.nodeIds.map((id) => label(id)).join('; ')})`) : ''}`;
  const lines = [`  ${subject}  ${RISK_LABEL[v.risk](c)}`];
  lines.push(...wrap(plain(v.reasoning), opts.width - 6).map((l) => `      ${l}`));
  if (v.unknownNodeIds.length) lines.push(`      ${c.dim(`cited nodes the plan does not have: ${v.unknownNodeIds.join(', ')}`)}`);
  if (v.suggestion) lines.push(...renderSuggestion(v.suggestion, 'schema', opts));
  if (v.rewrite) lines.push(...renderSuggestion(v.rewrite, 'query', opts));
  return `${lines.join('\n')}\n`;
}

function renderSuggestion(s: CheckedPlanSuggestion, kind: 'schema' | 'query', opts: PlanRenderOptions): string[] {
  const c = opts.color;
  const what = kind === 'schema' ? 'suggested change' : 'rewritten query';
  switch (s.status) {
    case 'checked': {
      const note =
        kind === 'schema'
          ? '(reviewed by dbtool: no error-level finding; run it on its own, outside a transaction block; $n stand for your literals)'
          : '(checked by dbtool: one read-only statement, not proven to return the same rows: compare both with dbtool explain; $n stand for your literals)';
      const [first = '', ...rest] = wrap(`${what} ${note}`, opts.width - 6);
      const lines = [`      ${c.green(what)}${c.dim(first.slice(what.length))}`, ...rest.map((l) => `      ${c.dim(l)}`)];
      lines.push(...suggestedSqlLines(s.sql, s.findings, c));
      return lines;
    }
    case 'unsafe':
      return [`      ${c.red(`${what} withheld`)}: ${plain(s.reason ?? "it failed dbtool's checks")} — not safe advice`];
    case 'unparseable':
      return [`      ${c.red(`${what} withheld`)}: it is not valid SQL (${plain(s.reason ?? 'parser error')})`];
    case 'unchanged':
      return [`      ${c.dim(`${what} omitted: it only restates the query`)}`];
  }
}

export function renderPlanFooter(opinion: PlanOpinion, opts: PlanRenderOptions): string {
  const lines = opinion.answer.verdicts.length === 0 ? ['  No verdicts.'] : [];
  return `${[...lines, ...footerLines(opinion, opts.color, opts.width)].join('\n')}\n`;
}

/** The `ai` key of `explain --format json`: every suggestion with its check status, withheld ones included but marked. */
export function planOpinionToJson(opinion: PlanOpinion): Record<string, unknown> {
  return {
    model: opinion.model,
    promptVersion: opinion.promptVersion,
    cached: opinion.cached,
    summary: opinion.answer.summary,
    verdicts: opinion.answer.verdicts.map((v) => ({
      diagnosticId: v.diagnosticId,
      check: v.diagnostic?.check ?? null,
      title: v.title,
      nodeIds: v.nodeIds,
      unknownNodeIds: v.unknownNodeIds,
      risk: v.risk,
      reasoning: v.reasoning,
      suggestion: v.suggestion ?? null,
      rewrittenQuery: v.rewrite ?? null,
    })),
    missing: opinion.answer.missing,
    problems: opinion.answer.problems,
    usage: opinion.usage,
    cost: opinion.cost,
  };
}
