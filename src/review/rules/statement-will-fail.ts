import type { Rule } from '../findings.js';

export const statementWillFail: Rule = {
  id: 'statement-will-fail',
  severity: 'error',
  summary: 'PostgreSQL will reject the statement given the schema built by earlier migrations or the target version',
  check(ctx) {
    return ctx.effects.failures.map((failure) => ({
      message: `PostgreSQL ${ctx.settings.pgVersion} will reject this statement: ${failure.message} (SQLSTATE ${failure.sqlstate}).`,
      help: failure.hint ?? 'Change the migration so the statement is valid for the schema and PostgreSQL version it runs against.',
      fix: null,
    }));
  },
};
