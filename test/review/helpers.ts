import { review } from '../../src/review/engine.js';
import type { ReviewSettings } from '../../src/review/findings.js';
import type { Report, StatementReport } from '../../src/review/report-types.js';

export const DEFAULTS: ReviewSettings = { pgVersion: 18, timezoneIsUtc: true, transactionMode: 'all' };

/** Reviews `sql` as the newest migration of a folder whose earlier migration is `history`. */
export function reviewAfter(history: string, sql: string, settings: Partial<ReviewSettings> = {}): Report {
  return review(
    [
      {
        files: [
          { path: '0000_history.sql', migration: '0000_history', text: history, problems: [], review: false },
          { path: '0001_change.sql', migration: '0001_change', text: sql, problems: [], review: true },
        ],
      },
    ],
    { ...DEFAULTS, ...settings },
  );
}

/** The effects of the last statement of `sql`, given `history`. */
export function lastStatement(history: string, sql: string, settings: Partial<ReviewSettings> = {}): StatementReport {
  const statements = reviewAfter(history, sql, settings).files[0]?.statements ?? [];
  const last = statements[statements.length - 1];
  if (!last) throw new Error('no statement');
  return last;
}

export function rulesOf(report: Report): string[] {
  return report.files.flatMap((f) => [...f.findings, ...f.statements.flatMap((s) => s.findings)]).map((f) => f.rule);
}
