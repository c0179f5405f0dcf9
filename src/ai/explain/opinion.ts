import { askAndCheck } from '../core/ask.js';
import type { ClientLimits, Connection } from '../core/client.js';
import type { CostEstimate, Usage } from '../core/models.js';
import { estimateCost } from '../core/models.js';
import type { AiRequestBody, RequestSettings } from '../core/request.js';
import { completedIssues, parsePlanAnswer } from './answer.js';
import type { ExplainPayload, ExplainPayloadInput } from './payload.js';
import { buildExplainPayload } from './payload.js';
import { EXPLAIN_PROMPT_VERSION, explainRequest } from './prompt.js';
import type { PlanCheckContext, VerifiedPlanAnswer, VerifiedPlanVerdict } from './verify.js';
import { verifyPlanVerdict } from './verify.js';

export interface PreparedExplainRequest {
  body: AiRequestBody;
  payload: ExplainPayload;
}

/** The request for a plan review, built without IO: what --ai-dry-run prints and --ai sends. */
export function prepareExplainRequest(input: ExplainPayloadInput, settings: RequestSettings): PreparedExplainRequest {
  const payload = buildExplainPayload(input);
  return { body: explainRequest(payload, settings), payload };
}

/** A finished second opinion on a plan, from the API or from the cache. */
export interface PlanOpinion {
  model: string;
  promptVersion: number;
  /** true: answered from .dbtool/ai-cache without a request; usage and cost are the original call's */
  cached: boolean;
  answer: VerifiedPlanAnswer;
  usage: Usage;
  cost: CostEstimate | null;
}

export interface AskPlanOptions {
  cwd: string;
  connection: Connection;
  limits: ClientLimits;
  /** false: --no-cache, always ask and do not store */
  cache: boolean;
  /** called once per verdict, in answer order, as soon as it is complete and checked */
  onVerdict?: (verdict: VerifiedPlanVerdict) => void;
  /** a note for stderr (the cache could not be written) */
  warn?: (text: string) => void;
}

/** Asks (or reads the cache) and checks every verdict's SQL before it is handed on. */
export async function askForPlanOpinion(prepared: PreparedExplainRequest, context: PlanCheckContext, options: AskPlanOptions): Promise<PlanOpinion> {
  const { body, payload } = prepared;
  const ids = payload.diagnostics.map((d) => d.id);
  const { reply, cached, answer } = await askAndCheck(body, EXPLAIN_PROMPT_VERSION, options.cache, options, {
    ids,
    parse: (input) => parsePlanAnswer(input, ids),
    completed: completedIssues,
    key: 'issues',
    check: (verdict) => verifyPlanVerdict(verdict, payload, context),
    idOf: (v) => v.diagnosticId,
    ...(options.onVerdict ? { onVerdict: options.onVerdict } : {}),
  });
  return { model: reply.model, promptVersion: EXPLAIN_PROMPT_VERSION, cached, answer, usage: reply.usage, cost: estimateCost(reply.model, reply.usage) };
}
