import type { ChalkInstance } from 'chalk';
import type { CostEstimate, Usage } from './models.js';

/** What every second opinion's footer reports, whatever it was about. */
export interface AnsweredCall {
  model: string;
  /** true: answered from .dbtool/ai-cache without a request; usage and cost are the original call's */
  cached: boolean;
  usage: Usage;
  cost: CostEstimate | null;
  answer: { summary: string; missing: string[]; problems: string[] };
}

/** Model text reaches a terminal: control characters (escape sequences) must not. */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}

export function wrap(text: string, width: number): string[] {
  const max = Math.max(40, width);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && visibleLength(line) + 1 + visibleLength(word) > max) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out;
}

function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Tokens and the estimated cost; for a cache hit, the original call's, and that no request was sent. */
export function usageLine(call: AnsweredCall): string {
  const { inputTokens, outputTokens } = call.usage;
  const tokens = `${inputTokens.toLocaleString('en-US')} input + ${outputTokens.toLocaleString('en-US')} output tokens`;
  const cost = call.cost ? `≈ $${call.cost.usd.toFixed(4)} (${call.cost.basis})` : 'no cost estimate for this model';
  if (call.cached) return `${call.model} · answered from the cache (.dbtool/ai-cache), no request sent · the original call used ${tokens}, ${cost}`;
  return `${call.model} · ${tokens} · ${cost}`;
}

/** The summary, what the answer left out or got wrong, and the usage line. */
export function footerLines(call: AnsweredCall, color: ChalkInstance, width: number): string[] {
  const lines: string[] = [];
  if (call.answer.summary) lines.push(...wrap(`${color.bold('Summary:')} ${plain(call.answer.summary)}`, width - 2).map((l) => `  ${l}`));
  if (call.answer.missing.length) lines.push(color.dim(`  no verdict for ${call.answer.missing.join(', ')}`));
  for (const problem of call.answer.problems) lines.push(color.dim(`  ignored from the answer: ${plain(problem)}`));
  lines.push(color.dim(`  ${usageLine(call)}`));
  return lines;
}

/**
 * A checked suggestion's SQL, indented under its verdict, and the findings dbtool still has for it (none at
 * error level, or it would have been withheld).
 */
export function suggestedSqlLines(sql: string, findings: ReadonlyArray<{ rule: string; severity: string }>, color: ChalkInstance): string[] {
  const lines = plain(sql)
    .split('\n')
    .map((l) => `        ${l}`);
  if (findings.length) lines.push(`      ${color.dim(`dbtool still notes: ${findings.map((f) => `${f.rule} (${f.severity})`).join(', ')}`)}`);
  return lines;
}
