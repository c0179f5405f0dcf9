/**
 * The verdict list of a forced tool call's input, checked element by element and first-wins, so that a prefix of
 * a streamed answer parses to a prefix of the final result. Shared by the migration and the plan answers.
 */
export interface ParsedList<V> {
  verdicts: V[];
  summary: string;
  /** what was wrong with the answer's shape (unknown ids, duplicates, missing fields) */
  problems: string[];
}

export interface ListShape<V> {
  /** the tool input's key holding the list: `statements`, `issues` */
  key: string;
  /** what the verdicts are about, for messages: "statement id", "diagnostic id" */
  idName: string;
  /** what the list holds, for messages: "statement verdicts" */
  listName: string;
  /** one element, or why it is unusable */
  parse: (item: unknown) => V | string;
  id: (verdict: V) => string;
  /** an id that may have several verdicts (a plan's "new" issues) */
  repeatable?: string;
}

export function parseVerdictList<V>(input: unknown, known: ReadonlySet<string>, shape: ListShape<V>): ParsedList<V> {
  const seen = new Set<string>();
  const problems: string[] = [];
  const verdicts: V[] = [];
  const record = isObject(input) ? input : {};
  const list = record[shape.key];
  if (!Array.isArray(list)) problems.push(`the answer has no list of ${shape.listName}`);
  (Array.isArray(list) ? list : []).forEach((item: unknown, i: number) => {
    const verdict = shape.parse(item);
    if (typeof verdict === 'string') {
      problems.push(`verdict ${i + 1}: ${verdict}`);
      return;
    }
    const id = shape.id(verdict);
    const repeatable = id === shape.repeatable;
    if (!repeatable && !known.has(id)) problems.push(`verdict ${i + 1}: unknown ${shape.idName} ${JSON.stringify(id)}`);
    else if (seen.has(id)) problems.push(`verdict ${i + 1}: a second verdict for ${id} was ignored`);
    else {
      if (!repeatable) seen.add(id);
      verdicts.push(verdict);
    }
  });
  const summary = typeof record.summary === 'string' ? record.summary.trim() : '';
  return { verdicts, summary, problems };
}

/** The elements a partial (streamed) tool input already holds in full: every one but the last, which may still be arriving. */
export function completedElements(partial: unknown, key: string): unknown[] {
  if (!isObject(partial)) return [];
  const list = partial[key];
  return Array.isArray(list) ? list.slice(0, -1) : [];
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
