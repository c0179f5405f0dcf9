import { fingerprintSync, parseSync } from 'libpg-query';
import { parses } from './redact-sql.js';

/**
 * - checked: parses, and dbtool's review of it in place of the statement has no error-level finding
 * - unsafe: dbtool's review reports errors for it; never shown as advice
 * - unparseable: PostgreSQL's parser rejects it; never shown
 * - unchanged: the same statement as the original up to literals and layout; nothing to advise
 */
export type SuggestionStatus = 'checked' | 'unsafe' | 'unparseable' | 'unchanged';

/** The parser's complaint about suggested SQL, or undefined when it parses into at least one statement. */
export function syntaxError(sql: string): string | undefined {
  try {
    const parsed = parseSync(sql);
    return (parsed.stmts ?? []).length === 0 ? 'it holds no SQL statement' : undefined;
  } catch (error) {
    const details = (error as { sqlDetails?: { message?: string } }).sqlDetails;
    return details?.message ?? (error instanceof Error ? error.message : String(error));
  }
}

/** Fingerprints ignore literals and layout: a suggestion that only restates the statement is no advice. */
export function sameStatement(a: string, b: string): boolean {
  // the sync fingerprint returns the parser's message for text that does not parse: never compare those
  if (!parses(a) || !parses(b)) return false;
  try {
    return fingerprintSync(a) === fingerprintSync(b);
  } catch {
    return false;
  }
}
