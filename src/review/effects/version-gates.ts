import type { Node } from '@pgsql/types';
import { names, relationKey, stringValue } from '../ast.js';
import type { EffectContext, EffectsBuilder } from './builder.js';

// biome-ignore lint/suspicious/noExplicitAny: each gate reads a different parse-tree node kind by field name; typing 100+ node shapes here would hide nothing
type Body = any;

/**
 * A statement form a PostgreSQL major introduced: older majors reject it (a syntax error, an unknown
 * option, function or type). Every entry is engine-proven by test/engine/version-forms.ts, which runs each
 * form on PostgreSQL 12–18 (`npm run syntax:versions` prints what each server says).
 */
export interface VersionGate {
  /** the parse-tree node kind the form shows up as */
  node: string;
  /** the first major that accepts it */
  since: number;
  /** the form, as the finding names it */
  feature: string;
  /** the SQLSTATE the older majors raise (it depends on how far their parser gets) */
  sqlstate: string | ((body: Body) => string);
  /** narrows the node kind to the form; `ctx.catalog` is the schema before the statement */
  when?: (body: Body, ctx: EffectContext) => boolean;
}

const SYNTAX = '42601';
const UNDEFINED_FUNCTION = '42883';
const UNDEFINED_OBJECT = '42704';
const FEATURE_NOT_SUPPORTED = '0A000';
const INVALID_PARAMETER = '22023';

const defnames = (options: Node[] | undefined): string[] => (options ?? []).map((o) => (o as { DefElem?: { defname?: string } }).DefElem?.defname ?? '');

/** One gate per option name of a statement's `WITH (…)`/`(…)` list: old majors say "unrecognized option". */
function optionGates(node: string, field: string, label: string, since: Record<string, number>, sqlstate = SYNTAX): VersionGate[] {
  return Object.entries(since).map(([option, version]) => ({
    node,
    since: version,
    feature: `${label} option ${option.toUpperCase()}`,
    sqlstate,
    when: (b: Body) => defnames(b[field]).includes(option),
  }));
}

/** Predefined roles by first major: granting one an older major lacks names an unknown role. */
function roleGates(since: Record<string, number>): VersionGate[] {
  return Object.entries(since).map(([role, version]) => ({
    node: 'GrantRoleStmt',
    since: version,
    feature: `the predefined role ${role}`,
    sqlstate: UNDEFINED_OBJECT,
    when: (b: Body) => (b.granted_roles ?? []).some((r: Body) => r.AccessPriv?.priv_name === role),
  }));
}

/** LIKE … INCLUDING COMPRESSION spelt out (INCLUDING ALL sets every bit and is old) */
const LIKE_COMPRESSION = 1 << 1;
const LIKE_OPTIONS_BEFORE_ALL = 0x1ff;

const isPartitioned = (relation: unknown, ctx: EffectContext): boolean => ctx.catalog.relation(relationKey(relation as never))?.kind === 'partitioned';

/** An index of a partitioned table: one the history creates, or the index of its primary key or unique constraint. */
function isPartitionedIndex(index: unknown, ctx: EffectContext): boolean {
  const key = relationKey(index as never);
  const table = ctx.catalog.indexes.get(key)?.table;
  if (table) return ctx.catalog.relation(table)?.kind === 'partitioned';
  const [schema, name] = key.split('.');
  return [...ctx.catalog.relations.values()].some(
    (r) =>
      r.kind === 'partitioned' &&
      r.key.startsWith(`${schema}.`) &&
      r.constraints.some((c) => c.name === name && (c.kind === 'primary' || c.kind === 'unique' || c.kind === 'exclusion')),
  );
}

/** THE table of statement forms by the major that introduced them (PostgreSQL release notes 13–18). */
export const VERSION_GATES: VersionGate[] = [
  // PostgreSQL 13
  { node: 'AlterTableCmd', since: 13, feature: 'ALTER COLUMN … DROP EXPRESSION', sqlstate: SYNTAX, when: (b) => b.subtype === 'AT_DropExpression' },
  { node: 'SelectStmt', since: 13, feature: 'FETCH FIRST … WITH TIES', sqlstate: SYNTAX, when: (b) => b.limitOption === 'LIMIT_OPTION_WITH_TIES' },
  { node: 'AlterTypeStmt', since: 13, feature: 'ALTER TYPE … SET (…)', sqlstate: SYNTAX },
  { node: 'AlterStatsStmt', since: 13, feature: 'ALTER STATISTICS … SET STATISTICS', sqlstate: SYNTAX },
  {
    node: 'RenameStmt',
    since: 13,
    feature: 'ALTER VIEW … RENAME COLUMN',
    sqlstate: SYNTAX,
    when: (b) => b.renameType === 'OBJECT_COLUMN' && b.relationType === 'OBJECT_VIEW',
  },
  { node: 'DropdbStmt', since: 13, feature: 'DROP DATABASE … WITH (FORCE)', sqlstate: SYNTAX, when: (b) => defnames(b.options).includes('force') },
  ...optionGates('VacuumStmt', 'options', 'VACUUM', {
    parallel: 13,
    process_toast: 14,
    skip_database_stats: 16,
    only_database_stats: 16,
    buffer_usage_limit: 16,
    process_main: 16,
  }),
  ...optionGates('ExplainStmt', 'options', 'EXPLAIN', { wal: 13, generic_plan: 16, serialize: 17, memory: 17 }),
  { node: 'IndexElem', since: 13, feature: 'operator class parameters in an index', sqlstate: SYNTAX, when: (b) => (b.opclassopts ?? []).length > 0 },
  { node: 'AlterObjectDependsStmt', since: 13, feature: 'NO DEPENDS ON EXTENSION', sqlstate: SYNTAX, when: (b) => Boolean(b.remove) },
  {
    node: 'CreateTrigStmt',
    since: 13,
    feature: 'a BEFORE … FOR EACH ROW trigger on a partitioned table',
    sqlstate: '42809',
    // timing bit 2 is BEFORE
    when: (b, ctx) => Boolean(b.row) && ((b.timing ?? 0) & 2) !== 0 && isPartitioned(b.relation, ctx),
  },
  // PostgreSQL 14
  { node: 'AlterTableCmd', since: 14, feature: 'ALTER COLUMN … SET COMPRESSION', sqlstate: SYNTAX, when: (b) => b.subtype === 'AT_SetCompression' },
  { node: 'ColumnDef', since: 14, feature: 'a column COMPRESSION clause', sqlstate: SYNTAX, when: (b) => Boolean(b.compression) },
  { node: 'CreateTrigStmt', since: 14, feature: 'CREATE OR REPLACE TRIGGER', sqlstate: SYNTAX, when: (b) => Boolean(b.replace) },
  { node: 'PartitionCmd', since: 14, feature: 'DETACH PARTITION … CONCURRENTLY', sqlstate: SYNTAX, when: (b) => Boolean(b.concurrent) },
  { node: 'AlterTableCmd', since: 14, feature: 'DETACH PARTITION … FINALIZE', sqlstate: SYNTAX, when: (b) => b.subtype === 'AT_DetachPartitionFinalize' },
  {
    node: 'ReindexStmt',
    since: 14,
    feature: 'REINDEX (CONCURRENTLY …/TABLESPACE …) option list',
    sqlstate: SYNTAX,
    // the keyword form (INDEX CONCURRENTLY x, PG 12+) parses to the same valueless option: only a value or TABLESPACE tells the list apart
    when: (b) =>
      (b.params ?? []).some((p: Body) => p.DefElem && p.DefElem.defname !== 'verbose' && (p.DefElem.arg !== undefined || p.DefElem.defname === 'tablespace')),
  },
  // 12 and 13 skip a partitioned table with a warning, but refuse a partitioned index
  {
    node: 'ReindexStmt',
    since: 14,
    feature: 'REINDEX of a partitioned index',
    sqlstate: FEATURE_NOT_SUPPORTED,
    when: (b, ctx) => b.kind === 'REINDEX_OBJECT_INDEX' && isPartitionedIndex(b.relation, ctx),
  },
  { node: 'StatsElem', since: 14, feature: 'CREATE STATISTICS on expressions', sqlstate: FEATURE_NOT_SUPPORTED, when: (b) => b.expr !== undefined },
  {
    node: 'CreateRangeStmt',
    since: 14,
    feature: 'CREATE TYPE … AS RANGE (multirange_type_name …)',
    sqlstate: SYNTAX,
    when: (b) => defnames(b.params).includes('multirange_type_name'),
  },
  { node: 'CommonTableExpr', since: 14, feature: 'WITH RECURSIVE … SEARCH', sqlstate: SYNTAX, when: (b) => b.search_clause !== undefined },
  { node: 'CommonTableExpr', since: 14, feature: 'WITH RECURSIVE … CYCLE', sqlstate: SYNTAX, when: (b) => b.cycle_clause !== undefined },
  { node: 'CreateFunctionStmt', since: 14, feature: 'a BEGIN ATOMIC function body', sqlstate: SYNTAX, when: (b) => b.sql_body !== undefined },
  {
    node: 'CreateFunctionStmt',
    since: 14,
    feature: 'procedure OUT parameters',
    sqlstate: FEATURE_NOT_SUPPORTED,
    when: (b) => Boolean(b.is_procedure) && (b.parameters ?? []).some((p: Body) => p.FunctionParameter?.mode === 'FUNC_PARAM_OUT'),
  },
  {
    node: 'TableLikeClause',
    since: 14,
    feature: 'LIKE … INCLUDING COMPRESSION',
    sqlstate: SYNTAX,
    when: (b) => ((b.options ?? 0) & LIKE_COMPRESSION) !== 0 && ((b.options ?? 0) & ~LIKE_OPTIONS_BEFORE_ALL) === 0,
  },
  {
    node: 'AlterSubscriptionStmt',
    since: 14,
    feature: 'ALTER SUBSCRIPTION … ADD/DROP PUBLICATION',
    sqlstate: SYNTAX,
    when: (b) => b.kind === 'ALTER_SUBSCRIPTION_ADD_PUBLICATION' || b.kind === 'ALTER_SUBSCRIPTION_DROP_PUBLICATION',
  },
  ...roleGates({
    pg_read_all_data: 14,
    pg_write_all_data: 14,
    pg_checkpoint: 15,
    pg_create_subscription: 16,
    pg_use_reserved_connections: 16,
    pg_maintain: 17,
    pg_signal_autovacuum_worker: 18,
  }),
  {
    node: 'A_Indirection',
    since: 14,
    feature: 'jsonb subscripting',
    sqlstate: '42804',
    // only a literal cast says the type; a jsonb column would need the expression typed (not done)
    when: (b) => (b.indirection ?? []).some((i: Body) => i.A_Indices !== undefined) && names(b.arg?.TypeCast?.typeName?.names).at(-1) === 'jsonb',
  },
  { node: 'SelectStmt', since: 14, feature: 'GROUP BY DISTINCT', sqlstate: SYNTAX, when: (b) => Boolean(b.groupDistinct) },
  { node: 'JoinExpr', since: 14, feature: 'JOIN … USING (…) AS alias', sqlstate: SYNTAX, when: (b) => b.join_using_alias !== undefined },
  // PostgreSQL 15
  { node: 'MergeStmt', since: 15, feature: 'MERGE', sqlstate: SYNTAX },
  { node: 'Constraint', since: 15, feature: 'UNIQUE NULLS NOT DISTINCT', sqlstate: SYNTAX, when: (b) => Boolean(b.nulls_not_distinct) },
  { node: 'IndexStmt', since: 15, feature: 'CREATE UNIQUE INDEX … NULLS NOT DISTINCT', sqlstate: SYNTAX, when: (b) => Boolean(b.nulls_not_distinct) },
  { node: 'AlterTableCmd', since: 15, feature: 'SET ACCESS METHOD', sqlstate: SYNTAX, when: (b) => b.subtype === 'AT_SetAccessMethod' },
  {
    node: 'ViewStmt',
    since: 15,
    feature: 'the security_invoker view option',
    sqlstate: INVALID_PARAMETER,
    when: (b) => defnames(b.options).includes('security_invoker'),
  },
  {
    node: 'AlterTableCmd',
    since: 15,
    feature: 'the security_invoker view option',
    sqlstate: INVALID_PARAMETER,
    when: (b) => (b.subtype === 'AT_SetRelOptions' || b.subtype === 'AT_ResetRelOptions') && defnames(b.def?.List?.items).includes('security_invoker'),
  },
  {
    node: 'ClusterStmt',
    since: 15,
    feature: 'CLUSTER of a partitioned table',
    sqlstate: FEATURE_NOT_SUPPORTED,
    when: (b, ctx) => b.relation !== undefined && isPartitioned(b.relation, ctx),
  },
  { node: 'Constraint', since: 15, feature: 'ON DELETE SET NULL/SET DEFAULT (columns)', sqlstate: SYNTAX, when: (b) => (b.fk_del_set_cols ?? []).length > 0 },
  {
    node: 'PublicationObjSpec',
    since: 15,
    feature: 'CREATE/ALTER PUBLICATION … TABLES IN SCHEMA',
    sqlstate: SYNTAX,
    when: (b) => String(b.pubobjtype).startsWith('PUBLICATIONOBJ_TABLES_IN_'),
  },
  { node: 'PublicationObjSpec', since: 15, feature: 'a publication row filter (WHERE)', sqlstate: SYNTAX, when: (b) => b.pubtable?.whereClause !== undefined },
  { node: 'PublicationObjSpec', since: 15, feature: 'a publication column list', sqlstate: SYNTAX, when: (b) => (b.pubtable?.columns ?? []).length > 0 },
  { node: 'CreateSeqStmt', since: 15, feature: 'CREATE UNLOGGED SEQUENCE', sqlstate: FEATURE_NOT_SUPPORTED, when: (b) => b.sequence?.relpersistence === 'u' },
  {
    node: 'AlterTableStmt',
    since: 15,
    feature: 'ALTER SEQUENCE … SET LOGGED/UNLOGGED',
    // older majors parse it as ALTER TABLE on a sequence
    sqlstate: '42809',
    when: (b) => b.objtype === 'OBJECT_SEQUENCE' && (b.cmds ?? []).some((c: Body) => ['AT_SetLogged', 'AT_SetUnLogged'].includes(c.AlterTableCmd?.subtype)),
  },
  { node: 'AlterDatabaseRefreshCollStmt', since: 15, feature: 'ALTER DATABASE … REFRESH COLLATION VERSION', sqlstate: SYNTAX },
  {
    node: 'CopyStmt',
    since: 15,
    feature: 'COPY … HEADER MATCH',
    sqlstate: SYNTAX,
    when: (b) => (b.options ?? []).some((o: Body) => o.DefElem?.defname === 'header' && stringValue(o.DefElem.arg)?.toLowerCase() === 'match'),
  },
  { node: 'GrantStmt', since: 15, feature: 'GRANT … ON PARAMETER', sqlstate: SYNTAX, when: (b) => b.objtype === 'OBJECT_PARAMETER_ACL' },
  ...optionGates('CreatedbStmt', 'options', 'CREATE DATABASE', { strategy: 15, oid: 15, locale_provider: 15, builtin_locale: 17 }),
  // PostgreSQL 16
  {
    node: 'JsonObjectConstructor',
    since: 16,
    feature: 'JSON_OBJECT(key: value …)',
    sqlstate: (b) => ((b.exprs ?? []).length > 0 || b.output ? SYNTAX : UNDEFINED_FUNCTION),
  },
  { node: 'JsonArrayConstructor', since: 16, feature: 'JSON_ARRAY()', sqlstate: (b) => (b.output ? SYNTAX : UNDEFINED_FUNCTION) },
  { node: 'JsonArrayQueryConstructor', since: 16, feature: 'JSON_ARRAY(query)', sqlstate: SYNTAX },
  { node: 'JsonArrayAgg', since: 16, feature: 'JSON_ARRAYAGG()', sqlstate: (b) => (b.constructor?.output ? SYNTAX : UNDEFINED_FUNCTION) },
  { node: 'JsonObjectAgg', since: 16, feature: 'JSON_OBJECTAGG()', sqlstate: SYNTAX },
  { node: 'JsonIsPredicate', since: 16, feature: 'IS JSON', sqlstate: SYNTAX },
  {
    node: 'ReindexStmt',
    since: 16,
    feature: 'REINDEX DATABASE/SYSTEM without a database name',
    sqlstate: SYNTAX,
    when: (b) => (b.kind === 'REINDEX_OBJECT_DATABASE' || b.kind === 'REINDEX_OBJECT_SYSTEM') && !b.name,
  },
  { node: 'RangeSubselect', since: 16, feature: 'a subquery in FROM without an alias', sqlstate: SYNTAX, when: (b) => b.alias === undefined && !b.lateral },
  { node: 'ColumnDef', since: 16, feature: 'a column STORAGE clause in CREATE TABLE/ADD COLUMN', sqlstate: SYNTAX, when: (b) => Boolean(b.storage_name) },
  { node: 'CreateStatsStmt', since: 16, feature: 'CREATE STATISTICS without a name', sqlstate: SYNTAX, when: (b) => (b.defnames ?? []).length === 0 },
  { node: 'GrantRoleStmt', since: 16, feature: 'GRANT role … WITH INHERIT/SET', sqlstate: SYNTAX, when: (b) => defnames(b.opt).some((o) => o !== 'admin') },
  ...optionGates('CopyStmt', 'options', 'COPY', { default: 16, on_error: 17, log_verbosity: 17, reject_limit: 18 }),
  // PostgreSQL 17
  { node: 'JsonTable', since: 17, feature: 'JSON_TABLE', sqlstate: SYNTAX },
  {
    node: 'JsonFuncExpr',
    since: 17,
    feature: 'JSON_VALUE/JSON_QUERY/JSON_EXISTS',
    // without SQL/JSON clauses older majors read it as a call of a function they do not have
    sqlstate: (b) =>
      b.output || b.on_empty || b.on_error || b.passing || (b.wrapper && b.wrapper !== 'JSW_UNSPEC') || (b.quotes && b.quotes !== 'JS_QUOTES_UNSPEC')
        ? SYNTAX
        : UNDEFINED_FUNCTION,
  },
  {
    node: 'JsonParseExpr',
    since: 17,
    feature: 'JSON(… WITH UNIQUE KEYS / FORMAT)',
    sqlstate: SYNTAX,
    when: (b) => Boolean(b.unique_keys) || (b.expr?.format?.format_type ?? 'JS_FORMAT_DEFAULT') !== 'JS_FORMAT_DEFAULT',
  },
  { node: 'JsonScalarExpr', since: 17, feature: 'JSON_SCALAR()', sqlstate: UNDEFINED_FUNCTION },
  { node: 'JsonSerializeExpr', since: 17, feature: 'JSON_SERIALIZE()', sqlstate: (b) => (b.output ? SYNTAX : UNDEFINED_FUNCTION) },
  { node: 'AlterTableCmd', since: 17, feature: 'ALTER COLUMN … SET EXPRESSION', sqlstate: SYNTAX, when: (b) => b.subtype === 'AT_SetExpression' },
  {
    node: 'MergeWhenClause',
    since: 17,
    feature: 'MERGE … WHEN NOT MATCHED BY SOURCE',
    sqlstate: SYNTAX,
    when: (b) => b.matchKind === 'MERGE_WHEN_NOT_MATCHED_BY_SOURCE',
  },
  {
    node: 'MergeStmt',
    since: 17,
    feature: 'MERGE … RETURNING',
    sqlstate: SYNTAX,
    when: (b) => b.returningClause !== undefined || (b.returningList ?? []).length > 0,
  },
  {
    node: 'MergeStmt',
    since: 17,
    feature: 'MERGE into a view',
    sqlstate: FEATURE_NOT_SUPPORTED,
    when: (b, ctx) => ctx.catalog.relation(relationKey(b.relation))?.kind === 'view',
  },
  {
    node: 'CreateStmt',
    since: 17,
    feature: 'an access method for a partitioned table',
    sqlstate: FEATURE_NOT_SUPPORTED,
    when: (b) => b.partspec !== undefined && Boolean(b.accessMethod),
  },
  {
    node: 'AlterTableStmt',
    since: 17,
    feature: 'SET ACCESS METHOD on a partitioned table',
    sqlstate: '42809',
    when: (b, ctx) => isPartitioned(b.relation, ctx) && (b.cmds ?? []).some((c: Body) => c.AlterTableCmd?.subtype === 'AT_SetAccessMethod'),
  },
  {
    node: 'TypeCast',
    since: 17,
    feature: "interval 'infinity'",
    sqlstate: '22007',
    when: (b) =>
      names(b.typeName?.names).at(-1) === 'interval' &&
      ['infinity', '+infinity', '-infinity'].includes(String(stringValue(b.arg?.A_Const?.sval) ?? b.arg?.A_Const?.sval?.sval ?? '').toLowerCase()),
  },
  { node: 'CreateEventTrigStmt', since: 17, feature: 'a login event trigger', sqlstate: SYNTAX, when: (b) => b.eventname === 'login' },
  {
    node: 'CopyStmt',
    since: 17,
    feature: 'COPY … FORCE_NULL/FORCE_NOT_NULL *',
    sqlstate: INVALID_PARAMETER,
    when: (b) => (b.options ?? []).some((o: Body) => ['force_null', 'force_not_null'].includes(o.DefElem?.defname) && o.DefElem.arg?.A_Star !== undefined),
  },
  // merge_action() parses to a node of its own
  { node: 'MergeSupportFunc', since: 17, feature: 'merge_action()', sqlstate: UNDEFINED_FUNCTION },
  {
    node: 'AlterTableCmd',
    since: 17,
    feature: 'ALTER COLUMN … SET STATISTICS DEFAULT',
    sqlstate: SYNTAX,
    when: (b) => b.subtype === 'AT_SetStatistics' && b.def === undefined,
  },
  { node: 'AlterTableCmd', since: 17, feature: 'SET ACCESS METHOD DEFAULT', sqlstate: SYNTAX, when: (b) => b.subtype === 'AT_SetAccessMethod' && !b.name },
  { node: 'AccessPriv', since: 17, feature: 'the MAINTAIN privilege', sqlstate: SYNTAX, when: (b) => b.priv_name === 'maintain' },
  // PostgreSQL 18
  {
    node: 'Constraint',
    since: 18,
    feature: 'virtual generated columns',
    sqlstate: SYNTAX,
    when: (b) => b.contype === 'CONSTR_GENERATED' && b.generated_kind === 'v',
  },
  // the PG 18 parser marks enforced CHECK/FOREIGN KEY constraints explicitly; NOT ENFORCED leaves the flag out
  {
    node: 'Constraint',
    since: 18,
    feature: 'NOT ENFORCED constraints',
    sqlstate: SYNTAX,
    when: (b) => (b.contype === 'CONSTR_CHECK' || b.contype === 'CONSTR_FOREIGN') && !b.is_enforced,
  },
  { node: 'Constraint', since: 18, feature: 'WITHOUT OVERLAPS', sqlstate: SYNTAX, when: (b) => Boolean(b.without_overlaps) },
  { node: 'Constraint', since: 18, feature: 'FOREIGN KEY … PERIOD', sqlstate: SYNTAX, when: (b) => Boolean(b.fk_with_period || b.pk_with_period) },
  // a column's own NOT NULL has no key list; the table-constraint form (ADD CONSTRAINT … NOT NULL col, NOT VALID) is new
  {
    node: 'Constraint',
    since: 18,
    feature: 'NOT NULL as a table constraint (CONSTRAINT … NOT NULL col)',
    sqlstate: SYNTAX,
    when: (b) => b.contype === 'CONSTR_NOTNULL' && (b.keys ?? []).length > 0,
  },
  {
    node: 'ATAlterConstraint',
    since: 18,
    feature: 'ALTER CONSTRAINT … [NOT] ENFORCED / [NO] INHERIT',
    sqlstate: SYNTAX,
    when: (b) => Boolean(b.alterEnforceability || b.alterInheritability),
  },
  { node: 'ReturningClause', since: 18, feature: 'RETURNING WITH (OLD/NEW AS …)', sqlstate: SYNTAX, when: (b) => (b.options ?? []).length > 0 },
  {
    node: 'CreateForeignTableStmt',
    since: 18,
    feature: 'CREATE FOREIGN TABLE … (LIKE …)',
    sqlstate: FEATURE_NOT_SUPPORTED,
    when: (b) => (b.base?.tableElts ?? []).some((e: Body) => e.TableLikeClause !== undefined),
  },
  {
    node: 'CopyStmt',
    since: 18,
    feature: 'COPY … TO from a materialized view',
    sqlstate: '42809',
    when: (b, ctx) => !b.is_from && b.relation !== undefined && ctx.catalog.relation(relationKey(b.relation))?.kind === 'matview',
  },
  { node: 'VacuumRelation', since: 18, feature: 'VACUUM/ANALYZE ONLY', sqlstate: SYNTAX, when: (b) => b.relation !== undefined && !b.relation.inh },
];

/** A function (or SQL-syntax function) by the major that made it built in. */
export interface FunctionGate {
  since: number;
  sqlstate?: string;
  /** before `since` the function comes from this extension */
  extension?: string;
  /** narrows to the calls that are new (an overload) */
  when?: (call: Body) => boolean;
  /** how the finding names the form when it is not written as a call (default `name()`) */
  feature?: string;
}

export const FUNCTION_GATES: Record<string, FunctionGate> = {
  gen_random_uuid: { since: 13, extension: 'pgcrypto' },
  trim_scale: { since: 13 },
  min_scale: { since: 13 },
  gcd: { since: 13 },
  pg_current_xact_id: { since: 13 },
  lcm: { since: 13 },
  date_bin: { since: 14 },
  string_to_table: { since: 14 },
  bit_count: { since: 14 },
  trim_array: { since: 14 },
  unistr: { since: 14 },
  range_agg: { since: 14 },
  multirange: { since: 14 },
  int4multirange: { since: 14 },
  int8multirange: { since: 14 },
  nummultirange: { since: 14 },
  datemultirange: { since: 14 },
  tsmultirange: { since: 14 },
  tstzmultirange: { since: 14 },
  regexp_count: { since: 15 },
  regexp_instr: { since: 15 },
  regexp_like: { since: 15 },
  regexp_substr: { since: 15 },
  any_value: { since: 16 },
  random_normal: { since: 16 },
  array_sample: { since: 16 },
  array_shuffle: { since: 16 },
  date_add: { since: 16 },
  date_subtract: { since: 16 },
  pg_input_is_valid: { since: 16 },
  pg_input_error_info: { since: 16 },
  erf: { since: 16 },
  erfc: { since: 16 },
  // SYSTEM_USER: older majors read it as a column name
  system_user: { since: 16, sqlstate: '42703', feature: 'SYSTEM_USER', when: (c) => c.funcformat === 'COERCE_SQL_SYNTAX' },
  // … AT LOCAL: timezone() with one argument
  timezone: { since: 17, sqlstate: SYNTAX, feature: '… AT LOCAL', when: (c) => c.funcformat === 'COERCE_SQL_SYNTAX' && (c.args ?? []).length === 1 },
  random: { since: 17, feature: 'random(min, max)', when: (c) => (c.args ?? []).length === 2 },
  to_bin: { since: 17 },
  to_oct: { since: 17 },
  uuid_extract_timestamp: { since: 17 },
  uuid_extract_version: { since: 17 },
  uuidv4: { since: 18 },
  uuidv7: { since: 18 },
  array_sort: { since: 18 },
  array_reverse: { since: 18 },
  casefold: { since: 18 },
  crc32: { since: 18 },
  crc32c: { since: 18 },
  gamma: { since: 18 },
  lgamma: { since: 18 },
};

/** Built-in types by the major that introduced them. */
export const TYPE_GATES: Record<string, number> = {
  xid8: 13,
  int4multirange: 14,
  int8multirange: 14,
  nummultirange: 14,
  datemultirange: 14,
  tsmultirange: 14,
  tstzmultirange: 14,
  anymultirange: 14,
};

/** RETURNING old.x / new.x: before 18 old and new are just unknown table names. */
const RETURNING_OLD_NEW: VersionGate = { node: 'ReturningClause', since: 18, feature: 'RETURNING old.*/new.*', sqlstate: '42P01' };

/** Node kinds the parse tree stores untagged, under a field name. */
const UNTAGGED: Record<string, string> = { returningClause: 'ReturningClause' };

const GATES_BY_NODE = new Map<string, VersionGate[]>();
for (const gate of VERSION_GATES) GATES_BY_NODE.set(gate.node, [...(GATES_BY_NODE.get(gate.node) ?? []), gate]);

/** The newest major any gate names: reviewing for it or later, nothing can be too new. */
const NEWEST_GATE = Math.max(...VERSION_GATES.map((g) => g.since), ...Object.values(FUNCTION_GATES).map((f) => f.since), ...Object.values(TYPE_GATES));

function functionName(call: Body): string | undefined {
  const parts = names(call.funcname);
  if (parts.length === 2 && parts[0] !== 'pg_catalog') return undefined;
  return parts.length <= 2 ? parts[parts.length - 1]?.toLowerCase() : undefined;
}

function isTypeName(value: Body): boolean {
  return Array.isArray(value?.names) && 'typemod' in value;
}

/** Aliases a DML statement gives its relations: RETURNING old.x is only new syntax when no relation is called old. */
function relationNames(stmt: Body): Set<string> {
  const found = new Set<string>();
  const add = (rv: Body) => {
    if (rv?.relname) found.add(String(rv.relname).toLowerCase());
    if (rv?.alias?.aliasname) found.add(String(rv.alias.aliasname).toLowerCase());
  };
  add(stmt.relation);
  visitObjects([stmt.fromClause, stmt.usingClause], (value, key) => {
    if (key === 'RangeVar' || key === 'RangeSubselect' || key === 'RangeFunction') add(value);
  });
  return found;
}

/** Every object in the tree with the key it hangs under (parse-tree fields such as `typeName` are untagged). */
function visitObjects(root: unknown, visit: (value: Body, key: string) => void): void {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [current, key] = stack.pop() as [unknown, string];
    if (Array.isArray(current)) {
      for (const item of current) stack.push([item, key]);
    } else if (current && typeof current === 'object') {
      visit(current, key);
      for (const [k, v] of Object.entries(current)) if (v && typeof v === 'object') stack.push([v, k]);
    }
  }
}

/**
 * Reports every form of the statement the target major does not accept yet: PostgreSQL rejects the whole
 * statement before it does anything, so each is a statement-will-fail finding.
 */
export function versionGates(node: Node, out: EffectsBuilder): void {
  const ctx = out.ctx;
  if (ctx.pgVersion >= NEWEST_GATE) return;
  const reported = new Set<string>();
  const report = (since: number, feature: string, sqlstate: string) => {
    if (reported.has(feature)) return;
    reported.add(feature);
    out.requireVersion(since, feature, sqlstate);
  };
  const dml = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);
  visitObjects(node, (body, field) => {
    const key = UNTAGGED[field] ?? field;
    for (const gate of GATES_BY_NODE.get(key) ?? []) {
      if (ctx.pgVersion >= gate.since || (gate.when && !gate.when(body, ctx))) continue;
      report(gate.since, gate.feature, typeof gate.sqlstate === 'function' ? gate.sqlstate(body) : gate.sqlstate);
    }
    if (key === 'FuncCall') {
      const name = functionName(body);
      const gate = name ? FUNCTION_GATES[name] : undefined;
      if (!name || !gate || ctx.pgVersion >= gate.since || ctx.catalog.functions.has(name) || (gate.when && !gate.when(body))) return;
      if (gate.extension && ctx.catalog.extensions.has(gate.extension)) return;
      if (gate.extension) {
        if (reported.has(name)) return;
        reported.add(name);
        out.fail({
          message: `function ${name}() does not exist before PostgreSQL ${gate.since} unless the ${gate.extension} extension is installed (reviewing for ${ctx.pgVersion})`,
          sqlstate: UNDEFINED_FUNCTION,
          hint: `requires PostgreSQL ${gate.since}, or CREATE EXTENSION IF NOT EXISTS ${gate.extension}; in an earlier migration`,
        });
        return;
      }
      report(gate.since, gate.feature ?? `function ${name}()`, gate.sqlstate ?? UNDEFINED_FUNCTION);
    } else if (isTypeName(body)) {
      const type = names(body.names).at(-1)?.toLowerCase();
      const since = type ? TYPE_GATES[type] : undefined;
      if (type && since && ctx.pgVersion < since) report(since, `type ${type}`, UNDEFINED_OBJECT);
    } else if (dml.has(key) && ctx.pgVersion < RETURNING_OLD_NEW.since) {
      const returning = body.returningClause?.exprs ?? body.returningList ?? [];
      const aliases = relationNames(body);
      let usesOldNew = false;
      visitObjects(returning, (value, k) => {
        if (k !== 'ColumnRef') return;
        const first = stringValue(value.fields?.[0])?.toLowerCase();
        if ((value.fields ?? []).length > 1 && (first === 'old' || first === 'new') && !aliases.has(first)) usesOldNew = true;
      });
      if (usesOldNew) report(RETURNING_OLD_NEW.since, RETURNING_OLD_NEW.feature, RETURNING_OLD_NEW.sqlstate as string);
    }
  });
}
