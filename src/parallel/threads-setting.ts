import { UsageError } from '../errors.js';

/** `DBTOOL_THREADS`: unset, empty or "auto" lets the run decide; a whole number fixes the count. */
export function forcedThreads(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.DBTOOL_THREADS?.trim();
  if (value === undefined || value === '' || value === 'auto') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(
      `DBTOOL_THREADS: "${value}" is not a number of threads`,
      'Set it to 1 to review on one thread, to a larger whole number, or to "auto".',
    );
  }
  return Number(value);
}
