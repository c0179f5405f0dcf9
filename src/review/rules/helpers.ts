import { scanSync } from 'libpg-query';
import { quoteIdent } from '../../sql-ident.js';
import { displayName } from '../ast.js';
import type { RuleContext } from '../findings.js';
import type { TransactionMode } from '../transaction.js';

/** Display names of relations that existed before this file and that the statement touches in `list`. */
export function existingTables(ctx: RuleContext, list: readonly string[]): string[] {
  if (list.length === 0) return [];
  const created = createdDisplayNames(ctx.effectContext.newTables);
  return list.filter((name) => !created.has(name));
}

const DISPLAY_NAMES = new WeakMap<ReadonlySet<string>, { size: number; names: Set<string> }>();

/** The file's new tables by display name; the set only grows, so its size tells when to rebuild. */
function createdDisplayNames(keys: ReadonlySet<string>): Set<string> {
  const cached = DISPLAY_NAMES.get(keys);
  if (cached && cached.size === keys.size) return cached.names;
  const names = new Set([...keys].map(displayName));
  DISPLAY_NAMES.set(keys, { size: keys.size, names });
  return names;
}

export function tableName(display: string): string {
  return display.split('.').map(quoteIdent).join('.');
}

/** The comment a multi-step fix puts before the step that must commit separately from the ones above it. */
export function laterStep(mode: TransactionMode): string {
  if (mode === 'none') return '-- then, as its own statement (it commits on its own):';
  if (mode === 'all')
    return "-- in a later migration, deployed after this one has committed (drizzle's migrator runs all pending migrations in one transaction):";
  return '-- in a later migration (its own transaction):';
}

/** Whether a relation (catalog key) existed before the file under review: not created by it. */
export function isExisting(ctx: RuleContext, key: string): boolean {
  return !ctx.effectContext.newTables.has(key);
}

/**
 * The text of a top-level clause of a statement, e.g. what follows WHERE up to RETURNING, read from the
 * tokens so that a WHERE inside a subquery is not taken for the statement's own.
 */
export function topLevelClause(sql: string, keyword: string, stops: readonly string[]): string | undefined {
  const scanned = scan(sql);
  if (!scanned) return undefined;
  const { tokens, bytes } = scanned;
  let depth = 0;
  let start: number | undefined;
  for (const token of tokens) {
    if (token.text === '(') depth++;
    else if (token.text === ')') depth--;
    if (depth !== 0) continue;
    const word = token.text.toUpperCase();
    if (start === undefined && word === keyword) start = token.end;
    else if (start !== undefined && stops.includes(word)) return bytes.subarray(start, token.start).toString('utf8').trim();
  }
  return start === undefined ? undefined : bytes.subarray(start).toString('utf8').replace(/;\s*$/, '').trim();
}

type Token = { start: number; end: number; text: string };
let lastScan: { sql: string; tokens: Token[]; bytes: Buffer } | undefined;

/** Tokens of a statement; a fix asks for several clauses of the same statement in a row. */
function scan(sql: string): { tokens: Token[]; bytes: Buffer } | undefined {
  if (lastScan?.sql === sql) return lastScan;
  try {
    lastScan = { sql, tokens: scanSync(sql).tokens as Token[], bytes: Buffer.from(sql, 'utf8') };
    return lastScan;
  } catch {
    return undefined;
  }
}
