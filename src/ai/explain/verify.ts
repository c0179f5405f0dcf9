import { checkExplainable } from '../../explain/guard.js';
import { nodeTag } from '../../review/ast.js';
import { review } from '../../review/engine.js';
import type { ReviewSettings, Severity } from '../../review/findings.js';
import { parseSql } from '../../review/parse.js';
import type { SourceFile } from '../../review/report-types.js';
import type { SuggestionStatus } from '../core/suggestion.js';
import { sameStatement, syntaxError } from '../core/suggestion.js';
import type { PlanVerdict } from './answer.js';
import type { ExplainPayload, ExplainPayloadDiagnostic } from './payload.js';
import { NEW_ISSUE } from './prompt.js';

/** What a suggestion is judged against. */
export interface PlanCheckContext {
  /** the query as it was explained (not redacted), to recognise a rewrite that only restates it; undefined for a captured plan */
  query: string | undefined;
  /**
   * the reviewer's settings for schema changes. A suggestion is something to run on its own (by hand, or
   * as a migration of its own), so the transaction mode is "none": CREATE INDEX CONCURRENTLY is fine.
   */
  settings: ReviewSettings;
  /** the plan's tables as migration SQL (historySql), when a database described them */
  history: string | undefined;
}

/**
 * - checked: parses and passes dbtool's checks (schema change: no error-level finding of its review;
 *   rewritten query: exactly one read-only statement)
 * - unsafe: fails them; never shown as advice
 * - unparseable: PostgreSQL's parser rejects it; never shown
 * - unchanged: a rewritten query that is the original up to literals and layout
 */
export interface CheckedPlanSuggestion {
  sql: string;
  status: SuggestionStatus;
  /** what dbtool's review of a schema change reports, by rule id */
  findings: Array<{ rule: string; severity: Severity }>;
  /** why it was withheld, for unsafe and unparseable suggestions */
  reason?: string;
}

export interface VerifiedPlanVerdict {
  diagnosticId: string;
  /** the diagnostic the verdict is about, as the model saw it; undefined for new issues */
  diagnostic?: { check: string; nodeId: number | null };
  title: string;
  nodeIds: number[];
  /** node ids the model cited that the plan does not have */
  unknownNodeIds: number[];
  risk: PlanVerdict['risk'];
  reasoning: string;
  suggestion?: CheckedPlanSuggestion;
  rewrite?: CheckedPlanSuggestion;
}

export interface VerifiedPlanAnswer {
  verdicts: VerifiedPlanVerdict[];
  summary: string;
  problems: string[];
  /** diagnostics the model gave no verdict for */
  missing: string[];
}

const QUERY_KINDS: Record<string, string> = { SelectStmt: 'SELECT', InsertStmt: 'INSERT', UpdateStmt: 'UPDATE', DeleteStmt: 'DELETE', MergeStmt: 'MERGE' };

/** Resolves the verdict's references and checks its SQL before anyone sees it. */
export function verifyPlanVerdict(verdict: PlanVerdict, payload: ExplainPayload, context: PlanCheckContext): VerifiedPlanVerdict {
  const { suggestedSql, rewrittenQuery, ...rest } = verdict;
  const diagnostic: ExplainPayloadDiagnostic | undefined =
    verdict.diagnosticId === NEW_ISSUE ? undefined : payload.diagnostics.find((d) => d.id === verdict.diagnosticId);
  const nodes = new Set(payload.nodes.map((n) => n.id));
  const out: VerifiedPlanVerdict = {
    ...rest,
    nodeIds: verdict.nodeIds.filter((id) => nodes.has(id)),
    unknownNodeIds: verdict.nodeIds.filter((id) => !nodes.has(id)),
  };
  if (diagnostic) out.diagnostic = { check: diagnostic.check, nodeId: diagnostic.nodeId };
  if (suggestedSql !== undefined) out.suggestion = checkSchemaChange(suggestedSql, context);
  if (rewrittenQuery !== undefined) out.rewrite = checkRewrittenQuery(rewrittenQuery, context);
  return out;
}

/**
 * A schema change, maintenance or setting: it must parse, hold no query or data change, and pass
 * dbtool's own migration review (against the real tables when a database described them) without an
 * error-level finding — so a CREATE INDEX without CONCURRENTLY on an existing table is unsafe.
 */
export function checkSchemaChange(sql: string, context: PlanCheckContext): CheckedPlanSuggestion {
  const parseError = syntaxError(sql);
  if (parseError) return { sql, status: 'unparseable', findings: [], reason: parseError };
  const queries = parseSql(sql)
    .statements.map((s) => QUERY_KINDS[nodeTag(s.node) ?? ''] ?? '')
    .filter(Boolean);
  if (queries.length > 0) {
    return {
      sql,
      status: 'unsafe',
      findings: [],
      reason: `a schema change may not hold a query or data change (it holds ${[...new Set(queries)].join(', ')})`,
    };
  }
  const files: SourceFile[] = [];
  if (context.history) files.push({ path: '<database tables>', migration: 'database', text: context.history, problems: [], review: false });
  files.push({ path: '<suggestion>', migration: 'suggestion', text: sql, problems: [], review: true });
  const statements = review([{ files }], context.settings).files[0]?.statements ?? [];
  const all = statements.flatMap((s) => s.findings);
  const syntax = all.find((f) => f.rule === 'syntax-error');
  if (syntax) return { sql, status: 'unparseable', findings: [], reason: syntax.message };
  const findings = all.map((f) => ({ rule: f.rule, severity: f.severity }));
  const errors = [...new Set(findings.filter((f) => f.severity === 'error').map((f) => f.rule))];
  if (errors.length > 0) return { sql, status: 'unsafe', findings, reason: `dbtool's review of it reports ${errors.join(', ')} (error)` };
  return { sql, status: 'checked', findings };
}

/** A rewritten query: exactly one statement that `dbtool explain` would run without --allow-write. */
export function checkRewrittenQuery(sql: string, context: PlanCheckContext): CheckedPlanSuggestion {
  const parseError = syntaxError(sql);
  if (parseError) return { sql, status: 'unparseable', findings: [], reason: parseError };
  const verdict = checkExplainable(sql);
  if (!verdict.ok) return { sql, status: 'unsafe', findings: [], reason: `a rewritten query must be one read-only statement: ${verdict.reason}` };
  if (verdict.writes.length > 0)
    return { sql, status: 'unsafe', findings: [], reason: `a rewritten query must be read-only, and this one writes (${verdict.writes.join(', ')})` };
  if (context.query !== undefined && sameStatement(sql, context.query)) return { sql, status: 'unchanged', findings: [] };
  return { sql, status: 'checked', findings: [] };
}
