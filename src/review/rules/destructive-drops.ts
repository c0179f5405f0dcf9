import type { Node } from '@pgsql/types';
import { alterCommands, asNode, displayName, names, stringValue } from '../ast.js';
import { silentlyDropped } from '../effects/dependents.js';
import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';

export const dropTable: Rule = {
  id: 'drop-table',
  severity: 'warning',
  summary: 'DROP TABLE of an existing table: data loss, and running code that still uses it fails',
  docs: {
    why: 'Dropping a table deletes its data, and the application instances still running the previous release during a rolling deploy fail on their next query that touches it. It also takes AccessExclusiveLock on every table its foreign keys link to.',
    bad: ['DROP TABLE orders;', 'DROP TABLE IF EXISTS orders CASCADE;'],
    good: ['CREATE TABLE scratch (id bigint);\nDROP TABLE scratch;'],
    drizzle:
      'drizzle-kit emits `DROP TABLE "x" CASCADE;` when a table disappears from the schema. Deploy the code that stops using the table first; let the drop ship in a later release.',
    ignoreWhen: 'no deployed code uses the table any more and its data is backed up or worthless.',
    history: SHOP,
  },
  check(ctx) {
    const stmt = asNode<{ removeType?: string; objects?: Node[] }>(ctx.statement.node, 'DropStmt');
    if (stmt?.removeType !== 'OBJECT_TABLE') return [];
    const dropped = (stmt.objects ?? []).map((o) => names(asNode<{ items?: Node[] }>(o, 'List')?.items).join('.'));
    const existing = dropped.filter((d) => !ctx.effectContext.newTables.has(d.includes('.') ? d : `public.${d}`));
    if (existing.length === 0) return [];
    return [
      {
        message: `Drops ${existing.join(', ')}: its data is gone, and application instances still running the previous release fail on their next query to it.`,
        help: 'Deploy code that no longer reads or writes the table first; drop it in a later migration (keep a backup or rename it first if the data may be needed).',
        fix: null,
      },
    ];
  },
};

export const dropColumn: Rule = {
  id: 'drop-column',
  severity: 'warning',
  summary: 'DROP COLUMN on an existing table: data loss, and running code that selects it fails',
  docs: {
    why: 'Dropping a column deletes its data, and instances still running the previous release fail when they select or insert it (an ORM that lists columns explicitly, as drizzle does, selects every column it knows). PostgreSQL also drops, without a notice, every index and constraint of the table that involves the column: a UNIQUE (a, b) or an index on (a, b) disappears when a is dropped, and the message names them.',
    bad: ['ALTER TABLE orders DROP COLUMN note;'],
    good: [
      'CREATE TABLE scratch (id bigint, tmp text);\nALTER TABLE scratch DROP COLUMN tmp;',
      // expand and contract: release 1 stops depending on the column, release 2 (after every instance runs release 1) drops it
      '-- release 1: the column leaves the drizzle schema; existing rows keep it, new inserts may omit it\nALTER TABLE orders ALTER COLUMN note DROP NOT NULL;\n-- release 2, once no instance of release 0 runs, in its own migration:\n-- dbtool-ignore drop-column: note left the drizzle schema in release 1\nALTER TABLE orders DROP COLUMN note;',
    ],
    drizzle:
      'drizzle selects every column of the table schema by name, so the old release breaks the moment the column is gone. Remove the column from the drizzle schema and deploy that first, then generate the drop.',
    ignoreWhen: 'the column has not been used by any deployed release.',
    history: SHOP,
  },
  check(ctx) {
    const alter = alterCommands(ctx.statement.node);
    if (!alter || ctx.effectContext.newTables.has(alter.target)) return [];
    const relation = ctx.effectContext.catalog.relation(alter.target);
    return alter.cmds
      .filter((c) => c.subtype === 'AT_DropColumn')
      .map((c) => {
        // a key or index over several columns goes with any one of them: the others lose their guarantee silently
        const silent = relation ? silentlyDropped(ctx.effectContext.catalog, relation, c.name ?? '') : [];
        const also = silent.length ? ` PostgreSQL also drops ${silent.join(', ')} without a word, so the other columns lose that index or guarantee.` : '';
        return {
          message: `Drops column ${c.name} of ${displayName(alter.target)}: its data is gone, and instances still running the previous release fail when they select or insert it.${also}`,
          help: silent.length
            ? 'Stop using the column in application code before the migration that drops it, and re-create what the remaining columns still need (for example CREATE UNIQUE INDEX CONCURRENTLY on them) before the drop.'
            : 'Stop using the column in application code (in Drizzle: remove it from the schema and deploy) before the migration that drops it.',
          fix: null,
        };
      });
  },
};

export const dropSchemaCascade: Rule = {
  id: 'drop-schema-cascade',
  severity: 'warning',
  summary: 'DROP SCHEMA … CASCADE: drops every object in the schema, named or not',
  docs: {
    why: 'CASCADE drops every table, view, function, type and sequence in the schema, and everything elsewhere that depends on them (views, foreign keys), with their data. The statement names none of them, so neither the author nor the reviewer sees what goes — including objects created outside the migrations.',
    bad: ['DROP SCHEMA billing CASCADE;'],
    good: ['DROP TABLE billing.invoices;\nDROP SCHEMA billing;', 'CREATE SCHEMA scratch;\nDROP SCHEMA scratch CASCADE;'],
    drizzle:
      'drizzle-kit emits `DROP SCHEMA "x" CASCADE;` when a `pgSchema` disappears from the schema. Drop its tables in earlier releases (each one reviewed on its own), then drop the empty schema without CASCADE.',
    ignoreWhen: 'the schema only ever held disposable objects and nothing outside it depends on them.',
    history: `${SHOP}\nCREATE SCHEMA billing;\nCREATE TABLE billing.invoices (id bigint PRIMARY KEY, order_id bigint);`,
  },
  check(ctx) {
    const stmt = asNode<{ removeType?: string; objects?: Node[]; behavior?: string }>(ctx.statement.node, 'DropStmt');
    if (stmt?.removeType !== 'OBJECT_SCHEMA' || stmt.behavior !== 'DROP_CASCADE') return [];
    return (stmt.objects ?? []).flatMap((object) => {
      const schema = stringValue(object) ?? names(asNode<{ items?: Node[] }>(object, 'List')?.items)[0] ?? '';
      const catalog = ctx.effectContext.catalog;
      if (ctx.transaction.createdSchemas.has(schema)) return [];
      const known = [...catalog.relations.keys()].filter((k) => k.startsWith(`${schema}.`)).map(displayName);
      const what = known.length
        ? `including ${known.join(', ')} and their data`
        : 'whatever it holds (the earlier migrations create nothing in it, so anything there was made outside them)';
      return [
        {
          message: `Drops every object in schema ${schema}, ${what}, and everything elsewhere that depends on them; the running release fails on its next query to any of them.`,
          help: `Drop the schema's objects explicitly, each in a release after the code stopped using it, then DROP SCHEMA ${schema} without CASCADE: it fails if something is left instead of dropping it silently.`,
          fix: null,
        },
      ];
    });
  },
};

export const dropDatabase: Rule = {
  id: 'drop-database',
  severity: 'error',
  summary: 'DROP DATABASE in a migration: another database and all its data are gone',
  docs: {
    why: "A migration changes the schema of the database it runs in, and PostgreSQL cannot drop that one (SQLSTATE 55006), so DROP DATABASE in a migration always deletes some other database on the same server, with every table and row in it, irreversibly — usually a development reset script that ended up in the migrations folder. Nothing in the migration history says what that database holds. It fails while any session is connected to it (WITH (FORCE) terminates those sessions instead), and it refuses to run inside a transaction block, so drizzle's migrator fails on it.",
    bad: ['DROP DATABASE analytics;', 'DROP DATABASE IF EXISTS analytics WITH (FORCE);'],
    good: ['REVOKE CONNECT ON DATABASE analytics FROM PUBLIC;', 'DROP SCHEMA billing;'],
    drizzle:
      'drizzle-kit never generates DROP DATABASE; it comes from hand-written or copied SQL. Retire a database outside the migrations, by an operator with a backup at hand: revoke CONNECT first, watch that nothing breaks, then drop it.',
    ignoreWhen:
      'the migrations deliberately manage a disposable database of their own (a scratch or test database they also create) and never run against production.',
    history: `${SHOP}\nCREATE SCHEMA billing;`,
  },
  check(ctx) {
    const stmt = asNode<{ dbname?: string; missing_ok?: boolean; options?: Node[] }>(ctx.statement.node, 'DropdbStmt');
    if (!stmt) return [];
    const force = (stmt.options ?? []).some((o) => asNode<{ defname?: string }>(o, 'DefElem')?.defname === 'force');
    const name = stmt.dbname ?? '';
    return [
      {
        message: `Drops database ${name} with every table and row in it, irreversibly: it cannot be the database this migration runs in (PostgreSQL refuses that), so it is another one on the same server${force ? ', and WITH (FORCE) terminates every session connected to it' : ''}.`,
        help: `Remove it from the migration. Retire the database outside the migrations, with a backup: first REVOKE CONNECT ON DATABASE ${name} FROM PUBLIC and check that nothing depends on it, then drop it by hand.`,
        fix: null,
      },
    ];
  },
};
