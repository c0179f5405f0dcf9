import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from './server.js';
import { serverUser } from './server.js';

/** Drops what cases create, schemas and the database-wide objects a schema drop leaves behind. */
export async function reset(engine: Engine): Promise<void> {
  await engine.client.exec("DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public; SET TimeZone = 'UTC'");
  await engine.client.exec(
    'DROP FOREIGN DATA WRAPPER IF EXISTS w CASCADE; DROP FOREIGN DATA WRAPPER IF EXISTS w2 CASCADE; DROP PUBLICATION IF EXISTS pub; DROP EVENT TRIGGER IF EXISTS et',
  );
  if (!engine.connect) return;
  await engine.client.exec('DROP DATABASE IF EXISTS dbtool_probe_db');
  await engine.client.exec('DROP TABLESPACE IF EXISTS dbtool_ts');
  const subscriptions = await engine.client.query<{ subname: string }>("SELECT subname FROM pg_subscription WHERE subname = 'dbtool_sub'");
  if (subscriptions.rows.length > 0) {
    // a subscription whose slot was never created must forget it before it can be dropped
    await engine.client.exec('ALTER SUBSCRIPTION dbtool_sub DISABLE');
    await engine.client.exec('ALTER SUBSCRIPTION dbtool_sub SET (slot_name = NONE)');
    await engine.client.exec('DROP SUBSCRIPTION dbtool_sub');
  }
}

/** An empty directory the server's user owns, for CREATE TABLESPACE. */
export function tablespaceDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-ts-'));
  const owner = serverUser();
  if (owner) chownSync(dir, owner.uid, owner.gid);
  return dir;
}
