import type { ChalkInstance } from 'chalk';
import { Command, CommanderError } from 'commander';
import type { Io } from './commands/io.js';
import { isDbtoolError } from './errors.js';
import { VERSION } from './version.js';

type Register = (program: Command, io: Io, setExit: (code: number) => void) => void;

/** Each command's module, loaded only when it runs (or for help): a review should not load the migrate runner. */
const COMMANDS: Record<string, () => Promise<{ register: Register }>> = {
  'review-migration': () => import('./commands/review-migration.js'),
  rules: () => import('./commands/rules.js'),
  explain: () => import('./commands/explain.js'),
  generate: () => import('./commands/generate.js'),
  migrate: () => import('./commands/migrate.js'),
  status: () => import('./commands/status.js'),
  stats: () => import('./commands/stats.js'),
};

/** The command argv names, or every command when there is none (help, version, a typo commander reports). */
function commandsToLoad(argv: string[]): string[] {
  const named = argv.slice(2).find((a) => !a.startsWith('-'));
  return named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
}

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
  try {
    for (const name of commandsToLoad(argv)) (await COMMANDS[name]!()).register(program, io, (code) => (exitCode = code));
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
