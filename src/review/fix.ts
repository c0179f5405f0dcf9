import { review } from './engine.js';
import type { Finding, ReviewSettings } from './findings.js';
import { allFindings } from './finish.js';
import type { ParsedStatement } from './parse.js';
import { parseSql } from './parse.js';
import type { FileReport, FolderSource, SourceFile } from './report-types.js';

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
 * Applies the mechanical fixes to every reviewed file of a folder, keeping each only if a review of the file with
 * it has the finding gone and nothing new at warning or error level (see `fixFile`). Pure.
 */
export function fixFolder(folder: FolderSource, settings: ReviewSettings, options: { breakpoints: boolean }): FileFix[] {
  const out: FileFix[] = [];
  // every candidate fix re-reviews the file after its history: the history is parsed once, not per candidate
  const files = folder.files.map((f) => (f.text !== undefined && !f.parsed ? { ...f, parsed: parseSql(f.text) } : f));
  files.forEach((file, index) => {
    if (!file.review || file.text === undefined || file.text.charCodeAt(0) === 0xfeff) return;
    // later files do not change this one's findings; earlier ones (as fixed so far) are its history
    const history = files.slice(0, index).map((f) => ({ ...f, review: false, problems: [] }));
    const reviewText = (text: string): FileReport | undefined =>
      review([{ files: [...history, { ...file, text, parsed: undefined } as SourceFile] }], settings).files[0];
    const fixed = fixFile(file.path, file.text, reviewText, options.breakpoints);
    files[index] = { ...file, text: fixed.text, parsed: parseSql(fixed.text) };
    out.push(fixed);
  });
  return out;
}

/** A fix as an edit of the file's text: `insert` replaces [from, to) (from === to for an insertion). */
interface Candidate {
  finding: Finding;
  statement: ParsedStatement;
  key: string;
  inserted: boolean;
  from: number;
  to: number;
  insert: string;
}

/**
 * Fixes one file in rounds. A round takes the next untried fix of every statement, applies them all and reviews the
 * result once; each fix is judged on its own statement (its finding gone, nothing new there) and the whole file must
 * improve. Fixes the review rejects are dropped and the rest re-reviewed; when the review cannot say which fix made
 * the file worse, that round's fixes are tried one at a time as before. So every applied fix is confirmed by a
 * review of the file containing it, and a file of n fixable statements costs a few reviews, not n.
 */
function fixFile(path: string, original: string, reviewText: (text: string) => FileReport | undefined, breakpoints: boolean): FileFix {
  let text = original;
  let current = reviewText(text);
  let parsed = parseSql(text).statements;
  const applied: Array<Omit<AppliedFix, 'line'>> = [];
  const skipped: Array<Omit<SkippedFix, 'line'> & { statement: string }> = [];
  const tried = new Set<string>();
  const skip = (c: Candidate, reason: string) => skipped.push({ rule: c.finding.rule, statement: c.statement.sql, reason });
  const accept = (rewrite: string, next: FileReport, batch: Candidate[]) => {
    for (const c of batch)
      applied.push({ rule: c.finding.rule, kind: c.inserted ? 'inserted' : 'replaced', before: c.statement.sql, sql: (c.finding.fix ?? '').trim() });
    text = rewrite;
    current = next;
    parsed = parseSql(text).statements;
  };

  /** The old way, for a round whose combined review cannot be attributed: one fix, one review. */
  const oneByOne = (batch: Candidate[]) => {
    const pending = new Set(batch.map((c) => c.key));
    for (;;) {
      if (!current) return;
      const c = nextCandidates(current, parsed, text, breakpoints, (key) => pending.has(key), true)[0];
      if (!c) return;
      pending.delete(c.key);
      if ('reason' in c) {
        skip(c, c.reason);
        continue;
      }
      const rewrite = applyEdits(text, [c]);
      const next = reviewText(rewrite);
      const verdict = next ? improves(current, next, [c.finding]) : 'the rewritten file could not be reviewed';
      if (verdict === true && next) accept(rewrite, next, [c]);
      else skip(c, verdict === true ? 'the rewritten file could not be reviewed' : verdict);
    }
  };

  while (current) {
    const found = nextCandidates(current, parsed, text, breakpoints, (key) => !tried.has(key), false);
    if (found.length === 0) break;
    let batch: Candidate[] = [];
    for (const c of found) {
      tried.add(c.key);
      if ('reason' in c) skip(c, c.reason);
      else batch.push(c);
    }
    while (batch.length > 0 && current) {
      const before: FileReport = current;
      const rewrite = applyEdits(text, batch);
      const next = reviewText(rewrite);
      if (!next) {
        if (batch.length === 1) skip(batch[0] as Candidate, 'the rewritten file could not be reviewed');
        else oneByOne(batch);
        break;
      }
      const verdicts = judge(before, next, batch);
      if (!verdicts) {
        // the statements do not line up: only the whole file can be judged, so one fix at a time
        if (batch.length > 1) oneByOne(batch);
        else {
          const whole = improves(
            before,
            next,
            batch.map((c) => c.finding),
          );
          if (whole === true) accept(rewrite, next, batch);
          else skip(batch[0] as Candidate, whole);
        }
        break;
      }
      const rejected = batch.filter((_, k) => verdicts[k] !== true);
      if (rejected.length > 0) {
        batch.forEach((c, k) => {
          if (verdicts[k] !== true) skip(c, verdicts[k] as string);
        });
        batch = batch.filter((_, k) => verdicts[k] === true);
        continue;
      }
      const whole = improves(
        before,
        next,
        batch.map((c) => c.finding),
      );
      if (whole === true) accept(rewrite, next, batch);
      else if (batch.length === 1) skip(batch[0] as Candidate, whole);
      else oneByOne(batch);
      break;
    }
  }
  const final = current as FileReport | undefined;
  for (const statement of final?.statements ?? []) {
    for (const finding of statement.findings) {
      if (finding.fix && !INSERTED_BEFORE.has(finding.rule) && !REPLACES_STATEMENT.has(finding.rule) && finding.severity !== 'info') {
        skipped.push({ rule: finding.rule, statement: statement.sql, reason: "the safe alternative needs a decision (see the finding's help)" });
      }
    }
  }
  // lines as they are in the file that is written, after every insertion above them
  const lines = new Map<string, number>();
  for (const st of parsed) if (!lines.has(st.sql)) lines.set(st.sql, st.line);
  const lineOf = (sql: string) => lines.get(sql) ?? 1;
  return {
    path,
    text,
    applied: applied.map((a) => ({ ...a, line: lineOf(a.kind === 'inserted' ? a.before : a.sql.replace(/;$/, '')) })).sort((a, b) => a.line - b.line),
    skipped: skipped.map(({ statement, ...rest }) => ({ ...rest, line: lineOf(statement) })).sort((a, b) => a.line - b.line),
  };
}

/**
 * The next fix to try on each statement (at most one per statement, so a review's verdict on a statement belongs
 * to one fix), in file order; a fix whose rewrite cannot be made comes back as a reason. With `first`, only the
 * first one in the file.
 */
function nextCandidates(
  report: FileReport,
  parsed: ParsedStatement[],
  text: string,
  breakpoints: boolean,
  wanted: (key: string) => boolean,
  first: boolean,
): Array<Candidate | (Candidate & { reason: string })> {
  const out: Array<Candidate | (Candidate & { reason: string })> = [];
  const keys = new Set<string>();
  for (const [i, statementReport] of report.statements.entries()) {
    const statement = parsed[i];
    if (!statement) continue;
    for (const finding of statementReport.findings) {
      if (!finding.fix || !(INSERTED_BEFORE.has(finding.rule) || REPLACES_STATEMENT.has(finding.rule))) continue;
      const key = `${finding.rule}\0${statement.sql}`;
      // identical statements share a key: as before, the first one stands for them
      if (!wanted(key) || keys.has(key)) continue;
      keys.add(key);
      const inserted = INSERTED_BEFORE.has(finding.rule);
      const edit = inserted ? insertBefore(text, statement, finding.fix, breakpoints) : replaceStatement(statement, finding.fix);
      out.push({ finding, statement, key, inserted, ...edit } as Candidate | (Candidate & { reason: string }));
      if (first) return out;
      break;
    }
  }
  return out;
}

function applyEdits(text: string, edits: Candidate[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const e of [...edits].sort((a, b) => a.from - b.from)) {
    parts.push(text.slice(at, e.from), e.insert);
    at = e.to;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

const bare = (sql: string) => sql.trim().replace(/;$/, '').trim();

/**
 * Each fix of a batch judged on its own statement of the combined review: true when its finding is gone there and no
 * rule reports more there (warnings and errors); otherwise the reason. Undefined when the rewritten file's
 * statements do not line up with the original's (a fix that parsed as more than one statement), so the
 * review cannot be attributed.
 */
function judge(before: FileReport, after: FileReport, batch: Candidate[]): Array<true | string> | undefined {
  const inserts = batch.filter((c) => c.inserted).length;
  if (after.statements.length !== before.statements.length + inserts) return undefined;
  const byStatement = new Map(batch.map((c) => [c.statement.index, c]));
  // a rule counts against a statement only if the file has more of it: a once-per-file finding may just move
  const fileBefore = tally(allFindings(before));
  const fileAfter = tally(allFindings(after));
  const verdicts = new Map<Candidate, true | string>();
  let shift = 0;
  for (let i = 0; i < before.statements.length; i++) {
    const c = byStatement.get(i);
    const own = [];
    if (c?.inserted) {
      const added = after.statements[i + shift];
      if (!added || bare(added.sql) !== bare(c.finding.fix ?? '')) return undefined;
      own.push(...added.findings);
      shift++;
    }
    const now = after.statements[i + shift];
    const was = before.statements[i];
    if (!now || !was) return undefined;
    if (bare(now.sql) !== (c && !c.inserted ? bare(c.insert) : bare(was.sql))) return undefined;
    if (!c) continue;
    own.push(...now.findings);
    const old = tally(was.findings);
    const counts = tally(own);
    const worse = [...counts].filter(([rule, n]) => n > (old.get(rule) ?? 0) && (fileAfter.get(rule) ?? 0) > (fileBefore.get(rule) ?? 0)).map(([rule]) => rule);
    verdicts.set(
      c,
      worse.length
        ? worseReason(worse)
        : (counts.get(c.finding.rule) ?? 0) >= (old.get(c.finding.rule) ?? 0)
          ? 'the rewritten statement is still reported'
          : true,
    );
  }
  return batch.map((c) => verdicts.get(c) ?? 'the rewritten statement is still reported');
}

function tally(findings: Finding[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of findings) if (f.severity !== 'info') counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  return counts;
}

function worseReason(worse: string[]): string {
  return `the safe form would be reported as ${worse.join(', ')} here${worse.includes('transaction-forbidden') ? ' (the runner wraps this file in a transaction: put it in its own migration run outside one)' : ''}`;
}

/**
 * Accepted when every fixed finding's rule is reported less often, no rule reports more than before at warning or
 * error level, and the total went down.
 */
function improves(before: FileReport, after: FileReport, fixed: Finding[]): true | string {
  const old = tally(allFindings(before));
  const now = tally(allFindings(after));
  const worse = [...now].filter(([rule, n]) => n > (old.get(rule) ?? 0)).map(([rule]) => rule);
  if (worse.length) return worseReason(worse);
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const gone = (rule: string) => (old.get(rule) ?? 0) - (now.get(rule) ?? 0);
  const needed = new Map<string, number>();
  for (const f of fixed) needed.set(f.rule, (needed.get(f.rule) ?? 0) + 1);
  if ([...needed].some(([rule, n]) => gone(rule) < n) || total(now) >= total(old)) return 'the rewritten statement is still reported';
  return true;
}

function replaceStatement(
  statement: ParsedStatement,
  fix: string,
): { from: number; to: number; insert: string } | { from: number; to: number; insert: string; reason: string } {
  const replacement = fix.trim().replace(/;$/, '');
  const edit = { from: statement.start, to: statement.end, insert: replacement };
  // several statements, comments or placeholders mean a split across migrations or a value to choose
  if (/--|<[a-z_ ]+>/i.test(replacement) || replacement.includes(';'))
    return { ...edit, reason: 'the safe form spans several statements or migrations, or has a value to choose' };
  return edit;
}

/** Inserts a statement above the one flagged, above its comments (which may be dbtool-ignore directives for it). */
function insertBefore(text: string, statement: ParsedStatement, fix: string, drizzle: boolean): { from: number; to: number; insert: string } {
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
  const breakpoints = drizzle || BREAKPOINT_LINE.test(text);
  return { from: at, to: at, insert: `${fix.trim()}\n${breakpoints ? '--> statement-breakpoint\n' : ''}` };
}

const BREAKPOINT_LINE = /^[ \t]*-->[ \t]*statement-breakpoint/m;
