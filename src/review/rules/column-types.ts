import type { ColumnDef, CreateStmt } from '@pgsql/types';
import { quoteIdent } from '../../sql-ident.js';
import { alterCommands, asNode, displayName, relationKey } from '../ast.js';
import type { TypeRef } from '../catalog/types.js';
import { normalizeType } from '../catalog/types.js';
import type { Rule, RuleContext, RuleFinding } from '../findings.js';
import { SHOP } from './docs-history.js';

/** A column type a statement writes down: CREATE TABLE, ADD COLUMN or ALTER COLUMN … TYPE. */
interface DeclaredColumn {
  table: string;
  column: string;
  type: TypeRef;
  serial: boolean;
  alterType: boolean;
}

function declaredColumns(ctx: RuleContext): DeclaredColumn[] {
  const node = ctx.statement.node;
  const out: DeclaredColumn[] = [];
  const add = (table: string, def: ColumnDef | undefined, alterType: boolean, name?: string) => {
    if (!def?.typeName) return;
    const { type, serial } = normalizeType(def.typeName);
    out.push({ table: displayName(table), column: name ?? def.colname ?? '', type, serial, alterType });
  };
  const create = asNode<CreateStmt>(node, 'CreateStmt');
  if (create) for (const element of create.tableElts ?? []) add(relationKey(create.relation), asNode<ColumnDef>(element, 'ColumnDef'), false);
  const alter = alterCommands(node);
  for (const cmd of alter?.cmds ?? []) {
    if (cmd.subtype === 'AT_AddColumn') add(alter?.target ?? '', asNode<ColumnDef>(cmd.def, 'ColumnDef'), false);
    if (cmd.subtype === 'AT_AlterColumnType') add(alter?.target ?? '', asNode<ColumnDef>(cmd.def, 'ColumnDef'), true, cmd.name);
  }
  return out;
}

/** One rule per type preference: which declared columns it objects to, and what to say. */
function typeRule(spec: {
  id: Rule['id'];
  defaultEnabled: boolean;
  summary: string;
  docs: Rule['docs'];
  matches: (c: DeclaredColumn) => boolean;
  replacement: (c: DeclaredColumn) => string;
  message: (c: DeclaredColumn) => string;
  help: string;
}): Rule {
  return {
    id: spec.id,
    severity: 'info',
    summary: spec.summary,
    ...(spec.defaultEnabled ? {} : { defaultEnabled: false }),
    docs: spec.docs,
    check(ctx): RuleFinding[] {
      return declaredColumns(ctx)
        .filter(spec.matches)
        .map((c) => ({
          message: spec.message(c),
          help: `${spec.help} Here: ${quoteIdent(c.column)} ${spec.replacement(c)}.${c.alterType ? ' (Changing the type of an existing column may rewrite the table.)' : ''}`,
          // the column definition is part of a larger statement: the author rewrites it, dbtool only names the type
          fix: null,
        }));
    },
  };
}

const STYLE_IGNORE = 'the team has decided otherwise for this column; or leave the rule off (its default).';

export const preferJsonb = typeRule({
  id: 'prefer-jsonb',
  defaultEnabled: true,
  summary: 'A json column: stored as text, re-parsed on every use, no indexes or equality',
  docs: {
    why: 'json keeps the input text as is and parses it again on every access; it has no equality operator (so no DISTINCT, GROUP BY or UNIQUE on it) and no GIN index support. jsonb stores the parsed form: faster to query, indexable, comparable. json only wins when the exact input text (key order, duplicate keys, whitespace) must be kept.',
    bad: ['CREATE TABLE events (id bigint PRIMARY KEY, payload json NOT NULL);', 'ALTER TABLE orders ADD COLUMN metadata json;'],
    good: ['CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb NOT NULL);', 'ALTER TABLE orders ADD COLUMN metadata jsonb;'],
    drizzle: 'Use `jsonb()` rather than `json()` from drizzle-orm/pg-core.',
    ignoreWhen: 'the exact JSON text must be preserved (signatures over the raw payload, audit of what was received).',
    history: SHOP,
  },
  matches: (c) => c.type.name === 'json',
  replacement: () => 'jsonb',
  message: (c) => `${c.table}.${c.column} is json: PostgreSQL re-parses it on every access, and it cannot be compared, grouped or GIN-indexed.`,
  help: 'Use jsonb unless the exact input text must be kept.',
});

export const preferBigint = typeRule({
  id: 'prefer-bigint',
  defaultEnabled: false,
  summary: 'An integer or smallint column (style): ids and counters outgrow them',
  docs: {
    why: 'integer stops at 2,147,483,647 and smallint at 32,767. Ids and counters that reach the limit make every insert fail, and moving to bigint later rewrites the table (and every table referencing it). bigint costs 4 more bytes per value.',
    bad: ['CREATE TABLE events (id integer PRIMARY KEY, attempts smallint);', 'ALTER TABLE orders ADD COLUMN quantity int;'],
    good: ['CREATE TABLE events (id bigint PRIMARY KEY, attempts bigint);'],
    drizzle:
      'Use `bigint({ mode: "number" })` (or `mode: "bigint"`) and `bigserial` / `.generatedAlwaysAsIdentity()` on a bigint instead of `integer()`, `smallint()` or `serial()`.',
    ignoreWhen: STYLE_IGNORE,
    history: SHOP,
  },
  matches: (c) => c.type.name === 'int4' || c.type.name === 'int2',
  replacement: (c) => (c.serial ? 'bigserial' : 'bigint'),
  message: (c) =>
    `${c.table}.${c.column} is ${c.type.name === 'int2' ? 'smallint' : 'integer'}: inserts fail once values pass ${c.type.name === 'int2' ? '32,767' : '2,147,483,647'}, and widening it later rewrites the table.`,
  help: 'Use bigint (bigserial, or a bigint identity column, for ids).',
});

export const preferText = typeRule({
  id: 'prefer-text',
  defaultEnabled: false,
  summary: 'A varchar(n) or char(n) column (style): a length limit that is costly to change',
  docs: {
    why: 'In PostgreSQL text and varchar(n) are stored the same way; the limit only adds a check. Raising it is cheap, but lowering it (or going back from text) rewrites the table, and char(n) pads values with spaces, which surprises comparisons. A CHECK (length(col) <= n) constraint expresses the limit and can be changed with NOT VALID + VALIDATE.',
    bad: ['CREATE TABLE coupons (id bigint PRIMARY KEY, code varchar(32) NOT NULL);', 'ALTER TABLE users ADD COLUMN country char(2);'],
    good: ['CREATE TABLE coupons (id bigint PRIMARY KEY, code text NOT NULL CHECK (length(code) <= 32));'],
    drizzle: 'Use `text()` rather than `varchar({ length })` or `char()`, and a `check()` in the table definition when the length matters.',
    ignoreWhen: STYLE_IGNORE,
    history: SHOP,
  },
  matches: (c) => (c.type.name === 'varchar' && c.type.mods.length > 0) || c.type.name === 'bpchar',
  replacement: () => 'text',
  message: (c) =>
    `${c.table}.${c.column} is ${c.type.name === 'bpchar' ? 'char(n), padded with spaces' : 'varchar(n)'}: the limit is a check PostgreSQL can only tighten with a rewrite.`,
  help: 'Use text, with a CHECK (length(column) <= n) constraint if the limit matters.',
});

export const preferTimestamptz = typeRule({
  id: 'prefer-timestamptz',
  defaultEnabled: false,
  summary: 'A timestamp without time zone column (style): moments without their offset',
  docs: {
    why: 'timestamp without time zone stores wall-clock digits with no offset: the same value means different moments for sessions in different time zones, and arithmetic across DST changes is off by an hour. timestamptz stores the moment (in UTC) and converts on input and output.',
    bad: [
      'CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);',
      'ALTER TABLE orders ADD COLUMN shipped_at timestamp without time zone;',
    ],
    good: ['CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamptz NOT NULL);'],
    drizzle: 'Use `timestamp({ withTimezone: true })`; drizzle-kit emits `timestamp` (without time zone) by default.',
    ignoreWhen: "the column really holds local wall-clock times (an opening hour, a calendar entry in the user's zone).",
    history: SHOP,
  },
  matches: (c) => c.type.name === 'timestamp',
  replacement: () => 'timestamptz',
  message: (c) => `${c.table}.${c.column} is timestamp without time zone: it stores no offset, so its meaning depends on each session's TimeZone.`,
  help: 'Use timestamptz (timestamp with time zone).',
});

export const preferIdentity = typeRule({
  id: 'prefer-identity',
  defaultEnabled: false,
  summary: 'A serial column (style): identity columns are the standard, safer form',
  docs: {
    why: 'serial creates a sequence and a default that callers can override by accident, whose ownership and privileges are managed separately from the table. An identity column (GENERATED ALWAYS AS IDENTITY) is the SQL-standard form: the sequence belongs to the column, GENERATED ALWAYS rejects hand-written ids, and copying the table definition copies the behaviour.',
    bad: ['CREATE TABLE events (id serial PRIMARY KEY);', 'CREATE TABLE events (id bigserial PRIMARY KEY);'],
    good: ['CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);'],
    drizzle: 'Use `bigint({ mode: "number" }).primaryKey().generatedAlwaysAsIdentity()` instead of `serial()` / `bigserial()`.',
    ignoreWhen: STYLE_IGNORE,
    history: SHOP,
  },
  matches: (c) => c.serial,
  replacement: (c) => `${c.type.name === 'int8' ? 'bigint' : c.type.name === 'int2' ? 'smallint' : 'integer'} GENERATED ALWAYS AS IDENTITY`,
  message: (c) => `${c.table}.${c.column} is a serial column: a separately owned sequence and a default anyone can override.`,
  help: 'Use an identity column: bigint GENERATED ALWAYS AS IDENTITY.',
});
