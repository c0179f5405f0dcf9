import type { ChalkInstance } from 'chalk';
import type { CostEstimate, Usage } from '../core/models.js';
import type { Risk } from '../core/request.js';
import { footerLines, plain, suggestedSqlLines, wrap } from '../core/terminal-text.js';
import type { CheckedSuggestion, VerifiedAnswer, VerifiedVerdict } from './verify.js';

/** A finished second opinion, whether it came from the API or from the cache. */
export interface SecondOpinion {
  model: string;
  promptVersion: number;
  /** true: answered from .dbtool/ai-cache without a request; usage and cost are the original call's */
  cached: boolean;
  answer: VerifiedAnswer;
  usage: Usage;
  cost: CostEstimate | null;
}

export interface RenderOptions {
  color: ChalkInstance;
  width: number;
}

export function renderHeader(model: string, opts: RenderOptions): string {
  const c = opts.color;
  return `${c.bold.underline(`Second opinion (${model})`)}\n${c.dim('  advisory only: it never changes the exit code; dbtool re-reviews every suggested SQL before showing it')}\n`;
}

const RISK_LABEL: Record<Risk, (c: ChalkInstance) => string> = {
  none: (c) => c.green('no risk'),
  low: (c) => c.blue('low risk'),
  medium: (c) => c.yellow.bold('medium risk'),
  high: (c) => c.red.bold('HIGH risk'),
};

export function renderVerdict(v: VerifiedVerdict, opts: RenderOptions): string {
  const c = opts.color;
  const lines = [`  ${c.dim(v.statementId)} ${c.cyan(`${v.path}:${v.line}:${v.column}`)}  ${RISK_LABEL[v.risk](c)}`];
  lines.push(...wrap(plain(v.reasoning), opts.width - 6).map((l) => `      ${l}`));
  const cited = v.ruleIds.filter((id) => !v.unknownRuleIds.includes(id));
  if (cited.length) lines.push(`      ${c.dim('rules:')} ${cited.join(', ')}`);
  if (v.unknownRuleIds.length) lines.push(`      ${c.dim(`cited ids dbtool does not have: ${v.unknownRuleIds.map(plain).join(', ')}`)}`);
  if (v.suggestion) lines.push(...renderSuggestion(v.suggestion, opts));
  return `${lines.join('\n')}\n`;
}

function renderSuggestion(s: CheckedSuggestion, opts: RenderOptions): string[] {
  const c = opts.color;
  switch (s.status) {
    case 'checked': {
      const lines = [`      ${c.green('suggested instead')} ${c.dim('(re-reviewed by dbtool: no error-level finding; $n stand for your literals)')}`];
      lines.push(...suggestedSqlLines(s.sql, s.findings, c));
      return lines;
    }
    case 'unsafe':
      return [
        `      ${c.red('suggestion withheld')}: dbtool's review of it reports ${unique(s.findings.filter((f) => f.severity === 'error').map((f) => f.rule)).join(', ')} (error) — not safe advice`,
      ];
    case 'unparseable':
      return [`      ${c.red('suggestion withheld')}: it is not valid SQL (${plain(s.parseError ?? 'parser error')})`];
    case 'unchanged':
      return [`      ${c.dim('suggestion omitted: it only restates the statement')}`];
  }
}

export function renderFooter(result: SecondOpinion, opts: RenderOptions): string {
  return `${footerLines(result, opts.color, opts.width).join('\n')}\n`;
}

/** The `ai` key of `--format json`: every suggestion with its verification status, unsafe ones included but marked. */
export function secondOpinionToJson(result: SecondOpinion): Record<string, unknown> {
  return {
    model: result.model,
    promptVersion: result.promptVersion,
    cached: result.cached,
    summary: result.answer.summary,
    verdicts: result.answer.verdicts.map((v) => ({
      statementId: v.statementId,
      path: v.path,
      line: v.line,
      column: v.column,
      risk: v.risk,
      reasoning: v.reasoning,
      ruleIds: v.ruleIds,
      unknownRuleIds: v.unknownRuleIds,
      suggestion: v.suggestion ?? null,
    })),
    missing: result.answer.missing,
    problems: result.answer.problems,
    usage: result.usage,
    cost: result.cost,
  };
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
