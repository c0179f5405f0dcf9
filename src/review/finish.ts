import type { Finding, ReviewSettings, Severity } from './findings.js';
import type { FileReport, Report, Summary } from './report-types.js';

/**
 * The last step of every review, reviewed anew or read from the cache: the configured severities, then the
 * summary. Kept apart from the engine so that a review the cache answers whole never loads the reviewer.
 */
export function finishReview(files: FileReport[], settings: ReviewSettings): Report {
  applyRuleSettings(files, settings.rules ?? {});
  return { pgVersion: settings.pgVersion, files, summary: summarize(files) };
}

/** Configured severities replace the defaults; rules set to 'off' report nothing (input rules included). */
function applyRuleSettings(files: FileReport[], rules: Readonly<Record<string, Severity | 'off'>>): void {
  // the common case, no rule configured: nothing to copy for every statement of every file
  if (Object.keys(rules).length === 0) return;
  const adjust = (findings: Finding[]) =>
    findings.flatMap((f) => {
      const setting = rules[f.rule];
      if (setting === 'off') return [];
      return [setting ? { ...f, severity: setting } : f];
    });
  for (const file of files) {
    file.findings = adjust(file.findings);
    for (const statement of file.statements) statement.findings = adjust(statement.findings);
  }
}

export function allFindings(file: FileReport): Finding[] {
  return [...file.findings, ...file.statements.flatMap((s) => s.findings)];
}

function summarize(files: FileReport[]): Summary {
  const findings = files.flatMap(allFindings);
  return {
    files: files.length,
    statements: files.reduce((n, f) => n + f.statements.length, 0),
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    infos: findings.filter((f) => f.severity === 'info').length,
    suppressed: files.reduce((n, f) => n + f.suppressed, 0),
  };
}
