import type { IndexStmt, TransactionStmt } from '@pgsql/types';
import { asNode } from '../review/ast.js';
import type { ParsedFile } from '../review/parse.js';
import type { LocalMigration } from './local.js';

export interface PlannedStatement {
  /** 0-based position in the file */
  index: number;
  sql: string;
  /** char offset of the statement in its file, to place server error positions */
  start: number;
  line: number;
  column: number;
  /** the index a CREATE INDEX CONCURRENTLY builds: a failed build leaves it INVALID and must be dropped first */
  concurrentIndex?: { schema: string | undefined; name: string };
}

/** Statements that run together: in one transaction, or a single statement PostgreSQL refuses to run in one. */
export interface Unit {
  inTransaction: boolean;
  statements: PlannedStatement[];
}

export interface FilePlan {
  migration: LocalMigration;
  units: Unit[];
  /** transaction-control statements in the file that dbtool turned into unit boundaries */
  boundaries: Array<{ line: number; keyword: string }>;
  parsed: ParsedFile;
}

/**
 * Splits a migration file into units. Statements PostgreSQL refuses inside a transaction block run on
 * their own, in file order; the rest are grouped in transactions. An explicit COMMIT/BEGIN in the file
 * (a common trick to escape drizzle's single transaction) becomes a unit boundary instead of being sent.
 */
export function planFile(migration: LocalMigration, parsed: ParsedFile, forbidden: (index: number) => boolean): FilePlan {
  const units: Unit[] = [];
  const boundaries: FilePlan['boundaries'] = [];
  let open: Unit | undefined;
  for (const statement of parsed.statements) {
    const control = transactionControl(statement.node);
    if (control) {
      boundaries.push({ line: statement.line, keyword: control });
      open = undefined;
      continue;
    }
    const planned: PlannedStatement = {
      index: statement.index,
      sql: statement.sql,
      start: statement.start,
      line: statement.line,
      column: statement.column,
      ...concurrentIndexOf(statement.node),
    };
    if (forbidden(statement.index)) {
      units.push({ inTransaction: false, statements: [planned] });
      open = undefined;
    } else {
      if (!open) units.push((open = { inTransaction: true, statements: [] }));
      open.statements.push(planned);
    }
  }
  // an empty migration (drizzle-kit generate --custom) is still recorded, in a transaction of its own
  if (units.length === 0) units.push({ inTransaction: true, statements: [] });
  return { migration, units, boundaries, parsed };
}

const BOUNDARY_KINDS: Record<string, string> = {
  TRANS_STMT_BEGIN: 'BEGIN',
  TRANS_STMT_START: 'START TRANSACTION',
  TRANS_STMT_COMMIT: 'COMMIT',
};

function transactionControl(node: unknown): string | undefined {
  const stmt = asNode<TransactionStmt>(node, 'TransactionStmt');
  return stmt?.kind ? BOUNDARY_KINDS[stmt.kind] : undefined;
}

function concurrentIndexOf(node: unknown): Pick<PlannedStatement, 'concurrentIndex'> {
  const index = asNode<IndexStmt>(node, 'IndexStmt');
  if (!index?.concurrent || !index.idxname) return {};
  return { concurrentIndex: { schema: index.relation?.schemaname, name: index.idxname } };
}
