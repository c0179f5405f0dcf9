import type { ColumnDef } from '@pgsql/types';
import { quoteIdent } from '../../sql-ident.js';
import { alterCommands, asNode, displayName } from '../ast.js';
import { normalizeType, typeLabel } from '../catalog/types.js';
import { columnDefFacts } from '../column-def.js';
import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';
import { isExisting, laterStep, tableName } from './helpers.js';

export const addAutoIncrementColumn: Rule = {
  id: 'add-auto-increment-column',
  severity: 'error',
  summary: 'ADD COLUMN serial / bigserial / identity on an existing table: fills every row in a rewrite',
  docs: {
    why: 'A serial or identity column gets a value from its sequence in every existing row, so PostgreSQL rewrites the whole table (and rebuilds its indexes) under AccessExclusiveLock: no reads or writes until it is done. Adding it as the PRIMARY KEY also builds the unique index in the same locked statement.',
    bad: [
      'ALTER TABLE orders ADD COLUMN seq bigserial;',
      'ALTER TABLE orders ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;',
      'ALTER TABLE users ADD COLUMN number serial UNIQUE;',
    ],
    good: ['CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text);', 'ALTER TABLE orders ADD COLUMN seq bigint;'],
    drizzle:
      'drizzle-kit emits `ADD COLUMN "x" serial` (or `… GENERATED … AS IDENTITY`) when you add `serial()` or `.generatedAlwaysAsIdentity()` to an existing table. Add a plain nullable bigint column with a sequence default, backfill old rows in batches, then add the constraints.',
    ignoreWhen: 'the table is small, or nothing uses it during the deploy.',
    history: SHOP,
  },
  check(ctx) {
    const alter = alterCommands(ctx.statement.node);
    if (!alter || !isExisting(ctx, alter.target)) return [];
    return alter.cmds.flatMap((cmd) => {
      const def = cmd.subtype === 'AT_AddColumn' ? asNode<ColumnDef>(cmd.def, 'ColumnDef') : undefined;
      const facts = def && columnDefFacts(def);
      if (!def || !facts || !(facts.serial || facts.identity)) return [];
      const table = tableName(displayName(alter.target));
      const column = quoteIdent(facts.name);
      const type = typeLabel(normalizeType(def.typeName).type).replace('int8', 'bigint').replace('int4', 'integer').replace('int2', 'smallint');
      const sequence = quoteIdent(`${alter.target.split('.')[1]}_${facts.name}_seq`);
      return [
        {
          message: `Adds ${facts.serial ? 'serial' : 'identity'} column ${facts.name} to existing table ${displayName(alter.target)}: every existing row gets a value from the sequence, so PostgreSQL rewrites the whole table under AccessExclusiveLock (reads and writes wait until it is done).`,
          help: 'Add a nullable column with a sequence default (new rows get values at once), backfill existing rows in batches that each commit, then make it NOT NULL through a validated CHECK and add any unique index CONCURRENTLY.',
          fix: [
            `ALTER TABLE ${table} ADD COLUMN ${column} ${type};`,
            `CREATE SEQUENCE ${sequence} OWNED BY ${table}.${column};`,
            `ALTER TABLE ${table} ALTER COLUMN ${column} SET DEFAULT nextval('${sequence.replace(/'/g, "''")}');`,
            laterStep(ctx.settings.transactionMode),
            `-- backfill in batches, each committed: UPDATE ${table} SET ${column} = nextval('${sequence.replace(/'/g, "''")}') WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} IS NULL LIMIT 10000);`,
          ].join('\n'),
        },
      ];
    });
  },
};
