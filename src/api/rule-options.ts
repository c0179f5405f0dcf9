import { KNOWN_RULE_IDS } from '../review/rules/known-ids.js';

const LEVELS = ['error', 'warning', 'info', 'off'];

/** What is wrong with a `rules` option of the library calls (rule id → level), added to `problems`. */
export function ruleOptionProblems(rules: Readonly<Record<string, string>>, problems: string[]): void {
  for (const [id, level] of Object.entries(rules)) {
    if (!KNOWN_RULE_IDS.has(id)) problems.push(`rules: unknown rule "${id}"`);
    if (!LEVELS.includes(level)) problems.push(`rules.${id}: ${JSON.stringify(level)} is not "error", "warning", "info" or "off"`);
  }
}
