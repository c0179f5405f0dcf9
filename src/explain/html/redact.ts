import type { ScanToken } from 'libpg-query';
import { scanSync } from 'libpg-query';
import { isLiteral } from '../../ai/core/redact-sql.js';
import type { PlanRedaction } from '../../ai/explain/redact-plan.js';
import { redactExpression, redactPlan } from '../../ai/explain/redact-plan.js';
import type { RawExplain } from '../plan-json.js';

/** Between expressions scanned together: `;` ends any token, and PostgreSQL prints it in no expression outside a quote. */
const SEPARATOR = '\n;\n';
const BATCH = 2000;

/**
 * The plan redacted as `--ai` redacts it (redactPlan: names kept, every other text an expression whose
 * literals become $n), fast enough for a 10,000-node plan: each distinct expression is redacted once; text
 * with no quote, dollar sign or digit holds no literal and stays; the rest is tokenized by libpg-query's
 * scanner many expressions per call (one call costs as much as a short plan), and every string, bit-string
 * and numeric constant token becomes $n. Where the scanner does not split a batch exactly at the separators
 * (an unterminated quote or comment), the batch is halved down to single expressions, which get
 * redactExpression's full treatment. Needs the parser loaded.
 */
export function redactPlanForPage(plan: RawExplain): PlanRedaction {
  const texts = new Set<string>();
  redactPlan(plan, (text) => {
    texts.add(text);
    return text;
  });
  const redacted = redactExpressions([...texts]);
  return redactPlan(plan, (text) => redacted.get(text));
}

export function redactExpressions(texts: string[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const pending: string[] = [];
  for (const text of texts) {
    if (!/['$0-9]/.test(text)) out.set(text, text);
    else pending.push(text);
  }
  for (let i = 0; i < pending.length; i += BATCH) batch(pending.slice(i, i + BATCH), out);
  return out;
}

function batch(texts: string[], out: Map<string, string | undefined>): void {
  if (texts.length === 0) return;
  const scanned = scanTogether(texts);
  if (scanned) {
    texts.forEach((text, i) => {
      out.set(text, replaceLiterals(text, scanned[i]!));
    });
    return;
  }
  if (texts.length === 1) {
    out.set(texts[0]!, redactExpression(texts[0]!));
    return;
  }
  const half = Math.ceil(texts.length / 2);
  batch(texts.slice(0, half), out);
  batch(texts.slice(half), out);
}

/** Each text's tokens, offsets relative to the text; undefined unless the scanner split exactly at every separator. */
function scanTogether(texts: string[]): ScanToken[][] | undefined {
  let tokens: ScanToken[];
  try {
    tokens = scanSync(texts.join(SEPARATOR)).tokens;
  } catch {
    return undefined;
  }
  // byte offsets (the scanner's unit) where each text starts
  const starts: number[] = [];
  let at = 0;
  for (const text of texts) {
    starts.push(at);
    at += Buffer.byteLength(text, 'utf8') + SEPARATOR.length;
  }
  const per: ScanToken[][] = texts.map(() => []);
  let index = 0;
  for (const token of tokens) {
    while (index + 1 < texts.length && token.start >= starts[index + 1]!) index++;
    const start = starts[index]!;
    const end = start + Buffer.byteLength(texts[index]!, 'utf8');
    if (token.start >= end) {
      // only the separator's `;`, exactly where it was put, may lie between two texts
      if (token.start !== end + 1 || token.end !== end + 2) return undefined;
      continue;
    }
    if (token.end > end) return undefined;
    per[index]!.push({ ...token, start: token.start - start, end: token.end - start });
  }
  const separators = tokens.length - per.reduce((n, list) => n + list.length, 0);
  return separators === texts.length - 1 ? per : undefined;
}

/** Literal tokens become $n (numbered after the text's own placeholders), comments go. */
function replaceLiterals(text: string, tokens: ScanToken[]): string {
  let next = 1;
  for (const token of tokens) {
    const param = /^\$(\d+)$/.exec(token.text);
    if (param) next = Math.max(next, Number(param[1]) + 1);
  }
  const bytes = Buffer.from(text, 'utf8');
  const parts: string[] = [];
  let position = 0;
  for (const token of tokens) {
    const comment = token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT';
    if (!comment && !isLiteral(token)) continue;
    parts.push(bytes.subarray(position, token.start).toString('utf8'), comment ? ' ' : `$${next++}`);
    position = token.end;
  }
  parts.push(bytes.subarray(position).toString('utf8'));
  return parts.join('').trim();
}
