import type { Finding, Severity } from '../review/findings.js';
import { allFindings } from '../review/finish.js';
import type { FileReport, Report } from '../review/report-types.js';
import { visible } from './visible.js';

const BADGE = { error: '🔴 error', warning: '🟡 warning', info: '🔵 info' } as const;
const RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
/** GitHub rejects comments over 65,536 characters; the rest is left for whatever posts the comment. */
export const MARKDOWN_BUDGET = 60_000;
/** Findings listed per file before the rest are counted instead: a thousand rows help nobody. */
const ROWS_PER_FILE = 25;
const EXCERPT = 90;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** A statement's first characters as inline code that survives a table cell. */
function excerpt(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  const short = flat.length > EXCERPT ? `${flat.slice(0, EXCERPT - 1)}…` : flat;
  return `\`${short.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

function worst(findings: Finding[]): number {
  return Math.min(...findings.map((f) => RANK[f.severity]));
}

/**
 * A pull-request comment: the totals, a table of the files with findings, then each file's findings with the
 * statement they are about and the safer SQL folded away. Files with errors come first, and the comment stays
 * under GitHub's size limit however large the change: what does not fit is counted, not dropped silently.
 */
export function reviewToMarkdown(report: Report, budget = MARKDOWN_BUDGET): string {
  const { files, statements, errors, warnings, infos } = report.summary;
  const withFindings = report.files.map((file) => ({ file, findings: allFindings(file) })).filter((x) => x.findings.length > 0);
  withFindings.sort((a, b) => worst(a.findings) - worst(b.findings));
  const head = [`## dbtool review (PostgreSQL ${report.pgVersion})`, ''];
  head.push(
    withFindings.length === 0
      ? `✅ ${files} files, ${statements} statements: no findings.`
      : `${files} files, ${statements} statements: **${errors} errors**, ${warnings} warnings, ${infos} info.`,
  );
  if (withFindings.length > 0) {
    head.push('', '| file | errors | warnings | info |', '|---|--:|--:|--:|');
    const count = (f: Finding[], s: Severity) => f.filter((x) => x.severity === s).length;
    const listed = withFindings.slice(0, 50);
    for (const { file, findings } of listed)
      head.push(`| \`${cell(file.path)}\` | ${count(findings, 'error')} | ${count(findings, 'warning')} | ${count(findings, 'info')} |`);
    if (withFindings.length > listed.length) head.push(`| … ${withFindings.length - listed.length} more files | | | |`);
  }
  // control characters from the files are escaped before the size is measured
  let text = visible(head.join('\n'));
  let shown = 0;
  for (const { file, findings } of withFindings) {
    const section = fileSection(file, findings);
    // the closing note needs room too
    if (text.length + section.length + 400 > budget) break;
    text += section;
    shown++;
  }
  if (shown < withFindings.length) {
    const rest = withFindings.slice(shown);
    const hidden = rest.reduce((n, x) => n + x.findings.length, 0);
    text += `\n\n> ${hidden} more findings in ${rest.length} files do not fit in one comment: run \`dbtool review-migration\` locally or see the CI log for all of them.`;
  }
  return `${text}\n`;
}

function fileSection(file: FileReport, findings: Finding[]): string {
  const statementOf = (f: Finding) => file.statements.find((s) => s.findings.includes(f));
  const out = ['', '', `### \`${cell(file.path)}\``, '', '| line | severity | rule | statement | what happens |', '|---|---|---|---|---|'];
  const sorted = [...findings].sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.line - b.line);
  const rows = sorted.slice(0, ROWS_PER_FILE);
  for (const f of rows) {
    const statement = statementOf(f);
    out.push(`| ${f.line}:${f.column} | ${BADGE[f.severity]} | \`${f.rule}\` | ${statement ? excerpt(statement.sql) : ''} | ${cell(f.message)} |`);
  }
  if (sorted.length > rows.length) out.push('', `… and ${sorted.length - rows.length} more findings in this file.`);
  for (const f of rows.filter((x) => x.fix)) {
    out.push('', `<details><summary>Line ${f.line}, ${f.rule}: safer SQL</summary>`, '', cell(f.help), '', '```sql', f.fix ?? '', '```', '', '</details>');
  }
  return visible(out.join('\n'));
}
