/**
 * `dbtool`: the library the CLI is a thin layer over. The review (reviewMigrations) and, re-exported from
 * `dbtool/migrator`, migrate() and status().
 */
export { reviewMigrations } from './api/review.js';
export type { ReviewOptions } from './api/review.js';
export type { Report, FileReport, StatementReport, Summary, InputProblem, Estimate, RelationSize } from './review/engine.js';
export type { Finding, Severity } from './review/findings.js';
export type { LockMode } from './review/lock-modes.js';
export type { SizeThresholds } from './review/sizes.js';
export type { TransactionMode } from './review/transaction.js';
export type { Runner } from './config.js';
export { VERSION } from './version.js';
export * from './migrator.js';
