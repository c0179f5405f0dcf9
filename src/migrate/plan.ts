import type { CallStmt, CreateFunctionStmt, IndexStmt, Node, TransactionStmt } from '@pgsql/types';
import { asNode, names, option } from '../review/ast.js';
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
  const committing = committingProcedures(parsed);
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
    if (forbidden(statement.index) || callsCommittingProcedure(statement.node, committing)) {
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

/**
 * Procedures of the file that COMMIT or ROLLBACK (batched backfills): PostgreSQL only allows that when
 * CALL runs outside a transaction block, so such a CALL becomes a unit of its own.
 */
function committingProcedures(parsed: ParsedFile): Set<string> {
  const found = new Set<string>();
  for (const statement of parsed.statements) {
    const fn = asNode<CreateFunctionStmt>(statement.node, 'CreateFunctionStmt');
    if (!fn?.is_procedure) continue;
    const body = names(asNode<{ items?: Node[] }>(option(fn.options, 'as')?.arg, 'List')?.items).join('\n');
    if (/\b(commit|rollback)\b/i.test(body)) found.add(names(fn.funcname).at(-1) ?? '');
  }
  return found;
}

function callsCommittingProcedure(node: unknown, committing: Set<string>): boolean {
  const call = asNode<CallStmt>(node, 'CallStmt');
  return call !== undefined && committing.has(names(call.funccall?.funcname).at(-1) ?? '');
}
