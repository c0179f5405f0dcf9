import type { Finding } from '../../review/findings.js';
import type { LockMode } from '../../review/lock-modes.js';
import type { TransactionMode } from '../../review/transaction.js';
import { literalsOf, OMITTED_SQL, redactSql, redactText } from '../core/redact-sql.js';
import type { MigrationReview, StatementRef } from './history.js';
import { forEachCatalogBefore, reviewedFiles, statementRefs } from './history.js';
import type { TableEntry, TableSizes } from './tables.js';
import { catalogKey, tableEntry } from './tables.js';

export interface PayloadFinding {
  rule: string;
  severity: Finding['severity'];
  message: string;
  help: string;
}

export interface PayloadStatement {
  /** the id the answer refers to the statement by */
  id: string;
  line: number;
  /** the parser's node name, e.g. AlterTableStmt */
  kind: string;
  /** redacted: literals are $n, comments are gone */
  sql: string;
  locks: Record<string, LockMode>;
  rewrites: string[];
  scans: string[];
  transaction: 'allowed' | 'forbidden';
  /** false when dbtool's effects model does not cover the statement */
  effectsModelled: boolean;
  /** the effects model's reasons */
  why: string[];
  findings: PayloadFinding[];
}

export interface PayloadFile {
  migration: string;
  statements: PayloadStatement[];
  /** findings about the file itself (journal, ignore comments) */
  findings: PayloadFinding[];
}

/** Everything the model is told about a migration review. Built only from the report and the schema: no settings, no environment. */
export interface MigrationPayload {
  kind: 'migration';
  pgVersion: number;
  /** how the runner wraps statements in transactions */
  transactionMode: TransactionMode;
  files: PayloadFile[];
  /** the touched relations as they are before the first file under review that touches them */
  tables: TableEntry[];
  /** relation names with sizes from the database: false means sizes are unknown, not small */
  sizesKnown: boolean;
}

/** One payload kind per command; explain adds its own. */
export type AiPayload = MigrationPayload;

export interface MigrationPayloadOptions {
  /** table sizes, when a database was reachable */
  sizes?: TableSizes;
}

/** Builds what is sent for `review-migration --ai`. Pure; needs the parser loaded. */
export function buildMigrationPayload(review: MigrationReview, options: MigrationPayloadOptions = {}): MigrationPayload {
  const refs = statementRefs(review);
  const files: PayloadFile[] = reviewedFiles(refs).map((file) => ({
    migration: file.source.migration,
    statements: refs.filter((r) => r.file === file).map(payloadStatement),
    findings: file.report.findings.map((f) =>
      payloadFinding(f, [...literalsOf(file.source.text ?? ''), ...file.report.statements.flatMap((s) => literalsOf(s.sql))]),
    ),
  }));
  return {
    kind: 'migration',
    pgVersion: review.report.pgVersion,
    transactionMode: review.settings.transactionMode,
    files,
    tables: touchedTables(refs, options.sizes),
    sizesKnown: options.sizes !== undefined,
  };
}

function payloadStatement(ref: StatementRef): PayloadStatement {
  const s = ref.statement;
  const literals = literalsOf(s.sql);
  const sql = redactSql(s.sql);
  // text that could not be tokenized has no known literals, and a parser message quotes the text near the error
  const scrub = (f: Finding) =>
    sql === OMITTED_SQL ? { rule: f.rule, severity: f.severity, message: 'details omitted with the statement', help: '' } : payloadFinding(f, literals);
  return {
    id: ref.id,
    line: s.line,
    kind: s.kind,
    sql,
    locks: s.locks,
    rewrites: s.rewrites,
    scans: s.scans,
    transaction: s.transaction,
    effectsModelled: !s.unknown,
    why: sql === OMITTED_SQL ? [] : s.notes.map((n) => redactText(n, literals)),
    findings: s.findings.map(scrub),
  };
}

function payloadFinding(f: Finding, literals: readonly string[]): PayloadFinding {
  return { rule: f.rule, severity: f.severity, message: redactText(f.message, literals), help: redactText(f.help, literals) };
}

/** The relations the statements lock, rewrite or scan that existed before their file ran. */
function touchedTables(refs: readonly StatementRef[], sizes: TableSizes | undefined): TableEntry[] {
  const entries = new Map<string, TableEntry>();
  for (const folder of new Set(refs.map((r) => r.file.folder))) {
    forEachCatalogBefore(folder, (index, catalog) => {
      for (const ref of refs) {
        if (ref.file.folder !== folder || ref.file.index !== index) continue;
        const s = ref.statement;
        for (const name of [...Object.keys(s.locks), ...s.rewrites, ...s.scans]) {
          const key = catalogKey(name);
          if (entries.has(key)) continue;
          const entry = tableEntry(catalog, key, sizes);
          if (entry) entries.set(key, entry);
        }
      }
    });
  }
  return [...entries.values()];
}
