import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoadedInput } from '../drizzle/inputs.js';
import { visible } from '../report/visible.js';
import type { ReviewSettings } from '../review/findings.js';
import { fixFolder } from '../review/fix.js';
import type { Io } from './io.js';

/**
 * --fix: rewrites each reviewed file with the fixes that need no decision and that its review confirms, says
 * on stderr what changed and what was left, and leaves the inputs holding the new text for the report. The
 * caller decides which files are under review (only those are written).
 */
export function applyFixes(inputs: LoadedInput[], settings: ReviewSettings, io: Io): void {
  const lines: string[] = [];
  for (const input of inputs) {
    // a merged migration that was edited is reported as such, not edited further
    const eligible = { files: input.files.map((f) => (f.problems.some((p) => p.rule === 'edited-migration') ? { ...f, review: false } : f)) };
    for (const fixed of fixFolder(eligible, settings, { breakpoints: Boolean(input.drizzle) })) {
      if (fixed.applied.length > 0) {
        writeFileSync(resolve(io.cwd, fixed.path), fixed.text);
        const file = input.files.find((f) => f.path === fixed.path);
        if (file) {
          file.text = fixed.text;
          delete file.parsed;
        }
        lines.push(
          `fixed ${fixed.path}:`,
          ...fixed.applied.map((a) =>
            a.kind === 'inserted'
              ? `  line ${a.line}  ${a.rule}: added ${oneLine(a.sql)} above ${oneLine(a.before)}`
              : `  line ${a.line}  ${a.rule}: ${oneLine(a.before)}  ->  ${oneLine(a.sql)}`,
          ),
        );
      }
      if (fixed.skipped.length > 0) {
        lines.push(`not fixed in ${fixed.path}:`, ...fixed.skipped.map((s) => `  line ${s.line}  ${s.rule}: ${s.reason}`));
      }
    }
  }
  // statements and paths come from the files: no raw control characters to the terminal
  io.stderr(lines.length ? `${visible(lines.join('\n'))}\n\n` : 'dbtool --fix: nothing to fix.\n\n');
}

function oneLine(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}
