import type { ColumnDef } from '@pgsql/types';
import { quoteIdent } from '../../sql-ident.js';
import { alterCommands, asNode, displayName } from '../ast.js';
import { normalizeType, typeLabel } from '../catalog/types.js';
import { columnDefFacts } from '../column-def.js';
import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';
import { laterStep, tableName } from './helpers.js';

export const notNullColumnWithoutDefault: Rule = {
  id: 'not-null-column-without-default',
  severity: 'error',
  summary: 'ADD COLUMN … NOT NULL without a default on an existing table',
  docs: {
    why: 'A NOT NULL column without a default would be NULL in every existing row, so PostgreSQL rejects the statement as soon as the table has one row ("column … contains null values", SQLSTATE 23502). It passes on an empty development database and fails in production.',
    bad: ['ALTER TABLE users ADD COLUMN tenant_id bigint NOT NULL;'],
    good: [
      'ALTER TABLE users ADD COLUMN tenant_id bigint;',
      "ALTER TABLE users ADD COLUMN locale text NOT NULL DEFAULT 'en';",
      'CREATE TABLE teams (id bigint PRIMARY KEY);\nALTER TABLE teams ADD COLUMN owner_id bigint NOT NULL;',
    ],
    drizzle:
      'drizzle-kit emits this for a `.notNull()` column without `.default()` added to an existing table. Add the column nullable first (or with a constant `.default()`), backfill, then add `.notNull()` in a later schema change.',
    ignoreWhen: 'the table is guaranteed to be empty in every environment the migration runs in.',
    history: SHOP,
  },
  check(ctx) {
    const alter = alterCommands(ctx.statement.node);
    if (!alter || ctx.effectContext.newTables.has(alter.target)) return [];
    const findings = [];
    for (const cmd of alter.cmds) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const def = asNode<ColumnDef>(cmd.def, 'ColumnDef');
      const facts = def && columnDefFacts(def);
      if (!facts?.notNull || facts.filled) continue;
      const table = tableName(displayName(alter.target));
      const column = quoteIdent(def?.colname ?? '');
      findings.push({
        message: `Adds NOT NULL column ${def?.colname} to existing table ${displayName(alter.target)} without a default: it fails with "column contains null values" (SQLSTATE 23502) as soon as the table has a row.`,
        help: 'Add the column as nullable (or with a constant default), backfill it, then make it NOT NULL through a validated CHECK constraint.',
        fix: [
          `ALTER TABLE ${table} ADD COLUMN ${column} ${typeText(def)};`,
          `-- backfill ${column} in batches`,
          `ALTER TABLE ${table} ADD CONSTRAINT ${quoteIdent(`${def?.colname}_not_null`)} CHECK (${column} IS NOT NULL) NOT VALID;`,
          laterStep(ctx.settings.transactionMode),
          `ALTER TABLE ${table} VALIDATE CONSTRAINT ${quoteIdent(`${def?.colname}_not_null`)};`,
          `ALTER TABLE ${table} ALTER COLUMN ${column} SET NOT NULL;`,
        ].join('\n'),
      });
    }
    return findings;
  },
};

/** The added column's type as SQL: the catalog's canonical name (varchar(255), int8, a quoted enum name). */
function typeText(def: ColumnDef | undefined): string {
  const { type } = normalizeType(def?.typeName);
  if (!type.name.includes('.')) return typeLabel(type);
  // a user type (enum, domain): quoted the way PostgreSQL folds names, public left implicit
  const parts = type.name.startsWith('public.') ? [type.name.slice(7)] : type.name.split('.');
  return `${parts.map(quoteIdent).join('.')}${type.mods.length ? `(${type.mods.join(',')})` : ''}${'[]'.repeat(type.array)}`;
}
