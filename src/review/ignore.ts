import type { SourceText } from './source-text.js';

/** A `-- dbtool-ignore …` comment: which rules it silences, why, and where it stands. */
export interface IgnoreDirective {
  scope: 'statement' | 'file';
  rules: string[];
  reason: string;
  line: number;
  column: number;
  /** rules of this directive that silenced at least one finding */
  used: Set<string>;
}

const DIRECTIVE = /--\s*dbtool-ignore(-file)?\b([^\n]*)/g;

/**
 * Directives in `text` (a slice of the file starting at char offset `offset`). The rule list runs to the
 * first colon; the reason is everything after it.
 */
export function findDirectives(source: SourceText, text: string, offset: number, scope: 'statement' | 'file' | 'any'): IgnoreDirective[] {
  const found: IgnoreDirective[] = [];
  // called for the comments before every statement; almost none hold a directive
  if (!text.includes('dbtool-ignore')) return found;
  for (const match of text.matchAll(DIRECTIVE)) {
    const directiveScope = match[1] ? 'file' : 'statement';
    if (scope !== 'any' && scope !== directiveScope) continue;
    const rest = match[2] ?? '';
    const colon = rest.indexOf(':');
    const list = colon >= 0 ? rest.slice(0, colon) : rest;
    const reason = colon >= 0 ? rest.slice(colon + 1).trim() : '';
    const position = source.position(offset + (match.index ?? 0));
    found.push({
      scope: directiveScope,
      rules: list
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
      reason,
      line: position.line,
      column: position.column,
      used: new Set(),
    });
  }
  return found;
}

export interface DirectiveProblem {
  rule: 'invalid-ignore' | 'unused-ignore';
  message: string;
  help: string;
  line: number;
  column: number;
}

/** What is wrong with a directive itself: no rule, no reason, rules that do not exist. */
export function invalidDirective(directive: IgnoreDirective, knownRules: ReadonlySet<string>): DirectiveProblem[] {
  const keyword = directive.scope === 'file' ? 'dbtool-ignore-file' : 'dbtool-ignore';
  const at = { line: directive.line, column: directive.column };
  const problems: DirectiveProblem[] = [];
  if (directive.rules.length === 0) {
    problems.push({
      rule: 'invalid-ignore',
      ...at,
      message: `${keyword} names no rule, so it silences nothing.`,
      help: `Write -- ${keyword} <rule>[, <rule>]: <why it is safe here>.`,
    });
  }
  for (const rule of directive.rules.filter((r) => !knownRules.has(r))) {
    problems.push({
      rule: 'invalid-ignore',
      ...at,
      message: `${keyword} names "${rule}", which is not a dbtool rule.`,
      help: 'Use a rule id from the finding you want to silence (`--format json` shows them).',
    });
  }
  if (directive.rules.length > 0 && directive.reason === '') {
    problems.push({
      rule: 'invalid-ignore',
      ...at,
      message: `${keyword} ${directive.rules.join(', ')} gives no reason.`,
      help: `Say why the finding is acceptable after a colon: -- ${keyword} ${directive.rules.join(', ')}: <reason>.`,
    });
  }
  return problems;
}

/** Known rules of a directive that silenced nothing: the comment is stale or on the wrong statement. */
export function unusedDirective(directive: IgnoreDirective, knownRules: ReadonlySet<string>): DirectiveProblem[] {
  const keyword = directive.scope === 'file' ? 'dbtool-ignore-file' : 'dbtool-ignore';
  return directive.rules
    .filter((r) => knownRules.has(r) && !directive.used.has(r))
    .map((rule) => ({
      rule: 'unused-ignore' as const,
      line: directive.line,
      column: directive.column,
      message: `${keyword} ${rule} matched no finding${directive.scope === 'statement' ? ' on the next statement' : ' in this file'}.`,
      help:
        directive.scope === 'statement'
          ? 'Put the comment directly above the statement it is about, or remove it.'
          : 'Remove it: the file no longer has such a finding.',
    }));
}
