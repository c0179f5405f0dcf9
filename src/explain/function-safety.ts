/**
 * Which functions `dbtool explain` lets a query call, decided from facts about PostgreSQL. Pure data and
 * pure decisions: the resolver (resolve-functions.ts) reads pg_proc and hands each candidate here.
 *
 * The transaction dbtool runs a query in is READ ONLY and always rolled back, which undoes every change to
 * table data. It does not undo what a function does outside the transaction: signalling another backend,
 * creating a replication slot, resetting statistics, advancing a sequence, talking to another server,
 * taking a session-level lock, writing or reading files on the server. Those are refused unless
 * --allow-write is given.
 */

/** Built-in (and well-known extension) functions refused by name, in any schema, with why. */
const REFUSED: Record<string, string> = {
  pg_terminate_backend: 'signals another server process: it ends that session',
  pg_cancel_backend: 'signals another server process: it cancels its query',
  pg_log_backend_memory_contexts: 'signals another server process',
  pg_reload_conf: 'signals the server to reload its configuration',
  pg_rotate_logfile: "rotates the server's log file",
  pg_switch_wal: 'forces a switch to a new WAL file',
  pg_create_restore_point: 'writes a restore point to the WAL',
  pg_log_standby_snapshot: 'writes a snapshot record to the WAL',
  pg_logical_emit_message: 'writes a message to the WAL',
  pg_promote: 'promotes a standby server',
  pg_wal_replay_pause: 'pauses WAL replay on a standby',
  pg_wal_replay_resume: 'resumes WAL replay on a standby',
  pg_backup_start: 'starts an online backup',
  pg_backup_stop: 'stops an online backup',
  pg_create_physical_replication_slot: 'creates a replication slot, which is not transactional',
  pg_create_logical_replication_slot: 'creates a replication slot, which is not transactional',
  pg_copy_physical_replication_slot: 'creates a replication slot, which is not transactional',
  pg_copy_logical_replication_slot: 'creates a replication slot, which is not transactional',
  pg_drop_replication_slot: 'drops a replication slot, which is not transactional',
  pg_replication_slot_advance: 'advances a replication slot',
  pg_sync_replication_slots: 'synchronises replication slots from the primary',
  pg_logical_slot_get_changes: 'consumes changes from a replication slot',
  pg_logical_slot_get_binary_changes: 'consumes changes from a replication slot',
  pg_logical_slot_peek_changes: 'decodes changes from a replication slot',
  pg_logical_slot_peek_binary_changes: 'decodes changes from a replication slot',
  pg_import_system_collations: 'adds collations to the catalog',
  pg_restore_relation_stats: "overwrites the planner's statistics",
  pg_restore_attribute_stats: "overwrites the planner's statistics",
  pg_clear_relation_stats: "clears the planner's statistics",
  pg_clear_attribute_stats: "clears the planner's statistics",
  brin_summarize_range: 'changes a BRIN index outside the transaction',
  brin_summarize_new_values: 'changes a BRIN index outside the transaction',
  brin_desummarize_range: 'changes a BRIN index outside the transaction',
  gin_clean_pending_list: 'changes a GIN index outside the transaction',
  pg_nextoid: "advances the server's OID counter",
  pg_stop_making_pinned_objects: 'changes how the server pins catalog objects',
  pg_extension_config_dump: 'changes an extension’s configuration',
  pg_advisory_lock: 'takes a session-level advisory lock, which outlives the rolled-back transaction',
  pg_advisory_lock_shared: 'takes a session-level advisory lock, which outlives the rolled-back transaction',
  pg_try_advisory_lock: 'takes a session-level advisory lock, which outlives the rolled-back transaction',
  pg_try_advisory_lock_shared: 'takes a session-level advisory lock, which outlives the rolled-back transaction',
  pg_advisory_unlock: 'releases a session-level advisory lock another part of the session may rely on',
  pg_advisory_unlock_shared: 'releases a session-level advisory lock another part of the session may rely on',
  pg_advisory_unlock_all: "releases the session's advisory locks",
  set_config: "changes server settings while the query runs, dbtool's timeouts among them",
  nextval: 'advances a sequence, which ROLLBACK does not undo',
  setval: 'sets a sequence, which ROLLBACK does not undo',
  lo_import: 'reads a file on the database server into a large object',
  lo_export: 'writes a file on the database server',
  lo_create: 'creates a large object',
  lo_creat: 'creates a large object',
  lo_from_bytea: 'creates a large object',
  lo_unlink: 'deletes a large object',
  lo_put: 'writes to a large object',
  lowrite: 'writes to a large object',
  lo_truncate: 'truncates a large object',
  lo_truncate64: 'truncates a large object',
  pg_read_file: 'reads a file on the database server',
  pg_read_binary_file: 'reads a file on the database server',
  pg_stat_file: 'reads file metadata on the database server',
  query_to_xml: 'runs SQL given as text, which dbtool cannot check',
  query_to_xmlschema: 'runs SQL given as text, which dbtool cannot check',
  query_to_xml_and_xmlschema: 'runs SQL given as text, which dbtool cannot check',
  cursor_to_xml: 'reads from a cursor, running SQL dbtool cannot check',
  cursor_to_xmlschema: 'reads from a cursor, running SQL dbtool cannot check',
};

/** Families refused by prefix (any schema): the whole family acts outside the transaction. */
const REFUSED_PREFIXES: Array<[prefix: string, reason: string]> = [
  ['pg_stat_reset', 'resets statistics, which ROLLBACK does not restore'],
  ['pg_replication_origin_', 'changes replication origin state, which is not transactional'],
  ['pg_ls_', 'lists files on the database server'],
  ['binary_upgrade_', 'is for pg_upgrade only and changes server state'],
  ['dblink', 'runs SQL on another connection, outside the rolled-back transaction'],
  ['postgres_fdw_', "changes postgres_fdw's remote connections"],
];

/**
 * pg_catalog functions marked VOLATILE that are nevertheless harmless in a rolled-back transaction:
 * random values, clocks, sleeps (the statement timeout bounds them), size and status reads, transaction-
 * level advisory locks (released by the ROLLBACK) and NOTIFY (queued until a COMMIT that never comes).
 * Any other VOLATILE built-in is refused: being VOLATILE is how a built-in says it may have effects.
 */
const HARMLESS_VOLATILE = new Set([
  'random',
  'random_normal',
  'setseed',
  'array_sample',
  'array_shuffle',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'pg_sleep',
  'pg_sleep_for',
  'pg_sleep_until',
  'currval',
  'lastval',
  'pg_sequence_last_value',
  'pg_get_sequence_data',
  'pg_relation_size',
  'pg_table_size',
  'pg_indexes_size',
  'pg_total_relation_size',
  'pg_database_size',
  'pg_tablespace_size',
  'pg_partition_tree',
  'pg_partition_ancestors',
  'pg_blocking_pids',
  'pg_safe_snapshot_blocking_pids',
  'pg_isolation_test_session_is_blocked',
  'pg_lock_status',
  'pg_is_in_recovery',
  'pg_is_wal_replay_paused',
  'pg_get_wal_replay_pause_state',
  'pg_jit_available',
  'pg_current_wal_lsn',
  'pg_current_wal_insert_lsn',
  'pg_current_wal_flush_lsn',
  'pg_last_wal_receive_lsn',
  'pg_last_wal_replay_lsn',
  'pg_last_xact_replay_timestamp',
  'pg_last_committed_xact',
  'pg_xact_commit_timestamp',
  'pg_xact_commit_timestamp_origin',
  'pg_xact_status',
  'txid_status',
  'pg_control_checkpoint',
  'pg_control_init',
  'pg_control_recovery',
  'pg_control_system',
  'pg_current_logfile',
  'pg_collation_actual_version',
  'pg_database_collation_actual_version',
  'current_query',
  'pg_prepared_xact',
  'pg_export_snapshot',
  'pg_notify',
  'pg_notification_queue_usage',
  'pg_advisory_xact_lock',
  'pg_advisory_xact_lock_shared',
  'pg_try_advisory_xact_lock',
  'pg_try_advisory_xact_lock_shared',
  'pg_stat_clear_snapshot',
  'pg_stat_force_next_flush',
  'pg_stat_have_stats',
  'pg_stat_get_io',
  'pg_stat_get_backend_io',
  'pg_stat_get_backend_wal',
  'pg_stat_get_recovery_prefetch',
  'pg_get_backend_memory_contexts',
  'pg_get_shmem_allocations',
  'pg_get_shmem_allocations_numa',
  'pg_get_wait_events',
  'pg_get_aios',
  'pg_get_loaded_modules',
  'pg_get_multixact_members',
  'pg_get_wal_resource_managers',
  'pg_get_wal_summarizer_state',
  'pg_available_wal_summaries',
  'pg_wal_summary_contents',
  'pg_hba_file_rules',
  'pg_ident_file_mappings',
  'pg_show_all_file_settings',
  'pg_show_replication_origin_status',
  'lo_get',
  'loread',
  'lo_open',
  'lo_close',
  'lo_lseek',
  'lo_lseek64',
  'lo_tell',
  'lo_tell64',
]);

/** Extension functions in C marked VOLATILE that only produce random values. */
const HARMLESS_VOLATILE_EXTENSION = new Set([
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'gen_random_bytes',
  'gen_salt',
  'pgp_sym_encrypt',
  'pgp_sym_encrypt_bytea',
  'pgp_pub_encrypt',
  'pgp_pub_encrypt_bytea',
]);

const HARMLESS_VOLATILE_PREFIXES = ['pg_stat_get_xact_'];

/** Why a function is refused by its name alone, or undefined. */
export function refusedByName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (Object.hasOwn(REFUSED, lower)) return REFUSED[lower];
  return REFUSED_PREFIXES.find(([prefix]) => lower.startsWith(prefix))?.[1];
}

/** One row of pg_proc (with its language) as the resolver reads it. */
export interface ProcCandidate {
  oid: number;
  schema: string;
  name: string;
  /** f function, a aggregate, w window, p procedure */
  kind: string;
  /** i immutable, s stable, v volatile */
  volatility: string;
  language: string;
  /** the body for sql and PL functions (for BEGIN ATOMIC bodies, the function's definition) */
  body: string | undefined;
}

/** What dbtool concludes about one candidate function. */
export type ProcVerdict =
  | { kind: 'safe' }
  | { kind: 'refused'; reason: string }
  /** safe if what its body calls (and, for sql, what its body does) is safe */
  | { kind: 'inspect'; language: 'sql' | 'plpgsql'; body: string };

const VOLATILITY: Record<string, string> = { i: 'IMMUTABLE', s: 'STABLE', v: 'VOLATILE' };

/**
 * The verdict for one candidate.
 * - pg_catalog: refused by name, else harmless by name, else safe when IMMUTABLE or STABLE (the core
 *   marks its functions honestly), else refused: a VOLATILE built-in dbtool does not know.
 * - C / internal elsewhere (extensions): IMMUTABLE or STABLE is trusted; VOLATILE is refused unless it is a
 *   known random-value generator.
 * - SQL: its body is parsed and inspected, whatever its volatility.
 * - PL/pgSQL: VOLATILE is refused (dbtool cannot follow what it does); STABLE/IMMUTABLE bodies are scanned
 *   for the functions they call, and dynamic SQL (EXECUTE) is refused.
 * - any other language (plpython3u, plperl, …): refused, dbtool cannot read it.
 */
export function judgeProc(proc: ProcCandidate): ProcVerdict {
  const byName = refusedByName(proc.name);
  if (byName) return { kind: 'refused', reason: byName };
  const volatility = VOLATILITY[proc.volatility] ?? proc.volatility;
  if (proc.schema === 'pg_catalog') {
    if (proc.volatility !== 'v' || HARMLESS_VOLATILE.has(proc.name) || HARMLESS_VOLATILE_PREFIXES.some((p) => proc.name.startsWith(p))) return { kind: 'safe' };
    return { kind: 'refused', reason: 'a VOLATILE built-in that dbtool does not know to be harmless' };
  }
  if (proc.language === 'c' || proc.language === 'internal') {
    if (proc.volatility !== 'v' || HARMLESS_VOLATILE_EXTENSION.has(proc.name)) return { kind: 'safe' };
    return { kind: 'refused', reason: `a VOLATILE function written in ${proc.language === 'c' ? 'C' : 'internal code'}: dbtool cannot tell what it does` };
  }
  if (proc.language === 'sql') {
    if (proc.body === undefined) return { kind: 'refused', reason: 'an SQL function whose body dbtool could not read' };
    return { kind: 'inspect', language: 'sql', body: proc.body };
  }
  if (proc.language === 'plpgsql') {
    if (proc.volatility === 'v') return { kind: 'refused', reason: 'a VOLATILE PL/pgSQL function: dbtool cannot tell what it does' };
    if (proc.body === undefined) return { kind: 'refused', reason: 'a PL/pgSQL function whose body dbtool could not read' };
    return { kind: 'inspect', language: 'plpgsql', body: proc.body };
  }
  return { kind: 'refused', reason: `a ${volatility} function written in ${proc.language}, which dbtool cannot inspect` };
}

/** The message for a refused call; `via` lists the functions or views the call was reached through. */
export function refusalMessage(name: string, reason: string, via: string[] = []): string {
  const chain = via.length > 0 ? `${via.join(' → ')} → ` : '';
  return `${chain}${name}() can act outside the rolled-back transaction (${reason})`;
}

/** `allowWrite`: how the hint names the option that lets such a function run (the CLI's --allow-write, the library's allowWrite: true). */
export function refusalHint(words: { allowWrite: string }): string {
  return `dbtool refuses functions whose effects a ROLLBACK cannot undo. Run it yourself if you mean it, or pass ${words.allowWrite} to explain it anyway (it is still rolled back).`;
}
