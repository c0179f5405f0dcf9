import type { InputRuleDocs, Severity } from '../findings.js';

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
  'journal-unsafe-tag': {
    severity: 'warning',
    summary: 'A journal tag with a path in it: drizzle reads a migration from outside the folder (or a subfolder)',
    docs: {
      why: "drizzle's migrator reads `<folder>/<tag>.sql` for every journal entry without checking the tag, so a tag like `../shared/seed` or an absolute path makes it run a file that is not in the migrations folder — one that code review of the folder never shows, and that may change without touching the migrations. dbtool reads the same file (to review what drizzle would run) and warns.",
      drizzle:
        'drizzle-kit writes plain tags (`0003_add_email`); a path in a tag comes from hand-editing meta/_journal.json. Move the file into the folder and use its name as the tag.',
      ignoreWhen: 'the file outside the folder is deliberately shared between several migration folders and reviewed with them.',
    },
  },
  'journal-duplicate-tag': {
    severity: 'error',
    summary: 'Two drizzle journal entries with the same tag: the same file is applied twice',
    docs: {
      why: "drizzle's migrator applies journal entries, not files: two entries with the same tag run the same .sql file twice when the second is newer than the last applied migration (its CREATE statements then fail with 42P07, its data changes are repeated), and skip it silently otherwise. It is usually a merge of two branches that both touched meta/_journal.json.",
      drizzle:
        'Remove the repeated entry from meta/_journal.json; if two different migrations were meant, regenerate the second one so it gets its own file and tag.',
      ignoreWhen: 'never: fix the journal.',
    },
  },
  'migration-number-collision': {
    severity: 'error',
    summary: 'Two drizzle migrations with the same number: two branches generated from the same parent',
    docs: {
      why: "drizzle-kit numbers a migration after the last one it sees and writes meta/NNNN_snapshot.json next to it. Two branches that each ran `drizzle-kit generate` write the same number; the merge keeps both journal entries but only one snapshot, so the snapshot history describes one of the two migrations. The next `drizzle-kit generate` diffs the schema against that history and writes a migration that repeats or misses changes, and the branch's SQL was never computed against the other branch's schema.",
      drizzle:
        "Rebuild the branch's migration on top of the base branch: `dbtool generate --rebase origin/main` removes it with its snapshot and journal entry, runs drizzle-kit generate once on top of the base's history and re-appends hand-written (`--custom`) migrations verbatim.",
      ignoreWhen: 'never: rebuild the migration before merging.',
    },
  },
  'journal-idx-out-of-order': {
    severity: 'error',
    summary: 'A drizzle journal entry whose idx does not increase: the journal was merged by hand',
    docs: {
      why: "drizzle-kit numbers journal entries 0, 1, 2, …; an idx that repeats or goes backwards means two branches each appended an entry and a merge kept both. The snapshots then no longer form one chain, and drizzle-kit's next generate works from the wrong parent.",
      drizzle: "Rebuild the branch's migration with `dbtool generate --rebase <base-branch>` instead of hand-merging meta/_journal.json.",
      ignoreWhen: 'never: fix the journal.',
    },
  },
  'snapshot-fork': {
    severity: 'error',
    summary: 'Two drizzle snapshots with the same parent: migrations generated in parallel on two branches',
    docs: {
      why: "Each meta/NNNN_snapshot.json names the snapshot it was diffed from (prevId). Two snapshots with the same parent were generated from the same schema on different branches: the later migration's SQL does not include the other branch's changes, and drizzle-kit refuses to generate on top of such a folder until the collision is resolved. drizzle-kit v1 accepts parallel branches whose changes commute (its snapshots list what each statement writes and reads), so in a v1 folder only a pair that changes the same object is reported — the pair v1's generate refuses with \"Conflicting migrations detected\".",
      drizzle:
        "Rebuild the branch's migration with `dbtool generate --rebase <base-branch>`, so it is diffed from the base branch's latest snapshot (both layouts). drizzle-kit v1's own `generate --fix-conflicts` deletes both sides, including migrations databases already ran.",
      ignoreWhen: 'never: rebuild the migration.',
    },
  },
  'snapshot-chain-broken': {
    severity: 'error',
    summary: "A drizzle snapshot whose parent is not the previous migration's snapshot",
    docs: {
      why: "drizzle-kit diffs the schema against the latest snapshot, and each snapshot names its parent (prevId; prevIds in the v1 layout). A snapshot whose parent is not the previous migration's snapshot (or, in v1, no snapshot in the folder) comes from another history — typically a merge that kept one branch's snapshot and the other's journal — so the migration it belongs to was computed against a schema that is not the one the folder builds.",
      drizzle: 'Rebuild the migration on top of the base branch: `dbtool generate --rebase <base-branch>` (both layouts).',
      ignoreWhen: 'the snapshots were deliberately rebuilt (e.g. squashed) and the SQL files are known to match the schema.',
    },
  },
  'migration-behind-base': {
    severity: 'error',
    summary: "With --base: a migration the branch adds was generated before the base branch's latest migration",
    docs: {
      why: "The branch's migration is a diff from an older snapshot than the base branch's latest one: the base gained migrations since the branch generated it. Merged as it is, its number and snapshot collide with the base's, its journal `when` may be older than a migration databases already applied (drizzle's migrator then skips it silently), and its SQL ignores the base's changes. In a drizzle-kit v1 folder parallel migrations are valid when their changes commute, so only a branch whose changes conflict with the base's since the fork (the same object changed on both sides, by drizzle-kit v1's own check) is reported.",
      drizzle:
        "Before merging, run `dbtool generate --rebase <base-ref>`: it keeps the base's migrations byte for byte, regenerates the branch's schema change on top of them and re-appends hand-written migrations verbatim.",
      ignoreWhen: 'never: rebuild the migration before merging.',
    },
  },
  'edited-migration': {
    severity: 'error',
    summary: 'A migration that was already merged (it exists at --base) has been edited or deleted',
    docs: {
      why: 'Databases that applied the migration will not run it again, so an edit changes only the databases created from now on: environments drift apart silently. Runners that check hashes (dbtool migrate, and drizzle in the future) refuse to continue until the difference is resolved.',
      drizzle:
        'Leave the applied migration as it is and put the change in a new one: change the schema and run `drizzle-kit generate` (or `drizzle-kit generate --custom` for hand-written SQL).',
      ignoreWhen:
        'the migration was never applied anywhere (it was merged but not deployed), or the edit only touches comments and every runner involved ignores hashes.',
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
