import type { InputRuleDocs, Rule, Severity } from '../findings.js';
import { addAutoIncrementColumn } from './add-auto-increment-column.js';
import { blockingFullScan } from './blocking-full-scan.js';
import { preferBigint, preferIdentity, preferJsonb, preferText, preferTimestamptz } from './column-types.js';
import { createTrigger } from './create-trigger.js';
import { dataDependentChange } from './data-dependent-change.js';
import { dropColumn, dropDatabase, dropSchemaCascade, dropTable } from './destructive-drops.js';
import { enumValueRename, enumValueUsedInSameTransaction } from './enum-values.js';
import { foreignKeyWithoutIndex } from './foreign-key-without-index.js';
import { lockTable } from './lock-table.js';
import { missingLockTimeout } from './missing-lock-timeout.js';
import { notNullColumnWithoutDefault } from './not-null-column-without-default.js';
import { refreshMaterializedView } from './refresh-materialized-view.js';
import { renameColumn, renameTable } from './renames.js';
import { statementWillFail } from './statement-will-fail.js';
import { tableRewrite } from './table-rewrite.js';
import { stackedExclusiveLocks, validateInSameTransaction } from './transaction-scope.js';
import { transactionForbidden } from './transaction-forbidden.js';
import { truncateTable } from './truncate-table.js';
import { unbatchedBackfill } from './unbatched-backfill.js';

/** Every statement rule, in the order their findings are listed. */
export const RULES: readonly Rule[] = [
  statementWillFail,
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
  dropTable,
  dropColumn,
  dropSchemaCascade,
  renameTable,
  renameColumn,
  enumValueRename,
  foreignKeyWithoutIndex,
  preferJsonb,
  preferBigint,
  preferText,
  preferTimestamptz,
  preferIdentity,
];

/** A rule the parser or the folder reader reports: no statement to show, so no SQL examples. */
export interface InputRule {
  severity: Severity;
  summary: string;
  docs: InputRuleDocs;
}

/** Rules that are not about one statement: reported by the parser and the folder reader. */
export const INPUT_RULES = {
  'syntax-error': {
    severity: 'error',
    summary: 'The statement does not parse as PostgreSQL SQL',
    docs: {
      why: 'PostgreSQL rejects the statement, so the migration stops there (and with a single-transaction runner, the whole deploy rolls back). dbtool keeps reviewing the statements after it. A byte order mark at the start of the file is reported here too: PostgreSQL sees it as part of the first statement.',
      drizzle: 'Generated migrations parse; this comes from hand edits, or from templated SQL (placeholders) that must be rendered before review.',
      ignoreWhen: 'never: fix the SQL, or exclude a templated file in the configuration.',
    },
  },
  'journal-missing-file': {
    severity: 'error',
    summary: 'The drizzle journal lists a migration whose file is missing',
    docs: {
      why: "drizzle's migrator reads every file the journal lists and throws when one is missing, so no migration runs at all.",
      drizzle: 'Restore the file from version control, or remove its entry from meta/_journal.json (and its snapshot) if the migration was meant to go.',
      ignoreWhen: 'never: the migrator fails on it.',
    },
  },
  'journal-unlisted-file': {
    severity: 'warning',
    summary: 'A migration file the drizzle journal does not list: drizzle never applies it',
    docs: {
      why: "drizzle's migrator only applies files listed in meta/_journal.json; an SQL file next to them that the journal omits is silently never run, although it looks like part of the history.",
      drizzle: 'Generate migrations with `drizzle-kit generate` (or `--custom` for hand-written SQL) so that the journal lists them; delete stray files.',
      ignoreWhen: 'the file is deliberately kept out of the migrations (a note, a one-off script).',
    },
  },
  'journal-out-of-order': {
    severity: 'error',
    summary: "A journal entry older than the one before it: drizzle's migrator silently skips it",
    docs: {
      why: "drizzle's migrator (0.x journal format) applies an entry only if its `when` is newer than the last applied migration's timestamp. An entry whose timestamp is older than the one before it — typical after merging branches — is skipped without a message on databases that already applied the later one.",
      drizzle: 'Give the entry a `when` newer than its predecessor (and regenerate if the snapshots disagree), or apply it by hand where it was skipped.',
      ignoreWhen: 'every database already applied the entry (the order no longer matters).',
    },
  },
  'edited-migration': {
    severity: 'error',
    summary: 'A migration that was already merged (it exists at --base) has been edited or deleted',
    docs: {
      why: 'Databases that applied the migration will not run it again, so an edit changes only the databases created from now on: environments drift apart silently. Runners that check hashes (dbtool migrate, and drizzle in the future) refuse to continue until the difference is resolved.',
      drizzle: 'Leave the applied migration as it is and put the change in a new one: change the schema and run `drizzle-kit generate` (or `drizzle-kit generate --custom` for hand-written SQL).',
      ignoreWhen: 'the migration was never applied anywhere (it was merged but not deployed), or the edit only touches comments and every runner involved ignores hashes.',
    },
  },
  'invalid-ignore': {
    severity: 'error',
    summary: 'A dbtool-ignore comment without a rule, with an unknown rule, or without a reason',
    docs: {
      why: 'An ignore comment that names no rule, names a rule that does not exist (a typo), or gives no reason silences nothing or hides why something was accepted. It is reported so that suppressions stay deliberate and reviewable.',
      ignoreWhen: 'never: fix the comment.',
    },
  },
  'unused-ignore': {
    severity: 'warning',
    summary: 'A dbtool-ignore comment that silenced nothing',
    docs: {
      why: 'The statement no longer triggers the rule (it was fixed, or the comment is in the wrong place): a stale suppression would silently hide a future finding.',
      ignoreWhen: 'never: remove or move the comment.',
    },
  },
} as const satisfies Record<string, InputRule>;
