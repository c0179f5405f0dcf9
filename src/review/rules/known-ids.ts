import { STATEMENT_RULE_IDS } from './ids.js';
import { INPUT_RULES } from './input-rules.js';

/** Every rule id dbtool can report: statement rules and input rules. */
export const KNOWN_RULE_IDS: ReadonlySet<string> = new Set<string>([...STATEMENT_RULE_IDS, ...Object.keys(INPUT_RULES)]);
