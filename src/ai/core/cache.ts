import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../project-root.js';
import type { ModelReply } from './client.js';

const FORMAT = 1;

export function cacheDir(cwd: string): string {
  return join(projectRoot(cwd), '.dbtool', 'ai-cache');
}

/** sha256 of what decides the answer: the model, the prompt version and everything sent (system, tool, payload). */
export function cacheKey(parts: { model: string; promptVersion: number; request: unknown }): string {
  return createHash('sha256')
    .update(JSON.stringify([parts.model, parts.promptVersion, parts.request]))
    .digest('hex');
}

interface CacheEntry {
  format: number;
  key: string;
  reply: ModelReply;
}

/** The stored reply, or undefined on a miss; an unreadable or foreign file counts as a miss. */
export function readCached(dir: string, key: string): ModelReply | undefined {
  const file = join(dir, `${key}.json`);
  if (!existsSync(file)) return undefined;
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;
    if (entry.format !== FORMAT || entry.key !== key || typeof entry.reply?.model !== 'string') return undefined;
    return entry.reply;
  } catch {
    return undefined;
  }
}

/** Stores a reply; returns false when the folder is not writable (the answer is still used, only not kept). */
export function writeCached(dir: string, key: string, reply: ModelReply): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    // answers hold redacted SQL and model text: nothing a repository should commit by accident
    const ignore = join(dir, '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
    const file = join(dir, `${key}.json`);
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, `${JSON.stringify({ format: FORMAT, key, reply } satisfies CacheEntry, null, 2)}\n`);
    // rename is atomic: a concurrent run reads the old file or the new one, never half of one
    renameSync(partial, file);
    return true;
  } catch {
    return false;
  }
}
