import type { ColumnDef, CreateStmt, Node, Constraint as PgConstraint } from '@pgsql/types';
import { quoteIdent } from '../../sql-ident.js';
import { alterCommands, asNode, displayName, names, relationKey } from '../ast.js';
import type { Catalog } from '../catalog/model.js';
import type { Rule, RuleContext, RuleFinding } from '../findings.js';
import { SHOP } from './docs-history.js';
import { isExisting, tableName } from './helpers.js';

interface ForeignKey {
  table: string;
  name: string | undefined;
  columns: string[];
  references: string;
}

export const foreignKeyWithoutIndex: Rule = {
  id: 'foreign-key-without-index',
  severity: 'info',
  summary: 'A foreign key whose referencing columns no index starts with',
  docs: {
    why: 'PostgreSQL indexes the referenced side of a foreign key (it must be unique) but not the referencing columns. Without an index there, every DELETE of a referenced row, and every update of its key, reads the whole referencing table to look for dependent rows — under a lock, once per row — and ON DELETE CASCADE deletes through those full scans. Joins from parent to children are slow for the same reason.',
    bad: [
      'CREATE TABLE order_notes (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), body text);',
      'ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);',
    ],
    good: [
      'CREATE TABLE order_notes (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), body text);\nCREATE INDEX order_notes_order_id_idx ON order_notes (order_id);',
      'ALTER TABLE orders ADD CONSTRAINT orders_user_id_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
    ],
    drizzle:
      "drizzle-kit creates no index for `.references()`: add one in the table's extra config, e.g. `(t) => [index().on(t.orderId)]`. drizzle-kit writes the foreign key before the index in the same file; dbtool looks at the whole folder before reporting.",
    ignoreWhen: 'the referenced table never sees deletes or key updates and nothing joins from it to this table, or the referencing table stays tiny.',
    history: `${SHOP}\nCREATE TABLE coupons (id bigint PRIMARY KEY, code text);`,
  },
  check(ctx) {
    return foreignKeys(ctx).map((fk): RuleFinding => {
      const table = displayName(fk.table);
      const indexName = `${fk.table.split('.')[1]}_${fk.columns.join('_')}_idx`;
      const concurrently = isExisting(ctx, fk.table) ? ' CONCURRENTLY' : '';
      return {
        message: `Foreign key ${fk.name ? `${fk.name} ` : ''}on ${table} (${fk.columns.join(', ')}) has no index starting with those columns: each DELETE from ${displayName(fk.references)} (or change of its key) reads all of ${table} to find referencing rows.`,
        help: `Index the referencing columns${concurrently ? ' (CONCURRENTLY, in a migration of its own, since the table has rows)' : ''}.`,
        fix: `CREATE INDEX${concurrently} ${quoteIdent(indexName)} ON ${tableName(table)} (${fk.columns.map(quoteIdent).join(', ')});`,
        resolvedBy: (catalog) => covered(catalog, fk),
      };
    });
  },
};

/** Foreign keys the statement adds, with their referencing columns. */
function foreignKeys(ctx: RuleContext): ForeignKey[] {
  const out: ForeignKey[] = [];
  const fromConstraint = (table: string, c: PgConstraint | undefined, column?: string) => {
    if (c?.contype !== 'CONSTR_FOREIGN') return;
    const columns = column ? [column] : names(c.fk_attrs);
    if (columns.length) out.push({ table, name: c.conname, columns, references: relationKey(c.pktable) });
  };
  const fromColumn = (table: string, def: ColumnDef | undefined) => {
    for (const c of def?.constraints ?? []) fromConstraint(table, asNode<PgConstraint>(c, 'Constraint'), def?.colname);
  };
  const create = asNode<CreateStmt>(ctx.statement.node, 'CreateStmt');
  if (create) {
    const table = relationKey(create.relation);
    for (const element of create.tableElts ?? []) {
      fromColumn(table, asNode<ColumnDef>(element, 'ColumnDef'));
      fromConstraint(table, asNode<PgConstraint>(element, 'Constraint'));
    }
  }
  const alter = alterCommands(ctx.statement.node as Node);
  for (const cmd of alter?.cmds ?? []) {
    if (cmd.subtype === 'AT_AddConstraint') fromConstraint(alter?.target ?? '', asNode<PgConstraint>(cmd.def, 'Constraint'));
    if (cmd.subtype === 'AT_AddColumn') fromColumn(alter?.target ?? '', asNode<ColumnDef>(cmd.def, 'ColumnDef'));
  }
  return out;
}

/** An index (or primary key / unique constraint) whose leading columns are exactly the key's columns. */
function covered(catalog: Catalog, fk: ForeignKey): boolean {
  const relation = catalog.relation(fk.table);
  // the table was dropped later in the folder: nothing left to index
  if (!relation) return true;
  const wanted = new Set(fk.columns);
  const leads = (columns: readonly string[]) => columns.length >= wanted.size && columns.slice(0, wanted.size).every((c) => wanted.has(c));
  return (
    catalog.indexesOf(fk.table).some((i) => leads(i.columns)) ||
    relation.constraints.some((c) => (c.kind === 'primary' || c.kind === 'unique') && leads(c.columns))
  );
}
