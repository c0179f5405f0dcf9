/**
 * `dbtool`: the library the CLI is a thin layer over. The review (reviewMigrations), explain() and,
 * re-exported from `dbtool/migrator`, migrate() and status().
 */

export type { RefusedFunction } from './api/errors.js';
export { ExplainQueryError, ExplainRefusedError } from './api/errors.js';
export type { ExplainDatabase, ExplainOptions, ExplainResult } from './api/explain.js';
export { explain } from './api/explain.js';
export type { ReviewOptions } from './api/review.js';
export { reviewMigrations } from './api/review.js';
export type { Runner } from './config.js';
export type { Buffers, NodeMetrics, TriggerMetrics } from './explain/analyze.js';
export type { Diagnostic, DiagnosticSeverity } from './explain/diagnostic.js';
export type { RawExplain, RawNode } from './explain/plan-json.js';
export * from './migrator.js';
export type { Finding, Severity } from './review/findings.js';
export type { LockMode } from './review/lock-modes.js';
export type { Estimate, FileReport, InputProblem, RelationSize, Report, StatementReport, Summary } from './review/report-types.js';
export type { SizeThresholds } from './review/sizes.js';
export type { TransactionMode } from './review/transaction.js';
export { VERSION } from './version.js';
