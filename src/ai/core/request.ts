import type { MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages';

/** The risk levels a verdict may give, the same for a migration statement and a plan issue. */
export const RISKS = ['none', 'low', 'medium', 'high'] as const;
export type Risk = (typeof RISKS)[number];

export interface RequestSettings {
  model: string;
  maxTokens: number;
}

/** Exactly the body sent to the Messages API (and printed by --ai-dry-run). */
export type AiRequestBody = MessageCreateParamsStreaming;
