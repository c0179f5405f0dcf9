import type { ColumnDef, Node, Constraint as PgConstraint } from '@pgsql/types';
import { asNode } from './ast.js';
import { normalizeType } from './catalog/types.js';

/** What a column definition in ADD COLUMN / CREATE TABLE says, read once for effects and rules alike. */
export interface ColumnDefFacts {
  name: string;
  constraints: PgConstraint[];
  defaultExpr: Node | undefined;
  generated: PgConstraint | undefined;
  identity: boolean;
  /** a serial type: an integer filled from a new sequence */
  serial: boolean;
  notNull: boolean;
  /** existing rows get a value: a default, identity, serial or generated expression */
  filled: boolean;
}

export function columnDefFacts(def: ColumnDef): ColumnDefFacts {
  const constraints = (def.constraints ?? []).map((c) => asNode<PgConstraint>(c, 'Constraint')).filter((c): c is PgConstraint => c !== undefined);
  const defaultExpr = constraints.find((c) => c.contype === 'CONSTR_DEFAULT')?.raw_expr;
  const generated = constraints.find((c) => c.contype === 'CONSTR_GENERATED');
  const identity = constraints.some((c) => c.contype === 'CONSTR_IDENTITY');
  const { serial } = normalizeType(def.typeName);
  return {
    name: def.colname ?? '',
    constraints,
    defaultExpr,
    generated,
    identity,
    serial,
    notNull: constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY'),
    filled: defaultExpr !== undefined || generated !== undefined || identity || serial,
  };
}
