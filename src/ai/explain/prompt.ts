import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import type { AiRequestBody, RequestSettings } from '../core/request.js';
import { RISKS } from '../core/request.js';
import type { ExplainPayload } from './payload.js';

/** Bumped whenever the explain prompt or tool changes meaning (the request text is in the cache key too). */
export const EXPLAIN_PROMPT_VERSION = 1;

export const EXPLAIN_TOOL = 'record_plan_review';

/** The diagnosticId of a problem dbtool's diagnostics did not report. */
export const NEW_ISSUE = 'new';

const EXPLAIN_SYSTEM = `You are a second reviewer of a PostgreSQL query plan for a team that uses Drizzle ORM. The query runs on a production database that serves traffic.

dbtool, a deterministic analyser, ran EXPLAIN (ANALYZE, BUFFERS, VERBOSE, SETTINGS) or read a captured plan, and gives you:
- nodes: the plan tree (id is the depth-first position, 0 the root; parentId links the tree). exclusiveMs is the node's own time with loops and parallel workers accounted for, share its part of the total; actualRows is per loop as EXPLAIN reports it, actualRowsTotal over all loops; estimateFactor says how far the planner's row estimate was off (either way); buffers are the node's own; details holds the node's remaining EXPLAIN fields.
- diagnostics D1, D2, …: dbtool's deterministic findings (check name, severity, the node, the numbers and a next step), costliest first.
- tables (only when dbtool ran the query on a database; definitionsKnown tells): columns and types, index definitions, the planner's row estimate (rows), pages, sizes in bytes, and per-column statistics (null fraction, average width, n_distinct, correlation). No value from any table is ever included. Without definitions, do not assume which indexes exist beyond what the plan shows, and do not assume a table is small.
source "embedded-pglite" means a small local database: its timings say little about production, its plan shape still does.

Redaction: every literal in the query and in the plan's expressions (filters, index and join conditions, sort and group keys, outputs) was replaced by a placeholder $1, $2, …. Numbering restarts in each field, so the same $n in two fields is not the same value, except for the query's own parameters. Expressions that could not be redacted were left out (omittedExpressions counts them). Treat placeholders as opaque values and do not guess them.

Your task: judge what makes this query slow and what would help, and record it with the ${EXPLAIN_TOOL} tool.
- One verdict per diagnostic (diagnosticId D1, D2, …): do you agree it matters for this query, and what to do. Add verdicts with diagnosticId "${NEW_ISSUE}" (and a title) only for problems the numbers show that the diagnostics missed.
- risk: how much the issue costs this query: none (not worth acting on), low, medium or high.
- reasoning: two or three sentences that cite node ids ("node 3") and diagnostic ids ("D1") and the numbers they rest on.
- nodeIds: the nodes the verdict is about.
- suggestedSql: only a schema change, maintenance or setting that clearly helps (CREATE INDEX CONCURRENTLY …, CREATE STATISTICS …, ANALYZE …, SET LOCAL work_mem = …), as complete runnable PostgreSQL. The database is live: build indexes CONCURRENTLY and never take long exclusive locks. Do not propose what already exists (check the index definitions). Never a query or a data change here.
- rewrittenQuery: only when a different query returns the same rows faster: exactly one read-only SELECT that keeps the placeholders where the original has literals. Never a data change.
Leave suggestedSql and rewrittenQuery out when nothing concrete helps. dbtool parses every suggestion, reviews schema changes with its migration rules, checks rewritten queries are one read-only statement, and withholds anything that fails.
Finish with a short overall summary for the developer who wrote the query.`;

/** The tool the model must call: its input is the structured verdict. */
export function explainTool(diagnosticIds: readonly string[]): Tool {
  return {
    name: EXPLAIN_TOOL,
    description: 'Record the verdict on each diagnostic of the plan (and on problems the diagnostics missed), and an overall summary.',
    input_schema: {
      type: 'object',
      properties: {
        issues: {
          type: 'array',
          description: 'One verdict per diagnostic, in diagnostic order, then any new issues.',
          items: {
            type: 'object',
            properties: {
              diagnosticId: { type: 'string', enum: [...diagnosticIds, NEW_ISSUE] },
              title: { type: 'string', description: 'A few words naming the problem; required for new issues.' },
              nodeIds: { type: 'array', items: { type: 'integer' } },
              risk: { type: 'string', enum: [...RISKS] },
              reasoning: { type: 'string' },
              suggestedSql: { type: 'string', description: 'Schema change, maintenance or setting only; omit when nothing concrete helps.' },
              rewrittenQuery: { type: 'string', description: 'One read-only SELECT returning the same rows; omit unless clearly faster.' },
            },
            required: ['diagnosticId', 'nodeIds', 'risk', 'reasoning'],
            additionalProperties: false,
          },
        },
        summary: { type: 'string', description: 'Two to four sentences for the developer.' },
      },
      required: ['issues', 'summary'],
      additionalProperties: false,
    },
  };
}

export function explainUserContent(payload: ExplainPayload): string {
  return `Review this query plan. The context is JSON:\n\n${JSON.stringify(payload)}`;
}

/** Exactly the body sent to the Messages API (and printed by --ai-dry-run). */
export function explainRequest(payload: ExplainPayload, settings: RequestSettings): AiRequestBody {
  return {
    model: settings.model,
    max_tokens: settings.maxTokens,
    system: EXPLAIN_SYSTEM,
    messages: [{ role: 'user', content: explainUserContent(payload) }],
    tools: [explainTool(payload.diagnostics.map((d) => d.id))],
    // forced, so the answer is always the structured verdict and never free text
    tool_choice: { type: 'tool', name: EXPLAIN_TOOL, disable_parallel_tool_use: true },
    stream: true,
  };
}
