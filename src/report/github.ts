import { allFindings } from '../review/finish.js';
import type { Report } from '../review/report-types.js';
import { visible } from './visible.js';

const LEVEL = { error: 'error', warning: 'warning', info: 'notice' } as const;

/** GitHub Actions escapes data and property values of workflow commands this way. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One workflow command per finding, so pull requests show them on the changed lines. */
export function reviewToGithub(report: Report): string {
  const lines: string[] = [];
  for (const file of report.files) {
    for (const f of allFindings(file)) {
      const props = [`file=${escapeProperty(file.path)}`, `line=${f.line}`, `col=${f.column}`, `title=${escapeProperty(`dbtool ${f.rule}`)}`].join(',');
      lines.push(`::${LEVEL[f.severity]} ${props}::${escapeData(`${f.message}\n${f.help}${f.fix ? `\n${f.fix}` : ''}`)}`);
    }
  }
  const { files, statements, errors, warnings, infos } = report.summary;
  lines.push(
    `dbtool: ${files} files, ${statements} statements reviewed for PostgreSQL ${report.pgVersion}: ${errors} errors, ${warnings} warnings, ${infos} info`,
  );
  // a workflow log is shown in a terminal-like view: no raw control characters from the files
  return visible(`${lines.join('\n')}\n`);
}
