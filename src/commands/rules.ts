import type { Command } from 'commander';
import { Option } from 'commander';
import { UsageError } from '../errors.js';
import type { RuleDocs } from '../review/findings.js';
import type { RuleRow } from '../review/rules/rows.js';
import { ruleRows } from '../review/rules/rows.js';
import type { Io } from './io.js';

/** The README's rule table: generated from the registry, checked by test/readme.test.ts. */
export function ruleTableMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| rule | severity | what it catches |', '|---|---|---|'];
  for (const row of ruleRows()) {
    lines.push(`| \`${row.id}\` | ${row.severity}${row.enabledByDefault ? '' : ' (off)'} | ${cell(row.summary)} |`);
  }
  return lines.join('\n');
}

/** Ids that look like `wanted`: a shared word, or a few typing mistakes away. */
export function closeIds(wanted: string, ids: readonly string[]): string[] {
  const words = new Set(
    wanted
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2),
  );
  const scored = ids.map((id) => ({ id, distance: editDistance(wanted.toLowerCase(), id) }));
  const near = scored.filter(({ id, distance }) => distance <= Math.max(2, Math.floor(id.length / 4)) || id.split('-').some((w) => words.has(w)));
  return near
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 5)
    .map((s) => s.id);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** One rule's page: Why / Bad / Good / With Drizzle / When to ignore. */
function rulePage(row: RuleRow, c: Awaited<ReturnType<Io['palette']>>): string {
  const out: string[] = [];
  const heading = (text: string) => out.push('', c.bold(text));
  const indent = (text: string) =>
    text
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n');
  out.push(`${c.bold(row.id)} — ${row.summary}`);
  out.push(`default severity: ${row.severity}${row.enabledByDefault ? '' : ' (off by default: give it a severity in the configuration to turn it on)'}`);
  heading('Why');
  out.push(indent(row.docs.why));
  if ('bad' in row.docs) {
    const docs: RuleDocs = row.docs;
    heading('Bad');
    out.push(docs.bad.map((sql) => c.red(indent(sql))).join('\n\n'));
    heading('Good');
    out.push(docs.good.map((sql) => c.green(indent(sql))).join('\n\n'));
    if (docs.history) {
      heading('(The examples run after these earlier migrations)');
      out.push(c.dim(indent(docs.history.trim())));
    }
  }
  if (row.docs.drizzle) {
    heading('With Drizzle');
    out.push(indent(row.docs.drizzle));
  }
  heading('When to ignore');
  out.push(indent(row.docs.ignoreWhen));
  if (row.reference) out.push('', `Reference: ${row.reference}`);
  if (row.kind === 'statement') out.push('', c.dim(`Silence one statement with: -- dbtool-ignore ${row.id}: <reason>`));
  return `${out.join('\n')}\n`;
}

/** Lists every rule with its default severity, or prints one rule's page; as text or JSON. */
export async function run(opts: { format: 'pretty' | 'json'; id?: string }, io: Io): Promise<number> {
  const rows = ruleRows();
  if (opts.id !== undefined) {
    const row = rows.find((r) => r.id === opts.id);
    if (!row) {
      const close = closeIds(
        opts.id,
        rows.map((r) => r.id),
      );
      throw new UsageError(
        `unknown rule "${opts.id}"`,
        close.length ? `did you mean ${close.join(', ')}? (dbtool rules lists them all)` : 'dbtool rules lists them all',
      );
    }
    if (opts.format === 'json') io.stdout(`${JSON.stringify(row, null, 2)}\n`);
    else io.stdout(rulePage(row, await io.palette()));
    return 0;
  }
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const c = await io.palette();
  const width = Math.max(...rows.map((r) => r.id.length));
  for (const row of rows) {
    const severity = row.enabledByDefault ? row.severity : `${row.severity} (off)`;
    io.stdout(`${c.bold(row.id.padEnd(width))}  ${severity.padEnd(13)}  ${row.summary}\n`);
  }
  io.stdout(c.dim('\ndbtool rules <id> shows why a rule matters, examples and the safe alternative.\n'));
  return 0;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('rules')
    .argument('[id]', 'a rule id: print its page (why, bad and good examples, drizzle advice, when to ignore)')
    .description('list the review rules with their default severity, or explain one')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addHelpText('after', '\nExamples:\n  $ dbtool rules\n  $ dbtool rules blocking-full-scan\n  $ dbtool rules --format json')
    .action(async (id: string | undefined, opts: { format: 'pretty' | 'json' }) => setExit(await run({ ...opts, ...(id === undefined ? {} : { id }) }, io)));
}
