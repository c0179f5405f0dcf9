import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'dbtool.js');

function dbtool(args: string[], options: { cwd?: string; input?: string } = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? tmpdir(),
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function journalFolder(files: Record<string, string>, whens?: number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-cli-'));
  mkdirSync(join(dir, 'meta'));
  const tags = Object.keys(files);
  for (const tag of tags) writeFileSync(join(dir, `${tag}.sql`), files[tag] ?? '');
  const entries = tags.map((tag, idx) => ({ idx, version: '7', when: whens?.[idx] ?? 1700000000000 + idx, tag, breakpoints: true }));
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ version: '7', dialect: 'postgresql', entries }));
  return dir;
}

const INIT = 'CREATE TABLE "users" ("id" serial PRIMARY KEY NOT NULL, "email" varchar(20));';

describe('dbtool review-migration', () => {
  it('reviews a drizzle folder in journal order and emits the versioned JSON contract', () => {
    const dir = journalFolder({ '0000_init': INIT, '0001_index': 'CREATE INDEX "users_email_idx" ON "users" ("email");' });
    const { code, stdout, stderr } = dbtool(['review-migration', dir, '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ tool: 'dbtool', reportVersion: 1, pgVersion: 18, summary: { files: 2, statements: 2, errors: 1 } });
    expect(report.files.map((f: { migration: string }) => f.migration)).toEqual(['0000_init', '0001_index']);
    const index = report.files[1].statements[0];
    expect(index).toMatchObject({ line: 1, column: 1, endLine: 1, locks: { users: 'ShareLock' }, rewrites: [], scans: ['users'], transaction: 'allowed' });
    expect(index.findings[0]).toMatchObject({ rule: 'blocking-full-scan', severity: 'error', line: 1, column: 1 });
    expect(index.findings[0].fix).toContain('CREATE INDEX CONCURRENTLY');
    expect(Object.keys(index).sort()).toEqual(['column', 'endLine', 'findings', 'line', 'locks', 'rewrites', 'scans', 'sql', 'transaction']);
  });

  it('exits 0 for a safe migration and prints a readable summary', () => {
    const dir = journalFolder({ '0000_init': INIT, '0001_add': 'ALTER TABLE "users" ADD COLUMN "name" text;' });
    const { code, stdout } = dbtool(['review-migration', dir, '--verbose']);
    expect(code).toBe(0);
    expect(stdout).toContain('AccessExclusiveLock on users — blocks all reads and writes');
    expect(stdout).toMatch(/2 files, 2 statements reviewed for PostgreSQL 18: 0 errors/);
  });

  it('reviews one file of a drizzle folder against the schema of the migrations before it', () => {
    const dir = journalFolder({
      '0000_init': INIT,
      '0001_widen': 'ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(50);',
      '0002_later': 'DROP TABLE "users";',
    });
    const report = JSON.parse(dbtool(['review-migration', join(dir, '0001_widen.sql'), '--format', 'json']).stdout);
    expect(report.files.map((f: { migration: string }) => f.migration)).toEqual(['0001_widen']);
    // varchar(20) -> varchar(50) is only known to be safe because 0000_init is read first
    expect(report.files[0].statements[0].rewrites).toEqual([]);
    expect(report.summary.errors).toBe(0);
  });

  it('reports journal problems as findings instead of crashing', () => {
    const dir = journalFolder({ '0000_init': INIT, '0001_late': 'SELECT 1;', '0002_gone': '' }, [1700000000002, 1700000000001, 1700000000003]);
    writeFileSync(join(dir, '0003_orphan.sql'), 'SELECT 2;');
    spawnSync('rm', [join(dir, '0002_gone.sql')]);
    const { code, stdout } = dbtool(['review-migration', dir, '--format', 'json']);
    expect(code).toBe(1);
    const rules = JSON.parse(stdout).files.flatMap((f: { findings: Array<{ rule: string }> }) => f.findings.map((x) => x.rule));
    expect(rules.sort()).toEqual(['journal-missing-file', 'journal-out-of-order', 'journal-unlisted-file']);
  });

  it('reads standard input and reports a syntax error with its position', () => {
    const { code, stdout } = dbtool(['review-migration', '-'], { input: 'SELECT 1;\nALTER TABLE x ADD COLUMN;\nSELECT 2;' });
    expect(code).toBe(1);
    expect(stdout).toContain('syntax-error  <stdin>:2:25');
    expect(stdout).toContain('^');
  });

  it('reviews v1 folders (<timestamp>_<name>/migration.sql) in timestamp order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbtool-v1-'));
    for (const [name, sql] of [
      ['20250101000000_init', INIT],
      ['20250102000000_more', 'ALTER TABLE "users" ALTER COLUMN "email" SET NOT NULL;'],
    ] as const) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'migration.sql'), sql);
    }
    const report = JSON.parse(dbtool(['review-migration', dir, '--format', 'json']).stdout);
    expect(report.files.map((f: { migration: string }) => f.migration)).toEqual(['20250101000000_init', '20250102000000_more']);
    expect(report.files[1].statements[0].scans).toEqual(['users']);
  });

  it('exits 2 with a clear message and no stack trace for bad input', () => {
    const missing = dbtool(['review-migration', 'no/such/dir']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no/such/dir: no such file or directory');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const badVersion = dbtool(['review-migration', '-', '--pg-version', '11']);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toContain('--pg-version must be one of 12, 13, 14, 15, 16, 17, 18');
    const unknownFlag = dbtool(['review-migration', '-', '--frobnicate']);
    expect(unknownFlag.code).toBe(2);
  });

  it('takes pgVersion from dbtool.config.json found upwards, and rejects an invalid config with exit 2', () => {
    const project = mkdtempSync(join(tmpdir(), 'dbtool-config-'));
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ pgVersion: 13 }));
    mkdirSync(join(project, 'sub'));
    const ok = dbtool(['review-migration', '-', '--format', 'json'], { cwd: join(project, 'sub'), input: 'SELECT 1;' });
    expect(JSON.parse(ok.stdout).pgVersion).toBe(13);
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ pgVersion: 'eighteen', transactionMode: 'sometimes' }));
    const bad = dbtool(['review-migration', '-'], { cwd: project, input: 'SELECT 1;' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('pgVersion must be one of');
    expect(bad.stderr).toContain('transactionMode must be');
  });

  it('--timezone decides whether timestamp -> timestamptz rewrites', () => {
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'drizzle-type-changes');
    const rewritten = (args: string[]) => JSON.parse(dbtool(['review-migration', fixture, '--format', 'json', ...args]).stdout).files[1].statements[3].rewrites;
    expect(rewritten([])).toEqual([]);
    expect(rewritten(['--timezone', 'Europe/Berlin'])).toEqual(['products']);
    expect(rewritten(['--timezone', 'Etc/UTC'])).toEqual([]);
  });

  it('a justified dbtool-ignore turns an error into exit 0; one without a reason keeps exit 1', () => {
    const ok = journalFolder({
      '0000_init': INIT,
      '0001_index': '-- dbtool-ignore blocking-full-scan: users is tiny\nCREATE INDEX "users_email_idx" ON "users" ("email");',
    });
    const silenced = dbtool(['review-migration', ok]);
    expect(silenced.code).toBe(0);
    expect(silenced.stdout).toContain('1 silenced by dbtool-ignore');
    const bad = journalFolder({ '0000_init': INIT, '0001_index': '-- dbtool-ignore blocking-full-scan\nCREATE INDEX "users_email_idx" ON "users" ("email");' });
    const result = dbtool(['review-migration', bad]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('invalid-ignore');
  });

  it('rule severities come from the config; unknown rules and settings are config errors', () => {
    const project = journalFolder({ '0000_init': INIT, '0001_index': 'CREATE INDEX "users_email_idx" ON "users" ("email");' });
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ rules: { 'blocking-full-scan': 'warning', 'missing-lock-timeout': 'off' } }));
    const warned = JSON.parse(dbtool(['review-migration', '.', '--format', 'json'], { cwd: project }).stdout);
    expect(warned.summary).toMatchObject({ errors: 0, warnings: 1 });
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ rules: { 'blocking-full-scan': 'off' } }));
    expect(dbtool(['review-migration', '.'], { cwd: project }).code).toBe(0);
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ rules: { 'no-such-rule': 'off', 'drop-table': 'loud' }, colour: true }));
    const bad = dbtool(['review-migration', '.'], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"no-such-rule" is not a dbtool rule');
    expect(bad.stderr).toContain('rules.drop-table must be one of error, warning, info, off');
    expect(bad.stderr).toContain('unknown setting "colour"');
  });

  it('runnerLockTimeout in the config silences missing-lock-timeout, and must be a boolean', () => {
    const project = journalFolder({ '0000_init': INIT, '0001_add': 'ALTER TABLE "users" ADD COLUMN "name" text;' });
    const rules = () =>
      JSON.parse(dbtool(['review-migration', '.', '--format', 'json'], { cwd: project }).stdout).files[1].statements[0].findings.map(
        (f: { rule: string }) => f.rule,
      );
    expect(rules()).toEqual(['missing-lock-timeout']);
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ runnerLockTimeout: true }));
    expect(rules()).toEqual([]);
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ runnerLockTimeout: 'yes' }));
    const bad = dbtool(['review-migration', '.'], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('runnerLockTimeout must be true');
  });

  it('exclude patterns in the config skip files but keep them as history', () => {
    const project = journalFolder({
      '0000_init': INIT,
      '0001_index': 'CREATE INDEX "users_email_idx" ON "users" ("email");',
      '0002_widen': 'ALTER TABLE "users" ALTER COLUMN "email" SET DATA TYPE varchar(50);',
    });
    writeFileSync(join(project, 'dbtool.config.json'), JSON.stringify({ exclude: ['0001_*.sql'] }));
    const report = JSON.parse(dbtool(['review-migration', '.', '--format', 'json'], { cwd: project }).stdout);
    expect(report.files.map((f: { migration: string }) => f.migration)).toEqual(['0000_init', '0002_widen']);
    // varchar(20) -> varchar(50) is known safe only because the excluded-from-review files were still read
    expect(report.files[1].statements[0].rewrites).toEqual([]);
    expect(report.summary.errors).toBe(0);
  });

  it('dbtool rules lists every rule with its default severity', () => {
    const { code, stdout } = dbtool(['rules', '--format', 'json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<{ id: string; severity: string }>;
    expect(rows.find((r) => r.id === 'transaction-forbidden')?.severity).toBe('error');
    expect(rows.find((r) => r.id === 'unused-ignore')?.severity).toBe('warning');
    expect(dbtool(['rules']).stdout).toMatch(/^drop-column\s+warning\s+/m);
  });

  it('dbtool rules <id> prints the rule page; an unknown id exits 2 naming close ids', () => {
    const page = dbtool(['rules', 'blocking-full-scan']);
    expect(page.code).toBe(0);
    for (const heading of ['Why', 'Bad', 'Good', 'With Drizzle', 'When to ignore']) expect(page.stdout).toMatch(new RegExp(`^${heading}$`, 'm'));
    expect(page.stdout).toContain('default severity: error');
    const json = JSON.parse(dbtool(['rules', 'prefer-bigint', '--format', 'json']).stdout);
    expect(json).toMatchObject({ id: 'prefer-bigint', severity: 'info', enabledByDefault: false });
    expect(json.docs.bad.length).toBeGreaterThan(0);
    const unknown = dbtool(['rules', 'blocking-scan']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown rule "blocking-scan"');
    expect(unknown.stderr).toContain('blocking-full-scan');
  });

  it('prints help with examples', () => {
    const { code, stdout } = dbtool(['review-migration', '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('$ dbtool review-migration drizzle');
  });
});
