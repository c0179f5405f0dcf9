import type { Node } from '@pgsql/types';
import { asNode, option, stringValue } from './ast.js';
import type { Catalog } from './catalog/model.js';
import type { ParsedStatement } from './parse.js';
import { doBlocks, rolledBackAsDuplicate } from './plpgsql.js';
import type { SourceText } from './source-text.js';

/** A statement a DO block runs, placed where it stands in the file. */
export interface InnerStatement extends ParsedStatement {
  /** the conditions the block's EXCEPTION handler catches (others: every error) */
  catches: ReadonlySet<string>;
}

/**
 * The SQL statements a DO block executes, each with its own position in the file, so the rules can judge
 * (and point at) them as if they stood alone. Blocks drizzle's duplicate_object guard rolls back are left
 * out: nothing they run stays. Dynamic SQL (EXECUTE '…') is not a statement the file spells out.
 */
export function doBlockStatements(statement: ParsedStatement, source: SourceText, catalog: Catalog): InnerStatement[] {
  const stmt = asNode<{ args?: Node[] }>(statement.node, 'DoStmt');
  if (!stmt) return [];
  const blocks = doBlocks(stmt);
  if (typeof blocks === 'string') return [];
  const body = stringValue(option(stmt.args, 'as')?.arg);
  if (!body) return [];
  // the body as the file spells it: verbatim between dollar quotes, with doubled quotes between single ones
  let quoted = body;
  let bodyAt = statement.sql.indexOf(body);
  if (bodyAt < 0 && body.includes("'")) {
    quoted = body.replaceAll("'", "''");
    bodyAt = statement.sql.indexOf(quoted);
  }
  if (bodyAt < 0) return [];
  const spell = quoted === body ? (s: string) => s : (s: string) => s.replaceAll("'", "''");
  const out: InnerStatement[] = [];
  let cursor = 0;
  for (const block of blocks) {
    if (rolledBackAsDuplicate(block, catalog)) continue;
    for (const [i, sql] of block.statements.entries()) {
      const at = quoted.indexOf(spell(sql), cursor);
      if (at < 0) continue;
      cursor = at + spell(sql).length;
      // parsed once with the block; a statement is judged alone only when it is exactly one
      const parsed = block.parsed?.[i];
      const node = parsed?.length === 1 ? parsed[0] : undefined;
      if (!node) continue;
      const start = statement.start + bodyAt + at;
      const end = start + spell(sql).length;
      const begin = source.position(start);
      out.push({
        index: statement.index,
        sql,
        start,
        end,
        line: begin.line,
        column: begin.column,
        endLine: source.position(Math.max(start, end - 1)).line,
        node,
        leading: '',
        leadingStart: start,
        catches: block.catches,
      });
    }
  }
  return out;
}
