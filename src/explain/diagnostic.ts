export type DiagnosticSeverity = 'high' | 'medium' | 'low';

export interface Diagnostic {
  /** stable id, e.g. "seq-scan-filter" */
  id: string;
  severity: DiagnosticSeverity;
  /** the node it is about (NodeMetrics.id), when it is about one */
  nodeId: number | undefined;
  message: string;
  suggestion: string;
  /** a statement to try, when there is a concrete one */
  sql: string | undefined;
  /** the numbers the verdict rests on */
  evidence: Record<string, number | string>;
  /** ms the problem costs (or the node's time): the order of the list */
  costMs: number;
}

/** A diagnostic before its severity, which its share of the plan's total time decides. */
export type DiagnosticDraft = Omit<Diagnostic, 'severity'>;
