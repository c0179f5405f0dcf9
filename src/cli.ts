import type { ChalkInstance } from 'chalk';
import { Command, CommanderError } from 'commander';
import * as explain from './commands/explain.js';
import * as generate from './commands/generate.js';
import * as migrate from './commands/migrate.js';
import * as reviewMigration from './commands/review-migration.js';
import * as rules from './commands/rules.js';
import * as status from './commands/status.js';
import type { Io } from './commands/io.js';
import { isDbtoolError } from './errors.js';
import { VERSION } from './version.js';

function colorLevel(argv: string[], stream: NodeJS.WriteStream): 0 | 1 | 2 | 3 {
  if (argv.includes('--no-color') || process.env.NO_COLOR) return 0;
  if (process.env.FORCE_COLOR) return 1;
  return stream.isTTY ? 1 : 0;
}

/** Runs the CLI and returns the exit code; the only place that decides it. */
export async function main(argv: string[]): Promise<number> {
  let chalk: Promise<ChalkInstance> | undefined;
  const palette = () => (chalk ??= import('chalk').then(({ Chalk }) => new Chalk({ level: colorLevel(argv, process.stdout) })));
  const io: Io = {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    palette,
    width: process.stdout.columns || 100,
  };
  let exitCode = 0;
  const program = new Command('dbtool')
    .description('safe PostgreSQL schema changes and queries for Drizzle ORM projects')
    .version(VERSION, '-V, --version')
    .option('--no-color', 'disable colours (NO_COLOR is honoured too)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run with --help for usage)');
  reviewMigration.register(program, io, (code) => (exitCode = code));
  rules.register(program, io, (code) => (exitCode = code));
  explain.register(program, io, (code) => (exitCode = code));
  generate.register(program, io, (code) => (exitCode = code));
  migrate.register(program, io, (code) => (exitCode = code));
  status.register(program, io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const color = await palette();
    if (isDbtoolError(error)) {
      io.stderr(`${color.red('error:')} ${error.message}\n${error.hint ? `${color.dim('hint:')} ${error.hint}\n` : ''}`);
      return error.exitCode;
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr(`${color.red('internal error')} in dbtool ${VERSION} — please report it with the input that caused it.\n${stack}\n`);
    return 2;
  }
}
