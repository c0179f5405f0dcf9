import type { InputRuleDocs, RuleDocs, Severity } from '../findings.js';
import { INPUT_RULES, RULES } from './index.js';
import { RULE_REFERENCES } from './references.js';

export interface RuleRow {
  id: string;
  severity: Severity;
  /** false: off until the configuration gives the rule a severity */
  enabledByDefault: boolean;
  summary: string;
  /** statement rules have SQL examples; input rules (journal, parser, ignore comments) only prose */
  kind: 'statement' | 'input';
  docs: RuleDocs | InputRuleDocs;
  /** the manual page the rule's facts come from, when there is one */
  reference?: string;
}

export function ruleRows(): RuleRow[] {
  return [
    ...RULES.map(
      (r): RuleRow => ({
        id: r.id,
        severity: r.severity,
        enabledByDefault: r.defaultEnabled !== false,
        summary: r.summary,
        kind: 'statement',
        docs: r.docs,
        ...reference(r.id),
      }),
    ),
    ...Object.entries(INPUT_RULES).map(
      ([id, r]): RuleRow => ({ id, severity: r.severity, enabledByDefault: true, summary: r.summary, kind: 'input', docs: r.docs, ...reference(id) }),
    ),
  ];
}

function reference(id: string): { reference?: string } {
  const url = RULE_REFERENCES[id];
  return url ? { reference: url } : {};
}
