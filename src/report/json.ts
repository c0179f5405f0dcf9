import type { Report } from '../review/report-types.js';

/** Bumped only when a field changes meaning or disappears; new fields may appear at any time. */
export const REVIEW_REPORT_VERSION = 1;

/**
 * The machine-readable review, exactly as ARCHITECTURE.md's "Review JSON" contract describes it; `extra`
 * adds top-level keys of its own (the AI second opinion's `ai`).
 */
export function reviewToJson(report: Report, toolVersion: string, extra: Record<string, unknown> = {}): string {
  const body = {
    tool: 'dbtool',
    version: toolVersion,
    reportVersion: REVIEW_REPORT_VERSION,
    pgVersion: report.pgVersion,
    ...(report.runner ? { runner: report.runner.name } : {}),
    files: report.files.map((file) => ({
      path: file.path,
      migration: file.migration,
      statements: file.statements.map((s) => ({
        line: s.line,
        column: s.column,
        endLine: s.endLine,
        sql: s.sql,
        locks: s.locks,
        rewrites: s.rewrites,
        scans: s.scans,
        transaction: s.transaction,
        ...(s.sizes ? { sizes: s.sizes } : {}),
        ...(s.estimate ? { estimate: s.estimate } : {}),
        findings: s.findings,
      })),
      findings: file.findings,
    })),
    summary: report.summary,
    ...(report.sizeSource ? { sizeSource: report.sizeSource } : {}),
    ...extra,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}
