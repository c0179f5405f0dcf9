import type { Severity } from '../../review/findings.js';
import { KNOWN_RULE_IDS } from '../../review/rules/known-ids.js';
import type { SuggestionStatus } from '../core/suggestion.js';
import { sameStatement, syntaxError } from '../core/suggestion.js';
import type { MigrationAnswer, StatementVerdict } from './answer.js';
import type { MigrationReview, StatementRef } from './history.js';
import { reviewReplacement } from './history.js';

export interface CheckedSuggestion {
  sql: string;
  status: SuggestionStatus;
  /** what dbtool's review of the suggestion reports, by rule id */
  findings: Array<{ rule: string; severity: Severity }>;
  /** the parser's message, for unparseable suggestions */
  parseError?: string;
}

export interface VerifiedVerdict extends Omit<StatementVerdict, 'suggestedSql'> {
  path: string;
  line: number;
  column: number;
  /** rule ids the model cited that dbtool does not have */
  unknownRuleIds: string[];
  suggestion?: CheckedSuggestion;
}

export interface VerifiedAnswer {
  verdicts: VerifiedVerdict[];
  summary: string;
  problems: string[];
  /** statements the model gave no verdict for */
  missing: string[];
}

export function verifyMigrationAnswer(answer: MigrationAnswer, review: MigrationReview, refs: readonly StatementRef[]): VerifiedAnswer {
  const verdicts = answer.verdicts.flatMap((v) => {
    const checked = verifyVerdict(v, review, refs);
    return checked ? [checked] : [];
  });
  const answered = new Set(verdicts.map((v) => v.statementId));
  return { verdicts, summary: answer.summary, problems: answer.problems, missing: refs.filter((r) => !answered.has(r.id)).map((r) => r.id) };
}

/** Checks one verdict against the statement it is about; undefined when the id matches no statement. */
export function verifyVerdict(verdict: StatementVerdict, review: MigrationReview, refs: readonly StatementRef[]): VerifiedVerdict | undefined {
  const ref = refs.find((r) => r.id === verdict.statementId);
  if (!ref) return undefined;
  const { suggestedSql, ...rest } = verdict;
  const out: VerifiedVerdict = {
    ...rest,
    path: ref.file.report.path,
    line: ref.statement.line,
    column: ref.statement.column,
    unknownRuleIds: verdict.ruleIds.filter((id) => !KNOWN_RULE_IDS.has(id)),
  };
  if (suggestedSql !== undefined) out.suggestion = checkSuggestion(suggestedSql, ref, review);
  return out;
}

export function checkSuggestion(sql: string, ref: StatementRef, review: MigrationReview): CheckedSuggestion {
  const parseError = syntaxError(sql);
  if (parseError) return { sql, status: 'unparseable', findings: [], parseError };
  if (sameStatement(sql, ref.statement.sql)) return { sql, status: 'unchanged', findings: [] };
  const statements = reviewReplacement(ref, sql, review.settings);
  const findings = statements.flatMap((s) => s.findings).map((f) => ({ rule: f.rule, severity: f.severity }));
  const syntax = statements.flatMap((s) => s.findings).find((f) => f.rule === 'syntax-error');
  if (syntax) return { sql, status: 'unparseable', findings: [], parseError: syntax.message };
  return { sql, status: findings.some((f) => f.severity === 'error') ? 'unsafe' : 'checked', findings };
}
