import type { Rule } from '../findings.js';
import { blockingFullScan } from './blocking-full-scan.js';
import { dropColumn, dropTable } from './destructive-drops.js';
import { notNullColumnWithoutDefault } from './not-null-column-without-default.js';
import { statementWillFail } from './statement-will-fail.js';
import { tableRewrite } from './table-rewrite.js';
import { transactionForbidden } from './transaction-forbidden.js';

/** Every statement rule, in the order their findings are listed. */
export const RULES: readonly Rule[] = [
  statementWillFail,
  transactionForbidden,
  tableRewrite,
  blockingFullScan,
  notNullColumnWithoutDefault,
  dropTable,
  dropColumn,
];

/** Rules that are not about one statement: reported by the parser and the folder reader. */
export const INPUT_RULES = {
  'syntax-error': { severity: 'error', summary: 'The statement does not parse as PostgreSQL SQL' },
  'journal-missing-file': { severity: 'error', summary: 'The drizzle journal lists a migration whose file is missing' },
  'journal-unlisted-file': { severity: 'warning', summary: 'A migration file the drizzle journal does not list: drizzle never applies it' },
  'journal-out-of-order': { severity: 'error', summary: "A journal entry older than the one before it: drizzle's migrator silently skips it" },
  'invalid-ignore': { severity: 'error', summary: 'A dbtool-ignore comment without a rule, with an unknown rule, or without a reason' },
  'unused-ignore': { severity: 'warning', summary: 'A dbtool-ignore comment that silenced nothing' },
} as const;
