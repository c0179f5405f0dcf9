import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  OverloadedError,
  PermissionDeniedError,
  RateLimitError,
} from '@anthropic-ai/sdk';
import { AiError, missingKeyError } from './errors.js';
import type { Usage } from './models.js';
import type { AiRequestBody } from './request.js';

export const DEFAULT_BASE_URL = 'https://api.anthropic.com';

/** How to reach the API: from the environment the command was given, never from process.env behind its back. */
export interface Connection {
  apiKey?: string;
  /** a gateway's bearer token, used when no API key is set */
  authToken?: string;
  baseURL: string;
}

export interface ClientLimits {
  /** per attempt, milliseconds */
  timeoutMs: number;
  /** the SDK retries 408/409/429/5xx and connection errors this many times, honouring retry-after */
  maxRetries: number;
}

export const DEFAULT_LIMITS: ClientLimits = { timeoutMs: 180_000, maxRetries: 2 };

export function connectionFrom(env: NodeJS.ProcessEnv): Connection {
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  const authToken = env.ANTHROPIC_AUTH_TOKEN?.trim();
  if (!apiKey && !authToken) throw missingKeyError();
  const baseURL = env.ANTHROPIC_BASE_URL?.trim() || DEFAULT_BASE_URL;
  if (!URL.canParse(baseURL))
    throw new AiError('ANTHROPIC_BASE_URL is not a URL.', 'Set it to the API or gateway address, e.g. https://api.anthropic.com, or unset it.');
  const url = new URL(baseURL);
  // fetch refuses such URLs, and its message would print them
  if (url.username || url.password)
    throw new AiError(
      `ANTHROPIC_BASE_URL must not contain credentials (${displayUrl(baseURL)}).`,
      'Put the gateway token in ANTHROPIC_AUTH_TOKEN (or the key in ANTHROPIC_API_KEY) and leave user:password out of the URL.',
    );
  return apiKey ? { apiKey, baseURL } : { authToken: authToken as string, baseURL };
}

export interface ModelReply {
  /** the forced tool call's input: the structured answer, unchecked */
  toolInput: unknown;
  usage: Usage;
  /** the model that answered, as the API names it */
  model: string;
  stopReason: string | null;
}

/**
 * Sends the request as a stream, so `onPartial` sees the tool input grow (the pretty output shows
 * verdicts as they complete). SDK errors become AiErrors that say what to do and never carry a credential.
 */
export async function requestAnswer(
  body: AiRequestBody,
  connection: Connection,
  limits: ClientLimits,
  onPartial?: (snapshot: unknown) => void,
): Promise<ModelReply> {
  const credential = connection.apiKey ? { apiKey: connection.apiKey } : { authToken: connection.authToken ?? null };
  const client = new Anthropic({ ...credential, baseURL: connection.baseURL, timeout: limits.timeoutMs, maxRetries: limits.maxRetries, logLevel: 'off' });
  const toolName = body.tool_choice?.type === 'tool' ? body.tool_choice.name : undefined;
  let message;
  try {
    const stream = client.messages.stream(body);
    if (onPartial) stream.on('inputJson', (_delta, snapshot) => onPartial(snapshot));
    message = await stream.finalMessage();
  } catch (error) {
    throw scrubbed(apiError(error, body.model, connection, limits), connection);
  }
  if (message.stop_reason === 'max_tokens') {
    throw new AiError(
      `The answer was cut off at ${body.max_tokens} output tokens.`,
      'Raise the limit with --ai-max-tokens (or "ai": {"maxTokens": …} in dbtool.config.json), or review fewer files at once.',
    );
  }
  const call = message.content.find((block) => block.type === 'tool_use' && block.name === toolName);
  if (call?.type !== 'tool_use')
    throw new AiError(
      `${message.model} answered without the structured verdict (stop reason: ${message.stop_reason ?? 'none'}).`,
      'Try again, or another model with --model.',
    );
  const usage: Usage = { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens };
  if (message.usage.cache_creation_input_tokens) usage.cacheCreationInputTokens = message.usage.cache_creation_input_tokens;
  if (message.usage.cache_read_input_tokens) usage.cacheReadInputTokens = message.usage.cache_read_input_tokens;
  return { toolInput: call.input, usage, model: message.model, stopReason: message.stop_reason };
}

function apiError(error: unknown, model: string, connection: Connection, limits: ClientLimits): AiError {
  const where = displayUrl(connection.baseURL);
  const retried = limits.maxRetries > 0 ? ` (after ${limits.maxRetries} ${limits.maxRetries === 1 ? 'retry' : 'retries'})` : '';
  const detail = error instanceof APIError && error.apiMessage ? `: ${error.apiMessage}` : '';
  if (error instanceof AuthenticationError) {
    return new AiError(
      `The Anthropic API at ${where} rejected the credentials (401)${detail}.`,
      `Check ANTHROPIC_API_KEY${connection.apiKey ? '' : ' / ANTHROPIC_AUTH_TOKEN'}: the key may be revoked or belong to another workspace.`,
    );
  }
  if (error instanceof PermissionDeniedError)
    return new AiError(`The API key may not use ${model} (403)${detail}.`, 'Choose a model the key can use with --model.');
  if (error instanceof NotFoundError)
    return new AiError(
      `${where} does not know the model ${model} (404)${detail}.`,
      'Choose another model with --model or "ai": {"model": …} in dbtool.config.json.',
    );
  if (error instanceof RateLimitError) {
    const after = error.headers?.get('retry-after');
    const wait = after && Number.isFinite(Number(after)) ? ` Retry after ${after} s.` : after ? ` Retry after ${after}.` : '';
    return new AiError(
      `Rate limited by the Anthropic API (429)${retried}${detail}.${wait}`,
      'Wait and run again; an identical review is answered from the cache once it has succeeded.',
    );
  }
  if (error instanceof OverloadedError)
    return new AiError(`The Anthropic API is overloaded (529)${retried}.`, 'This is temporary: try again in a few minutes, or another model with --model.');
  if (error instanceof BadRequestError)
    return new AiError(`The Anthropic API refused the request (400)${detail}.`, 'Check --model and --ai-max-tokens; --ai-dry-run shows the request.');
  if (error instanceof APIConnectionTimeoutError) {
    return new AiError(
      `No answer from ${where} within ${limits.timeoutMs < 1000 ? `${limits.timeoutMs} ms` : `${Math.round(limits.timeoutMs / 1000)} s`}${retried}.`,
      'Check the network or proxy (ANTHROPIC_BASE_URL), or try again.',
    );
  }
  if (error instanceof APIConnectionError) {
    const cause = rootCause(error) ? `: ${rootCause(error)}` : '';
    return new AiError(`Could not reach the Anthropic API at ${where}${retried}${cause}.`, 'Check the network, proxy settings and ANTHROPIC_BASE_URL.');
  }
  if (error instanceof APIError) {
    return new AiError(`The Anthropic API failed${error.status ? ` (${error.status})` : ''}${retried}${detail || `: ${error.message}`}.`, 'Try again later.');
  }
  return new AiError(
    `The request to the Anthropic API failed: ${error instanceof Error ? error.message : String(error)}.`,
    'Try again, or run with --ai-dry-run to see the request.',
  );
}

/** fetch wraps the socket error ("fetch failed" ← "connect ECONNREFUSED 127.0.0.1:9"): the innermost says what happened. */
function rootCause(error: Error): string | undefined {
  let cause: unknown = error.cause;
  let message: string | undefined;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    message = cause.message;
    cause = cause.cause;
  }
  return message;
}

/** The base URL without user info, query or fragment: a gateway URL can carry a token. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '<ANTHROPIC_BASE_URL>';
  }
}

/** A server or library message could echo a credential; the user's terminal and CI logs must not. */
function scrubbed(error: AiError, connection: Connection): AiError {
  const secrets = [connection.apiKey, connection.authToken].filter((s): s is string => Boolean(s && s.length >= 4));
  const clean = (text: string | undefined) =>
    text === undefined ? undefined : secrets.reduce((t, s) => t.split(s).join('***'), text).replace(/(\/\/)[^/@\s]+@/g, '$1***@');
  return new AiError(clean(error.message) ?? '', clean(error.hint));
}
