import { allFindings } from '../review/engine.js';
import type { Report } from '../review/engine.js';

const BADGE = { error: '🔴 error', warning: '🟡 warning', info: '🔵 info' } as const;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A pull-request comment: a summary line, then each file's findings with their help and fix. */
export function reviewToMarkdown(report: Report): string {
  const { files, statements, errors, warnings, infos } = report.summary;
  const out = [`## dbtool review (PostgreSQL ${report.pgVersion})`, '', `${files} files, ${statements} statements: **${errors} errors**, ${warnings} warnings, ${infos} info.`];
  for (const file of report.files) {
    const findings = allFindings(file);
    if (findings.length === 0) continue;
    out.push('', `### \`${file.path}\``, '', '| line | severity | rule | what happens |', '|---|---|---|---|');
    for (const f of findings) out.push(`| ${f.line}:${f.column} | ${BADGE[f.severity]} | \`${f.rule}\` | ${cell(f.message)} |`);
    for (const f of findings.filter((x) => x.fix)) {
      out.push('', `<details><summary>Line ${f.line}, ${f.rule}: safer SQL</summary>`, '', cell(f.help), '', '```sql', f.fix ?? '', '```', '', '</details>');
    }
  }
  return `${out.join('\n')}\n`;
}
