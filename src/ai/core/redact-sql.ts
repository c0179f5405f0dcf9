import type { ScanToken } from 'libpg-query';
import { normalizeSync, parseSync, scanSync } from 'libpg-query';
import { escapeRegExp } from '../../regexp.js';

/**
 * What leaves the machine instead of a statement the scanner cannot tokenize (an unterminated quote):
 * there is no safe way to tell its literals from its code.
 */
export const OMITTED_SQL = '/* statement omitted: dbtool could not tokenize it, so its literals could not be redacted */';

const LITERAL_TOKEN_NAMES = new Set(['SCONST', 'USCONST', 'BCONST', 'XCONST', 'ICONST', 'FCONST']);
// libpg-query 18 names only some token kinds and reports the others as UNKNOWN with the grammar's number
// (PostgreSQL 18 gram.h: FCONST 260, SCONST 261, USCONST 262, BCONST 263, XCONST 264, ICONST 266)
const LITERAL_TOKEN_TYPES = new Set([260, 261, 262, 263, 264, 266]);
const COMMENT_TOKEN_NAMES = new Set(['SQL_COMMENT', 'C_COMMENT']);

/** A string, bit-string or numeric constant token of the scanner. */
export function isLiteral(token: ScanToken): boolean {
  return LITERAL_TOKEN_NAMES.has(token.tokenName) || LITERAL_TOKEN_TYPES.has(token.tokenType);
}

/**
 * The statement with every literal replaced by `$n` and comments removed, so no data value (a default,
 * a backfill's WHERE value, a password, a comment someone left) is sent anywhere. libpg-query's
 * normalize does this for queries but leaves DDL untouched, so the scanner finishes the job; type
 * modifiers (`varchar(255)`, `numeric(10,2)`) stay because they are schema, and the reviewer needs them.
 * Needs the parser loaded (`loadParser()`).
 */
export function redactSql(sql: string): string {
  return replaceLiterals(normalized(sql) ?? sql) ?? OMITTED_SQL;
}

/**
 * libpg-query's normalize, when the text parses. Its sync variant returns the parser's error message
 * (which quotes the offending literal) instead of throwing, so its output is only trusted when it parses.
 */
function normalized(sql: string): string | undefined {
  if (!parses(sql)) return undefined;
  try {
    const out = normalizeSync(sql);
    return parses(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

export function parses(sql: string): boolean {
  try {
    parseSync(sql);
    return true;
  } catch {
    return false;
  }
}

function replaceLiterals(text: string): string | undefined {
  let tokens: ScanToken[];
  try {
    tokens = scanSync(text).tokens;
  } catch {
    return undefined;
  }
  const bytes = Buffer.from(text, 'utf8');
  const typmods = typmodOffsets(text);
  let next = highestParam(tokens) + 1;
  const out: string[] = [];
  let position = 0;
  for (const token of tokens) {
    const comment = COMMENT_TOKEN_NAMES.has(token.tokenName);
    if (!comment && !(isLiteral(token) && !typmods.has(token.start))) continue;
    out.push(bytes.subarray(position, token.start).toString('utf8'));
    // a space keeps `a/*x*/b` two tokens; next to existing space it is not needed
    position = token.end;
    if (!comment) out.push(`$${next++}`);
    else if (!isSpace(bytes[token.start - 1]) && !isSpace(bytes[token.end])) out.push(' ');
    else if (isSpace(bytes[token.start - 1])) while (bytes[position] === 0x20 || bytes[position] === 0x09) position++;
  }
  out.push(bytes.subarray(position).toString('utf8'));
  return out
    .join('')
    .replace(/[ \t]+$/gm, '')
    .trim();
}

function isSpace(byte: number | undefined): boolean {
  return byte === undefined || byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** Numbering continues after placeholders the text already has (from normalize, or written by hand). */
function highestParam(tokens: ScanToken[]): number {
  let max = 0;
  for (const token of tokens) {
    const match = /^\$(\d+)$/.exec(token.text);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return max;
}

/** Byte offsets of the constants inside type modifiers, which are schema rather than data. */
function typmodOffsets(text: string): Set<number> {
  const offsets = new Set<number>();
  let tree: unknown;
  try {
    tree = parseSync(text);
  } catch {
    return offsets;
  }
  const visit = (node: unknown, inTypmods: boolean): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item, inTypmods);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (inTypmods && key === 'A_Const') {
        const location = (value as { location?: number }).location;
        if (typeof location === 'number') offsets.add(location);
      }
      visit(value, inTypmods || key === 'typmods');
    }
  };
  visit(tree, false);
  return offsets;
}

/** The literal values written in `sql` (string contents and numbers), for scrubbing text derived from it. */
export function literalsOf(sql: string): string[] {
  let tokens: ScanToken[];
  try {
    tokens = scanSync(sql).tokens;
  } catch {
    return [];
  }
  const bytes = Buffer.from(sql, 'utf8');
  return tokens.filter(isLiteral).map((token) => literalValue(bytes.subarray(token.start, token.end).toString('utf8')));
}

function literalValue(token: string): string {
  const dollar = /^(\$[^$]*\$)([\s\S]*)\1$/.exec(token);
  if (dollar) return dollar[2] ?? '';
  const first = token.indexOf("'");
  const last = token.lastIndexOf("'");
  if (first < 0 || last <= first) return token;
  return token.slice(first + 1, last).replace(/''/g, "'");
}

const PLACEHOLDER = '<literal>';

/**
 * Removes `literals` from a message dbtool derived from the SQL (a rule message can quote a value).
 * Long strings go wherever they appear; short ones only where quoted, numbers only as whole words,
 * so a one-letter value does not eat every "a" of the sentence.
 */
export function redactText(text: string, literals: readonly string[]): string {
  let out = text;
  for (const literal of [...new Set(literals)].sort((a, b) => b.length - a.length)) {
    if (literal.trim() === '') continue;
    if (/^[+-]?\d[\d_.eE+-]*$/.test(literal)) {
      if (literal.length >= 2) out = out.replace(new RegExp(`(?<![\\w.])${escapeRegExp(literal)}(?![\\w.])`, 'g'), PLACEHOLDER);
    } else if (literal.length >= 3) {
      out = out.split(literal).join(PLACEHOLDER);
    } else {
      out = out.split(`'${literal}'`).join(`'${PLACEHOLDER}'`);
    }
  }
  return out;
}
