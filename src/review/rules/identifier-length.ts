import type { Node } from '@pgsql/types';
import { asNode, displayName } from '../ast.js';
import type { Catalog } from '../catalog/model.js';
import type { Rule, RuleContext, RuleFinding } from '../findings.js';
import type { CreatedName, LongIdentifier } from '../identifiers.js';
import { byteLength, createdNames, longIdentifiers, MAX_IDENTIFIER_BYTES } from '../identifiers.js';
import type { ParsedStatement } from '../parse.js';
import { doBlocks, rolledBackAsDuplicate } from '../plpgsql.js';
import { SHOP } from './docs-history.js';

const LONG = 'orders_customer_shipping_address_id_customer_shipping_addresses_id_fk';

/** Line and column of a character offset inside a statement's text. */
function positionIn(statement: ParsedStatement, offset: number): { line: number; column: number } {
  const before = statement.sql.slice(0, offset);
  const newline = before.lastIndexOf('\n');
  if (newline < 0) return { line: statement.line, column: statement.column + offset };
  return { line: statement.line + before.split('\n').length - 1, column: offset - newline };
}

/** The explicit names of a statement that the file spells longer than PostgreSQL keeps, with the spelling. */
function spelledLong(
  statement: ParsedStatement,
  created: CreatedName[],
  text = statement.sql,
  at = 0,
): Array<{ name: CreatedName; long: LongIdentifier; position: { line: number; column: number } }> {
  // the parser keeps the first 63 bytes of a long name (cut on a character boundary): only such names can be long
  if (!created.some((n) => n.origin === 'explicit' && byteLength(n.name) > MAX_IDENTIFIER_BYTES - 4)) return [];
  const longs = longIdentifiers(text);
  if (longs.length === 0) return [];
  const out: Array<{ name: CreatedName; long: LongIdentifier; position: { line: number; column: number } }> = [];
  const seen = new Set<number>();
  for (const name of created) {
    if (name.origin !== 'explicit') continue;
    const long = longs.find((l) => l.truncated === name.name && !seen.has(l.offset));
    if (!long) continue;
    seen.add(long.offset);
    out.push({ name, long, position: positionIn(statement, at + long.offset) });
  }
  return out;
}

const SNAPSHOT =
  "drizzle-kit's snapshot keeps the full name while the database has the cut one, so `drizzle-kit push` (and a snapshot rebuilt from the database) sees a difference every time and drops and re-adds the object";

export const identifierTooLong: Rule = {
  id: 'identifier-too-long',
  severity: 'warning',
  summary: 'A name longer than 63 bytes: PostgreSQL silently truncates it',
  docs: {
    why: 'PostgreSQL keeps at most 63 bytes of a name (NAMEDATALEN - 1, counted in UTF-8 bytes and cut on a character boundary) and truncates a longer one with only a NOTICE (42622), which migration runners do not show. The object then has a name nobody wrote: tools that compare names (drizzle-kit push, schema diffs) see a difference every time, and two long names that share their first 63 bytes collide. A name PostgreSQL makes up (an unnamed index, primary key, foreign key or serial sequence) is shortened the same way, table and column parts each cut.',
    bad: [
      `ALTER TABLE orders ADD CONSTRAINT ${LONG} FOREIGN KEY (user_id) REFERENCES users (id);`,
      'CREATE TABLE customer_shipping_address_verification_attempts (id bigint, verification_provider_reference text UNIQUE);',
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id);',
      'CREATE INDEX orders_status_created_at_idx ON orders (status, created_at);',
    ],
    drizzle:
      "drizzle-kit names a foreign key `<table>_<column>_<referenced table>_<referenced column>_fk`, which passes 63 bytes with ordinary names. Name it yourself: `foreignKey({ name: 'orders_address_fk', columns: [t.addressId], foreignColumns: [addresses.id] })` instead of `.references()`, and likewise give long indexes and unique constraints a short name.",
    ignoreWhen: 'never for a name drizzle-kit compares; for a hand-written name nobody refers to, after checking the truncated name is unique.',
    history: SHOP,
  },
  check(ctx) {
    const out: RuleFinding[] = [];
    for (const { name, long, position } of spelledLong(ctx.statement, createdNames(ctx.statement.node))) {
      out.push({
        ...position,
        message: `The ${name.what} name "${long.value}" is ${byteLength(long.value)} bytes: PostgreSQL keeps ${MAX_IDENTIFIER_BYTES} and silently truncates it to "${long.truncated}" (NOTICE 42622). ${SNAPSHOT}.`,
        help: `Give it a name of at most ${MAX_IDENTIFIER_BYTES} bytes, e.g. "${shorter(long.value)}".`,
        fix: null,
      });
    }
    for (const name of createdNames(ctx.statement.node)) {
      if (name.origin !== 'generated' || !name.full || byteLength(name.full) <= MAX_IDENTIFIER_BYTES) continue;
      out.push({
        message: `PostgreSQL names this ${name.what} "${name.name}", not "${name.full}": it shortens the table and column parts of a made-up name to fit ${MAX_IDENTIFIER_BYTES} bytes (and appends a digit if that name is taken), so a later migration that refers to it by the obvious name fails.`,
        help: `Name the ${name.what} explicitly, at most ${MAX_IDENTIFIER_BYTES} bytes.`,
        fix: null,
      });
    }
    return out;
  },
};

/** A suggestion that fits: the name's words abbreviated to their first letters, keeping the last word. */
function shorter(name: string): string {
  const words = name.split('_').filter(Boolean);
  const last = words.pop() ?? '';
  return `${words.map((w) => w[0]).join('')}_${last}`.slice(0, MAX_IDENTIFIER_BYTES);
}

const INDEXED = new Set(['primary', 'unique', 'exclusion']);

/** The existing object a truncated name lands on, and the SQLSTATE PostgreSQL rejects the statement with. */
function clash(catalog: Catalog, name: CreatedName, earlier: CreatedName[]): { what: string; sqlstate: string } | undefined {
  const same = earlier.find((e) => e.namespace === name.namespace && e.name === name.name && (e.table ?? e.schema) === (name.table ?? name.schema));
  if (name.namespace === 'column') {
    const table = catalog.relation(name.table ?? '');
    if (same || table?.columns.has(name.name)) return { what: `column "${name.name}" of ${displayName(name.table ?? '')}`, sqlstate: '42701' };
  }
  if (name.namespace === 'constraint') {
    const table = catalog.relation(name.table ?? '');
    if (same || table?.constraints.some((c) => c.name === name.name))
      return { what: `constraint "${name.name}" of ${displayName(name.table ?? '')}`, sqlstate: '42710' };
  }
  if (name.namespace === 'relation') {
    const key = `${name.schema}.${name.name}`;
    const constraintIndex = [...catalog.relations.values()].some(
      (r) => r.key.startsWith(`${name.schema}.`) && r.constraints.some((c) => c.name === name.name && INDEXED.has(c.kind)),
    );
    if (same || constraintIndex || catalog.relations.has(key) || catalog.indexes.has(key) || catalog.sequences.has(key))
      return { what: `relation "${displayName(key)}"`, sqlstate: '42P07' };
  }
  return undefined;
}

function collisions(ctx: RuleContext): RuleFinding[] {
  const all = createdNames(ctx.statement.node);
  const named = spelledLong(ctx.statement, all);
  if (named.length === 0) return [];
  const out: RuleFinding[] = [];
  for (const { name, long, position } of named) {
    // names the statement creates before this one (two long columns of one CREATE TABLE)
    const earlier = all.slice(0, all.indexOf(name));
    // a primary key, unique or exclusion constraint is also an index: PostgreSQL creates the index first (42P07)
    const index =
      name.namespace === 'constraint' ? all.find((n) => n.namespace === 'relation' && n.name === name.name && n.what === "constraint's index") : undefined;
    const hit = (index && clash(ctx.effectContext.catalog, index, earlier)) ?? clash(ctx.effectContext.catalog, name, earlier);
    if (!hit) continue;
    out.push({
      ...position,
      message: `"${long.value}" is truncated to "${long.truncated}", which is already the name of ${hit.what}: PostgreSQL rejects the statement (SQLSTATE ${hit.sqlstate}).`,
      help: `Give the ${name.what} a shorter name that differs within its first ${MAX_IDENTIFIER_BYTES} bytes.`,
      fix: null,
    });
  }
  return out;
}

/**
 * drizzle-kit before 0.30 wrapped each foreign key in a DO block that swallows duplicate_object: when a long
 * name truncates onto an existing constraint, the block rolls back and the foreign key is silently never made.
 */
function swallowed(ctx: RuleContext): RuleFinding[] {
  const stmt = asNode<{ args?: Node[] }>(ctx.statement.node, 'DoStmt');
  if (!stmt) return [];
  const blocks = doBlocks(stmt);
  if (typeof blocks === 'string') return [];
  const out: RuleFinding[] = [];
  for (const block of blocks) {
    if (!rolledBackAsDuplicate(block, ctx.effectContext.catalog)) continue;
    block.statements.forEach((sql, i) => {
      const at = ctx.statement.sql.indexOf(sql);
      for (const { name, long, position } of spelledLong(ctx.statement, createdNames(block.nodes?.[i]), sql, Math.max(at, 0))) {
        if (name.namespace !== 'constraint') continue;
        out.push({
          ...position,
          message: `"${long.value}" is truncated to "${long.truncated}", which is already the name of a constraint of ${displayName(name.table ?? '')}: the ALTER fails with duplicate_object (42710), the block's EXCEPTION handler swallows it, and the constraint is silently never created.`,
          help: `Give the constraint a shorter name that differs within its first ${MAX_IDENTIFIER_BYTES} bytes (in the drizzle schema: foreignKey({ name: … })).`,
          fix: null,
        });
      }
    });
  }
  return out;
}

export const truncatedNameCollision: Rule = {
  id: 'truncated-name-collision',
  severity: 'error',
  summary: 'Two names that differ only after 63 bytes: the second statement fails, or is silently skipped',
  docs: {
    why: "PostgreSQL truncates a name to 63 bytes before it looks it up, so two long names that share their first 63 bytes are the same name: the second CREATE fails (42P07 for a relation or index, 42701 for a column, 42710 for a constraint), and inside a DO block that catches duplicate_object (drizzle-kit's foreign keys before 0.30) the second constraint is silently never created.",
    bad: [
      `ALTER TABLE orders ADD CONSTRAINT ${LONG} FOREIGN KEY (user_id) REFERENCES users (id);\nALTER TABLE orders ADD CONSTRAINT ${LONG}2 FOREIGN KEY (user_id) REFERENCES users (id);`,
      `DO $$ BEGIN\n ALTER TABLE orders ADD CONSTRAINT ${LONG} FOREIGN KEY (user_id) REFERENCES users (id);\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;\nDO $$ BEGIN\n ALTER TABLE orders ADD CONSTRAINT ${LONG}_2 FOREIGN KEY (user_id) REFERENCES users (id);\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND $$;`,
    ],
    good: [
      'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nALTER TABLE orders ADD CONSTRAINT orders_user2_fk FOREIGN KEY (user_id) REFERENCES users (id);',
    ],
    drizzle:
      "drizzle-kit's foreign key names (`<table>_<column>_<referenced table>_<referenced column>_fk`) of two columns with a long common prefix collide once cut. Name such foreign keys yourself with `foreignKey({ name: … })`.",
    ignoreWhen: 'never: the statement fails or does nothing.',
    history: SHOP,
  },
  check(ctx) {
    return [...collisions(ctx), ...swallowed(ctx)];
  },
};
