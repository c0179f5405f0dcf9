// How many of squawk's own test cases dbtool agrees with: the one mapping from squawk's rules to dbtool's,
// used by test/review/squawk-cases.test.ts (assertions) and bench/review.mjs (printed coverage).
// The cases live in ../shared/peers/squawk-cases.jsonl and are never copied into the project.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReviewSettings } from '../../src/review/findings.js';
import { LOCK_MODES } from '../../src/review/lock-modes.js';
import { RULES } from '../../src/review/rules/index.js';
import { reviewAfter, rulesOf } from './helpers.js';

/** Where the cases are when ../shared is checked out beside the project. */
export const SQUAWK_CASES_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'peers', 'squawk-cases.jsonl');

export interface SquawkCase {
  id: string;
  sql: string;
  expect_rules: string[] | null;
  settings: { pg_version: string; assume_in_transaction: boolean };
}

/** The cases of a squawk-cases.jsonl file, or undefined when the file is absent. */
export function readSquawkCases(path: string = SQUAWK_CASES_PATH): SquawkCase[] | undefined {
  if (!existsSync(path)) return undefined;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as SquawkCase);
}

/** squawk rule → the dbtool rules that report the same problem (any one of them counts). */
export const SAFETY: Record<string, string[]> = {
  'adding-field-with-default': ['table-rewrite', 'add-auto-increment-column'],
  'adding-foreign-key-constraint': ['blocking-full-scan', 'validate-in-same-transaction'],
  'adding-not-nullable-field': ['blocking-full-scan', 'not-null-column-without-default'],
  'adding-required-field': ['not-null-column-without-default'],
  'adding-serial-primary-key-field': ['add-auto-increment-column', 'blocking-full-scan'],
  'ban-alter-domain-with-add-constraint': ['blocking-full-scan'],
  'ban-concurrent-index-creation-in-transaction': ['transaction-forbidden'],
  'ban-drop-column': ['drop-column'],
  'ban-drop-database': ['drop-database', 'transaction-forbidden'],
  'ban-drop-table': ['drop-table'],
  'ban-duplicate-column-assignments': ['statement-will-fail'],
  'ban-truncate-cascade': ['truncate-table'],
  'changing-column-type': ['table-rewrite'],
  'constraint-missing-not-valid': ['blocking-full-scan', 'validate-in-same-transaction'],
  'disallowed-unique-constraint': ['blocking-full-scan'],
  'prefer-repack': ['table-rewrite', 'transaction-forbidden'],
  'renaming-column': ['rename-column'],
  'renaming-table': ['rename-table'],
  'require-concurrent-index-creation': ['blocking-full-scan', 'transaction-forbidden'],
  // a plain DROP INDEX / DETACH PARTITION holds AccessExclusiveLock only briefly: the risk is the lock queue
  'require-concurrent-index-deletion': ['missing-lock-timeout'],
  'require-concurrent-partition-detach': ['missing-lock-timeout'],
  'require-concurrent-reindex': ['blocking-full-scan'],
  'require-lock-timeout': ['missing-lock-timeout'],
  'syntax-error': ['syntax-error'],
};

/** Stylistic squawk rules mapped to dbtool's style rules (off by default; turned on for this comparison). */
export const STYLE: Record<string, string[]> = {
  'ban-char-field': ['prefer-text'],
  'prefer-bigint-over-int': ['prefer-bigint'],
  'prefer-bigint-over-smallint': ['prefer-bigint'],
  'prefer-identity': ['prefer-identity'],
  'prefer-text-field': ['prefer-text'],
  'prefer-timestamp-tz': ['prefer-timestamptz'],
};

/** squawk rules dbtool deliberately has no counterpart for, and why. */
export const NOT_COVERED: Record<string, string> = {
  'prefer-robust-stmts':
    'IF [NOT] EXISTS everywhere: migration runners record what ran, and dbtool reviews against the schema the earlier migrations built instead',
  'require-statement-timeout': 'a blanket statement_timeout aborts legitimately long steps; dbtool reports the long, blocking operations themselves',
  'require-table-schema': 'schema qualification is a naming convention; dbtool resolves unqualified names to public as drizzle does',
  'identifier-too-long': 'PostgreSQL truncates long identifiers with a NOTICE; a style concern, not a locking or failure one',
  'require-enum-value-ordering': 'where a new enum label sorts is a modelling decision, not a migration-safety one',
  'ban-create-domain-with-constraint': 'creating a domain locks nothing; dbtool reviews the later ALTER DOMAIN against the tables that use the domain',
  'ban-drop-not-null': 'DROP NOT NULL is catalog-only and accepts everything the running release writes',
  'ban-uncommitted-transaction': 'dbtool follows explicit BEGIN/COMMIT to know what runs in a transaction, but does not lint the transaction structure itself',
  'transaction-nesting': 'dbtool follows explicit BEGIN/COMMIT to know what runs in a transaction, but does not lint the transaction structure itself',
  'unused-ignore': "about squawk's own ignore comments; dbtool reports its own unused ignores",
};

/** Cases where dbtool disagrees with squawk's expectation on purpose, with the reason. */
export const DISAGREE: Record<string, string> = {
  'adding_field_with_default::default_random_with_args_err#1': 'now(…) is stable, so the default is stored once (and now(123) does not exist)',
  'adding_foreign_key_constraint::add_column_references_lock#1':
    "ADD COLUMN … REFERENCES validates nothing: the new column is NULL in every row (engine-proven); the short lock is missing-lock-timeout's concern",
  'adding_field_with_default::docs_example_error_on_pg_11#1':
    'a constant default is kept in the catalog since PostgreSQL 11: no rewrite (engine-proven on 12–18); the case is reviewed as 12',
  'docs::require-table-schema#1': 'the table is created earlier in the same file: new and empty, nothing to break',
  'docs::require-table-schema#2': 'the table is created earlier in the same file: new and empty, nothing to break',
  'docs::prefer-text-field#2': 'the CHECK is added to a table created in the same file: nothing to scan',
};

/** Safety expectations dbtool does not meet yet (to do, not disagreements), as `squawk-rule: case-id`. */
export const KNOWN_GAPS: string[] = [];

/** The review settings a case asks for, with dbtool's style rules (off by default) turned on. */
export function settingsFor(c: SquawkCase): Partial<ReviewSettings> {
  const pgVersion = Math.min(18, Math.max(12, Number(c.settings.pg_version) || 18));
  const styles = Object.fromEntries(RULES.filter((r) => r.defaultEnabled === false).map((r) => [r.id, r.severity]));
  // squawk assumes no runner transaction unless told; explicit BEGIN/COMMIT in the SQL still counts
  return { pgVersion, transactionMode: c.settings.assume_in_transaction ? 'all' : 'none', rules: styles };
}

/** Expectations dbtool disagrees with or cannot judge, and why; undefined when the expectation counts. */
export function disagreement(c: SquawkCase, rule: string): string | undefined {
  const known = DISAGREE[c.id];
  if (known) return known;
  if (rule === 'require-lock-timeout' && !blocksWrites(c))
    return 'no statement waits for a lock that blocks writes to an existing table (ShareUpdateExclusive or weaker, or only new tables): waiting for it stalls no traffic';
  return undefined;
}

const SHARE = LOCK_MODES.indexOf('ShareLock');

/** Whether some statement locks a relation the case did not create itself in a mode that blocks writes. */
function blocksWrites(c: SquawkCase): boolean {
  const report = reviewAfter('', c.sql, settingsFor(c));
  const created = new Set(
    [...c.sql.matchAll(/create\s+(?:unlogged\s+)?(?:table|materialized\s+view)\s+(?:if\s+not\s+exists\s+)?"?(\w+)"?/gi)].map((m) => (m[1] ?? '').toLowerCase()),
  );
  return (
    report.files.some((f) => f.statements.some((st) => Object.entries(st.locks).some(([t, m]) => !created.has(t) && LOCK_MODES.indexOf(m) >= SHARE))) ||
    /drop\s+index\s+(?!concurrently)/i.test(c.sql)
  );
}

export interface Tally {
  hit: number;
  total: number;
}

export interface RuleCoverage extends Tally {
  rule: string;
  kind: 'safety' | 'style';
  /** ids of the counted cases where dbtool fired none of the mapped rules */
  missed: string[];
}

export interface Disagreement {
  id: string;
  rule: string;
  reason: string;
}

export interface SquawkCoverage {
  /** per squawk rule, over the expectations dbtool agrees with; sorted by rule */
  rules: RuleCoverage[];
  /** per squawk rule, over every expectation (disagreements included) */
  raw: Record<string, Tally>;
  totals: { safety: Tally; style: Tally; rawSafety: Tally; rawStyle: Tally };
  /** expectations left out of `rules`, with the reason, in case order */
  skipped: Disagreement[];
}

/**
 * Reviews every case where squawk expects a mapped (safety or style) rule to fire and counts where dbtool
 * fires one of the dbtool rules mapped to it. Needs `await loadParser()` first; reads and writes nothing.
 */
export function squawkCoverage(cases: readonly SquawkCase[]): SquawkCoverage {
  const tally = new Map<string, RuleCoverage>();
  const raw = new Map<string, Tally>();
  const skipped: Disagreement[] = [];
  for (const c of cases) {
    const wanted = new Set(c.expect_rules ?? []);
    if (![...wanted].some((r) => SAFETY[r] || STYLE[r])) continue;
    const found = new Set(rulesOf(reviewAfter('', c.sql, settingsFor(c))));
    for (const rule of wanted) {
      const mapped = SAFETY[rule] ?? STYLE[rule];
      if (!mapped) continue;
      const fired = mapped.some((m) => found.has(m));
      const counted = raw.get(rule) ?? { hit: 0, total: 0 };
      raw.set(rule, { hit: counted.hit + (fired ? 1 : 0), total: counted.total + 1 });
      const reason = fired ? undefined : disagreement(c, rule);
      if (reason) {
        skipped.push({ id: c.id, rule, reason });
        continue;
      }
      const row = tally.get(rule) ?? { rule, kind: SAFETY[rule] ? 'safety' : 'style', hit: 0, total: 0, missed: [] };
      row.total++;
      if (fired) row.hit++;
      else row.missed.push(c.id);
      tally.set(rule, row);
    }
  }
  const sum = (from: Map<string, Tally>, keys: string[]): Tally =>
    keys.reduce((acc, k) => ({ hit: acc.hit + (from.get(k)?.hit ?? 0), total: acc.total + (from.get(k)?.total ?? 0) }), { hit: 0, total: 0 });
  return {
    rules: [...tally.values()].sort((a, b) => a.rule.localeCompare(b.rule)),
    raw: Object.fromEntries(raw),
    totals: {
      safety: sum(tally, Object.keys(SAFETY)),
      style: sum(tally, Object.keys(STYLE)),
      rawSafety: sum(raw, Object.keys(SAFETY)),
      rawStyle: sum(raw, Object.keys(STYLE)),
    },
    skipped,
  };
}

/** `hit/total` as a percentage with one decimal, or — when there is nothing to count. */
export function percent(x: Tally): string {
  return x.total ? ((100 * x.hit) / x.total).toFixed(1) : '—';
}

export interface PerCaseCoverage {
  /** cases where squawk expects one of its safety rules, and how many of them get a warning or error from dbtool */
  all: Tally;
  /** the same, leaving out the cases whose every missed expectation dbtool disagrees with on purpose */
  agreed: Tally;
  /** the cases with no warning or error: the reason dbtool gives for each, or undefined (a real miss) */
  missed: Array<{ id: string; rules: string[]; reason: string | undefined }>;
}

/**
 * The per-case figure: over squawk's cases that expect a safety rule to fire (PostgreSQL 11 cases run as 12),
 * how many get any warning or error from dbtool with its default rules. Needs `await loadParser()` first.
 */
export function perCaseCoverage(cases: readonly SquawkCase[]): PerCaseCoverage {
  const all: Tally = { hit: 0, total: 0 };
  const agreed: Tally = { hit: 0, total: 0 };
  const missed: PerCaseCoverage['missed'] = [];
  for (const c of cases) {
    const rules = (c.expect_rules ?? []).filter((r) => SAFETY[r]);
    if (rules.length === 0) continue;
    const { rules: _styles, ...defaults } = settingsFor(c);
    const report = reviewAfter('', c.sql, defaults);
    const warned = report.files.some((f) =>
      [...f.findings, ...f.statements.flatMap((st) => st.findings)].some((x) => x.severity === 'error' || x.severity === 'warning'),
    );
    all.total++;
    if (warned) {
      all.hit++;
      agreed.hit++;
      agreed.total++;
      continue;
    }
    const reasons = rules.map((r) => disagreement(c, r));
    const reason = reasons.every((r) => r !== undefined) ? reasons[0] : undefined;
    if (reason === undefined) agreed.total++;
    missed.push({ id: c.id, rules, reason });
  }
  return { all, agreed, missed };
}
