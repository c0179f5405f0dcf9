import type { Node, TypeName } from '@pgsql/types';
import { asNode, names } from '../ast.js';

/** A column type as the catalog records it: canonical name, type modifiers and array depth. */
export interface TypeRef {
  /** canonical lower-case name: int4, varchar, numeric, timestamptz, or a user type's `schema.name` */
  name: string;
  mods: number[];
  array: number;
}

const SERIAL_TYPES: Record<string, string> = { serial: 'int4', serial4: 'int4', bigserial: 'int8', serial8: 'int8', smallserial: 'int2', serial2: 'int2' };

const ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  bigint: 'int8',
  smallint: 'int2',
  boolean: 'bool',
  real: 'float4',
  'double precision': 'float8',
  float: 'float8',
  decimal: 'numeric',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'time with time zone': 'timetz',
};

const BUILTIN = new Set([
  'int2',
  'int4',
  'int8',
  'float4',
  'float8',
  'numeric',
  'bool',
  'text',
  'varchar',
  'bpchar',
  'name',
  'bytea',
  'date',
  'time',
  'timetz',
  'timestamp',
  'timestamptz',
  'interval',
  'uuid',
  'json',
  'jsonb',
  'xml',
  'inet',
  'cidr',
  'macaddr',
  'macaddr8',
  'bit',
  'varbit',
  'money',
  'oid',
  'point',
  'line',
  'lseg',
  'box',
  'path',
  'polygon',
  'circle',
  'tsvector',
  'tsquery',
  'int4range',
  'int8range',
  'numrange',
  'tsrange',
  'tstzrange',
  'daterange',
  'regclass',
  'char',
]);

export interface NormalizedType {
  type: TypeRef;
  /** serial/bigserial/smallserial: an integer column whose default is nextval() of a new sequence */
  serial: boolean;
}

export function normalizeType(typeName: TypeName | undefined): NormalizedType {
  const parts = names(typeName?.names);
  const last = (parts[parts.length - 1] ?? 'unknown').toLowerCase();
  const isCatalog = parts.length === 1 || parts[0] === 'pg_catalog';
  const mods = (typeName?.typmods ?? []).map(typmodValue).filter((v): v is number => v !== undefined);
  const array = typeName?.arrayBounds?.length ?? 0;
  if (isCatalog && SERIAL_TYPES[last]) return { type: { name: SERIAL_TYPES[last], mods: [], array }, serial: true };
  let name = isCatalog ? (ALIASES[last] ?? last) : parts.slice(-2).join('.');
  if (isCatalog && !BUILTIN.has(name) && parts.length === 1) name = `public.${parts[0]}`;
  return { type: { name, mods, array }, serial: false };
}

function typmodValue(node: Node): number | undefined {
  const constant = asNode<{ ival?: { ival?: number } }>(node, 'A_Const');
  if (constant) return constant.ival?.ival ?? 0;
  return undefined;
}

export function typeLabel(type: TypeRef): string {
  const base = type.name.startsWith('public.') ? type.name.slice(7) : type.name;
  return `${base}${type.mods.length ? `(${type.mods.join(',')})` : ''}${'[]'.repeat(type.array)}`;
}

export function sameType(a: TypeRef, b: TypeRef): boolean {
  return a.name === b.name && a.array === b.array && a.mods.join(',') === b.mods.join(',');
}

export interface TypeChangeVerdict {
  rewrite: boolean;
  /** why, in words a reviewer can check */
  reason: string;
}

export interface TypeChangeContext {
  /** the session TimeZone is UTC: timestamp ↔ timestamptz needs no rewrite then */
  timezoneIsUtc: boolean;
}

const TEXTUAL = new Set(['text', 'varchar']);

/**
 * Whether ALTER COLUMN … TYPE replaces the table's storage. PostgreSQL skips the rewrite only when the
 * old values are valid as they are: binary-coercible casts and length changes a type's support function
 * proves safe (varchar, numeric, timestamp, varbit). Everything else, including casts we do not know, rewrites.
 */
export function typeChangeVerdict(from: TypeRef, to: TypeRef, ctx: TypeChangeContext): TypeChangeVerdict {
  const label = `${typeLabel(from)} → ${typeLabel(to)}`;
  if (sameType(from, to)) return { rewrite: false, reason: `${label}: same type` };
  if (from.array !== to.array) return { rewrite: true, reason: `${label}: array dimensions change` };
  const [fromLen] = from.mods;
  const [toLen] = to.mods;
  if (TEXTUAL.has(from.name) && TEXTUAL.has(to.name)) {
    if (to.name === 'text' || toLen === undefined) return { rewrite: false, reason: `${label}: binary coercible, no length limit` };
    if (from.name === 'varchar' && fromLen !== undefined && toLen >= fromLen) {
      return { rewrite: false, reason: `${label}: varchar widened` };
    }
    return { rewrite: true, reason: `${label}: every value must be checked against the new length` };
  }
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.mods.length === 0) return { rewrite: false, reason: `${label}: unconstrained numeric accepts every value` };
    const [fp, fs = 0] = from.mods;
    const [tp, ts = 0] = to.mods;
    if (fp !== undefined && tp !== undefined && ts === fs && tp >= fp) {
      return { rewrite: false, reason: `${label}: precision widened with the same scale` };
    }
    return { rewrite: true, reason: `${label}: ${ts !== fs ? 'scale changes, so every value is recomputed' : 'precision narrowed or constrained'}` };
  }
  if (
    (from.name === 'varbit' && to.name === 'varbit') ||
    (from.name === to.name && (from.name === 'timestamp' || from.name === 'timestamptz' || from.name === 'time' || from.name === 'interval'))
  ) {
    if (toLen === undefined || (fromLen !== undefined && toLen >= fromLen)) return { rewrite: false, reason: `${label}: precision widened` };
    return { rewrite: true, reason: `${label}: precision narrowed` };
  }
  const tsPair = (from.name === 'timestamp' && to.name === 'timestamptz') || (from.name === 'timestamptz' && to.name === 'timestamp');
  if (tsPair) {
    return ctx.timezoneIsUtc
      ? { rewrite: false, reason: `${label}: no rewrite because the session TimeZone is UTC` }
      : { rewrite: true, reason: `${label}: the session TimeZone is not UTC, so every value is converted` };
  }
  if (from.name === 'cidr' && to.name === 'inet') return { rewrite: false, reason: `${label}: binary coercible` };
  if (from.name === 'varchar' && to.name === 'public.citext') return { rewrite: true, reason: `${label}: different storage` };
  return { rewrite: true, reason: `${label}: the values are converted one by one` };
}
