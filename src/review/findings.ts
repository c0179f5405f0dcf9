import type { AnalyzedEffects, EffectContext } from './effects/index.js';
import type { ParsedStatement } from './parse.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  help: string;
  line: number;
  column: number;
  /** SQL to use instead, when there is a concrete one */
  fix: string | null;
}

/** How the migration runner wraps statements in transactions. */
export type TransactionMode = 'all' | 'per-file' | 'none';

export interface ReviewSettings {
  pgVersion: number;
  timezoneIsUtc: boolean;
  /** drizzle's migrator runs every pending file in one transaction: 'all' */
  transactionMode: TransactionMode;
  /** the runner (dbtool migrate) runs statements that refuse a transaction block outside it, in order */
  forbiddenRunOutside?: boolean;
  /** per-rule severity from the configuration; 'off' drops the rule's findings */
  rules?: Readonly<Record<string, Severity | 'off'>>;
}

export interface RuleContext {
  statement: ParsedStatement;
  effects: AnalyzedEffects;
  settings: ReviewSettings;
  /** the schema before this statement, and what the file created so far (new and empty) */
  effectContext: EffectContext;
}

export interface Rule {
  id: string;
  severity: Severity;
  summary: string;
  check(ctx: RuleContext): Array<Omit<Finding, 'rule' | 'severity' | 'line' | 'column'> & { line?: number; column?: number }>;
}
