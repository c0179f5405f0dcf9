import type { ParsedList } from '../core/answer-list.js';
import { completedElements, isObject, parseVerdictList } from '../core/answer-list.js';
import type { Risk } from '../core/request.js';
import { RISKS } from '../core/request.js';
import { NEW_ISSUE } from './prompt.js';

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

export type PlanAnswer = ParsedList<PlanVerdict>;

/** Checks the tool input against the verdict schema. "new" may repeat; a diagnostic id may not. */
export function parsePlanAnswer(input: unknown, diagnosticIds: readonly string[]): PlanAnswer {
  return parseVerdictList(input, new Set(diagnosticIds), {
    key: 'issues',
    idName: 'diagnostic id',
    listName: 'verdicts',
    parse: parseVerdict,
    id: (v) => v.diagnosticId,
    repeatable: NEW_ISSUE,
  });
}

function parseVerdict(item: unknown): PlanVerdict | string {
  if (!isObject(item)) return 'not an object';
  const { diagnosticId, title, nodeIds, risk, reasoning, suggestedSql, rewrittenQuery } = item;
  if (typeof diagnosticId !== 'string') return 'no diagnosticId';
  if (typeof risk !== 'string' || !(RISKS as readonly string[]).includes(risk))
    return `${diagnosticId}: risk ${JSON.stringify(risk)} is not one of ${RISKS.join(', ')}`;
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

/** The verdicts a partial (streamed) tool input already holds in full. */
export function completedIssues(partial: unknown): unknown[] {
  return completedElements(partial, 'issues');
}
