/** Errors a user can cause. Each carries the exit code the CLI must end with and a hint on what to do. */
export class DbtoolError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags, arguments or input paths. */
export class UsageError extends DbtoolError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
  }
}

/** An invalid configuration file or setting. */
export class ConfigError extends DbtoolError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
  }
}

export function isDbtoolError(error: unknown): error is DbtoolError {
  return error instanceof DbtoolError;
}

/** The database could not be reached or refused the session (not a failed migration statement). */
export class DatabaseError extends DbtoolError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
  }
}

/** An input file dbtool will not read or cannot trust: not a regular file, too large, not UTF-8 text, a NUL byte. */
export class InputError extends DbtoolError {
  constructor(message: string, hint?: string) {
    super(message, 2, hint);
  }
}

/** Another migration run held the migration lock for longer than the run was willing to wait; nothing was applied. */
export class LockWaitError extends DatabaseError {
  constructor(
    message: string,
    hint: string,
    /** how long this run waited, in ms */
    readonly waitedMs: number,
    /** the session holding the lock, when it could be seen */
    readonly holder: { pid: number; application: string } | undefined,
  ) {
    super(message, hint);
  }
}
