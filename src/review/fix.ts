import { allFindings, review } from './engine.js';
import type { FileReport, FolderSource, SourceFile } from './engine.js';
import type { Finding, ReviewSettings } from './findings.js';
import { parseSql } from './parse.js';
import type { ParsedStatement } from './parse.js';

/**
 * Rules whose `fix` can be applied without a decision: a lock_timeout in front of the statement, or a
 * drop-in replacement of the statement (CREATE INDEX → CONCURRENTLY, REFRESH … CONCURRENTLY). Even these are
 * applied only when the review of the rewritten file confirms them (see `improves`).
 */
const INSERTED_BEFORE = new Set(['missing-lock-timeout']);
const REPLACES_STATEMENT = new Set(['blocking-full-scan', 'refresh-materialized-view']);

export interface AppliedFix {
  rule: string;
  /** the line of the rewritten statement in the fixed file */
  line: number;
  /** 'inserted': `sql` was added above the statement; 'replaced': the statement became `sql` */
  kind: 'inserted' | 'replaced';
  before: string;
  sql: string;
}

export interface SkippedFix {
  rule: string;
  line: number;
  reason: string;
}

export interface FileFix {
  path: string;
  /** the rewritten text; equal to the original when nothing was applied */
  text: string;
  applied: AppliedFix[];
  skipped: SkippedFix[];
}

/**
 * Applies the mechanical fixes to every reviewed file of a folder, one at a time, keeping each only if the
 * file's review afterwards has the finding gone and nothing new at warning or error level. Pure.
 */
export function fixFolder(folder: FolderSource, settings: ReviewSettings, options: { breakpoints: boolean }): FileFix[] {
  const out: FileFix[] = [];
  // every candidate fix re-reviews the file after its history: the history is parsed once, not per candidate
  const files = folder.files.map((f) => (f.text !== undefined && !f.parsed ? { ...f, parsed: parseSql(f.text) } : f));
  files.forEach((file, index) => {
    if (!file.review || file.text === undefined || file.text.charCodeAt(0) === 0xfeff) return;
    // later files do not change this one's findings; earlier ones (as fixed so far) are its history
    const history = files.slice(0, index).map((f) => ({ ...f, review: false, problems: [] }));
    const reviewText = (text: string): FileReport | undefined => review([{ files: [...history, { ...file, text, parsed: undefined } as SourceFile] }], settings).files[0];
    const fixed = fixFile(file.path, file.text, reviewText, options.breakpoints);
    files[index] = { ...file, text: fixed.text, parsed: parseSql(fixed.text) };
    out.push(fixed);
  });
  return out;
}

function fixFile(path: string, original: string, reviewText: (text: string) => FileReport | undefined, breakpoints: boolean): FileFix {
  let text = original;
  let current = reviewText(text);
  const applied: Array<Omit<AppliedFix, 'line'>> = [];
  const skipped: Array<Omit<SkippedFix, 'line'> & { statement: string }> = [];
  const tried = new Set<string>();
  for (;;) {
    if (!current) break;
    const parsed = parseSql(text).statements;
    const candidate = nextCandidate(current, parsed, tried);
    if (!candidate) break;
    const { finding, statement, key } = candidate;
    tried.add(key);
    const rewrite = INSERTED_BEFORE.has(finding.rule) ? insertBefore(text, statement, finding.fix ?? '', breakpoints) : replaceStatement(text, statement, finding.fix ?? '');
    if (typeof rewrite !== 'string') {
      skipped.push({ rule: finding.rule, statement: statement.sql, reason: rewrite.reason });
      continue;
    }
    const next = reviewText(rewrite);
    const verdict = next ? improves(current, next, finding) : 'the rewritten file could not be reviewed';
    if (verdict !== true) {
      skipped.push({ rule: finding.rule, statement: statement.sql, reason: verdict });
      continue;
    }
    const inserted = INSERTED_BEFORE.has(finding.rule);
    applied.push({ rule: finding.rule, kind: inserted ? 'inserted' : 'replaced', before: statement.sql, sql: (finding.fix ?? '').trim() });
    text = rewrite;
    current = next;
  }
  for (const statement of current?.statements ?? []) {
    for (const finding of statement.findings) {
      if (finding.fix && !INSERTED_BEFORE.has(finding.rule) && !REPLACES_STATEMENT.has(finding.rule) && finding.severity !== 'info') {
        skipped.push({ rule: finding.rule, statement: statement.sql, reason: 'the safe alternative needs a decision (see the finding\'s help)' });
      }
    }
  }
  // lines as they are in the file that is written, after every insertion above them
  const final = parseSql(text).statements;
  const lineOf = (sql: string) => final.find((st) => st.sql === sql)?.line ?? 1;
  return {
    path,
    text,
    applied: applied.map((a) => ({ ...a, line: lineOf(a.kind === 'inserted' ? a.before : a.sql.replace(/;$/, '')) })),
    skipped: skipped.map(({ statement, ...rest }) => ({ ...rest, line: lineOf(statement) })).sort((a, b) => a.line - b.line),
  };
}

function nextCandidate(report: FileReport, parsed: ParsedStatement[], tried: Set<string>) {
  for (const [i, statementReport] of report.statements.entries()) {
    const statement = parsed[i];
    if (!statement) continue;
    for (const finding of statementReport.findings) {
      if (!finding.fix || !(INSERTED_BEFORE.has(finding.rule) || REPLACES_STATEMENT.has(finding.rule))) continue;
      const key = `${finding.rule}\0${statement.sql}`;
      if (!tried.has(key)) return { finding, statement, key };
    }
  }
  return undefined;
}

/** Accepted when the finding is gone, no rule reports more than before at warning or error level, and the total went down. */
function improves(before: FileReport, after: FileReport, fixed: Finding): true | string {
  const tally = (report: FileReport) => {
    const counts = new Map<string, number>();
    for (const f of allFindings(report)) if (f.severity !== 'info') counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
    return counts;
  };
  const old = tally(before);
  const now = tally(after);
  const worse = [...now].filter(([rule, n]) => n > (old.get(rule) ?? 0)).map(([rule]) => rule);
  if (worse.length) return `the safe form would be reported as ${worse.join(', ')} here${worse.includes('transaction-forbidden') ? ' (the runner wraps this file in a transaction: put it in its own migration run outside one)' : ''}`;
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  if ((now.get(fixed.rule) ?? 0) >= (old.get(fixed.rule) ?? 0) || total(now) >= total(old)) return 'the rewritten statement is still reported';
  return true;
}

function replaceStatement(text: string, statement: ParsedStatement, fix: string): string | { reason: string } {
  const replacement = fix.trim().replace(/;$/, '');
  // several statements, comments or placeholders mean a split across migrations or a value to choose
  if (/--|<[a-z_ ]+>/i.test(replacement) || replacement.includes(';')) return { reason: 'the safe form spans several statements or migrations, or has a value to choose' };
  return `${text.slice(0, statement.start)}${replacement}${text.slice(statement.end)}`;
}

/** Inserts a statement above the one flagged, above its comments (which may be dbtool-ignore directives for it). */
function insertBefore(text: string, statement: ParsedStatement, fix: string, drizzle: boolean): string {
  const leading = text.slice(statement.leadingStart, statement.start);
  const marker = /-->[ \t]*statement-breakpoint|;/g;
  let cut = 0;
  for (let m = marker.exec(leading); m; m = marker.exec(leading)) cut = m.index + m[0].length;
  if (cut > 0) {
    const newline = leading.indexOf('\n', cut);
    cut = newline < 0 ? leading.length : newline + 1;
  }
  const at = statement.leadingStart + cut;
  // drizzle's migrator splits files on these markers, whether or not this file has one yet
  const breakpoints = drizzle || /^[ \t]*-->[ \t]*statement-breakpoint/m.test(text);
  return `${text.slice(0, at)}${fix.trim()}\n${breakpoints ? '--> statement-breakpoint\n' : ''}${text.slice(at)}`;
}
