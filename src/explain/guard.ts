import { nodeTag, walk } from '../review/ast.js';
import { parseSql } from '../review/parse.js';

/** What kind of statement is about to be explained, decided before anything reaches the server. */
export type Verdict =
  | { ok: true; sql: string; writes: string[]; placeholders: number }
  | { ok: false; reason: string; hint: string; line?: number; column?: number };

const READS = new Set(['SelectStmt']);
const WRITES: Record<string, string> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
};

/**
 * Exactly one SELECT / INSERT / UPDATE / DELETE / MERGE, and nothing that could escape the
 * rolled-back transaction: no transaction control, SET, utility statement or nested EXPLAIN.
 */
export function checkExplainable(text: string): Verdict {
  const parsed = parseSql(text);
  const statements = parsed.statements;
  const broken = statements.find((s) => s.syntaxError);
  if (broken?.syntaxError) {
    return { ok: false, reason: `syntax error: ${broken.syntaxError.message}`, hint: 'Fix the SQL; dbtool explains what PostgreSQL can parse.', line: broken.syntaxError.line, column: broken.syntaxError.column };
  }
  if (statements.length === 0) return { ok: false, reason: 'no SQL statement given', hint: 'Pass the query as an argument, with -f file.sql, or on standard input with -.' };
  if (statements.length > 1) {
    const second = statements[1]!;
    return { ok: false, reason: `${statements.length} statements given; dbtool explains exactly one`, hint: 'Explain each statement on its own: a second statement could run outside the rolled-back transaction.', line: second.line, column: second.column };
  }
  const statement = statements[0]!;
  const tag = nodeTag(statement.node) ?? 'unknown';
  if (tag === 'ExplainStmt') return { ok: false, reason: 'the statement is already an EXPLAIN', hint: 'Pass the query itself; dbtool adds EXPLAIN (ANALYZE, BUFFERS, …) and rolls it back.' };
  if (tag === 'TransactionStmt' || tag === 'VariableSetStmt' || tag === 'VariableShowStmt') {
    return { ok: false, reason: `${statement.sql.split(/\s+/)[0]?.toUpperCase()} is transaction or session control, not a query`, hint: 'dbtool runs the query in its own transaction and always rolls it back; settings go in the query or the server configuration.' };
  }
  if (!READS.has(tag) && !WRITES[tag]) {
    return { ok: false, reason: `${describeTag(tag)} is not a query EXPLAIN can analyse`, hint: 'dbtool explains SELECT, INSERT, UPDATE, DELETE and MERGE. For DDL, use dbtool review-migration.' };
  }
  const writes = new Set<string>();
  if (WRITES[tag]) writes.add(WRITES[tag]!);
  const root = (statement.node as unknown as Record<string, Record<string, unknown>>)[tag] ?? {};
  const inspect = (inner: string, body: Record<string, unknown>) => {
    if (inner === 'SelectStmt' && body.intoClause) writes.add('SELECT INTO (creates a table)');
    if (inner === 'SelectStmt' && Array.isArray(body.lockingClause) && body.lockingClause.length > 0) writes.add('SELECT … FOR UPDATE/SHARE (locks rows)');
  };
  inspect(tag, root);
  walk(root, (inner, body) => {
    if (WRITES[inner]) writes.add(`${WRITES[inner]} in a WITH clause`);
    inspect(inner, body);
  });
  return { ok: true, sql: statement.sql, writes: [...writes], placeholders: maxPlaceholder(statement.node) };
}

function maxPlaceholder(node: unknown): number {
  let max = 0;
  walk(node, (tag, body) => {
    if (tag === 'ParamRef' && typeof body.number === 'number') max = Math.max(max, body.number);
  });
  return max;
}

function describeTag(tag: string): string {
  return tag.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}
