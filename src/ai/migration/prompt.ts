import type { Tool } from '@anthropic-ai/sdk/resources/messages';
import type { AiRequestBody, RequestSettings } from '../core/request.js';
import { RISKS } from '../core/request.js';
import type { MigrationPayload } from './payload.js';

/** Bumped whenever the prompt or the tool changes meaning: it is part of the cache key. */
export const PROMPT_VERSION = 1;

export const MIGRATION_TOOL = 'record_migration_review';

const MIGRATION_SYSTEM = `You are a second reviewer of PostgreSQL schema migrations for a team that uses Drizzle ORM. The migrations run against a production database that serves traffic while they run.

dbtool, a deterministic reviewer, has already analysed each statement. For every statement you get:
- locks: the strongest lock PostgreSQL takes on each pre-existing relation, named as in pg_locks.mode;
- rewrites: relations whose storage is replaced; scans: tables read in full;
- transaction: "forbidden" when PostgreSQL refuses to run the statement inside a transaction block;
- findings: dbtool's rule violations, each with a rule id, severity, message and the safe alternative it recommends.
transactionMode says how the runner wraps statements: "all" runs every pending migration file in one transaction (drizzle's migrator does), "per-file" one transaction per file, "none" no transaction unless the file opens one.
These effects are facts from dbtool's tested knowledge table for the given PostgreSQL version: rely on them rather than re-deriving them. The schema of the touched tables is given as it is before the migrations under review. Table sizes are given only when a database was reachable; without them, do not assume a table is small.

Redaction: every literal in the SQL has been replaced by a placeholder $1, $2, …, and comments were removed. Treat placeholders as opaque values and do not guess them.

Your task: judge the operational risk of each statement (lock duration and what it blocks, rewrites and scans on large tables, failure halfway, transaction behaviour under the given runner mode) and record your verdict with the ${MIGRATION_TOOL} tool.
- risk: none (no meaningful effect on a live system), low, medium or high.
- reasoning: two or three sentences; name the dbtool rule ids you agree or disagree with, and say why.
- ruleIds: the dbtool rule ids your reasoning relies on (empty when none apply).
- suggestedSql: only when a change clearly lowers the risk. Most statements need no change: leave it out then, and never restate the original statement or propose cosmetic edits. A suggestion replaces the statement where it stands, must be complete runnable PostgreSQL (several statements separated by semicolons are allowed), keeps the placeholders where the original had literals, and must respect the runner's transaction mode (statements that cannot run in a transaction block fail when the runner wraps the file in one). dbtool reviews every suggestion with the same rules and hides the unsafe ones.
Give one verdict per statement id, then a short overall summary for the author of the migration.`;

/** The tool the model must call: its input is the structured verdict. */
export function migrationTool(statementIds: readonly string[]): Tool {
  return {
    name: MIGRATION_TOOL,
    description: 'Record the verdict on each statement of the migrations under review, and an overall summary.',
    input_schema: {
      type: 'object',
      properties: {
        statements: {
          type: 'array',
          description: 'One verdict per statement, in statement order.',
          items: {
            type: 'object',
            properties: {
              statementId: { type: 'string', enum: [...statementIds] },
              risk: { type: 'string', enum: [...RISKS] },
              reasoning: { type: 'string' },
              ruleIds: { type: 'array', items: { type: 'string' } },
              suggestedSql: { type: 'string', description: 'Only when a change clearly lowers the risk; omit otherwise.' },
            },
            required: ['statementId', 'risk', 'reasoning', 'ruleIds'],
            additionalProperties: false,
          },
        },
        summary: { type: 'string', description: 'Two to four sentences for the author of the migration.' },
      },
      required: ['statements', 'summary'],
      additionalProperties: false,
    },
  };
}

export function migrationUserContent(payload: MigrationPayload): string {
  return `Review these migrations. The review context is JSON:\n\n${JSON.stringify(payload)}`;
}

export function migrationRequest(payload: MigrationPayload, settings: RequestSettings): AiRequestBody {
  const ids = payload.files.flatMap((f) => f.statements.map((s) => s.id));
  return {
    model: settings.model,
    max_tokens: settings.maxTokens,
    system: MIGRATION_SYSTEM,
    messages: [{ role: 'user', content: migrationUserContent(payload) }],
    tools: [migrationTool(ids)],
    // forced, so the answer is always the structured verdict and never free text
    tool_choice: { type: 'tool', name: MIGRATION_TOOL, disable_parallel_tool_use: true },
    stream: true,
  };
}
