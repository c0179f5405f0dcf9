import type { Constraint, Node } from '@pgsql/types';
import { asNode, names } from '../ast.js';
import type { Rule } from '../findings.js';
import { SHOP } from './docs-history.js';

export const domainCheck: Rule = {
  id: 'domain-check',
  severity: 'info',
  summary: 'CREATE DOMAIN … CHECK: every later change to the check reads every table that uses the domain, blocking writes',
  docs: {
    why: "A domain's CHECK is cheap while the domain is new, but it cannot be changed in place: adding or validating a constraint on the domain later (ALTER DOMAIN … ADD CONSTRAINT, VALIDATE CONSTRAINT, SET NOT NULL) reads every column of the domain, in every table, under ShareLock, which blocks writes to all of them, even when split into NOT VALID and VALIDATE. PostgreSQL also refuses such a change outright once a column holds the domain inside an array (0A000). A CHECK constraint on the table can be added NOT VALID and validated without blocking writes.",
    bad: ['CREATE DOMAIN positive_amount AS integer CHECK (VALUE > 0);'],
    good: ['CREATE DOMAIN email_address AS text;', 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0) NOT VALID;'],
    drizzle:
      'drizzle-kit does not generate domains; they come from custom migrations. In a drizzle schema, a `check()` on the table gives the same guarantee and stays cheap to change.',
    ignoreWhen: 'the rule behind the check will not change, or the tables using the domain stay small.',
    history: SHOP,
  },
  check(ctx) {
    const stmt = asNode<{ domainname?: Node[]; constraints?: Node[] }>(ctx.statement.node, 'CreateDomainStmt');
    if (!stmt || !(stmt.constraints ?? []).some((c) => asNode<Constraint>(c, 'Constraint')?.contype === 'CONSTR_CHECK')) return [];
    const name = names(stmt.domainname).join('.');
    return [
      {
        message: `Domain ${name} has a CHECK: changing it later (ALTER DOMAIN … ADD CONSTRAINT or VALIDATE CONSTRAINT) reads every column of ${name} in every table that uses it, under ShareLock, which blocks writes to all of them.`,
        help: 'Fine while the rule is settled. If it may change, put the CHECK on the table columns instead: a table constraint can be added NOT VALID and validated under ShareUpdateExclusiveLock, without blocking writes.',
        fix: null,
      },
    ];
  },
};
