import type { AlterTableCmd, Node, Constraint as PgConstraint, RangeVar } from '@pgsql/types';
import { parsePlPgSQLSync, parseSync } from 'libpg-query';
import { asNode, names, option, qualifiedKey, relationKey, stringValue } from './ast.js';
import type { Catalog } from './catalog/model.js';

/** One BEGIN … END block of a PL/pgSQL body: the SQL it runs and the conditions its handler catches. */
export interface PlpgsqlBlock {
  /** SQL the block's own statements execute (nested blocks are separate entries) */
  statements: string[];
  /** those statements parsed; undefined when one does not parse */
  nodes?: Node[] | undefined;
  /** each statement parsed on its own (undefined: it does not parse), in the order of `statements` */
  parsed?: Array<Node[] | undefined>;
  /** condition names its EXCEPTION clause handles */
  catches: Set<string>;
  /** PL/pgSQL COMMIT or ROLLBACK among its statements, in the order they come */
  ends?: Array<'COMMIT' | 'ROLLBACK'>;
}

// the effects and the catalog both read a DO block: its body is parsed once per statement node
const BLOCKS = new WeakMap<object, PlpgsqlBlock[] | 'not-plpgsql' | 'unparsable'>();

/**
 * The blocks of a DO statement's body (drizzle-kit before 0.30 wrapped foreign keys and enum types in them),
 * 'not-plpgsql' for another language, 'unparsable' when PL/pgSQL rejects the body.
 */
export function doBlocks(stmt: { args?: Node[] }): PlpgsqlBlock[] | 'not-plpgsql' | 'unparsable' {
  const cached = BLOCKS.get(stmt);
  if (cached) return cached;
  const source = stringValue(option(stmt.args, 'as')?.arg);
  const language = option(stmt.args, 'language');
  let result: PlpgsqlBlock[] | 'not-plpgsql' | 'unparsable';
  if (!source || (language && stringValue(language.arg) !== 'plpgsql')) result = 'not-plpgsql';
  else {
    try {
      result = plpgsqlBlocks(source);
      for (const block of result) {
        block.parsed = block.statements.map(parsedStatement);
        block.nodes = block.parsed.every((nodes) => nodes !== undefined) ? block.parsed.flat() : undefined;
      }
    } catch {
      result = 'unparsable';
    }
  }
  BLOCKS.set(stmt, result);
  return result;
}

function parsedStatement(sql: string): Node[] | undefined {
  try {
    return (parseSync(sql).stmts ?? []).map((raw: { stmt?: Node }) => raw.stmt).filter((n): n is Node => n !== undefined);
  } catch {
    return undefined;
  }
}

/**
 * Whether the block fails with duplicate_object because the catalog already has what it creates, and its handler
 * catches that: drizzle's idempotency guard, which rolls the whole block back.
 */
export function rolledBackAsDuplicate(block: PlpgsqlBlock, catalog: Catalog): boolean {
  if (!block.catches.has('duplicate_object') && !block.catches.has('others')) return false;
  return (block.nodes ?? []).some((node) => createsExistingObject(node, catalog));
}

/** Whether a statement would fail with duplicate_object because the catalog already has what it creates. */
function createsExistingObject(node: Node | undefined, catalog: Catalog): boolean {
  const alter = asNode<{ relation?: RangeVar; cmds?: Node[] }>(node, 'AlterTableStmt');
  if (alter) {
    const relation = catalog.relation(relationKey(alter.relation));
    return (alter.cmds ?? []).some((c) => {
      const name = asNode<PgConstraint>(asNode<AlterTableCmd>(c, 'AlterTableCmd')?.def, 'Constraint')?.conname;
      return name !== undefined && (relation?.constraints.some((k) => k.name === name) ?? false);
    });
  }
  const enumType = asNode<{ typeName?: Node[] }>(node, 'CreateEnumStmt');
  if (enumType) return catalog.enums.has(qualifiedKey(names(enumType.typeName)));
  return false;
}

function plpgsqlBlocks(body: string): PlpgsqlBlock[] {
  const wrapped = `CREATE FUNCTION dbtool_do_block() RETURNS void LANGUAGE plpgsql AS $dbtool$${body}$dbtool$`;
  const blocks: PlpgsqlBlock[] = [];
  const visit = (value: unknown, block: PlpgsqlBlock): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, block);
      return;
    }
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'PLpgSQL_stmt_block') {
        const catches = new Set<string>();
        walkPlpgsql((child as { exceptions?: unknown }).exceptions, (k, v) => {
          if (k === 'PLpgSQL_condition') catches.add(String((v as { condname?: string }).condname));
        });
        const nested: PlpgsqlBlock = { statements: [], catches };
        blocks.push(nested);
        visit((child as { body?: unknown }).body, nested);
        visit((child as { exceptions?: unknown }).exceptions, nested);
        continue;
      }
      if (key === 'PLpgSQL_stmt_commit' || key === 'PLpgSQL_stmt_rollback') {
        block.ends ??= [];
        block.ends.push(key === 'PLpgSQL_stmt_commit' ? 'COMMIT' : 'ROLLBACK');
      }
      if (key === 'PLpgSQL_stmt_execsql' || key === 'PLpgSQL_stmt_dynexecute') {
        const stmt = child as { sqlstmt?: { PLpgSQL_expr?: { query?: string } }; query?: { PLpgSQL_expr?: { query?: string } } };
        const text = stmt.sqlstmt?.PLpgSQL_expr?.query ?? stmt.query?.PLpgSQL_expr?.query;
        if (text) block.statements.push(text);
      }
      visit(child, block);
    }
  };
  visit(parsePlPgSQLSync(wrapped) as unknown, { statements: [], catches: new Set() });
  return blocks;
}

function walkPlpgsql(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walkPlpgsql(item, visit);
    return;
  }
  if (!value || typeof value !== 'object') return;
  for (const [key, child] of Object.entries(value)) {
    visit(key, child);
    walkPlpgsql(child, visit);
  }
}
