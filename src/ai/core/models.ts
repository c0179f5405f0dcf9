import type { Model } from '@anthropic-ai/sdk/resources/messages';

/** The model ids the SDK names, without its open-ended `string` member. */
export type KnownModel = WithoutOpenString<Model>;
type WithoutOpenString<T> = T extends unknown ? (string extends T ? never : T) : never;

/**
 * The current Sonnet: a review is a bounded reading task where Sonnet's quality is ample and its price
 * a fraction of Opus's. Typed as a known id so an SDK upgrade that drops it fails to compile.
 */
export const DEFAULT_MODEL: KnownModel = 'claude-sonnet-5-5';

export const DEFAULT_MAX_TOKENS = 8192;

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens?: number;
  cacheReadInputTokens?: number;
}

/** List prices in US dollars per million tokens. */
interface Price {
  input: number;
  output: number;
}

/**
 * An estimate, not a bill: list prices per model family as published when this table was written, first
 * match wins. Batch, priority tiers, regional pricing and discounts are not modelled; an unknown family
 * gets no estimate rather than a wrong one.
 */
const PRICES: ReadonlyArray<{ family: RegExp; label: string; price: Price }> = [
  { family: /^claude-opus-4(-0|-1)?(-\d{8})?$/, label: 'Opus 4 / 4.1', price: { input: 15, output: 75 } },
  { family: /opus/, label: 'Opus', price: { input: 5, output: 25 } },
  { family: /sonnet/, label: 'Sonnet', price: { input: 3, output: 15 } },
  { family: /haiku/, label: 'Haiku', price: { input: 1, output: 5 } },
];

// prompt caching bills writes at 1.25× and reads at 0.1× the input price
const CACHE_WRITE = 1.25;
const CACHE_READ = 0.1;

export interface CostEstimate {
  usd: number;
  /** what the estimate is based on, for the reader to judge it */
  basis: string;
}

export function estimateCost(model: string, usage: Usage): CostEstimate | null {
  const row = PRICES.find((p) => p.family.test(model));
  if (!row) return null;
  const { input, output } = row.price;
  const tokens =
    usage.inputTokens * input +
    usage.outputTokens * output +
    (usage.cacheCreationInputTokens ?? 0) * input * CACHE_WRITE +
    (usage.cacheReadInputTokens ?? 0) * input * CACHE_READ;
  return {
    usd: Math.round((tokens / 1_000_000) * 10_000) / 10_000,
    basis: `estimate at ${row.label} list prices ($${input}/$${output} per million input/output tokens)`,
  };
}
