/**
 * How explain's messages name the options they point at: the CLI's flags, or the library's option names
 * (a hint that says --allow-write means nothing to a program calling explain()).
 */
export interface OptionWords {
  allowWrite: string;
  noAnalyze: string;
  /** how to give values for $1, $2, … */
  params: string;
  statementTimeout: string;
  lockTimeout: string;
}

export const CLI_WORDS: OptionWords = {
  allowWrite: '--allow-write',
  noAnalyze: '--no-analyze',
  params: "--param (repeatable) or --params '[…]'",
  statementTimeout: '--statement-timeout (or "explain": {"statementTimeout"} in dbtool.config.json)',
  lockTimeout: '--lock-timeout',
};

export const API_WORDS: OptionWords = {
  allowWrite: 'allowWrite: true',
  noAnalyze: 'analyze: false',
  params: 'the params option (an array, $1 first)',
  statementTimeout: 'the statementTimeout option',
  lockTimeout: 'the lockTimeout option',
};
