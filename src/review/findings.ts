import type { Catalog } from './catalog/model.js';
import type { AnalyzedEffects, EffectContext } from './effects/index.js';
import type { ParsedStatement } from './parse.js';
import type { StatementRuleId } from './rules/ids.js';
import type { TransactionMode, TransactionView } from './transaction.js';

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

export interface ReviewSettings {
  pgVersion: number;
  timezoneIsUtc: boolean;
  /** drizzle's migrator runs every pending file in one transaction: 'all' */
  transactionMode: TransactionMode;
  /** the runner (dbtool migrate) runs statements that refuse a transaction block outside it, in order */
  forbiddenRunOutside?: boolean;
  /**
   * the reviewed files run one after another in one go (dbtool migrate's pending files): a table an
   * earlier one created is new and empty for the later ones too
   */
  newAcrossFiles?: boolean;
  /** the runner sets lock_timeout itself (dbtool migrate does): migrations need not */
  runnerLockTimeout?: boolean;
  /** per-rule severity from the configuration; 'off' drops the rule's findings, a severity turns on a rule that is off by default */
  rules?: Readonly<Record<string, Severity | 'off'>>;
}

export interface RuleContext {
  statement: ParsedStatement;
  effects: AnalyzedEffects;
  settings: ReviewSettings;
  /** the schema before this statement, and what the file created so far (new and empty) */
  effectContext: EffectContext;
  /** what the enclosing transaction (runner-wrapped or explicit) did before this statement */
  transaction: TransactionView;
  /** every statement of the file under review, for rules about a pair of statements (drop + add) */
  fileStatements?: readonly ParsedStatement[];
}

/**
 * A rule's documentation page. Bad and Good are SQL migrations; the docs test reviews each one after
 * `history` (the earlier migrations that create what they touch) and requires every Bad example to
 * report the rule and every Good example not to.
 */
export interface RuleDocs {
  why: string;
  bad: string[];
  good: string[];
  /** how the problem shows up in drizzle-kit output, and what to do in the schema or migration */
  drizzle: string;
  ignoreWhen: string;
  history?: string;
}

/** Rules about the input rather than a statement (journal, parser, ignore comments) have no SQL examples. */
export type InputRuleDocs = Pick<RuleDocs, 'why' | 'ignoreWhen'> & { drizzle?: string };

export interface RuleFinding extends Omit<Finding, 'rule' | 'severity' | 'line' | 'column'> {
  line?: number;
  column?: number;
  /**
   * A later statement of the same folder can make the finding moot (drizzle-kit writes a foreign key
   * before the index that covers it): the engine drops the finding when this holds for the final schema.
   */
  resolvedBy?: (finalCatalog: Catalog) => boolean;
}

export interface Rule {
  id: StatementRuleId;
  severity: Severity;
  summary: string;
  /** false: a style rule that reports nothing until the configuration gives it a severity */
  defaultEnabled?: boolean;
  /** report only the first occurrence in each file (the advice is per file, not per statement) */
  oncePerFile?: boolean;
  docs: RuleDocs;
  check(ctx: RuleContext): RuleFinding[];
}
