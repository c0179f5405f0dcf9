import { completedItems, parseMigrationAnswer } from './answer.js';
import { cacheDir, cacheKey, readCached, writeCached } from './cache.js';
import { requestAnswer } from './client.js';
import type { ClientLimits, Connection, ModelReply } from './client.js';
import { statementRefs } from './history.js';
import type { MigrationReview, StatementRef } from './history.js';
import { estimateCost } from './models.js';
import { buildMigrationPayload } from './payload.js';
import { PROMPT_VERSION, migrationRequest } from './prompt.js';
import type { AiRequestBody } from './prompt.js';
import type { SecondOpinion } from './render.js';
import type { TableSizes } from './tables.js';
import { verifyVerdict } from './verify.js';
import type { VerifiedVerdict } from './verify.js';

export interface SecondOpinionSettings {
  model: string;
  maxTokens: number;
  /** false: --no-cache, always ask and do not store */
  cache: boolean;
  sizes?: TableSizes;
}

export interface PreparedRequest {
  body: AiRequestBody;
  refs: StatementRef[];
}

/** The request for a migration review, built without IO: what --ai-dry-run prints and --ai sends. */
export function prepareMigrationRequest(review: MigrationReview, settings: SecondOpinionSettings): PreparedRequest {
  const payload = buildMigrationPayload(review, settings.sizes ? { sizes: settings.sizes } : {});
  return { body: migrationRequest(payload, settings), refs: statementRefs(review) };
}

export interface AskOptions {
  cwd: string;
  connection: Connection;
  limits: ClientLimits;
  /** called once per verdict, in answer order, as soon as it is complete and checked */
  onVerdict?: (verdict: VerifiedVerdict) => void;
  /** a note for stderr (the cache could not be written) */
  warn?: (text: string) => void;
}

export interface CachedAnswer {
  reply: ModelReply;
  cached: boolean;
}

/**
 * Any request kind (migration now, explain later): the cached reply for an identical request, else the
 * API's, stored for next time. `onPartial` sees the streamed tool input; a cache hit streams nothing.
 */
export async function askWithCache(body: AiRequestBody, useCache: boolean, options: Omit<AskOptions, 'onVerdict'>, onPartial?: (snapshot: unknown) => void): Promise<CachedAnswer> {
  const dir = cacheDir(options.cwd);
  // max_tokens is left out: a larger limit does not change an answer that was complete
  const { model, max_tokens: _maxTokens, stream: _stream, ...request } = body;
  const key = cacheKey({ model, promptVersion: PROMPT_VERSION, request });
  const hit = useCache ? readCached(dir, key) : undefined;
  if (hit) return { reply: hit, cached: true };
  const reply = await requestAnswer(body, options.connection, options.limits, onPartial);
  if (useCache && !writeCached(dir, key, reply)) options.warn?.(`note: could not write the AI answer cache in ${dir}; the answer is used but not kept`);
  return { reply, cached: false };
}

/** Asks (or reads from the cache) and checks every verdict before anyone sees it. */
export async function askForSecondOpinion(review: MigrationReview, prepared: PreparedRequest, settings: SecondOpinionSettings, options: AskOptions): Promise<SecondOpinion> {
  const { body, refs } = prepared;
  const ids = refs.map((r) => r.id);
  const verified: VerifiedVerdict[] = [];
  let parsedCount = 0;
  // each verdict is checked once, as it completes; the prefix-stable parse makes the streamed and final lists agree
  const check = (items: unknown[]) => {
    const answer = parseMigrationAnswer({ statements: items }, ids);
    for (const verdict of answer.verdicts.slice(parsedCount)) {
      const checked = verifyVerdict(verdict, review, refs);
      if (!checked) continue;
      verified.push(checked);
      options.onVerdict?.(checked);
    }
    parsedCount = Math.max(parsedCount, answer.verdicts.length);
  };
  const { reply, cached } = await askWithCache(body, settings.cache, options, (snapshot) => check(completedItems(snapshot)));
  const answer = parseMigrationAnswer(reply.toolInput, ids);
  const items = (reply.toolInput as { statements?: unknown } | null)?.statements;
  check(Array.isArray(items) ? items : []);
  const answered = new Set(verified.map((v) => v.statementId));
  return {
    model: reply.model,
    promptVersion: PROMPT_VERSION,
    cached,
    answer: { verdicts: verified, summary: answer.summary, problems: answer.problems, missing: ids.filter((id) => !answered.has(id)) },
    usage: reply.usage,
    cost: estimateCost(reply.model, reply.usage),
  };
}
