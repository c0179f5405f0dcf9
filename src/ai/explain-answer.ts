import { NEW_ISSUE } from './explain-prompt.js';
import { RISKS } from './prompt.js';
import type { Risk } from './prompt.js';

/** One verdict on a plan issue as the model gave it, after shape checks. Nothing in it is trusted yet. */
export interface PlanVerdict {
  /** D1, D2, … or "new" */
  diagnosticId: string;
  title: string;
  nodeIds: number[];
  risk: Risk;
  reasoning: string;
  suggestedSql?: string;
  rewrittenQuery?: string;
}

export interface PlanAnswer {
  verdicts: PlanVerdict[];
  summary: string;
  /** what was wrong with the answer's shape (unknown ids, duplicates, missing fields) */
  problems: string[];
}

/**
 * Checks the tool input against the verdict schema, element by element and first-wins, so a prefix of
 * a streamed answer parses to a prefix of the final result. "new" may repeat; a diagnostic id may not.
 */
export function parsePlanAnswer(input: unknown, diagnosticIds: readonly string[]): PlanAnswer {
  const known = new Set(diagnosticIds);
  const seen = new Set<string>();
  const problems: string[] = [];
  const verdicts: PlanVerdict[] = [];
  const record = isObject(input) ? input : {};
  if (!Array.isArray(record.issues)) problems.push('the answer has no list of verdicts');
  const items: unknown[] = Array.isArray(record.issues) ? record.issues : [];
  items.forEach((item, i) => {
    const verdict = parseVerdict(item);
    if (typeof verdict === 'string') problems.push(`verdict ${i + 1}: ${verdict}`);
    else if (verdict.diagnosticId !== NEW_ISSUE && !known.has(verdict.diagnosticId)) problems.push(`verdict ${i + 1}: unknown diagnostic id ${JSON.stringify(verdict.diagnosticId)}`);
    else if (seen.has(verdict.diagnosticId)) problems.push(`verdict ${i + 1}: a second verdict for ${verdict.diagnosticId} was ignored`);
    else {
      if (verdict.diagnosticId !== NEW_ISSUE) seen.add(verdict.diagnosticId);
      verdicts.push(verdict);
    }
  });
  const summary = typeof record.summary === 'string' ? record.summary.trim() : '';
  return { verdicts, summary, problems };
}

function parseVerdict(item: unknown): PlanVerdict | string {
  if (!isObject(item)) return 'not an object';
  const { diagnosticId, title, nodeIds, risk, reasoning, suggestedSql, rewrittenQuery } = item;
  if (typeof diagnosticId !== 'string') return 'no diagnosticId';
  if (typeof risk !== 'string' || !(RISKS as readonly string[]).includes(risk)) return `${diagnosticId}: risk ${JSON.stringify(risk)} is not one of ${RISKS.join(', ')}`;
  if (typeof reasoning !== 'string') return `${diagnosticId}: no reasoning`;
  const verdict: PlanVerdict = {
    diagnosticId,
    title: typeof title === 'string' ? title.trim() : '',
    nodeIds: Array.isArray(nodeIds) ? [...new Set(nodeIds.filter((n): n is number => Number.isInteger(n)))] : [],
    risk: risk as Risk,
    reasoning: reasoning.trim(),
  };
  if (typeof suggestedSql === 'string' && suggestedSql.trim() !== '') verdict.suggestedSql = suggestedSql.trim();
  if (typeof rewrittenQuery === 'string' && rewrittenQuery.trim() !== '') verdict.rewrittenQuery = rewrittenQuery.trim();
  return verdict;
}

/** The verdicts a partial (streamed) tool input already holds in full: every element but the last. */
export function completedIssues(partial: unknown): unknown[] {
  if (!isObject(partial) || !Array.isArray(partial.issues)) return [];
  return partial.issues.slice(0, -1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
