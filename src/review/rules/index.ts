import type { Rule } from '../findings.js';
import { addAutoIncrementColumn } from './add-auto-increment-column.js';
import { blockingFullScan } from './blocking-full-scan.js';
import { preferBigint, preferIdentity, preferJsonb, preferText, preferTimestamptz } from './column-types.js';
import { createTrigger } from './create-trigger.js';
import { dataDependentChange } from './data-dependent-change.js';
import { dropColumn, dropDatabase, dropSchemaCascade, dropTable } from './destructive-drops.js';
import { domainCheck } from './domain-check.js';
import { enumValueRename, enumValueUsedInSameTransaction } from './enum-values.js';
import { foreignKeyWithoutIndex } from './foreign-key-without-index.js';
import { identifierTooLong, truncatedNameCollision } from './identifier-length.js';
import { lockTable } from './lock-table.js';
import { missingLockTimeout } from './missing-lock-timeout.js';
import { notNullColumnWithoutDefault } from './not-null-column-without-default.js';
import { refreshMaterializedView } from './refresh-materialized-view.js';
import { renameOrDataLoss } from './rename-or-data-loss.js';
import { renameColumn, renameTable } from './renames.js';
import { statementWillFail } from './statement-will-fail.js';
import { tableRewrite } from './table-rewrite.js';
import { transactionControl } from './transaction-control.js';
import { transactionForbidden } from './transaction-forbidden.js';
import { stackedExclusiveLocks, validateInSameTransaction } from './transaction-scope.js';
import { truncateTable } from './truncate-table.js';
import { unbatchedBackfill } from './unbatched-backfill.js';

/** Every statement rule, in the order their findings are listed. */
export const RULES: readonly Rule[] = [
  statementWillFail,
  truncatedNameCollision,
  transactionControl,
  transactionForbidden,
  enumValueUsedInSameTransaction,
  tableRewrite,
  addAutoIncrementColumn,
  blockingFullScan,
  validateInSameTransaction,
  notNullColumnWithoutDefault,
  dataDependentChange,
  dropDatabase,
  refreshMaterializedView,
  lockTable,
  createTrigger,
  stackedExclusiveLocks,
  missingLockTimeout,
  unbatchedBackfill,
  truncateTable,
  renameOrDataLoss,
  dropTable,
  dropColumn,
  dropSchemaCascade,
  renameTable,
  renameColumn,
  enumValueRename,
  foreignKeyWithoutIndex,
  domainCheck,
  identifierTooLong,
  preferJsonb,
  preferBigint,
  preferText,
  preferTimestamptz,
  preferIdentity,
];

export type { InputRule } from './input-rules.js';
export { INPUT_RULES } from './input-rules.js';
