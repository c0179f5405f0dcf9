import type { AlterTableCmd, ColumnDef, CreateStmt, Node, RangeVar } from '@pgsql/types';
import { escapeRegExp } from '../../regexp.js';
import { quoteIdent } from '../../sql-ident.js';
import { alterCommands, asNode, displayName, names, nodeTag, relationKey } from '../ast.js';
import type { TypeRef } from '../catalog/types.js';
import { normalizeType, sameType, typeLabel } from '../catalog/types.js';
import type { Rule, RuleContext, RuleFinding } from '../findings.js';
import type { ParsedStatement } from '../parse.js';
import { SHOP } from './docs-history.js';
import { tableName } from './helpers.js';

interface ColumnShape {
  name: string;
  type: TypeRef;
}

function columnOf(node: Node | undefined): ColumnShape | undefined {
  const def = asNode<ColumnDef>(node, 'ColumnDef');
  if (!def?.colname) return undefined;
  return { name: def.colname, type: normalizeType(def.typeName).type };
}

/** Columns the file's other statements add to `table` with ALTER TABLE … ADD COLUMN. */
function addedColumns(statements: readonly ParsedStatement[], self: ParsedStatement, table: string): ColumnShape[] {
  const out: ColumnShape[] = [];
  for (const statement of statements) {
    if (statement === self) continue;
    const alter = alterCommands(statement.node);
    if (!alter || alter.target !== table) continue;
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const column = columnOf((cmd as AlterTableCmd & { def?: Node }).def);
      if (column) out.push(column);
    }
  }
  return out;
}

/** Tables the file's other statements create, with their column lists in order. */
function createdTables(statements: readonly ParsedStatement[], self: ParsedStatement): Array<{ key: string; columns: ColumnShape[] }> {
  const out: Array<{ key: string; columns: ColumnShape[] }> = [];
  for (const statement of statements) {
    if (statement === self) continue;
    const create = asNode<CreateStmt & { relation?: RangeVar }>(statement.node, 'CreateStmt');
    if (!create?.relation || create.partbound || create.inhRelations?.length) continue;
    const columns = (create.tableElts ?? []).map(columnOf).filter((c): c is ColumnShape => c !== undefined);
    if (columns.length > 0) out.push({ key: relationKey(create.relation), columns });
  }
  return out;
}

/** Columns of `table` that the file drops. */
function droppedNames(statements: readonly ParsedStatement[], table: string): string[] {
  const out: string[] = [];
  for (const statement of statements) {
    const alter = alterCommands(statement.node);
    if (!alter || alter.target !== table) continue;
    for (const cmd of alter.cmds) if (cmd.subtype === 'AT_DropColumn' && cmd.name) out.push(cmd.name);
  }
  return out;
}

const SCHEMA_CHANGES = new Set(['AlterTableStmt', 'CreateStmt', 'DropStmt', 'IndexStmt', 'RenameStmt', 'CommentStmt']);

/** A statement other than DDL (an UPDATE, INSERT … SELECT, DO block) that names the old column or table. */
function copiesData(statements: readonly ParsedStatement[], name: string): boolean {
  const word = new RegExp(`(^|[^A-Za-z0-9_$])"?${escapeRegExp(name)}"?([^A-Za-z0-9_$]|$)`);
  return statements.some((s) => s.node !== undefined && !SCHEMA_CHANGES.has(nodeTag(s.node) ?? '') && word.test(s.sql));
}

const sameColumns = (a: readonly ColumnShape[], b: readonly ColumnShape[]) =>
  a.length === b.length && a.every((c, i) => c.name === b[i]?.name && sameType(c.type, b[i]!.type));

function droppedColumns(ctx: RuleContext, statements: readonly ParsedStatement[]): RuleFinding[] {
  const alter = alterCommands(ctx.statement.node);
  if (!alter || ctx.effectContext.newTables.has(alter.target)) return [];
  const relation = ctx.effectContext.catalog.relations.get(alter.target);
  if (!relation) return [];
  const findings: RuleFinding[] = [];
  const added = addedColumns(statements, ctx.statement, alter.target);
  for (const cmd of alter.cmds) {
    if (cmd.subtype !== 'AT_DropColumn' || !cmd.name) continue;
    const dropped = relation.columns.get(cmd.name);
    if (!dropped) continue;
    // a column this file adds with the dropped one's type: the rename drizzle-kit was not told about
    // only a one-to-one pair is a likely rename: one column of the type goes, one of the type comes
    const candidates = added.filter((c) => c.name !== cmd.name && sameType(c.type, dropped.type));
    const droppedOfType = droppedNames(statements, alter.target).filter((n) => {
      const column = relation.columns.get(n);
      // a column an earlier statement of the file dropped is no longer in the catalog: its type is unknown, so it counts
      return column === undefined || sameType(column.type, dropped.type);
    });
    const into = candidates[0];
    if (!into || candidates.length !== 1 || droppedOfType.length !== 1) continue;
    // the file copies the values somewhere first (UPDATE … SET new = old): the drop is deliberate
    if (copiesData(statements, cmd.name)) continue;
    const table = tableName(displayName(alter.target));
    const fix = `ALTER TABLE ${table} RENAME COLUMN ${quoteIdent(cmd.name)} TO ${quoteIdent(into.name)};`;
    findings.push({
      message: `Drops column ${cmd.name} of ${displayName(alter.target)} and adds ${into.name} (${typeLabel(dropped.type)}, the same type) in the same migration: if this was a rename, every value of ${cmd.name} is lost — it is what drizzle-kit writes when its rename question is answered "create column" or it runs without a terminal.`,
      help: `If ${into.name} is ${cmd.name} renamed, replace the ADD COLUMN and the DROP COLUMN with the rename (the data stays): ${fix} — or run drizzle-kit generate again in a terminal and choose "rename column". If the column really is dropped, ignore this with a reason.`,
      fix,
    });
  }
  return findings;
}

function droppedTables(ctx: RuleContext, statements: readonly ParsedStatement[]): RuleFinding[] {
  const stmt = asNode<{ removeType?: string; objects?: Node[] }>(ctx.statement.node, 'DropStmt');
  if (stmt?.removeType !== 'OBJECT_TABLE') return [];
  const created = createdTables(statements, ctx.statement);
  if (created.length === 0) return [];
  const findings: RuleFinding[] = [];
  for (const object of stmt.objects ?? []) {
    const parts = names(asNode<{ items?: Node[] }>(object, 'List')?.items);
    const key = parts.length > 1 ? parts.join('.') : `public.${parts[0] ?? ''}`;
    if (ctx.effectContext.newTables.has(key)) continue;
    const relation = ctx.effectContext.catalog.relations.get(key);
    if (relation?.kind !== 'table') continue;
    const columns = [...relation.columns.values()].map((c) => ({ name: c.name, type: c.type }));
    const twin = created.find((t) => t.key !== key && sameColumns(t.columns, columns));
    if (!twin || copiesData(statements, key.split('.').pop() ?? key)) continue;
    const fix = `ALTER TABLE ${tableName(displayName(key))} RENAME TO ${quoteIdent(twin.key.split('.').pop() ?? twin.key)};`;
    findings.push({
      message: `Drops table ${displayName(key)} and creates ${displayName(twin.key)} with the same columns in the same migration: if this was a rename, every row of ${displayName(key)} is lost — it is what drizzle-kit writes when its rename question is answered "create table" or it runs without a terminal.`,
      help: `If ${displayName(twin.key)} is ${displayName(key)} renamed, replace the CREATE TABLE and the DROP TABLE with the rename (rows, indexes and constraints stay): ${fix} — or run drizzle-kit generate again in a terminal and choose "rename table". If the table really is dropped, ignore this with a reason.`,
      fix,
    });
  }
  return findings;
}

export const renameOrDataLoss: Rule = {
  id: 'rename-or-data-loss',
  severity: 'error',
  summary: 'A column (or table) dropped and one of the same type (or columns) added in the same migration: a rename that loses the data',
  docs: {
    why: 'drizzle-kit cannot tell a rename from a drop plus an add: it asks in the terminal, and when the answer is "create" (or nothing answers, as in CI or a script), it writes ADD COLUMN new + DROP COLUMN old, or CREATE TABLE new + DROP TABLE old. Run against a database with rows, the new column is empty and the old values are deleted — while the code, which only sees a new name, looks correct. A rename keeps the data.',
    bad: [
      'ALTER TABLE users ADD COLUMN full_name text;\nALTER TABLE users DROP COLUMN name;',
      'CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text, created_at timestamptz NOT NULL DEFAULT now());\nDROP TABLE users;',
    ],
    good: [
      'ALTER TABLE users RENAME COLUMN name TO full_name;',
      'ALTER TABLE users ADD COLUMN age integer;\nALTER TABLE users DROP COLUMN name;',
      'ALTER TABLE users DROP COLUMN name;\nALTER TABLE users ADD COLUMN name varchar(200);',
    ],
    drizzle:
      'When drizzle-kit asks "Is full_name column in users table created or renamed from another column?", choose the rename (`~ name › full_name`). In CI or scripts, generate migrations in a terminal first; if a migration with ADD + DROP was already generated, replace the pair with `ALTER TABLE … RENAME COLUMN old TO new` (or `RENAME TO` for a table) and keep the snapshot as drizzle-kit wrote it.',
    ignoreWhen: 'the old column or table really is meant to go and the new one is unrelated (say so in the ignore reason).',
    history: SHOP,
  },
  check(ctx) {
    const statements = ctx.fileStatements;
    if (!statements || statements.length < 2) return [];
    return [...droppedColumns(ctx, statements), ...droppedTables(ctx, statements)];
  },
};
