#!/usr/bin/env node
// The work of action.yml (the dbtool GitHub Action), run from the action's checkout in the step's working
// directory. It runs the project's installed dbtool — `review-migration` with `--base origin/<PR base>` on a
// pull request — then:
//   - writes the SARIF report to a file (input `sarif`) and names it in the `sarif-file` output,
//   - posts the markdown review as a pull-request comment, or updates the one it posted before (input `comment`),
//     found by the hidden marker on its first line, through the GitHub REST API,
//   - writes the `errors`, `warnings` and `sarif-file` outputs to $GITHUB_OUTPUT,
//   - exits as `fail-on` says: `error` 1 on error-level findings, `warning` 1 on any warning too
//     (--max-warnings 0), `never` 0 whatever was found; a usage, configuration or input problem (dbtool's exit 2)
//     fails the step in every mode.
// Inputs arrive as INPUT_* environment variables (action.yml maps them). The token is only ever sent as the
// Authorization header, never printed. DBTOOL_BIN overrides which dbtool runs (a path to bin/dbtool.js).
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';

const MARKER = '<!-- dbtool-review -->';
/** GitHub refuses comment bodies over 65,536 characters. */
const COMMENT_LIMIT = 65_536;

const env = process.env;
const input = (name, fallback = '') => (env[`INPUT_${name}`] ?? '').trim() || fallback;
const flag = (name, fallback) => {
  const value = input(name, fallback).toLowerCase();
  if (value !== 'true' && value !== 'false') fail(`input ${name.toLowerCase().replace(/_/g, '-')} must be true or false, not "${value}"`);
  return value === 'true';
};

function fail(message) {
  console.error(`::error title=dbtool::${message}`);
  process.exit(2);
}

function warn(message) {
  console.log(`::warning title=dbtool::${message}`);
}

/** The project's dbtool: DBTOOL_BIN, else node_modules/dbtool found upwards from the working directory. */
function dbtoolBin() {
  if (env.DBTOOL_BIN) return env.DBTOOL_BIN;
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', 'dbtool', 'bin', 'dbtool.js');
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir) break;
  }
  return fail('dbtool is not installed in this project: add it as a devDependency and run `npm ci` before this action');
}

function git(...args) {
  return spawnSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** On a pull request, fetches the base branch with its whole history (the merge base is needed) and returns `origin/<base>`. */
function prepareBase() {
  const baseRef = env.GITHUB_BASE_REF;
  if (!baseRef) return undefined;
  const shallow = git('rev-parse', '--is-shallow-repository').stdout.trim() === 'true';
  const fetched = git('fetch', '--no-tags', ...(shallow ? ['--unshallow'] : []), 'origin', `+refs/heads/${baseRef}:refs/remotes/origin/${baseRef}`);
  if (fetched.status !== 0) fail(`could not fetch the base branch ${baseRef}: ${fetched.stderr.trim()}`);
  return `origin/${baseRef}`;
}

function review(bin, args, format) {
  const run = spawnSync(process.execPath, [bin, 'review-migration', ...args, '--format', format], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    env: { ...env, NO_COLOR: '1' },
  });
  if (run.error) fail(`could not run dbtool: ${run.error.message}`);
  return { code: run.status ?? 2, stdout: run.stdout, stderr: run.stderr };
}

/**
 * dbtool writes result URIs relative to the directory it ran in; code scanning resolves them against the
 * repository root, so when the action runs in a subdirectory the URIs get that prefix.
 */
function rebaseSarif(text, prefix) {
  if (!prefix) return text;
  const sarif = JSON.parse(text);
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    if (node.uriBaseId === '%SRCROOT%' && typeof node.uri === 'string') {
      node.uri = `${prefix.split(sep).map(encodeURIComponent).join('/')}/${node.uri}`;
    }
    Object.values(node).forEach(visit);
  };
  visit(sarif.runs);
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** The pull request's number from the event payload, or undefined outside a pull request. */
function pullRequestNumber() {
  if (!env.GITHUB_EVENT_PATH || !existsSync(env.GITHUB_EVENT_PATH)) return undefined;
  const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
  return event.pull_request?.number ?? undefined;
}

function githubApi(token) {
  const base = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'dbtool-action',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) {
      const text = (await response.text()).slice(0, 300).split(token).join('***');
      throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    }
    return response.json();
  };
}

/** Updates the comment that starts with the marker, or posts one; returns what was done. */
async function upsertComment(api, repository, number, body) {
  let existing;
  for (let page = 1; !existing; page++) {
    const comments = await api('GET', `/repos/${repository}/issues/${number}/comments?per_page=100&page=${page}`);
    existing = comments.find((c) => typeof c.body === 'string' && c.body.startsWith(MARKER));
    if (comments.length < 100) break;
  }
  if (existing) {
    await api('PATCH', `/repos/${repository}/issues/comments/${existing.id}`, { body });
    return { action: 'updated', id: existing.id };
  }
  const created = await api('POST', `/repos/${repository}/issues/${number}/comments`, { body });
  return { action: 'posted', id: created.id };
}

function commentBody(markdown) {
  const body = `${MARKER}\n${markdown.trimEnd()}\n`;
  if (body.length <= COMMENT_LIMIT) return body;
  const note = "\n\n… (cut to fit GitHub's comment size limit: see the workflow log or code scanning for the rest)\n";
  return body.slice(0, COMMENT_LIMIT - note.length) + note;
}

async function main() {
  const failOn = input('FAIL_ON', 'error');
  if (!['error', 'warning', 'never'].includes(failOn)) fail(`input fail-on must be error, warning or never, not "${failOn}"`);
  const wantComment = flag('COMMENT', 'true');
  const wantSarif = flag('SARIF', 'true');
  const bin = dbtoolBin();

  const args = [input('FOLDER', 'drizzle')];
  const base = prepareBase();
  if (base) args.push('--base', base);
  if (input('PG_VERSION')) args.push('--pg-version', input('PG_VERSION'));
  if (input('STATS')) args.push('--stats', input('STATS'));
  if (input('RUNNER')) args.push('--runner', input('RUNNER'));
  console.log(`dbtool review-migration ${args.join(' ')}`);

  const json = review(bin, [...args, ...(failOn === 'warning' ? ['--max-warnings', '0'] : [])], 'json');
  if (json.stderr) process.stderr.write(json.stderr);
  if (json.code !== 0 && json.code !== 1) fail(`dbtool review-migration exited ${json.code}: fix the problem above`);
  const { errors, warnings } = JSON.parse(json.stdout).summary;
  console.log(`${errors} errors, ${warnings} warnings`);

  let sarifFile = '';
  if (wantSarif) {
    const sarif = review(bin, args, 'sarif');
    if (sarif.code !== 0 && sarif.code !== 1) fail(`dbtool review-migration --format sarif exited ${sarif.code}: ${sarif.stderr.trim()}`);
    const workspace = env.GITHUB_WORKSPACE ? resolve(env.GITHUB_WORKSPACE) : process.cwd();
    const prefix = relative(workspace, process.cwd());
    const dir = env.RUNNER_TEMP || tmpdir();
    mkdirSync(dir, { recursive: true });
    sarifFile = join(dir, 'dbtool.sarif');
    writeFileSync(sarifFile, rebaseSarif(sarif.stdout, prefix.startsWith('..') ? '' : prefix));
    console.log(`SARIF report: ${sarifFile}`);
  }

  if (wantComment) {
    const number = pullRequestNumber();
    if (number === undefined) console.log('not a pull request: no comment');
    else if (!env.GITHUB_TOKEN) warn('no github-token: the review comment was not posted');
    else {
      const markdown = review(bin, args, 'markdown');
      if (markdown.code !== 0 && markdown.code !== 1) fail(`dbtool review-migration --format markdown exited ${markdown.code}: ${markdown.stderr.trim()}`);
      try {
        const done = await upsertComment(githubApi(env.GITHUB_TOKEN), env.GITHUB_REPOSITORY, number, commentBody(markdown.stdout));
        console.log(`review comment ${done.action} on #${number} (comment ${done.id})`);
      } catch (error) {
        // a pull request from a fork gets a read-only token: the review still gates the check
        warn(`could not post the review comment: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `errors=${errors}\nwarnings=${warnings}\nsarif-file=${sarifFile}\n`);
  process.exit(failOn === 'never' ? 0 : json.code);
}

await main();
