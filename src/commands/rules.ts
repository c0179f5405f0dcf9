import type { Command } from 'commander';
import { Option } from 'commander';
import { INPUT_RULES, RULES } from '../review/rules/index.js';
import type { Io } from './io.js';

interface RuleRow {
  id: string;
  severity: string;
  summary: string;
}

export function ruleRows(): RuleRow[] {
  return [
    ...RULES.map((r) => ({ id: r.id, severity: r.severity, summary: r.summary })),
    ...Object.entries(INPUT_RULES).map(([id, r]) => ({ id, severity: r.severity, summary: r.summary })),
  ];
}

/** Lists every rule with its default severity, as text or JSON. */
export async function run(opts: { format: 'pretty' | 'json' }, io: Io): Promise<number> {
  const rows = ruleRows();
  if (opts.format === 'json') {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const c = await io.palette();
  const width = Math.max(...rows.map((r) => r.id.length));
  for (const row of rows) io.stdout(`${c.bold(row.id.padEnd(width))}  ${row.severity.padEnd(7)}  ${row.summary}\n`);
  return 0;
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('rules')
    .description('list the review rules with their default severity')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action(async (opts: { format: 'pretty' | 'json' }) => setExit(await run(opts, io)));
}
