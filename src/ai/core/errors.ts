import { DbtoolError } from '../../errors.js';

/** The AI second opinion could not be had: missing key, refused, rate limited, unreachable. Exit 2, like any environment problem. */
export class AiError extends DbtoolError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
  }
}

export function missingKeyError(): AiError {
  return new AiError(
    'ANTHROPIC_API_KEY is not set: --ai sends the review to Claude and needs an Anthropic API key.',
    'Create a key at https://console.anthropic.com/settings/keys and export ANTHROPIC_API_KEY=… (a gateway token works as ANTHROPIC_AUTH_TOKEN, with ANTHROPIC_BASE_URL). --ai-dry-run shows what would be sent and needs no key.',
  );
}
