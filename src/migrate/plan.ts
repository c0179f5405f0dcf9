import type { AlterEnumStmt, CallStmt, CreateFunctionStmt, DropStmt, IndexStmt, Node, TransactionStmt } from '@pgsql/types';
import { asNode, names, option } from '../review/ast.js';
import { allFindings } from '../review/finish.js';
import type { ParsedFile } from '../review/parse.js';
import type { Report } from '../review/report-types.js';
import { quoteAlways } from '../sql-ident.js';
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
  /**
   * How to tell, before running a statement outside a transaction, that an interrupted run already
   * did its work (the server finished it, but recording the step failed): the runner then records the
   * step instead of running it again.
   */
  resume?: ResumeCheck;
}

export type ResumeCheck =
  /** CREATE INDEX CONCURRENTLY without IF NOT EXISTS: a VALID index of that name, with the same definition */
  | {
      kind: 'create-index';
      schema: string | undefined;
      name: string;
      table: { schema: string | undefined; name: string };
      /** the statement rewritten to build the same index on another table: `${before}<table>${after}` */
      probe: { before: string; after: string };
    }
  /** DROP INDEX CONCURRENTLY without IF EXISTS: the index is already gone */
  | { kind: 'drop-index'; schema: string | undefined; name: string }
  /** ALTER TYPE … ADD VALUE without IF NOT EXISTS: the label is already there */
  | { kind: 'enum-value'; schema: string | undefined; type: string; value: string };

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
    const resume = resumeCheckOf(statement.node, statement.sql, (byteOffset) => parsed.source.charIndex(byteOffset) - statement.start);
    if (forbidden(statement.index) || callsCommittingProcedure(statement.node, committing)) {
      if (resume) planned.resume = resume;
      units.push({ inTransaction: false, statements: [planned] });
      open = undefined;
    } else {
      if (!open) {
        open = { inTransaction: true, statements: [] };
        units.push(open);
      }
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

/** `offset`: the parser's byte offset in the file → char offset in the statement's text. */
function resumeCheckOf(node: unknown, sql: string, offset: (byteOffset: number) => number): ResumeCheck | undefined {
  const index = asNode<IndexStmt>(node, 'IndexStmt');
  if (index?.concurrent && index.idxname && !index.if_not_exists && index.relation?.relname) {
    const probe = indexProbe(sql, index, offset);
    return (
      probe && {
        kind: 'create-index',
        schema: index.relation.schemaname,
        name: index.idxname,
        table: { schema: index.relation.schemaname, name: index.relation.relname },
        probe,
      }
    );
  }
  const drop = asNode<DropStmt>(node, 'DropStmt');
  if (drop?.concurrent && drop.removeType === 'OBJECT_INDEX' && !drop.missing_ok && drop.objects?.length === 1) {
    const parts = names(asNode<{ items?: Node[] }>(drop.objects[0], 'List')?.items);
    const name = parts.at(-1);
    if (name && parts.length <= 2) return { kind: 'drop-index', schema: parts.length === 2 ? parts[0] : undefined, name };
  }
  const alter = asNode<AlterEnumStmt>(node, 'AlterEnumStmt');
  if (alter?.newVal !== undefined && !alter.oldVal && !alter.skipIfNewValExists) {
    const parts = names(alter.typeName);
    const type = parts.at(-1);
    if (type && parts.length <= 2) return { kind: 'enum-value', schema: parts.length === 2 ? parts[0] : undefined, type, value: alter.newVal };
  }
  return undefined;
}

/**
 * The CREATE INDEX statement with its table swapped for a placeholder and CONCURRENTLY gone, so the
 * runner can build the same index on an empty copy of the table and let the server print its definition.
 */
function indexProbe(sql: string, index: IndexStmt, offset: (byteOffset: number) => number): { before: string; after: string } | undefined {
  const location = index.relation?.location;
  if (location === undefined || location < 0) return undefined;
  const start = offset(location);
  if (start < 0 || start >= sql.length) return undefined;
  const end = qualifiedNameEnd(sql, start);
  if (end === undefined) return undefined;
  const only = index.relation?.inh ? '' : 'ONLY ';
  return { before: `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteAlways(index.idxname!)} ON ${only}`, after: sql.slice(end) };
}

/** Where a possibly qualified, possibly quoted name that starts at `at` ends; undefined when it is not one. */
function qualifiedNameEnd(sql: string, at: number): number | undefined {
  let i = at;
  for (let part = 0; part < 3; part++) {
    if (sql[i] === '"') {
      i++;
      for (;;) {
        if (i >= sql.length) return undefined;
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
    } else {
      const match = /^[\p{L}_][\p{L}\p{N}_$]*/u.exec(sql.slice(i));
      if (!match) return undefined;
      i += match[0].length;
    }
    let j = i;
    while (/\s/.test(sql[j] ?? '')) j++;
    if (sql[j] !== '.') return i;
    j++;
    while (/\s/.test(sql[j] ?? '')) j++;
    i = j;
  }
  return undefined;
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

/**
 * Rules whose error-level findings mean a file cannot be applied as it was reviewed (a ROLLBACK in the
 * middle discards what came before it): migrate refuses those files even with --allow-unsafe.
 */
export const UNRUNNABLE_RULES: ReadonlySet<string> = new Set(['transaction-control']);

/** The review found a file that cannot run as reviewed: nothing may be applied, whatever the flags say. */
export function refusesToRun(report: Report): boolean {
  return report.files.some((f) => allFindings(f).some((x) => x.severity === 'error' && UNRUNNABLE_RULES.has(x.rule)));
}
