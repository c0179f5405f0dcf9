import type { ChalkInstance } from 'chalk';
import { visible } from './visible.js';

/** Source lines as offsets, indexed once per file: a frame then costs the lines it shows, not the file's size. */
export class FrameSource {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) this.starts.push(at + 1);
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** char offsets of a 1-based line, without its line end */
  lineRange(line: number): [number, number] {
    const start = this.starts[line - 1] ?? this.text.length;
    const next = this.starts[line];
    let end = next === undefined ? this.text.length : next - 1;
    if (end > start && this.text.charCodeAt(end - 1) === 13) end--;
    return [start, end];
  }
}

/** Lines up to this many characters are shown whole (nearly every line drizzle-kit writes). */
export const WHOLE_LINE = 300;
/** Characters of a longer line shown around the column; the rest is cut with … on either side. */
export const FRAME_WIDTH = 160;

/**
 * The source line around a position with a caret under the column, as every SQL error is shown. A long line is
 * shown as a window around the column, and control characters from the file are escaped visibly. Pass a
 * FrameSource when showing many frames of one text.
 */
export function codeFrame(source: string | FrameSource, line: number, column: number, color: ChalkInstance): string {
  const src = typeof source === 'string' ? new FrameSource(source) : source;
  const last = Math.min(src.lineCount, line + 1);
  const width = String(Math.min(line + 1, src.lineCount)).length;
  const [targetStart, targetEnd] = src.lineRange(line);
  const at = Math.max(0, column - 1);
  // one window for the three lines, so they stay aligned with each other and with the caret
  const long = targetEnd - targetStart > WHOLE_LINE;
  const from = long ? Math.max(0, Math.min(at - FRAME_WIDTH / 2, targetEnd - targetStart - FRAME_WIDTH)) : 0;
  const shown = long ? FRAME_WIDTH : WHOLE_LINE;
  const out: string[] = [];
  for (let n = Math.max(1, line - 1); n <= last; n++) {
    const [start, end] = src.lineRange(n);
    const content = windowed(src.text, start, end, from, shown);
    const gutter = `${String(n).padStart(width)} | `;
    out.push(n === line ? `${color.bold('>')} ${gutter}${content}` : `  ${color.dim(gutter)}${color.dim(content)}`);
    if (n === line) {
      const before = `${from > 0 ? '…' : ''}${visible(src.text.slice(start + from, Math.min(start + at, end)).replace(/\t/g, ' '))}`;
      out.push(`  ${' '.repeat(width)} | ${' '.repeat(before.length + Math.max(0, start + at - end))}${color.red('^')}`);
    }
  }
  return out.join('\n');
}

/** `width` characters of a line from `from`, with … where it was cut, tabs as one space, controls escaped. */
function windowed(text: string, start: number, end: number, from: number, width: number): string {
  const a = Math.min(end, start + from);
  const b = Math.min(end, a + width);
  const shown = visible(text.slice(a, b).replace(/\t/g, ' '));
  return `${a > start ? '…' : ''}${shown}${b < end ? '…' : ''}`;
}
