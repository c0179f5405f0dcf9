import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import type { Io } from '../../src/commands/io.js';

export const HISTORY = 'CREATE TABLE "users" ("id" bigint PRIMARY KEY NOT NULL, "email" varchar(320) NOT NULL, "org_id" integer);';

/** Literals that must never leave the machine: a default, a backfill value, a number. */
export const CHANGE = [
  `ALTER TABLE "users" ADD COLUMN "token" text DEFAULT 'secret-value' NOT NULL; -- rotate with hunter2`,
  `UPDATE "users" SET "token" = 'other-secret' WHERE "id" = 4242;`,
  `CREATE INDEX "users_email_idx" ON "users" ("email");`,
].join('\n--> statement-breakpoint\n');

// nothing listens on port 9 of the loopback: a connection attempt is refused at once, never leaves the machine
export const DATABASE_URL = 'postgres://app:s3cret-pw@127.0.0.1:9/app';
export const API_KEY = 'sk-ant-test-0123456789abcdef';

export const CHANGE_PATH = 'drizzle/20240102000000_change/migration.sql';

/** A project folder with a package.json and a drizzle v1 migrations folder: history, then the change under review. */
export function project(options: { config?: unknown; change?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-ai-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  if (options.config !== undefined) writeFileSync(join(dir, 'dbtool.config.json'), JSON.stringify(options.config));
  const write = (folder: string, sql: string) => {
    mkdirSync(join(dir, 'drizzle', folder), { recursive: true });
    writeFileSync(join(dir, 'drizzle', folder, 'migration.sql'), sql);
  };
  write('20240101000000_init', HISTORY);
  write('20240102000000_change', options.change ?? CHANGE);
  // a drizzle config with credentials sits in the project, as it does in real ones
  writeFileSync(join(dir, 'drizzle.config.json'), JSON.stringify({ dialect: 'postgresql', dbCredentials: { url: DATABASE_URL } }));
  return dir;
}

export interface CapturedIo {
  io: Io;
  stdout: () => string;
  stderr: () => string;
}

export function captureIo(cwd: string, env: NodeJS.ProcessEnv): CapturedIo {
  let out = '';
  let err = '';
  const chalk = new Chalk({ level: 0 });
  return {
    io: {
      cwd,
      env,
      stdout: (t) => {
        out += t;
      },
      stderr: (t) => {
        err += t;
      },
      palette: async () => chalk,
      width: 100,
    },
    stdout: () => out,
    stderr: () => err,
  };
}
