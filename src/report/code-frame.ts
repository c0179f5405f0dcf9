import type { ChalkInstance } from 'chalk';

/** The source line around a position with a caret under the column, as every SQL error is shown. */
export function codeFrame(text: string, line: number, column: number, color: ChalkInstance): string {
  const lines = text.split('\n');
  const width = String(Math.min(line + 1, lines.length)).length;
  const out: string[] = [];
  for (let n = Math.max(1, line - 1); n <= Math.min(lines.length, line + 1); n++) {
    const content = (lines[n - 1] ?? '').replace(/\r$/, '').replace(/\t/g, ' ');
    const gutter = `${String(n).padStart(width)} | `;
    out.push(n === line ? `${color.bold('>')} ${gutter}${content}` : `  ${color.dim(gutter)}${color.dim(content)}`);
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, column - 1))}${color.red('^')}`);
  }
  return out.join('\n');
}
