import type { Finding } from './findings.js';
import type { LockMode } from './lock-modes.js';
import type { ParsedFile } from './parse.js';
import type { INPUT_RULES } from './rules/input-rules.js';

/** What a review reads (folders of files) and what it reports: the model every output format renders. */

export type InputRuleId = keyof typeof INPUT_RULES;

/** A problem the folder reader found before any SQL was parsed. */
export interface InputProblem {
  rule: InputRuleId;
  message: string;
  help: string;
  line?: number;
  column?: number;
}

export interface SourceFile {
  path: string;
  migration: string;
  /** undefined when the file is missing */
  text: string | undefined;
  problems: InputProblem[];
  /** false: only feeds the schema history (an earlier migration that is not under review) */
  review: boolean;
  /** the text already parsed by the caller, so it is not parsed twice */
  parsed?: ParsedFile;
}

/** The files of one folder, in the order the runner applies them. */
export interface FolderSource {
  files: SourceFile[];
  /**
   * each reviewed file is judged as if it were the only one under review: its own run (transaction,
   * tables new in the run, findings a later statement makes moot) over the history before it
   */
  eachAlone?: boolean;
}

/** A relation's size in production: the planner's row estimate (null: never analysed) and its bytes on disk. */
export interface RelationSize {
  rows: number | null;
  bytes: number;
}

/** How long a statement holds a lock that stops other sessions, and what it stops. */
export interface Estimate {
  ms: number;
  /** "reads": AccessExclusiveLock, nothing can use the table; "writes": reads continue, writes wait */
  blocks: 'reads' | 'writes';
}

export interface StatementReport {
  line: number;
  column: number;
  endLine: number;
  sql: string;
  locks: Record<string, LockMode>;
  rewrites: string[];
  scans: string[];
  transaction: 'allowed' | 'forbidden';
  findings: Finding[];
  /** production sizes of the relations it locks, rewrites or scans, when a source of sizes is known */
  sizes?: Record<string, RelationSize>;
  /** how long it holds a lock that blocks reads or writes of an existing table, when sizes are known */
  estimate?: Estimate;
  /** why: the effects model's explanations (pretty output; not part of the JSON contract) */
  notes: string[];
  kind: string;
  unknown: boolean;
  /**
   * the relations among its locks, rewrites and scans that an earlier statement of the review created (the
   * same file, or with newAcrossFiles the same run): new and empty, so nobody waits for them. The JSON keeps
   * their locks (they are facts); the pretty output leaves them out.
   */
  newRelations?: string[];
}

export interface FileReport {
  path: string;
  migration: string;
  statements: StatementReport[];
  /** findings about the file itself rather than one statement (journal problems) */
  findings: Finding[];
  /** the file text, for code frames */
  text: string | undefined;
  /** findings silenced by dbtool-ignore comments */
  suppressed: number;
}

export interface Summary {
  files: number;
  statements: number;
  errors: number;
  warnings: number;
  infos: number;
  /** findings silenced by dbtool-ignore comments */
  suppressed: number;
}

export interface Report {
  pgVersion: number;
  files: FileReport[];
  summary: Summary;
  /** the migration runner the review assumed (how it wraps statements in transactions), and where that was set */
  runner?: { name: string; source: string };
  /** where production sizes came from, and how many of the touched relations they knew */
  sizeSource?: { label: string; readAt: string; database: string; serverVersion: string; relations: number; known: number };
}
