import type { Connection } from '../ai/core/client.js';
import type { MigrationReview } from '../ai/migration/history.js';
import type { TableSize, TableSizes } from '../ai/migration/tables.js';
import type { ReviewConfig } from '../config.js';
import { chooseTarget } from '../db/connect.js';
import { loadDrizzleConfig } from '../drizzle/kit-config.js';
import { UsageError } from '../errors.js';
import { reviewToJson } from '../report/json.js';
import { reviewToPretty } from '../report/pretty.js';
import { VERSION } from '../version.js';
import type { MigrationAiDeps, MigrationAiFlags } from './ai-options.js';
import type { Io } from './io.js';

/**
 * Sizes of the tables the reviewed statements touch, from the same source that scaled the review (a stats
 * export, --url, the config's "stats"); without one, from a configured database's statistics, read by the
 * same catalog reader. The embedded database is not asked (its sizes say nothing about production), and an
 * unreachable one only costs a note.
 */
async function touchedTableSizes(migration: MigrationReview, opts: MigrationAiFlags, io: Io): Promise<TableSizes | undefined> {
  const names = new Set<string>();
  for (const file of migration.report.files) {
    for (const s of file.statements) for (const t of [...Object.keys(s.locks), ...s.rewrites, ...s.scans]) names.add(t);
  }
  if (migration.report.sizeSource) {
    const known: Record<string, TableSize> = {};
    for (const file of migration.report.files) for (const s of file.statements) Object.assign(known, s.sizes ?? {});
    return known;
  }
  const drizzle = opts.url || io.env.DATABASE_URL ? undefined : await loadDrizzleConfig(io.cwd, opts.drizzleConfig).catch(() => undefined);
  const target = chooseTarget({ url: opts.url, env: io.env, drizzleUrl: drizzle?.url, projectDir: io.cwd });
  if (target.kind !== 'server') return undefined;
  if (names.size === 0) return {};
  const { liveSizes } = await import('../stats/live.js');
  // sizes are a nicety: a database that does not answer quickly is left out rather than waited for
  const live = await liveSizes(target);
  if (!live.ok) {
    io.stderr(`note: table sizes are left out of the AI request: ${live.reason}\n`);
    return undefined;
  }
  return Object.fromEntries(
    [...names].flatMap((name) => {
      const size = live.source.sizes.get(name);
      return size ? [[name, size]] : [];
    }),
  );
}

/** --ai and --ai-dry-run: the deterministic report first, then the checked verdicts as they stream in. */
export async function migrationSecondOpinion(
  migration: MigrationReview,
  opts: MigrationAiFlags,
  config: ReviewConfig,
  connection: Connection | undefined,
  io: Io,
  deps: MigrationAiDeps = {},
): Promise<void> {
  // loaded on demand: the SDK is only needed when asked for
  const { prepareMigrationRequest, askForSecondOpinion } = await import('../ai/migration/second-opinion.js');
  const sizes = deps.tableSizes ?? (await touchedTableSizes(migration, opts, io));
  const aiSettings = { model: config.ai.model, maxTokens: config.ai.maxTokens, cache: opts.cache !== false, ...(sizes ? { sizes } : {}) };
  const prepared = prepareMigrationRequest(migration, aiSettings);
  if (opts.aiDryRun || !connection) {
    io.stdout(`${JSON.stringify(prepared.body, null, 2)}\n`);
    return;
  }
  if (prepared.refs.length === 0) throw new UsageError('--ai: there is no SQL statement to review.', 'Pass migration files that contain SQL.');
  const { DEFAULT_LIMITS } = await import('../ai/core/client.js');
  const { renderFooter, renderHeader, renderVerdict, secondOpinionToJson } = await import('../ai/migration/render.js');
  const ask = { cwd: io.cwd, connection, limits: { ...DEFAULT_LIMITS, ...deps.aiLimits }, warn: (t: string) => io.stderr(`${t}\n`) };
  if (opts.format === 'json') {
    const opinion = await askForSecondOpinion(migration, prepared, aiSettings, ask);
    io.stdout(reviewToJson(migration.report, VERSION, { ai: secondOpinionToJson(opinion) }));
    return;
  }
  const color = await io.palette();
  const renderOptions = { color, width: io.width };
  io.stdout(reviewToPretty(migration.report, { color, verbose: Boolean(opts.verbose), width: io.width }));
  io.stdout(`\n${renderHeader(config.ai.model, renderOptions)}`);
  // each verdict is re-reviewed before it prints, so unsafe advice never shows, not even while streaming
  const opinion = await askForSecondOpinion(migration, prepared, aiSettings, { ...ask, onVerdict: (v) => io.stdout(renderVerdict(v, renderOptions)) });
  io.stdout(renderFooter(opinion, renderOptions));
}
