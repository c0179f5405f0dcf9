import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every temporary folder the tests (and the processes they start) make lands in one folder of this run, removed
 * when the run ends: tests that stop early or forget to clean up no longer leave thousands of folders in /tmp.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-tests-'));
  // like /tmp itself: PostgreSQL servers started by the tests run as another user and must reach their folders
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
