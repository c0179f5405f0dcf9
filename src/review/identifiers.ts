import type { AlterTableCmd, ColumnDef, Constraint, IndexElem, IndexStmt, Node, RangeVar } from '@pgsql/types';
import { scanSync } from 'libpg-query';
import { asNode, DEFAULT_SCHEMA, names, relationKey, stringValue } from './ast.js';
import { SourceText } from './source-text.js';

/** NAMEDATALEN - 1: the longest name PostgreSQL stores, in bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

export function byteLength(name: string): number {
  return Buffer.byteLength(name, 'utf8');
}

/** UTF-8 length of one code point. */
function codePointBytes(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/** The first `limit` bytes of a name, cut on a character boundary as PostgreSQL's pg_mbcliplen does. */
export function clipBytes(name: string, limit: number): string {
  // asked of every name a statement creates: nearly all fit whole
  if (name.length <= limit && byteLength(name) <= limit) return name;
  let bytes = 0;
  let end = 0;
  for (const ch of name) {
    const size = codePointBytes(ch.codePointAt(0)!);
    if (bytes + size > limit) break;
    bytes += size;
    end += ch.length;
  }
  return name.slice(0, end);
}

export function truncateIdentifier(name: string): string {
  return clipBytes(name, MAX_IDENTIFIER_BYTES);
}

/** An identifier in the text longer than PostgreSQL keeps, with where it starts (character offset in the text). */
export interface LongIdentifier {
  value: string;
  truncated: string;
  offset: number;
}

/**
 * Identifiers longer than 63 bytes as the file spells them. The parser (PostgreSQL's own lexer) already
 * truncates them in the syntax tree, so the full names only survive in the text.
 */
/** Runs of text an identifier token lies within: unquoted identifier characters, or a quoted name. */
const IDENTIFIER_RUN = /[\w$\u0080-\uffff]{16,}|"(?:[^"]|"")*"/g;

/**
 * Whether the text has a run of identifier characters (or a quoted name) over 63 bytes: a superset of the long
 * identifier tokens, found without the scanner, which costs a WebAssembly call per statement.
 */
function mayHoldLongIdentifier(text: string): boolean {
  for (const match of text.matchAll(IDENTIFIER_RUN)) {
    const run = match[0];
    if (run.length > MAX_IDENTIFIER_BYTES || (/[^\x00-\x7f]/.test(run) && byteLength(run) > MAX_IDENTIFIER_BYTES)) return true;
  }
  return false;
}

export function longIdentifiers(text: string): LongIdentifier[] {
  if (!mayHoldLongIdentifier(text)) return [];
  let tokens: Array<{ start: number; text?: string; tokenName?: string }>;
  try {
    tokens = scanSync(text).tokens as typeof tokens;
  } catch {
    return [];
  }
  const source = new SourceText(text);
  const out: LongIdentifier[] = [];
  for (const token of tokens) {
    if (token.tokenName !== 'IDENT' || !token.text) continue;
    const value = identifierValue(token.text);
    if (value === undefined || byteLength(value) <= MAX_IDENTIFIER_BYTES) continue;
    out.push({ value, truncated: truncateIdentifier(value), offset: source.charIndex(token.start) });
  }
  return out;
}

function identifierValue(token: string): string | undefined {
  if (token.startsWith('"')) return token.slice(1, -1).replaceAll('""', '"');
  if (/^u&"/i.test(token)) return undefined;
  // PostgreSQL folds only ASCII letters of an unquoted name in UTF-8
  return token.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/**
 * PostgreSQL's makeObjectName: `name1_name2_label` fitted into 63 bytes by shortening the longer of the two
 * names one byte at a time, then clipping each on a character boundary. Returns the full name too.
 */
export function makeObjectName(name1: string, name2: string | undefined, label: string): { name: string; full: string } {
  const full = [name1, name2, label].filter((s) => s !== undefined && s !== '').join('_');
  let one = byteLength(name1);
  let two = name2 === undefined ? 0 : byteLength(name2);
  const available = MAX_IDENTIFIER_BYTES - (name2 === undefined ? 0 : 1) - (label ? byteLength(label) + 1 : 0);
  while (one + two > available) {
    if (one > two) one--;
    else two--;
  }
  const parts = [clipBytes(name1, one), name2 === undefined ? undefined : clipBytes(name2, two), label || undefined];
  return { name: parts.filter((s) => s !== undefined).join('_'), full };
}

/** An index's column names made unique the way ChooseIndexColumnNames does: a repeated one gets 1, 2, … appended. */
function indexColumnNames(columns: string[]): string[] {
  const used = new Set<string>();
  return columns.map((column) => {
    let name = column;
    for (let n = 1; used.has(name); n++) name = `${clipBytes(column, MAX_IDENTIFIER_BYTES - String(n).length)}${n}`;
    used.add(name);
    return name;
  });
}

/** Column names joined the way ChooseIndexNameAddition does: with `_`, stopping once the name is full. */
function nameAddition(columns: string[]): string {
  let out = '';
  for (const column of columns) {
    out = out ? `${out}_${column}` : column;
    if (byteLength(out) >= MAX_IDENTIFIER_BYTES) return clipBytes(out, MAX_IDENTIFIER_BYTES);
  }
  return out;
}

/** Where a name must be unique: relations (tables, indexes, sequences, views) per schema, columns and constraints per table. */
export type Namespace = 'relation' | 'column' | 'constraint' | 'type';

export interface CreatedName {
  /** the name as PostgreSQL stores it (the parser already truncated a long one) */
  name: string;
  namespace: Namespace;
  /** the table's catalog key (columns, constraints) */
  table?: string;
  schema: string;
  /** 'explicit': the file spells it; 'generated': PostgreSQL makes it up (index, constraint, sequence) */
  origin: 'explicit' | 'generated';
  /** for a generated name: what it would be without the 63-byte limit */
  full?: string;
  what: string;
}

const INDEX_LABEL: Record<string, string> = {
  CONSTR_PRIMARY: 'pkey',
  CONSTR_UNIQUE: 'key',
  CONSTR_EXCLUSION: 'excl',
  CONSTR_FOREIGN: 'fkey',
  CONSTR_CHECK: 'check',
};

const CREATED = new WeakMap<object, CreatedName[]>();

/** The names a statement creates, explicit or made up by PostgreSQL (both identifier rules ask: worked out once). */
export function createdNames(node: Node | undefined): CreatedName[] {
  if (!node) return [];
  const known = CREATED.get(node);
  if (known) return known;
  const names = namesCreatedBy(node);
  CREATED.set(node, names);
  return names;
}

function namesCreatedBy(node: Node): CreatedName[] {
  const out: CreatedName[] = [];
  const create = asNode<{ relation?: RangeVar; tableElts?: Node[] }>(node, 'CreateStmt');
  if (create?.relation) {
    const table = relationKey(create.relation);
    const schema = schemaOf(table);
    out.push({ name: create.relation.relname ?? '', namespace: 'relation', schema, origin: 'explicit', what: 'table' });
    for (const element of create.tableElts ?? []) {
      const column = asNode<ColumnDef>(element, 'ColumnDef');
      if (column) out.push(...columnNames(column, table));
      const constraint = asNode<Constraint>(element, 'Constraint');
      if (constraint) out.push(...constraintNames(constraint, table, undefined));
    }
  }
  const alter = asNode<{ relation?: RangeVar; cmds?: Node[]; objtype?: string }>(node, 'AlterTableStmt');
  if (alter?.relation && (alter.objtype === undefined || alter.objtype === 'OBJECT_TABLE')) {
    const table = relationKey(alter.relation);
    for (const item of alter.cmds ?? []) {
      const cmd = asNode<AlterTableCmd>(item, 'AlterTableCmd');
      const column = asNode<ColumnDef>(cmd?.def, 'ColumnDef');
      if (cmd?.subtype === 'AT_AddColumn' && column) out.push(...columnNames(column, table));
      const constraint = asNode<Constraint>(cmd?.def, 'Constraint');
      if (cmd?.subtype === 'AT_AddConstraint' && constraint) out.push(...constraintNames(constraint, table, undefined));
    }
  }
  const index = asNode<IndexStmt>(node, 'IndexStmt');
  if (index?.relation) {
    const table = relationKey(index.relation);
    if (index.idxname) out.push({ name: index.idxname, namespace: 'relation', schema: schemaOf(table), origin: 'explicit', what: 'index' });
    else {
      const columns = (index.indexParams ?? []).map((p) => asNode<IndexElem>(p, 'IndexElem')?.name ?? 'expr');
      const label = index.primary ? 'pkey' : index.isconstraint && index.excludeOpNames ? 'excl' : index.unique ? 'key' : 'idx';
      out.push(
        generated(
          index.relation.relname ?? '',
          index.primary ? undefined : nameAddition(indexColumnNames(columns)),
          label,
          'relation',
          schemaOf(table),
          undefined,
          'index',
        ),
      );
    }
  }
  for (const [tag, field, what] of [
    ['CreateSeqStmt', 'sequence', 'sequence'],
    ['ViewStmt', 'view', 'view'],
  ] as const) {
    const rv = asNode<Record<string, RangeVar>>(node, tag)?.[field];
    if (rv) out.push({ name: rv.relname ?? '', namespace: 'relation', schema: schemaOf(relationKey(rv)), origin: 'explicit', what });
  }
  const ctas = asNode<{ into?: { rel?: RangeVar } }>(node, 'CreateTableAsStmt');
  if (ctas?.into?.rel)
    out.push({ name: ctas.into.rel.relname ?? '', namespace: 'relation', schema: schemaOf(relationKey(ctas.into.rel)), origin: 'explicit', what: 'table' });
  const rename = asNode<{ renameType?: string; relation?: RangeVar; newname?: string }>(node, 'RenameStmt');
  if (rename?.newname && rename.relation) {
    const table = relationKey(rename.relation);
    if (rename.renameType === 'OBJECT_COLUMN')
      out.push({ name: rename.newname, namespace: 'column', table, schema: schemaOf(table), origin: 'explicit', what: 'column' });
    else if (rename.renameType === 'OBJECT_TABCONSTRAINT')
      out.push({ name: rename.newname, namespace: 'constraint', table, schema: schemaOf(table), origin: 'explicit', what: 'constraint' });
    else if (['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_SEQUENCE', 'OBJECT_VIEW', 'OBJECT_MATVIEW'].includes(rename.renameType ?? '')) {
      out.push({ name: rename.newname, namespace: 'relation', schema: schemaOf(table), origin: 'explicit', what: rename.renameType!.slice(7).toLowerCase() });
    }
  }
  for (const [tag, field, what] of [
    ['CreateEnumStmt', 'typeName', 'enum type'],
    ['CreateDomainStmt', 'domainname', 'domain'],
  ] as const) {
    const parts = names(asNode<Record<string, Node[]>>(node, tag)?.[field]);
    const name = parts[parts.length - 1];
    if (name) out.push({ name, namespace: 'type', schema: parts.length > 1 ? parts[parts.length - 2]! : DEFAULT_SCHEMA, origin: 'explicit', what });
  }
  return out.filter((n) => n.name !== '');
}

function schemaOf(key: string): string {
  return key.slice(0, key.indexOf('.'));
}

function generated(
  name1: string,
  name2: string | undefined,
  label: string,
  namespace: Namespace,
  schema: string,
  table: string | undefined,
  what: string,
): CreatedName {
  const made = makeObjectName(name1, name2, label);
  return { name: made.name, full: made.full, namespace, schema, ...(table ? { table } : {}), origin: 'generated', what };
}

function columnNames(column: ColumnDef, table: string): CreatedName[] {
  const name = column.colname ?? '';
  const out: CreatedName[] = [{ name, namespace: 'column', table, schema: schemaOf(table), origin: 'explicit', what: 'column' }];
  const typeName = names(column.typeName?.names).pop() ?? '';
  if (['serial', 'bigserial', 'smallserial', 'serial4', 'serial8', 'serial2'].includes(typeName)) {
    out.push(generated(table.slice(table.indexOf('.') + 1), name, 'seq', 'relation', schemaOf(table), undefined, 'sequence'));
  }
  for (const c of column.constraints ?? []) {
    const constraint = asNode<Constraint>(c, 'Constraint');
    if (constraint) out.push(...constraintNames(constraint, table, name));
  }
  return out;
}

function constraintNames(constraint: Constraint, table: string, column: string | undefined): CreatedName[] {
  const label = INDEX_LABEL[constraint.contype ?? ''];
  if (!label) return [];
  const schema = schemaOf(table);
  const backedByIndex = label === 'pkey' || label === 'key' || label === 'excl';
  if (constraint.conname) {
    const out: CreatedName[] = [{ name: constraint.conname, namespace: 'constraint', table, schema, origin: 'explicit', what: 'constraint' }];
    if (backedByIndex) out.push({ name: constraint.conname, namespace: 'relation', schema, origin: 'explicit', what: "constraint's index" });
    return out;
  }
  const keys = (constraint.keys ?? constraint.fk_attrs ?? []).map((k) => stringValue(k) ?? '');
  const columns = keys.length > 0 ? keys : column !== undefined ? [column] : [];
  const relname = table.slice(table.indexOf('.') + 1);
  const name2 = label === 'pkey' ? undefined : columns.length > 0 ? nameAddition(backedByIndex ? indexColumnNames(columns) : columns) : undefined;
  return [
    generated(relname, name2, label, 'constraint', schema, table, label === 'fkey' ? 'foreign key' : label === 'check' ? 'check constraint' : 'constraint'),
  ];
}
