import { beforeAll, describe, expect, it } from 'vitest';
import { loadParser } from '../../src/review/parse.js';
import { lastStatement, reviewAfter } from './helpers.js';

beforeAll(loadParser);

const HISTORY =
  'CREATE DOMAIN positive AS int;\nCREATE DOMAIN small_positive AS positive;\nCREATE TABLE users (id int, score positive);\nCREATE TABLE orders (id int, qty small_positive);\nCREATE TABLE notes (id int, body text);';

describe('ALTER DOMAIN in the effects model and the rules', () => {
  it('checks every table with a column of the domain or of a domain over it, under ShareLock, for ADD CONSTRAINT, SET NOT NULL and VALIDATE', () => {
    for (const sql of [
      'ALTER DOMAIN positive ADD CONSTRAINT c CHECK (VALUE > 0)',
      'ALTER DOMAIN positive SET NOT NULL',
      'ALTER DOMAIN positive VALIDATE CONSTRAINT c',
    ]) {
      const s = lastStatement(HISTORY, sql);
      expect(s.locks, sql).toEqual({ users: 'ShareLock', orders: 'ShareLock' });
      expect(s.scans.sort(), sql).toEqual(['orders', 'users']);
      expect(
        s.findings.map((f) => f.rule),
        sql,
      ).toContain('blocking-full-scan');
    }
    // NOT VALID checks nothing now; DROP NOT NULL never checks
    for (const sql of ['ALTER DOMAIN positive ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID', 'ALTER DOMAIN positive DROP NOT NULL']) {
      expect(lastStatement(HISTORY, sql).scans, sql).toEqual([]);
    }
  });

  it('says the help that fits domains: VALIDATE blocks writes too, a table CHECK does not', () => {
    const finding = lastStatement(HISTORY, 'ALTER DOMAIN positive ADD CONSTRAINT c CHECK (VALUE > 0)').findings.find((f) => f.rule === 'blocking-full-scan');
    expect(finding?.help).toContain('on domains VALIDATE blocks writes too');
  });

  it('predicts the refusal (0A000) when a column holds the domain in an array', () => {
    const s = lastStatement(`${HISTORY}\nALTER TABLE notes ADD COLUMN scores positive[];`, 'ALTER DOMAIN positive ADD CONSTRAINT c CHECK (VALUE > 0)');
    expect(s.findings.find((f) => f.rule === 'statement-will-fail')?.message).toContain('SQLSTATE 0A000');
  });

  it('a domain the migrations do not create: the tables are unknown, not none', () => {
    const s = lastStatement(HISTORY, "ALTER DOMAIN external_code ADD CONSTRAINT c CHECK (VALUE <> '')");
    expect(s.locks).toEqual({});
    expect(s.notes.join(' ')).toContain('are unknown');
    expect(s.findings.find((f) => f.rule === 'blocking-full-scan')?.message).toContain('which tables use it is unknown, not none');
  });

  it('CREATE DOMAIN … CHECK gets an information note; a domain without a check does not', () => {
    const rules = (sql: string) =>
      reviewAfter('', sql)
        .files[0]!.statements.flatMap((s) => s.findings)
        .map((f) => `${f.rule}:${f.severity}`);
    expect(rules('CREATE DOMAIN positive AS int CHECK (VALUE > 0);')).toEqual(['domain-check:info']);
    expect(rules('CREATE DOMAIN code AS text NOT NULL;')).toEqual([]);
  });
});
