import type { AlterTableCmd, Node, Constraint as PgConstraint, RangeVar } from '@pgsql/types';
import { alterCommands, asNode, DEFAULT_SCHEMA, names, nodeTag, qualifiedKey, relationKey, stringValue, walk } from './ast.js';
import type { AnalyzedEffects } from './effects/index.js';

/** How the migration runner wraps statements in transactions. */
export type TransactionMode = 'all' | 'per-file' | 'none';

/** Where an earlier statement stands, for messages that point back at it. */
const EMPTY: ReadonlyMap<string, Origin> = new Map();

export interface Origin {
  migration: string;
  line: number;
}

/** What the lock_timeout of the session is when a statement starts. */
export type LockTimeoutState = 'set' | 'zero' | 'unset';

/** Read-only facts about the transaction a statement runs in, as of just before it. */
export interface TransactionView {
  /** false: the statement commits on its own (no runner transaction and no explicit BEGIN) */
  readonly inTransaction: boolean;
  /** pre-existing relations (display names) this transaction already holds AccessExclusiveLock on */
  readonly exclusiveLocks: ReadonlyMap<string, Origin>;
  /** the same, only those taken by one migration of the transaction */
  exclusiveLocksOf(migration: string): ReadonlyMap<string, Origin>;
  /** `schema.table.constraint` of constraints added NOT VALID earlier in this transaction */
  readonly notValidConstraints: ReadonlyMap<string, Origin>;
  /** enum key → labels added by ALTER TYPE … ADD VALUE in this transaction (not committed yet) */
  readonly newEnumValues: ReadonlyMap<string, ReadonlyMap<string, Origin>>;
  /** enum keys created in this file or this transaction: nothing running uses them yet */
  readonly createdEnums: ReadonlySet<string>;
  /** schemas created in this file or this transaction */
  readonly createdSchemas: ReadonlySet<string>;
  /** lock_timeout as set by this file (the runner's own setting is in ReviewSettings) */
  readonly lockTimeout: LockTimeoutState;
  /** the migration under review, to tell its own lines from earlier files' */
  readonly currentMigration: string;
  /** `schema.table.column` an earlier statement of this file set to a non-null constant wherever it was NULL */
  readonly backfilledColumns: ReadonlySet<string>;
}

/**
 * Follows transaction boundaries through a folder's reviewed files: the runner's wrapping
 * (`transactionMode`) and explicit BEGIN/COMMIT in the files. Rules read it, the engine feeds it.
 */
export class TransactionTracker implements TransactionView {
  inTransaction = false;
  readonly exclusiveLocks = new Map<string, Origin>();
  /** exclusiveLocks by the migration that took them: a drizzle run is one transaction over hundreds of files */
  private readonly exclusiveByMigration = new Map<string, Map<string, Origin>>();
  readonly notValidConstraints = new Map<string, Origin>();
  readonly newEnumValues = new Map<string, Map<string, Origin>>();
  private readonly createdInTransaction = { enums: new Set<string>(), schemas: new Set<string>() };
  private readonly createdInFile = { enums: new Set<string>(), schemas: new Set<string>() };
  readonly backfilledColumns = new Set<string>();
  private sessionTimeout: LockTimeoutState = 'unset';
  private localTimeout: LockTimeoutState | undefined;
  private started = false;
  currentMigration = '';

  constructor(private readonly mode: TransactionMode) {}

  exclusiveLocksOf(migration: string): ReadonlyMap<string, Origin> {
    return this.exclusiveByMigration.get(migration) ?? EMPTY;
  }

  get createdEnums(): ReadonlySet<string> {
    return new Set([...this.createdInFile.enums, ...this.createdInTransaction.enums]);
  }

  get createdSchemas(): ReadonlySet<string> {
    return new Set([...this.createdInFile.schemas, ...this.createdInTransaction.schemas]);
  }

  get lockTimeout(): LockTimeoutState {
    return this.localTimeout ?? this.sessionTimeout;
  }

  /** A new file: per-file runners commit the previous one; drizzle's migrator keeps one transaction. */
  startFile(migration: string): void {
    this.currentMigration = migration;
    this.createdInFile.enums.clear();
    this.createdInFile.schemas.clear();
    this.backfilledColumns.clear();
    // a file may run in a later deploy than the one before it: only its own SET protects it
    this.sessionTimeout = 'unset';
    if (this.mode === 'all') {
      // one transaction for the whole run; a COMMIT in an earlier file ended it for good
      if (!this.started) this.inTransaction = true;
      this.started = true;
      return;
    }
    this.endTransaction();
    this.inTransaction = this.mode === 'per-file';
  }

  /** Records what a statement did, after the rules have judged it. */
  record(node: Node | undefined, effects: AnalyzedEffects, line: number, newTables: ReadonlySet<string>): void {
    const origin = { migration: this.currentMigration, line };
    const control = asNode<{ kind?: string }>(node, 'TransactionStmt')?.kind;
    if (control === 'TRANS_STMT_BEGIN' || control === 'TRANS_STMT_START') {
      this.inTransaction = true;
      return;
    }
    if (control === 'TRANS_STMT_COMMIT' || control === 'TRANS_STMT_ROLLBACK' || control === 'TRANS_STMT_PREPARE') {
      // the runner's own transaction ends here too; what follows commits statement by statement
      this.endTransaction();
      this.inTransaction = false;
      return;
    }
    this.recordLockTimeout(node);
    for (const column of backfilled(node)) this.backfilledColumns.add(column);
    const createdEnum = asNode<{ typeName?: Node[] }>(node, 'CreateEnumStmt');
    const createdSchema = asNode<{ schemaname?: string }>(node, 'CreateSchemaStmt')?.schemaname;
    for (const scope of this.inTransaction ? [this.createdInFile, this.createdInTransaction] : [this.createdInFile]) {
      if (createdEnum) scope.enums.add(qualifiedKey(names(createdEnum.typeName)));
      if (createdSchema) scope.schemas.add(createdSchema);
    }
    // outside a transaction block each statement commits on its own: nothing accumulates
    if (!this.inTransaction) return;
    for (const [relation, mode] of Object.entries(effects.locks)) {
      if (mode !== 'AccessExclusiveLock' || this.exclusiveLocks.has(relation)) continue;
      // locks report display names, the new-table set holds catalog keys
      if (newTables.has(relation.includes('.') ? relation : `${DEFAULT_SCHEMA}.${relation}`)) continue;
      this.exclusiveLocks.set(relation, origin);
      const mine = this.exclusiveByMigration.get(origin.migration) ?? new Map<string, Origin>();
      mine.set(relation, origin);
      this.exclusiveByMigration.set(origin.migration, mine);
    }
    const alter = alterCommands(node);
    for (const cmd of alter?.cmds ?? []) {
      const constraint = notValidConstraint(cmd);
      if (constraint) this.notValidConstraints.set(`${alter?.target}.${constraint}`, origin);
    }
    const added = asNode<{ typeName?: Node[]; oldVal?: string; newVal?: string }>(node, 'AlterEnumStmt');
    if (added?.newVal && !added.oldVal) {
      const key = qualifiedKey(names(added.typeName));
      const labels = this.newEnumValues.get(key) ?? new Map<string, Origin>();
      labels.set(added.newVal, origin);
      this.newEnumValues.set(key, labels);
    }
    // a renamed enum keeps its uncommitted values: they stay unusable under the new name
    const renamed = asNode<{ renameType?: string; object?: Node; newname?: string }>(node, 'RenameStmt');
    if (renamed?.renameType === 'OBJECT_TYPE' && renamed.newname) {
      const oldKey = qualifiedKey(names(asNode<{ items?: Node[] }>(renamed.object, 'List')?.items));
      const labels = this.newEnumValues.get(oldKey);
      if (labels) {
        this.newEnumValues.delete(oldKey);
        this.newEnumValues.set(`${oldKey.split('.')[0]}.${renamed.newname}`, labels);
      }
    }
  }

  private endTransaction(): void {
    this.exclusiveLocks.clear();
    this.exclusiveByMigration.clear();
    this.notValidConstraints.clear();
    this.newEnumValues.clear();
    this.createdInTransaction.enums.clear();
    this.createdInTransaction.schemas.clear();
    this.localTimeout = undefined;
  }

  private recordLockTimeout(node: Node | undefined): void {
    const setting = lockTimeoutSetting(node);
    if (!setting) return;
    if (!setting.local) this.sessionTimeout = setting.value;
    // SET LOCAL outside a transaction block only raises a warning and changes nothing
    else if (this.inTransaction) this.localTimeout = setting.value;
  }
}

function notValidConstraint(cmd: AlterTableCmd): string | undefined {
  if (cmd.subtype !== 'AT_AddConstraint') return undefined;
  const c = asNode<PgConstraint>(cmd.def, 'Constraint');
  return c?.skip_validation && c.conname ? c.conname : undefined;
}

/**
 * `SET [LOCAL|SESSION] lock_timeout …`, `RESET lock_timeout` and `SELECT set_config('lock_timeout', v, is_local)`.
 * PostgreSQL reads a bare number as milliseconds; 0 (in any unit) means no limit.
 */
export function lockTimeoutSetting(node: Node | undefined): { value: LockTimeoutState; local: boolean } | undefined {
  const set = asNode<{ kind?: string; name?: string; args?: Node[]; is_local?: boolean }>(node, 'VariableSetStmt');
  if (set) {
    if (set.kind === 'VAR_RESET_ALL') return { value: 'unset', local: false };
    if (set.name?.toLowerCase() !== 'lock_timeout') return undefined;
    if (set.kind !== 'VAR_SET_VALUE') return { value: 'unset', local: Boolean(set.is_local) };
    return { value: timeoutValue(set.args?.[0]), local: Boolean(set.is_local) };
  }
  if (nodeTag(node) !== 'SelectStmt') return undefined;
  let found: { value: LockTimeoutState; local: boolean } | undefined;
  walk(node, (tag, body) => {
    if (tag !== 'FuncCall' || found) return;
    const fn = names(body.funcname as Node[] | undefined);
    const args = (body.args as Node[] | undefined) ?? [];
    if (fn[fn.length - 1]?.toLowerCase() !== 'set_config' || constantText(args[0])?.toLowerCase() !== 'lock_timeout') return;
    const local = asNode<{ boolval?: { boolval?: boolean } }>(args[2], 'A_Const')?.boolval?.boolval ?? constantText(args[2]) === 'true';
    found = { value: timeoutValue(args[1]), local: Boolean(local) };
  });
  return found;
}

function constantText(node: Node | undefined): string | undefined {
  const constant = asNode<{ sval?: { sval?: string }; ival?: { ival?: number }; boolval?: { boolval?: boolean } }>(node, 'A_Const');
  if (constant?.sval) return constant.sval.sval ?? '';
  if (constant?.ival) return String(constant.ival.ival ?? 0);
  return stringValue(node);
}

function timeoutValue(node: Node | undefined): LockTimeoutState {
  const text = constantText(node);
  if (text === undefined) return 'set';
  return /^\s*0+(\.0*)?\s*(us|ms|s|min|h|d)?\s*$/i.test(text) ? 'zero' : 'set';
}

/**
 * Columns an UPDATE sets to a non-null constant in every row where they are NULL (`SET c = 'x'` with no WHERE,
 * or `WHERE c IS NULL`): the hand-written backfill before a generated SET NOT NULL.
 */
function backfilled(node: Node | undefined): string[] {
  const update = asNode<{ relation?: RangeVar; targetList?: Node[]; whereClause?: Node }>(node, 'UpdateStmt');
  if (!update?.relation) return [];
  const table = relationKey(update.relation);
  const set = (update.targetList ?? [])
    .map((t) => asNode<{ name?: string; val?: Node }>(t, 'ResTarget'))
    .filter((t) => t?.name && isNonNullConstant(t.val))
    .map((t) => t?.name ?? '');
  if (set.length === 0) return [];
  if (!update.whereClause) return set.map((c) => `${table}.${c}`);
  const test = asNode<{ arg?: Node; nulltesttype?: string }>(update.whereClause, 'NullTest');
  const tested = asNode<{ fields?: Node[] }>(test?.arg, 'ColumnRef');
  const column = tested ? names(tested.fields).at(-1) : undefined;
  return test?.nulltesttype === 'IS_NULL' && column && set.includes(column) ? [`${table}.${column}`] : [];
}

function isNonNullConstant(node: Node | undefined): boolean {
  const constant = asNode<{ isnull?: boolean }>(node, 'A_Const');
  if (constant) return !constant.isnull;
  const cast = asNode<{ arg?: Node }>(node, 'TypeCast');
  return cast ? isNonNullConstant(cast.arg) : false;
}
