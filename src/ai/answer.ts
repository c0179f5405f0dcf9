import { RISKS } from './prompt.js';
import type { Risk } from './prompt.js';

/** One verdict as the model gave it, after shape checks. Nothing in it is trusted yet. */
export interface StatementVerdict {
  statementId: string;
  risk: Risk;
  reasoning: string;
  ruleIds: string[];
  suggestedSql?: string;
}

export interface MigrationAnswer {
  verdicts: StatementVerdict[];
  summary: string;
  /** what was wrong with the answer's shape (unknown ids, duplicates, missing fields) */
  problems: string[];
}

/**
 * Checks the tool input against the verdict schema: the model's output is data from outside. Element by
 * element and first-wins, so a prefix of a streamed answer parses to a prefix of the final result.
 */
export function parseMigrationAnswer(input: unknown, statementIds: readonly string[]): MigrationAnswer {
  const known = new Set(statementIds);
  const seen = new Set<string>();
  const problems: string[] = [];
  const verdicts: StatementVerdict[] = [];
  const record = isObject(input) ? input : {};
  const items = Array.isArray(record.statements) ? record.statements : [];
  if (!Array.isArray(record.statements)) problems.push('the answer has no list of statement verdicts');
  items.forEach((item: unknown, i: number) => {
    const verdict = parseVerdict(item);
    if (typeof verdict === 'string') problems.push(`verdict ${i + 1}: ${verdict}`);
    else if (!known.has(verdict.statementId)) problems.push(`verdict ${i + 1}: unknown statement id ${JSON.stringify(verdict.statementId)}`);
    else if (seen.has(verdict.statementId)) problems.push(`verdict ${i + 1}: a second verdict for ${verdict.statementId} was ignored`);
    else {
      seen.add(verdict.statementId);
      verdicts.push(verdict);
    }
  });
  const summary = typeof record.summary === 'string' ? record.summary.trim() : '';
  return { verdicts, summary, problems };
}

function parseVerdict(item: unknown): StatementVerdict | string {
  if (!isObject(item)) return 'not an object';
  const { statementId, risk, reasoning, ruleIds, suggestedSql } = item;
  if (typeof statementId !== 'string') return 'no statementId';
  if (typeof risk !== 'string' || !(RISKS as readonly string[]).includes(risk)) return `${statementId}: risk ${JSON.stringify(risk)} is not one of ${RISKS.join(', ')}`;
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

/**
 * The verdicts a partial (streamed) tool input already holds in full: every element but the last, which
 * may still be arriving.
 */
export function completedItems(partial: unknown): unknown[] {
  if (!isObject(partial) || !Array.isArray(partial.statements)) return [];
  return partial.statements.slice(0, -1);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
