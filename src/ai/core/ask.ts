import type { ParsedList } from './answer-list.js';
import { cacheDir, cacheKey, readCached, writeCached } from './cache.js';
import type { ClientLimits, Connection, ModelReply } from './client.js';
import { requestAnswer } from './client.js';
import type { AiRequestBody } from './request.js';

/** What every AI request needs besides its body: where the cache lives, how to reach the API, where notes go. */
export interface AskSettings {
  cwd: string;
  connection: Connection;
  limits: ClientLimits;
  /** a note for stderr (the cache could not be written) */
  warn?: (text: string) => void;
}

export interface CachedAnswer {
  reply: ModelReply;
  cached: boolean;
}

/**
 * Any request kind (a migration review, a plan review): the cached reply for an identical request, else the
 * API's, stored for next time. `onPartial` sees the streamed tool input; a cache hit streams nothing.
 */
export async function askWithCache(
  body: AiRequestBody,
  promptVersion: number,
  useCache: boolean,
  options: AskSettings,
  onPartial?: (snapshot: unknown) => void,
): Promise<CachedAnswer> {
  const dir = cacheDir(options.cwd);
  // max_tokens is left out: a larger limit does not change an answer that was complete
  const { model, max_tokens: _maxTokens, stream: _stream, ...request } = body;
  const key = cacheKey({ model, promptVersion, request });
  const hit = useCache ? readCached(dir, key) : undefined;
  if (hit) return { reply: hit, cached: true };
  const reply = await requestAnswer(body, options.connection, options.limits, onPartial);
  if (useCache && !writeCached(dir, key, reply)) options.warn?.(`note: could not write the AI answer cache in ${dir}; the answer is used but not kept`);
  return { reply, cached: false };
}

export interface CheckedAnswer<C> {
  verdicts: C[];
  summary: string;
  problems: string[];
  /** ids the answer gave no usable verdict for */
  missing: string[];
}

export interface AnswerChecks<V, C> {
  ids: readonly string[];
  parse: (input: unknown) => ParsedList<V>;
  /** the elements of a streamed partial input that are complete */
  completed: (partial: unknown) => unknown[];
  /** the tool input's list key, to re-parse completed elements alone */
  key: string;
  /** the verdict with its SQL checked, or undefined to drop it */
  check: (verdict: V) => C | undefined;
  idOf: (checked: C) => string;
  onVerdict?: (checked: C) => void;
}

/**
 * Asks (or reads the cache) and checks each verdict exactly once, as soon as it is complete: the prefix-stable
 * parse makes the streamed and the final lists agree, so what was shown while streaming is what is returned.
 */
export async function askAndCheck<V, C>(
  body: AiRequestBody,
  promptVersion: number,
  useCache: boolean,
  options: AskSettings,
  checks: AnswerChecks<V, C>,
): Promise<{ reply: ModelReply; cached: boolean; answer: CheckedAnswer<C> }> {
  const verified: C[] = [];
  let parsedCount = 0;
  const take = (items: unknown[]) => {
    const parsed = checks.parse({ [checks.key]: items });
    for (const verdict of parsed.verdicts.slice(parsedCount)) {
      const checked = checks.check(verdict);
      if (checked === undefined) continue;
      verified.push(checked);
      checks.onVerdict?.(checked);
    }
    parsedCount = Math.max(parsedCount, parsed.verdicts.length);
  };
  const { reply, cached } = await askWithCache(body, promptVersion, useCache, options, (snapshot) => take(checks.completed(snapshot)));
  const final = checks.parse(reply.toolInput);
  const items = (reply.toolInput as Record<string, unknown> | null)?.[checks.key];
  take(Array.isArray(items) ? items : []);
  const answered = new Set(verified.map(checks.idOf));
  return {
    reply,
    cached,
    answer: { verdicts: verified, summary: final.summary, problems: final.problems, missing: checks.ids.filter((id) => !answered.has(id)) },
  };
}
