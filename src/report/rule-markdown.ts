import type { RuleRow } from '../review/rules/rows.js';

/** One rule's page in Markdown (Why / Bad / Good / With Drizzle / When to ignore), as code-scanning UIs show help. */
export function rulePageMarkdown(row: RuleRow): string {
  const sql = (text: string) => `\`\`\`sql\n${text.trim()}\n\`\`\``;
  const out = [`**${row.summary}** (default severity: ${row.severity}${row.enabledByDefault ? '' : ', off by default'})`, '', '### Why', '', row.docs.why];
  if ('bad' in row.docs) {
    const docs = row.docs;
    if (docs.history) out.push('', '_The examples run after these earlier migrations:_', '', sql(docs.history));
    out.push('', '### Bad', '', ...docs.bad.map(sql), '', '### Good', '', ...docs.good.map(sql));
  }
  if (row.docs.drizzle) out.push('', '### With Drizzle', '', row.docs.drizzle);
  out.push('', '### When to ignore', '', row.docs.ignoreWhen);
  if (row.kind === 'statement') out.push('', `Silence one statement with \`-- dbtool-ignore ${row.id}: <reason>\` on the line before it.`);
  if (row.reference) out.push('', `Reference: ${row.reference}`);
  return out.join('\n');
}

/** The same page as plain text, for viewers without Markdown. */
export function rulePageText(row: RuleRow): string {
  const out = [`${row.summary}.`, '', `Why: ${row.docs.why}`];
  if ('bad' in row.docs) out.push('', 'Bad:', ...row.docs.bad.map((s) => s.trim()), '', 'Good:', ...row.docs.good.map((s) => s.trim()));
  if (row.docs.drizzle) out.push('', `With Drizzle: ${row.docs.drizzle}`);
  out.push('', `When to ignore: ${row.docs.ignoreWhen}`);
  return out.join('\n');
}
