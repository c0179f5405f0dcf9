import { relative } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Connection } from '../ai/core/client.js';
import type { ReviewConfig } from '../config.js';
import { resolveReviewConfig, reviewSettingsOf } from '../config.js';
import { loadInput } from '../drizzle/inputs.js';
import { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { createdFiles, findDrizzleKit, migrationFiles, runDrizzleKit } from '../drizzle/kit-runner.js';
import { DbtoolError, UsageError } from '../errors.js';
import { reviewToJson } from '../report/json.js';
import { reviewToPretty } from '../report/pretty.js';
import { loadParser } from '../review/parse.js';
import { applySizes } from '../review/sizes.js';
import { VERSION } from '../version.js';
import type { MigrationAiDeps, MigrationAiFlags } from './ai-options.js';
import { addAiOptions, aiConnection, checkAiFlags, MIGRATION_AI_HELP } from './ai-options.js';
import type { Io } from './io.js';
import { migrationSecondOpinion } from './migration-ai.js';
import { openReviewCache, reviewWithCache, tidyReviewCache } from './review-cache.js';
import type { SizeFlags } from './size-options.js';
import { addStatsOption, resolveSizes } from './size-options.js';

export interface GenerateFlags extends MigrationAiFlags, SizeFlags {
  format: 'pretty' | 'json';
  config?: string;
  /** apply the mechanical fixes to the migrations drizzle-kit just wrote */
  fix?: boolean;
  /** rebuild the branch's migrations on top of this git ref's history */
  rebase?: string;
  /** with --rebase: print the plan, write nothing */
  dryRun?: boolean;
  /** what applies the migrations: decides the transaction rules of the review */
  runner?: string;
}

/** drizzle-kit generate, then the review of exactly the files it wrote. */
export async function run(kitArgs: string[], flags: GenerateFlags, io: Io, interactive = false, deps: MigrationAiDeps = {}): Promise<number> {
  if (flags.rebase !== undefined) return (await import('./generate-rebase.js')).rebase(flags.rebase, kitArgs, flags, io, interactive, deps);
  if (flags.dryRun)
    throw new UsageError('--dry-run only applies with --rebase', 'dbtool generate --rebase origin/main --dry-run prints the plan without writing.');
  const bin = findDrizzleKit(io.cwd);
  const explicit = configArg(kitArgs);
  const drizzle = await loadDrizzleConfig(io.cwd, explicit);
  const out = drizzle?.out ?? `${io.cwd}/drizzle`;
  const reviewConfig = resolveReviewConfig(
    {
      config: flags.config,
      ...(flags.runner ? { runner: flags.runner } : {}),
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags.aiMaxTokens ? { aiMaxTokens: flags.aiMaxTokens } : {}),
    },
    io.cwd,
  );
  for (const note of reviewConfig.deprecations) io.stderr(`${note}\n`);
  checkAiFlags(flags, reviewConfig, true);
  // a missing API key is reported before drizzle-kit writes anything
  const connection = await aiConnection(flags, io);
  const before = migrationFiles(out);
  // JSON output (and the --ai-dry-run request) owns stdout: drizzle-kit's own messages go to stderr then
  const machine = flags.format === 'json' || Boolean(flags.aiDryRun);
  const forward = machine ? { stdout: io.stderr, stderr: io.stderr } : { stdout: io.stdout, stderr: io.stderr };
  const kit = await runDrizzleKit(bin, ['generate', ...kitArgs], io.cwd, forward, interactive && !machine);
  const created = createdFiles(before, migrationFiles(out));
  if (created.length === 0) {
    if (kit.code === 0 && /no schema changes/i.test(kit.output)) {
      io.stdout(
        flags.format === 'json'
          ? `${JSON.stringify({ tool: 'dbtool', version: VERSION, command: 'generate', created: [] })}\n`
          : 'No schema changes: drizzle-kit generated no migration, nothing to review.\n',
      );
      return 0;
    }
    // drizzle-kit 0.31 can print an error and still exit 0: the folder is the truth
    throw new DbtoolError(
      `drizzle-kit generate ${kit.code === 0 ? 'exited 0 but wrote' : `failed (exit ${kit.code}) and wrote`} no migration file in ${relative(io.cwd, out) || out}`,
      2,
      'Its output above says why (a schema import error, a config problem, an unanswered rename prompt when not run in a terminal).',
    );
  }
  return reviewCreated(created, out, flags, io, reviewConfig, connection, explicit, deps);
}

/** The review of exactly the files drizzle-kit wrote (also after `generate --rebase`): exit 1 on errors. */
export async function reviewCreated(
  created: string[],
  out: string,
  flags: GenerateFlags,
  io: Io,
  reviewConfig: ReviewConfig,
  connection: Connection | undefined,
  explicit: string | undefined,
  deps: MigrationAiDeps,
): Promise<number> {
  await loadParser();
  const input = loadInput(out, io.cwd, () => '');
  const wanted = new Set(created.map((p) => relative(io.cwd, p) || p));
  for (const file of input.files) file.review = wanted.has(file.path);
  const settings = reviewSettingsOf(reviewConfig);
  // only the new files are under review, so only they can be rewritten: nothing merged is touched
  if (flags.fix) (await import('./fix-files.js')).applyFixes([input], settings, io);
  const sizes = await resolveSizes(flags, reviewConfig, io);
  const cache = openReviewCache(flags, reviewConfig, io.cwd);
  const reviewed = { ...(await reviewWithCache([input], settings, cache)), runner: { name: reviewConfig.runner, source: reviewConfig.runnerSource } };
  tidyReviewCache(cache);
  const report = sizes ? applySizes(reviewed, sizes, reviewConfig.sizes.thresholds) : reviewed;
  const heading = `\nReviewing ${created.length === 1 ? 'the new migration' : `the ${created.length} new migrations`}: ${[...wanted].join(', ')}\n`;
  if (flags.ai || flags.aiDryRun) {
    if (flags.format !== 'json' && !flags.aiDryRun) io.stdout(heading);
    await migrationSecondOpinion(
      { folders: [input], settings, report },
      { ...flags, ...(explicit ? { drizzleConfig: explicit } : {}) },
      reviewConfig,
      connection,
      io,
      deps,
    );
  } else if (flags.format === 'json') io.stdout(reviewToJson(report, VERSION));
  else {
    io.stdout(heading);
    io.stdout(reviewToPretty(report, { color: await io.palette(), verbose: false, width: io.width }));
  }
  return report.summary.errors > 0 ? 1 : 0;
}

/** drizzle-kit's own --config, so dbtool looks at the same out folder. */
export function configArg(args: string[]): string | undefined {
  const i = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (i < 0) return undefined;
  return args[i]!.includes('=') ? args[i]!.slice('--config='.length) : args[i + 1];
}

export function register(program: Command, io: Io, setExit: (code: number) => void): void {
  const command = program
    .command('generate')
    .description("run the project's drizzle-kit generate, then review the migrations it wrote")
    .argument('[drizzle-kit-args...]', 'passed to drizzle-kit generate (--name, --custom, --config, …)')
    .addOption(new Option('-f, --format <format>', 'output format of the review').choices(['pretty', 'json']).default('pretty'))
    .option('--review-config <file>', 'path to dbtool.config.json (rule settings for the review)')
    .addOption(
      new Option(
        '--runner <name>',
        "what applies the migrations: drizzle (drizzle-orm's migrator, the default), dbtool (dbtool migrate), none (no transaction); decides the transaction rules",
      ).choices(['drizzle', 'dbtool', 'none']),
    )
    .option('--fix', 'apply the fixes that need no decision (lock_timeout, CONCURRENTLY where the runner allows it) to the new migrations')
    .option(
      '--rebase <git-ref>',
      "rebuild this branch's migrations on top of <git-ref>'s: keep its files, regenerate the branch's schema change once, re-append hand-written migrations",
    )
    .option('--dry-run', 'with --rebase: print the plan, change nothing')
    .allowUnknownOption();
  addStatsOption(command);
  addAiOptions(command, { url: true, reviewCache: true })
    .addHelpText(
      'after',
      `
Examples:
  $ dbtool generate
  $ dbtool generate --name add_user_email
  $ dbtool generate --custom --name backfill_emails     # an empty migration to write SQL into
  $ dbtool generate --config drizzle.prod.config.ts
  $ dbtool generate --name add_orders_index --fix
  $ dbtool generate --name add_orders_index --ai
  $ dbtool generate --rebase origin/main --dry-run      # after main gained migrations: the plan
  $ dbtool generate --rebase origin/main                # rebuild this branch's migrations on top of main
${MIGRATION_AI_HELP}`,
    )
    .action(async (kitArgs: string[], opts: GenerateFlags & { reviewConfig?: string }) => {
      const { reviewConfig, ...flags } = opts;
      setExit(await run(kitArgs, { ...flags, ...(reviewConfig ? { config: reviewConfig } : {}) }, io, Boolean(process.stdout.isTTY && process.stdin.isTTY)));
    });
}
