import type { AskSettings } from '../core/ask.js';
import { askAndCheck } from '../core/ask.js';
import { estimateCost } from '../core/models.js';
import type { AiRequestBody } from '../core/request.js';
import { completedItems, parseMigrationAnswer } from './answer.js';
import type { MigrationReview, StatementRef } from './history.js';
import { statementRefs } from './history.js';
import { buildMigrationPayload } from './payload.js';
import { migrationRequest, PROMPT_VERSION } from './prompt.js';
import type { SecondOpinion } from './render.js';
import type { TableSizes } from './tables.js';
import type { VerifiedVerdict } from './verify.js';
import { verifyVerdict } from './verify.js';

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

export interface AskOptions extends AskSettings {
  /** called once per verdict, in answer order, as soon as it is complete and checked */
  onVerdict?: (verdict: VerifiedVerdict) => void;
}

/** Asks (or reads from the cache) and checks every verdict before anyone sees it. */
export async function askForSecondOpinion(
  review: MigrationReview,
  prepared: PreparedRequest,
  settings: SecondOpinionSettings,
  options: AskOptions,
): Promise<SecondOpinion> {
  const { body, refs } = prepared;
  const { reply, cached, answer } = await askAndCheck(body, PROMPT_VERSION, settings.cache, options, {
    ids: refs.map((r) => r.id),
    parse: (input) =>
      parseMigrationAnswer(
        input,
        refs.map((r) => r.id),
      ),
    completed: completedItems,
    key: 'statements',
    check: (verdict) => verifyVerdict(verdict, review, refs),
    idOf: (v) => v.statementId,
    ...(options.onVerdict ? { onVerdict: options.onVerdict } : {}),
  });
  return { model: reply.model, promptVersion: PROMPT_VERSION, cached, answer, usage: reply.usage, cost: estimateCost(reply.model, reply.usage) };
}
