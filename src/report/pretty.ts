import type { ChalkInstance } from 'chalk';
import { describeEstimate } from '../review/estimate.js';
import type { Finding } from '../review/findings.js';
import type { LockMode } from '../review/lock-modes.js';
import type { FileReport, Report, StatementReport } from '../review/report-types.js';
import { describeSize } from '../review/sizes.js';
import { codeFrame, FrameSource } from './code-frame.js';
import { visible } from './visible.js';

/** What each lock mode makes other sessions wait for, in the words a reviewer needs. */
export const LOCK_IMPACT: Record<LockMode, string> = {
  AccessShareLock: 'only waits for / blocks ACCESS EXCLUSIVE DDL',
  RowShareLock: 'blocks EXCLUSIVE and ACCESS EXCLUSIVE locks only',
  RowExclusiveLock: 'reads and writes continue; blocks index builds and most DDL',
  ShareUpdateExclusiveLock: 'reads and writes continue; blocks other DDL and VACUUM',
  ShareLock: 'blocks writes (INSERT/UPDATE/DELETE); reads continue',
  ShareRowExclusiveLock: 'blocks writes; reads continue',
  ExclusiveLock: 'blocks writes and row locks; plain reads continue',
  AccessExclusiveLock: 'blocks all reads and writes',
};

export interface PrettyOptions {
  color: ChalkInstance;
  /** show statements without findings too */
  verbose: boolean;
  width: number;
  /** the clock, for the age of a statistics export */
  now?: Date;
}

export function reviewToPretty(report: Report, opts: PrettyOptions): string {
  const c = opts.color;
  const out: string[] = [];
  for (const file of report.files) out.push(renderFile(file, opts));
  const { errors, warnings, infos, files, statements, suppressed } = report.summary;
  const verdict = errors > 0 ? c.red.bold('✖') : warnings > 0 ? c.yellow.bold('⚠') : c.green.bold('✔');
  if (report.sizeSource) out.push(c.dim(sizeSourceLine(report.sizeSource, opts.now ?? new Date())));
  if (report.runner) out.push(c.dim(runnerLine(report.runner)));
  out.push(
    `${verdict} ${files} file${files === 1 ? '' : 's'}, ${statements} statement${statements === 1 ? '' : 's'} reviewed for PostgreSQL ${report.pgVersion}: ${c.red(`${errors} error${errors === 1 ? '' : 's'}`)}, ${c.yellow(`${warnings} warning${warnings === 1 ? '' : 's'}`)}, ${infos} info${suppressed ? `, ${suppressed} silenced by dbtool-ignore` : ''}`,
  );
  return `${out.join('\n')}\n`;
}

/**
 * Everything taken from the input (paths, SQL, identifiers in messages) goes through `visible`, so a file cannot
 * send escape sequences to the terminal; the file's lines are indexed once, so each code frame costs its own lines.
 */
function renderFile(file: FileReport, opts: PrettyOptions): string {
  const c = opts.color;
  const shown: Shown = { path: visible(file.path), source: file.text === undefined ? undefined : new FrameSource(file.text) };
  const lines: string[] = [c.bold.underline(shown.path)];
  for (const finding of file.findings) lines.push(renderFinding(shown, finding, opts));
  let quiet = 0;
  for (const statement of file.statements) {
    if (statement.findings.length === 0 && !opts.verbose) {
      quiet++;
      continue;
    }
    lines.push(renderStatement(shown, statement, opts));
  }
  if (quiet > 0) lines.push(c.dim(`  ${quiet} statement${quiet === 1 ? '' : 's'} without findings${opts.verbose ? '' : ' (--verbose shows their effects)'}`));
  if (file.text === undefined && file.findings.length === 0) lines.push(c.dim('  (file missing)'));
  lines.push('');
  return lines.join('\n');
}

interface Shown {
  /** the file's path, safe to print */
  path: string;
  source: FrameSource | undefined;
}

function excerpt(sql: string, width: number): string {
  const max = Math.max(40, width);
  // a statement can be megabytes long: only its start is flattened
  const head = sql.length > max * 8 ? sql.slice(0, max * 8) : sql;
  const flat = head.replace(/\s+/g, ' ').trim();
  return visible(flat.length > max || head.length < sql.length ? `${flat.slice(0, max - 1)}…` : flat);
}

function renderStatement(file: Shown, s: StatementReport, opts: PrettyOptions): string {
  const c = opts.color;
  const location = `${file.path}:${s.line}:${s.column}`;
  const inline = location.length + 4 + Math.min(s.sql.length, 60) <= opts.width;
  const lines = inline
    ? [`  ${c.cyan(location)}  ${excerpt(s.sql, opts.width - location.length - 4)}`]
    : [`  ${c.cyan(location)}`, `    ${excerpt(s.sql, opts.width - 4)}`];
  const size = (relation: string) => (s.sizes?.[relation] ? ` ${c.dim(`[${describeSize(s.sizes[relation]!)}]`)}` : '');
  // a table created above is new and empty: its locks keep nobody waiting (the JSON still lists them)
  const fresh = new Set(s.newRelations);
  const locks = Object.entries(s.locks).filter(([relation]) => !fresh.has(relation));
  const rewrites = s.rewrites.filter((t) => !fresh.has(t));
  if (fresh.size > 0)
    lines.push(`    ${c.dim('new')}      ${visible([...fresh].join(', '))} ${c.dim('(created above: new and empty, its locks keep nobody waiting)')}`);
  for (const [relation, mode] of locks) lines.push(`    ${c.dim('lock')}     ${mode} on ${c.bold(visible(relation))}${size(relation)} — ${LOCK_IMPACT[mode]}`);
  if (s.estimate) lines.push(`    ${c.dim('time')}     ${describeEstimate(s.estimate)} (estimated from the table sizes)`);
  if (rewrites.length) lines.push(`    ${c.dim('rewrite')}  ${visible(rewrites.join(', '))} (the table is copied)`);
  const scansOnly = s.scans.filter((t) => !s.rewrites.includes(t) && !fresh.has(t));
  if (scansOnly.length) lines.push(`    ${c.dim('scan')}     ${visible(scansOnly.join(', '))} (every row is read)`);
  if (s.transaction === 'forbidden') lines.push(`    ${c.dim('tx')}       cannot run inside a transaction block`);
  if (s.unknown && s.findings.every((f) => f.rule !== 'syntax-error')) lines.push(`    ${c.dim('note')}     effects not modelled by dbtool`);
  // the model's explanations are about relations others use: none is left when all it touches is new
  const onlyFresh = fresh.size > 0 && locks.length === 0 && rewrites.length === 0 && scansOnly.length === 0;
  if (!onlyFresh) for (const note of s.notes) lines.push(`    ${c.dim('why')}      ${visible(note)}`);
  for (const finding of s.findings) lines.push(renderFinding(file, finding, opts));
  return lines.join('\n');
}

function renderFinding(file: Shown, f: Finding, opts: PrettyOptions): string {
  const c = opts.color;
  const badge = f.severity === 'error' ? c.red.bold('error') : f.severity === 'warning' ? c.yellow.bold('warning') : c.blue.bold('info');
  const lines = [`    ${badge} ${c.bold(f.rule)}  ${file.path}:${f.line}:${f.column}`, indent(visible(f.message), 6)];
  if (file.source !== undefined) lines.push(indent(codeFrame(file.source, f.line, f.column, c), 6));
  lines.push(indent(`${c.green('help:')} ${visible(f.help)}`, 6));
  if (f.fix) lines.push(indent(`${c.green('fix:')}\n${indent(visible(f.fix), 2)}`, 6));
  return lines.join('\n');
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

/** "Sizes from dbtool-stats.json (PostgreSQL 18.1 database app, exported 3 days ago): 4 of 5 touched relations known." */
export function sizeSourceLine(source: NonNullable<Report['sizeSource']>, now: Date): string {
  const days = Math.floor((now.getTime() - Date.parse(source.readAt)) / 86_400_000);
  const age = Number.isNaN(days) ? '' : days <= 0 ? ', read today' : `, exported ${days} day${days === 1 ? '' : 's'} ago`;
  const unknown = source.relations - source.known;
  return `Sizes from ${visible(source.label)} (PostgreSQL ${visible(source.serverVersion)} database ${visible(source.database)}${age}): ${source.known} of ${source.relations} touched relation${source.relations === 1 ? '' : 's'} known${unknown > 0 ? `; findings on the ${unknown} unknown keep their usual severity` : ''}.`;
}

const RUNNER_WORDS: Record<string, string> = {
  drizzle: "drizzle-orm's migrator (every pending migration in one transaction)",
  dbtool: 'dbtool migrate (a transaction per file; statements that refuse one run on their own; it sets lock_timeout)',
  none: 'none (no transaction around the files, as psql runs them)',
};

/** "Assumed runner: drizzle-orm's migrator (…), the default; --runner or "runner" in dbtool.config.json changes it." */
export function runnerLine(runner: NonNullable<Report['runner']>): string {
  const what = RUNNER_WORDS[runner.name] ?? runner.name;
  const from = runner.source === 'default' ? 'the default; --runner or "runner" in dbtool.config.json changes it' : `from ${visible(runner.source)}`;
  return `Assumed runner: ${what}, ${from}.`;
}
