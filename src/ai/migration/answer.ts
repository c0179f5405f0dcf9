import type { ParsedList } from '../core/answer-list.js';
import { completedElements, isObject, parseVerdictList } from '../core/answer-list.js';
import type { Risk } from '../core/request.js';
import { RISKS } from '../core/request.js';

/** One verdict as the model gave it, after shape checks. Nothing in it is trusted yet. */
export interface StatementVerdict {
  statementId: string;
  risk: Risk;
  reasoning: string;
  ruleIds: string[];
  suggestedSql?: string;
}

export type MigrationAnswer = ParsedList<StatementVerdict>;

/** Checks the tool input against the verdict schema: the model's output is data from outside. */
export function parseMigrationAnswer(input: unknown, statementIds: readonly string[]): MigrationAnswer {
  return parseVerdictList(input, new Set(statementIds), {
    key: 'statements',
    idName: 'statement id',
    listName: 'statement verdicts',
    parse: parseVerdict,
    id: (v) => v.statementId,
  });
}

function parseVerdict(item: unknown): StatementVerdict | string {
  if (!isObject(item)) return 'not an object';
  const { statementId, risk, reasoning, ruleIds, suggestedSql } = item;
  if (typeof statementId !== 'string') return 'no statementId';
  if (typeof risk !== 'string' || !(RISKS as readonly string[]).includes(risk))
    return `${statementId}: risk ${JSON.stringify(risk)} is not one of ${RISKS.join(', ')}`;
  if (typeof reasoning !== 'string') return `${statementId}: no reasoning`;
  const verdict: StatementVerdict = {
    statementId,
    risk: risk as Risk,
    reasoning: reasoning.trim(),
    ruleIds: Array.isArray(ruleIds) ? ruleIds.filter((r): r is string => typeof r === 'string') : [],
  };
  if (typeof suggestedSql === 'string' && suggestedSql.trim() !== '') verdict.suggestedSql = suggestedSql.trim();
  return verdict;
}

/** The verdicts a partial (streamed) tool input already holds in full. */
export function completedItems(partial: unknown): unknown[] {
  return completedElements(partial, 'statements');
}
