import type { Node } from '@pgsql/types';
import { loadModule, parseSync, scanSync } from 'libpg-query';
import { SourceText, skipTrivia } from './source-text.js';

export interface SyntaxProblem {
  message: string;
  line: number;
  column: number;
}

export interface ParsedStatement {
  /** 0-based position of the statement in its file */
  index: number;
  /** the statement's text, from its first token to its end, without the terminating semicolon */
  sql: string;
  /** char offsets in the file */
  start: number;
  end: number;
  line: number;
  column: number;
  endLine: number;
  /** the parser's node (e.g. `{ AlterTableStmt: … }`); undefined when the text does not parse */
  node: Node | undefined;
  /** comments and blank space before the statement, where `-- dbtool-ignore` directives live */
  leading: string;
  /** char offset of `leading` in the file */
  leadingStart: number;
  syntaxError?: SyntaxProblem;
}

export interface ParsedFile {
  source: SourceText;
  statements: ParsedStatement[];
  /** the text starts with a UTF-8 byte order mark, which PostgreSQL's lexer rejects */
  byteOrderMark: boolean;
}

const BREAKPOINT = /^[ \t]*-->[ \t]*statement-breakpoint[ \t]*$/gm;

let loading: Promise<void> | undefined;

/** Loads the parser's WebAssembly once; every other function here is synchronous after it. */
export function loadParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

interface RawStatement {
  stmt?: Node;
  stmt_location?: number;
  stmt_len?: number;
}

interface ParserFailure {
  message: string;
  /** 0-based character offset into the parsed text, when the parser reported one */
  cursor: number | undefined;
}

function tryParse(text: string): { stmts: RawStatement[] } | { error: ParserFailure } {
  try {
    return { stmts: (parseSync(text).stmts ?? []) as RawStatement[] };
  } catch (error) {
    const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const message = details?.message ?? (error instanceof Error ? error.message : String(error));
    return { error: { message, cursor: details?.cursorPosition } };
  }
}

/**
 * Splits a migration file into statements with exact positions. A file that does not parse is still
 * reviewed: it is cut at drizzle's breakpoints and then at top-level semicolons, every piece that
 * parses is kept, and every piece that does not becomes a statement carrying its syntax error.
 */
export function parseSql(original: string): ParsedFile {
  // a space keeps every offset where it was, so positions still match the file
  const byteOrderMark = original.charCodeAt(0) === 0xfeff;
  const text = byteOrderMark ? ` ${original.slice(1)}` : original;
  const source = new SourceText(text);
  const statements: ParsedStatement[] = [];
  parseRange(source, 0, text.length, statements, 'breakpoints');
  statements.forEach((s, i) => {
    s.index = i;
  });
  return { source, statements, byteOrderMark };
}

type SplitStage = 'breakpoints' | 'semicolons' | 'none';

function parseRange(source: SourceText, from: number, to: number, out: ParsedStatement[], stage: SplitStage): void {
  const text = source.text.slice(from, to);
  if (skipTrivia(text, 0) >= text.length) return;
  const result = tryParse(text);
  if ('stmts' in result) {
    const local = from === 0 && to === source.text.length ? source : new SourceText(text);
    for (const raw of result.stmts) {
      const startByte = raw.stmt_location ?? 0;
      const start = local.charIndex(startByte);
      const end = raw.stmt_len ? local.charIndex(startByte + raw.stmt_len) : text.length;
      pushStatement(source, from + start, from + end, raw.stmt, out);
    }
    return;
  }
  const pieces = stage === 'breakpoints' ? splitOnBreakpoints(text) : stage === 'semicolons' ? splitOnSemicolons(text) : [];
  if (pieces.length > 1) {
    const next: SplitStage = stage === 'breakpoints' ? 'semicolons' : 'none';
    for (const [a, b] of pieces) parseRange(source, from + a, from + b, out, next);
    return;
  }
  if (stage === 'breakpoints') {
    parseRange(source, from, to, out, 'semicolons');
    return;
  }
  const statement = pushStatement(source, from, to, undefined, out);
  if (!statement) return;
  const errorAt = result.error.cursor === undefined ? statement.start : from + result.error.cursor;
  const pos = source.position(Math.min(errorAt, source.text.length));
  statement.syntaxError = { message: result.error.message, line: pos.line, column: pos.column };
}

function pushStatement(source: SourceText, rawStart: number, rawEnd: number, node: Node | undefined, out: ParsedStatement[]) {
  const text = source.text;
  const start = skipTrivia(text, rawStart, rawEnd);
  let end = rawEnd;
  while (end > start && /[\s;]/.test(text[end - 1] ?? '')) end--;
  if (end <= start) return undefined;
  const previousEnd = out.length > 0 ? (out[out.length - 1]?.end ?? 0) : 0;
  const begin = source.position(start);
  const statement: ParsedStatement = {
    index: out.length,
    sql: text.slice(start, end),
    start,
    end,
    line: begin.line,
    column: begin.column,
    endLine: source.position(Math.max(start, end - 1)).line,
    node,
    leading: text.slice(Math.min(previousEnd, start), start),
    leadingStart: Math.min(previousEnd, start),
  };
  out.push(statement);
  return statement;
}

function splitOnBreakpoints(text: string): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  let last = 0;
  for (const match of text.matchAll(BREAKPOINT)) {
    pieces.push([last, match.index]);
    last = match.index;
  }
  pieces.push([last, text.length]);
  return pieces;
}

/** Cuts at semicolons the SQL lexer sees as tokens, so quotes, comments and dollar bodies stay whole. */
function splitOnSemicolons(text: string): Array<[number, number]> {
  let tokens: Array<{ start: number; end: number; tokenName?: string; text?: string }>;
  try {
    tokens = scanSync(text).tokens as typeof tokens;
  } catch {
    return [[0, text.length]];
  }
  const local = new SourceText(text);
  const pieces: Array<[number, number]> = [];
  let last = 0;
  for (const token of tokens) {
    if (token.tokenName === 'ASCII_59' || token.text === ';') {
      const end = local.charIndex(token.end);
      pieces.push([last, end]);
      last = end;
    }
  }
  pieces.push([last, text.length]);
  return pieces;
}
