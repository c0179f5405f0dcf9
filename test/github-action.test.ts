import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, dbtool } from './migrate/helpers.js';

// The GitHub Action (action.yml) is one step running scripts/github-action.mjs; these tests run that script as
// the step does, with the environment GitHub sets, against a fake GitHub REST API on 127.0.0.1.

const ROOT = join(import.meta.dirname, '..');
const SCRIPT = join(ROOT, 'scripts', 'github-action.mjs');
const FIXTURES = join(ROOT, 'fixtures');
const TOKEN = 'ghs_secretTokenValue123';
const MARKER = '<!-- dbtool-review -->';

interface Comment {
  id: number;
  body: string;
  user: { login: string };
}
interface Request {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

/** In-memory issue comments of owner/repo#7, served the way the REST API serves them. */
class FakeGitHub {
  comments: Comment[] = [];
  requests: Request[] = [];
  private nextId = 1000;
  private server: Server = createServer((req, res) => void this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  add(body: string): void {
    this.comments.push({ id: this.nextId++, body, user: { login: 'someone' } });
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const body = raw ? (JSON.parse(raw) as { body: string }) : undefined;
    this.requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { message: 'Bad credentials' });
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/repos/owner/repo/issues/7/comments') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      return send(200, this.comments.slice((page - 1) * perPage, page * perPage));
    }
    if (req.method === 'POST' && url.pathname === '/repos/owner/repo/issues/7/comments') {
      const comment = { id: this.nextId++, body: body?.body ?? '', user: { login: 'github-actions[bot]' } };
      this.comments.push(comment);
      return send(201, comment);
    }
    const patch = url.pathname.match(/^\/repos\/owner\/repo\/issues\/comments\/(\d+)$/);
    if (req.method === 'PATCH' && patch) {
      const comment = this.comments.find((c) => c.id === Number(patch[1]));
      if (!comment) return send(404, { message: 'Not Found' });
      comment.body = body?.body ?? '';
      return send(200, comment);
    }
    return send(404, { message: 'Not Found' });
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

/** Runs the action's step in `cwd` with GitHub's environment and the action's INPUT_* variables. */
function runAction(cwd: string, inputs: Record<string, string>, extra: Record<string, string | undefined> = {}): Promise<Run> {
  const home = mkdtempSync(join(tmpdir(), 'dbtool-action-'));
  const output = join(home, 'output');
  writeFileSync(output, '');
  const event = join(home, 'event.json');
  writeFileSync(event, JSON.stringify({ action: 'synchronize', number: 7, pull_request: { number: 7 } }));
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: undefined,
    GITHUB_BASE_REF: undefined,
    DBTOOL_BIN: BIN,
    GITHUB_OUTPUT: output,
    GITHUB_EVENT_PATH: event,
    GITHUB_REPOSITORY: 'owner/repo',
    GITHUB_WORKSPACE: cwd,
    RUNNER_TEMP: home,
    GITHUB_TOKEN: TOKEN,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v])),
    ...extra,
  };
  const child = spawn(process.execPath, [SCRIPT], { cwd, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const outputs = Object.fromEntries(
        readFileSync(output, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      resolve({ code, stdout, stderr, outputs });
    }),
  );
}

/** A project folder holding a copy of a fixture as its `drizzle` folder. */
function project(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-action-project-'));
  cpSync(join(FIXTURES, fixture), join(dir, 'drizzle'), { recursive: true });
  return dir;
}

describe('action.yml', () => {
  const action = readFileSync(join(ROOT, 'action.yml'), 'utf8');

  it('is a composite action whose one step runs scripts/github-action.mjs from the action checkout', () => {
    expect(action).toMatch(/^runs:\n {2}using: composite\n/m);
    expect(action).toContain('run: node "$GITHUB_ACTION_PATH/scripts/github-action.mjs"');
    expect(action).toContain('working-directory: ${{ inputs.working-directory }}');
    expect(action).not.toMatch(/^\s*-?\s*uses:/m);
  });

  it('declares the inputs the script reads and the outputs it writes', () => {
    const block = (name: string) => action.slice(action.indexOf(`\n${name}:\n`) + 1).split(/\n(?=\S)/)[0] ?? '';
    const keys = (text: string) => [...text.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
    expect(keys(block('inputs'))).toEqual(['folder', 'pg-version', 'fail-on', 'comment', 'sarif', 'stats', 'runner', 'working-directory', 'github-token']);
    expect(keys(block('outputs'))).toEqual(['errors', 'warnings', 'sarif-file']);
    for (const output of ['errors', 'warnings', 'sarif-file']) expect(action).toContain(`value: \${{ steps.review.outputs.${output} }}`);
    for (const name of ['folder', 'pg-version', 'fail-on', 'comment', 'sarif', 'stats', 'runner']) {
      expect(action).toContain(`INPUT_${name.toUpperCase().replace(/-/g, '_')}: \${{ inputs.${name} }}`);
    }
    expect(action).toContain('GITHUB_TOKEN: ${{ inputs.github-token }}');
    expect(action).toContain('default: ${{ github.token }}');
  });

  it("is documented in README's GitHub Action section: a workflow with the permissions and full history it needs, every input", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## GitHub Action\n'), readme.indexOf('\n## ', readme.indexOf('## GitHub Action\n') + 5));
    for (const text of [
      'pull-requests: write',
      'security-events: write',
      'fetch-depth: 0',
      'npm ci',
      'github/codeql-action/upload-sarif',
      '${{ runner.temp }}/dbtool.sarif',
    ])
      expect(section).toContain(text);
    const documented = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    const declared = [...action.slice(action.indexOf('\ninputs:\n'), action.indexOf('\noutputs:\n')).matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
    expect(documented).toEqual(declared);
  });
});

describe('scripts/github-action.mjs (the action step)', () => {
  const github = new FakeGitHub();
  let api = '';
  beforeAll(async () => {
    api = await github.start();
  });
  afterAll(() => github.stop());

  it('posts the markdown review once, then updates that comment instead of adding another', async () => {
    const cwd = project('drizzle-index-on-existing-table');
    github.add('LGTM');
    github.add(`> ${MARKER} quoted by a human, not ours`);
    const expected = await dbtool(['review-migration', 'drizzle', '--format', 'markdown'], { cwd });

    const first = await runAction(cwd, { comment: 'true', sarif: 'false' }, { GITHUB_API_URL: api });
    expect(first.stderr).toBe('');
    const writes1 = github.requests.filter((r) => r.method !== 'GET');
    expect(writes1.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /repos/owner/repo/issues/7/comments']);
    const ours = github.comments.filter((c) => c.body.startsWith(MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toBe(`${MARKER}\n${expected.stdout.trimEnd()}\n`);
    expect(ours[0]!.body).toContain('dbtool review');

    // the next push changes the review (here: psql applies the files, so CONCURRENTLY is fine): the same comment is edited
    const second = await runAction(cwd, { comment: 'true', sarif: 'false', runner: 'none' }, { GITHUB_API_URL: api });
    const writes2 = github.requests.filter((r) => r.method !== 'GET').slice(writes1.length);
    expect(writes2.map((r) => `${r.method} ${r.url}`)).toEqual([`PATCH /repos/owner/repo/issues/comments/${ours[0]!.id}`]);
    expect(github.comments).toHaveLength(3);
    const updated = await dbtool(['review-migration', 'drizzle', '--format', 'markdown', '--runner', 'none'], { cwd });
    expect(updated.stdout).not.toBe(expected.stdout);
    expect(github.comments.find((c) => c.id === ours[0]!.id)!.body).toBe(`${MARKER}\n${updated.stdout.trimEnd()}\n`);
    expect(github.comments.slice(0, 2).map((c) => c.body)).toEqual(['LGTM', `> ${MARKER} quoted by a human, not ours`]);

    // the token went as the Authorization header of every request, and into no log
    expect(github.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    for (const run of [first, second]) {
      expect(run.stdout + run.stderr).not.toContain(TOKEN);
      expect(run.stdout).toMatch(/review comment (posted|updated) on #7/);
    }
    rmSync(cwd, { recursive: true, force: true });
  });

  it('finds its comment past the first page of comments', async () => {
    const cwd = project('drizzle-safe-additions');
    const fresh = new FakeGitHub();
    const url = await fresh.start();
    for (let i = 0; i < 130; i++) fresh.add(i === 120 ? `${MARKER}\nold review` : `comment ${i}`);
    const run = await runAction(cwd, { sarif: 'false' }, { GITHUB_API_URL: url });
    await fresh.stop();
    expect(run.code).toBe(0);
    expect(fresh.comments).toHaveLength(130);
    expect(fresh.comments[120]!.body).toContain('dbtool review');
    expect(fresh.requests.filter((r) => r.method === 'GET').map((r) => r.url)).toEqual([
      '/repos/owner/repo/issues/7/comments?per_page=100&page=1',
      '/repos/owner/repo/issues/7/comments?per_page=100&page=2',
    ]);
    rmSync(cwd, { recursive: true, force: true });
  });

  it('warns and still gates the check when the token may not comment (a fork), printing no token', async () => {
    const cwd = project('drizzle-index-on-existing-table');
    const run = await runAction(cwd, { sarif: 'false' }, { GITHUB_API_URL: api, GITHUB_TOKEN: 'ghs_wrongTokenForAFork' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::warning title=dbtool::could not post the review comment: GET \/repos\/owner\/repo\/issues\/7\/comments\?per_page=100&page=1: HTTP 401/,
    );
    expect(run.stdout + run.stderr).not.toContain('ghs_wrongTokenForAFork');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('maps fail-on to the exit code and writes the errors and warnings outputs', async () => {
    const errors = project('drizzle-index-on-existing-table'); // 2 errors, 1 warning
    const warnings = project('drizzle-safe-additions'); // 0 errors, 1 warning
    const off = { comment: 'false', sarif: 'false' };
    const cases: Array<[string, string, number]> = [
      [errors, 'error', 1],
      [errors, 'warning', 1],
      [errors, 'never', 0],
      [warnings, 'error', 0],
      [warnings, 'warning', 1],
      [warnings, 'never', 0],
    ];
    const runs = await Promise.all(cases.map(([cwd, failOn]) => runAction(cwd, { ...off, 'fail-on': failOn })));
    expect(runs.map((r) => r.code)).toEqual(cases.map((c) => c[2]));
    expect(runs[0]!.outputs).toEqual({ errors: '2', warnings: '1', 'sarif-file': '' });
    expect(runs[3]!.outputs).toEqual({ errors: '0', warnings: '1', 'sarif-file': '' });
    expect(runs[0]!.stdout).toContain('dbtool review-migration drizzle\n');
    expect(runs[0]!.stdout).toContain('2 errors, 1 warnings');

    const bad = await runAction(errors, { ...off, 'fail-on': 'sometimes' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('fail-on must be error, warning or never');
    // a configuration or input problem fails the step even with fail-on never
    const missing = await runAction(errors, { ...off, 'fail-on': 'never', folder: 'no-such-folder' });
    expect(missing.code).toBe(2);
    expect(missing.outputs).toEqual({});
    rmSync(errors, { recursive: true, force: true });
    rmSync(warnings, { recursive: true, force: true });
  });

  it('passes pg-version, stats and runner through to dbtool', async () => {
    const cwd = project('drizzle-index-on-existing-table');
    const run = await runAction(cwd, { comment: 'false', sarif: 'false', 'pg-version': '14', runner: 'none', stats: 'missing-stats.json' });
    expect(run.stdout).toContain('dbtool review-migration drizzle --pg-version 14 --stats missing-stats.json --runner none\n');
    expect(run.code).toBe(2); // the stats file does not exist: dbtool says so
    expect(run.stderr).toContain('missing-stats.json');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('writes the SARIF report to a file named in the sarif-file output, with paths from the repository root', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'dbtool-action-repo-'));
    const app = join(repo, 'apps', 'api');
    mkdirSync(app, { recursive: true });
    cpSync(join(FIXTURES, 'drizzle-index-on-existing-table'), join(app, 'drizzle'), { recursive: true });
    const run = await runAction(app, { comment: 'false' }, { GITHUB_WORKSPACE: repo });
    expect(run.code).toBe(1);
    const file = run.outputs['sarif-file']!;
    expect(file).toMatch(/dbtool\.sarif$/);
    const sarif = JSON.parse(readFileSync(file, 'utf8')) as {
      version: string;
      runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }>;
    };
    expect(sarif.version).toBe('2.1.0');
    const uris = sarif.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri);
    expect(uris.length).toBeGreaterThan(0);
    expect(uris.every((u) => u.startsWith('apps/api/drizzle/'))).toBe(true);
    rmSync(repo, { recursive: true, force: true });
  });

  it('on a pull request, fetches the base branch into a shallow checkout and reviews only what the branch adds', async () => {
    const git = (cwd: string, ...args: string[]) =>
      execFileSync(
        'git',
        ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', ...args],
        { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    const origin = project('drizzle-index-on-existing-table');
    // main has the first two migrations; the feature branch adds 0002 (the one with the errors)
    const journal = JSON.parse(readFileSync(join(origin, 'drizzle', 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
    const last = journal.entries.at(-1)!.tag;
    const lastSql = readFileSync(join(origin, 'drizzle', `${last}.sql`), 'utf8');
    const fullJournal = JSON.stringify(journal, null, 2);
    rmSync(join(origin, 'drizzle', `${last}.sql`));
    writeFileSync(join(origin, 'drizzle', 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, -1) }, null, 2));
    git(origin, 'init', '-q');
    git(origin, 'add', '.');
    git(origin, 'commit', '-qm', 'main');
    git(origin, 'checkout', '-qb', 'feature');
    writeFileSync(join(origin, 'drizzle', `${last}.sql`), lastSql);
    writeFileSync(join(origin, 'drizzle', 'meta', '_journal.json'), fullJournal);
    git(origin, 'add', '.');
    git(origin, 'commit', '-qm', 'feature');
    git(origin, 'checkout', '-q', 'main');
    const clone = mkdtempSync(join(tmpdir(), 'dbtool-action-clone-'));
    // what actions/checkout does by default: one commit, one branch
    git(clone, 'clone', '-q', '--depth', '1', '--branch', 'feature', '--single-branch', `file://${origin}`, '.');
    const run = await runAction(clone, { comment: 'false', sarif: 'false' }, { GITHUB_BASE_REF: 'main' });
    expect(run.stdout).toContain('dbtool review-migration drizzle --base origin/main\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const all = await dbtool(['review-migration', 'drizzle', '--format', 'json'], { cwd: clone });
    const only = await dbtool(['review-migration', 'drizzle', '--base', 'origin/main', '--format', 'json'], { cwd: clone });
    const summary = (text: string) => (JSON.parse(text) as { summary: { files: number; errors: number; warnings: number } }).summary;
    expect(summary(only.stdout).files).toBeLessThan(summary(all.stdout).files);
    expect(run.outputs.errors).toBe(String(summary(only.stdout).errors));
    rmSync(origin, { recursive: true, force: true });
    rmSync(clone, { recursive: true, force: true });
  });
});
