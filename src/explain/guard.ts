import type { Node } from '@pgsql/types';
import { nodeTag, stringValue, walk } from '../review/ast.js';
import { parseSql } from '../review/parse.js';
import type { SourceText } from '../review/source-text.js';

/** A function the statement calls by name, where it does (1-based, in the text given to dbtool). */
export interface FunctionCall {
  /** as PostgreSQL stores it: unquoted names folded to lower case by the parser */
  name: string;
  /** the schema it was qualified with, if any */
  schema: string | undefined;
  /** arguments given; undefined when a VARIADIC array makes the count unknowable */
  args: number | undefined;
  line: number;
  column: number;
}

export interface RelationRef {
  schema: string | undefined;
  name: string;
  line: number;
  column: number;
}

/** What kind of statement is about to be explained, decided before anything reaches the server. */
export type Verdict =
  | {
      ok: true;
      sql: string;
      writes: string[];
      placeholders: number;
      /** the $n numbers the statement uses (a generic plan must declare the gaps) */
      usedPlaceholders: number[];
      /** every function called by name, in order of appearance */
      calls: FunctionCall[];
      /** every relation named (tables, views, CTE names), first mention */
      relations: RelationRef[];
    }
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
    return {
      ok: false,
      reason: `syntax error: ${broken.syntaxError.message}`,
      hint: 'Fix the SQL; dbtool explains what PostgreSQL can parse.',
      line: broken.syntaxError.line,
      column: broken.syntaxError.column,
    };
  }
  if (statements.length === 0)
    return { ok: false, reason: 'no SQL statement given', hint: 'Pass the query as an argument, with -f file.sql, or on standard input with -.' };
  if (statements.length > 1) {
    const second = statements[1]!;
    return {
      ok: false,
      reason: `${statements.length} statements given; dbtool explains exactly one`,
      hint: 'Explain each statement on its own: a second statement could run outside the rolled-back transaction.',
      line: second.line,
      column: second.column,
    };
  }
  const statement = statements[0]!;
  const tag = nodeTag(statement.node) ?? 'unknown';
  if (tag === 'ExplainStmt')
    return {
      ok: false,
      reason: 'the statement is already an EXPLAIN',
      hint: 'Pass the query itself; dbtool adds EXPLAIN (ANALYZE, BUFFERS, …) and rolls it back.',
    };
  if (tag === 'TransactionStmt' || tag === 'VariableSetStmt' || tag === 'VariableShowStmt') {
    return {
      ok: false,
      reason: `${statement.sql.split(/\s+/)[0]?.toUpperCase()} is transaction or session control, not a query`,
      hint: "dbtool runs the query in its own transaction and always rolls it back, so a SET would not reach it. Give settings to the connection instead: PGOPTIONS='-c work_mem=64MB' dbtool explain …, or options=-c%20work_mem%3D64MB in the URL's query string.",
    };
  }
  if (!READS.has(tag) && !WRITES[tag]) {
    return {
      ok: false,
      reason: `${describeTag(tag)} is not a query EXPLAIN can analyse`,
      hint: 'dbtool explains SELECT, INSERT, UPDATE, DELETE and MERGE. For DDL, use dbtool review-migration.',
    };
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
  const used = placeholders(statement.node);
  return {
    ok: true,
    sql: statement.sql,
    writes: [...writes],
    placeholders: used.length > 0 ? Math.max(...used) : 0,
    usedPlaceholders: used,
    calls: functionCalls(statement.node, parsed.source),
    relations: relationsOf(statement.node, parsed.source),
  };
}

function placeholders(node: unknown): number[] {
  const used = new Set<number>();
  walk(node, (tag, body) => {
    if (tag === 'ParamRef' && typeof body.number === 'number') used.add(body.number);
  });
  return [...used].sort((a, b) => a - b);
}

/** FuncCall nodes: name, schema, argument count and position (the parser gives UTF-8 byte offsets). */
export function functionCalls(node: unknown, source?: SourceText): FunctionCall[] {
  const calls: Array<FunctionCall & { offset: number }> = [];
  walk(node, (tag, body) => {
    if (tag !== 'FuncCall') return;
    const parts = ((body.funcname as Node[] | undefined) ?? []).map((n) => stringValue(n) ?? '');
    const name = parts[parts.length - 1];
    if (!name) return;
    const offset = typeof body.location === 'number' ? body.location : 0;
    const position = source ? source.position(source.charIndex(offset)) : { line: 0, column: 0 };
    const args = body.func_variadic ? undefined : body.agg_star ? 0 : ((body.args as unknown[] | undefined) ?? []).length;
    calls.push({ name, schema: parts.length >= 2 ? parts[parts.length - 2] : undefined, args, offset, ...position });
  });
  return calls.sort((a, b) => a.offset - b.offset).map(({ offset: _offset, ...call }) => call);
}

/** Relations named in FROM / JOIN / INSERT targets, CTE names included (they are looked up, not trusted). */
export function relationsOf(node: unknown, source?: SourceText): RelationRef[] {
  const seen = new Map<string, RelationRef & { offset: number }>();
  walk(node, (tag, body) => {
    if (tag !== 'RangeVar' || typeof body.relname !== 'string') return;
    const schema = typeof body.schemaname === 'string' ? body.schemaname : undefined;
    const offset = typeof body.location === 'number' ? body.location : 0;
    const key = `${schema ?? ''}.${body.relname}`;
    if ((seen.get(key)?.offset ?? Infinity) <= offset) return;
    const position = source ? source.position(source.charIndex(offset)) : { line: 0, column: 0 };
    seen.set(key, { schema, name: body.relname, offset, ...position });
  });
  return [...seen.values()].sort((a, b) => a.offset - b.offset).map(({ offset: _offset, ...ref }) => ref);
}

function describeTag(tag: string): string {
  return tag
    .replace(/Stmt$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}
