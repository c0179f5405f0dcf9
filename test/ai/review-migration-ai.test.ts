import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReviewOptions } from '../../src/commands/review-migration.js';
import { run } from '../../src/commands/review-migration.js';
import { DbtoolError } from '../../src/errors.js';
import type { FakeAnthropic, FakeReply, Recorded } from './fake-anthropic.js';
import { startFakeAnthropic } from './fake-anthropic.js';
import { API_KEY, CHANGE_PATH, captureIo, DATABASE_URL, project } from './helpers.js';

const SAFE_SUGGESTION = 'SET lock_timeout = $1;\nALTER TABLE "users" ADD COLUMN "token" text DEFAULT $2 NOT NULL';
const UNPARSEABLE_SUGGESTION = 'UPDATTE "users" SET "token" = $1 WHERE "id" = $2';
const UNSAFE_SUGGESTION = 'CREATE INDEX "users_email_idx" ON "users" ("email") WHERE "email" IS NOT NULL';

/** What a model might answer: one sound suggestion, one that does not parse, one that is itself a blocking index build. */
const ANSWER = {
  statements: [
    {
      statementId: 'S1',
      risk: 'low',
      reasoning: 'Adding a column with a constant default is metadata-only, but missing-lock-timeout applies.',
      ruleIds: ['missing-lock-timeout'],
      suggestedSql: SAFE_SUGGESTION,
    },
    { statementId: 'S2', risk: 'medium', reasoning: 'A single-row update; fine.', ruleIds: ['made-up-rule'], suggestedSql: UNPARSEABLE_SUGGESTION },
    {
      statementId: 'S3',
      risk: 'high',
      reasoning: 'blocking-full-scan: the index build blocks writes.',
      ruleIds: ['blocking-full-scan'],
      suggestedSql: UNSAFE_SUGGESTION,
    },
  ],
  summary: 'Build the index without blocking writes and set a lock timeout.',
};

const toolReply = (): FakeReply => ({ kind: 'tool', input: ANSWER, usage: { input_tokens: 1500, output_tokens: 400 } });

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function withFake(reply: (request: Recorded, index: number) => FakeReply): Promise<FakeAnthropic> {
  fake = await startFakeAnthropic(reply);
  return fake;
}

function env(url: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ANTHROPIC_API_KEY: API_KEY, ANTHROPIC_BASE_URL: url, DATABASE_URL, ...extra };
}

const FAST = { aiLimits: { maxRetries: 0, timeoutMs: 5_000 } };

async function review(cwd: string, environment: NodeJS.ProcessEnv, opts: Partial<ReviewOptions>, deps = FAST) {
  const captured = captureIo(cwd, environment);
  let code: number | undefined;
  let error: DbtoolError | undefined;
  try {
    code = await run([CHANGE_PATH], { format: 'pretty', cache: true, ...opts }, captured.io, deps);
  } catch (e) {
    if (!(e instanceof DbtoolError)) throw e;
    error = e;
  }
  return { code, error, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('review-migration --ai against a local Messages API', () => {
  it('sends the redacted context with a forced tool call and shows only checked advice', async () => {
    const server = await withFake(toolReply);
    const dir = project();
    const { code, stdout, stderr, error } = await review(dir, env(server.url), { ai: true });
    expect(error).toBeUndefined();
    // DATABASE_URL points at a port nothing listens on: the sizes are left out, the review goes on
    expect(stderr).toBe(
      'note: table sizes are left out of the AI request: cannot connect to postgres://app:***@127.0.0.1:9/app: connect ECONNREFUSED 127.0.0.1:9\n',
    );
    // the deterministic review decides the exit code: the CREATE INDEX is an error-level finding
    expect(code).toBe(1);

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/messages');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = request!.body;
    expect(body.stream).toBe(true);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'record_migration_review', disable_parallel_tool_use: true });
    expect((body.tools as Array<{ name: string }>).map((t) => t.name)).toEqual(['record_migration_review']);

    const raw = request!.raw;
    for (const context of [
      'AccessExclusiveLock',
      'ShareLock',
      'blocking-full-scan',
      'missing-lock-timeout',
      '\\"email\\"',
      'varchar(320)',
      '\\"notNull\\":true',
      '\\"org_id\\"',
    ]) {
      expect(raw).toContain(context);
    }
    for (const secret of ['secret-value', 'other-secret', '4242', 'hunter2', 's3cret-pw', DATABASE_URL, '127.0.0.1:9', API_KEY]) {
      expect(raw).not.toContain(secret);
    }

    // deterministic report first, then the second opinion
    expect(stdout.indexOf('blocking-full-scan')).toBeLessThan(stdout.indexOf('Second opinion (claude-sonnet-5-5)'));
    const opinion = stdout.slice(stdout.indexOf('Second opinion'));
    expect(opinion).toContain('suggested instead');
    expect(opinion).toContain('SET lock_timeout = $1;');
    expect(opinion).not.toContain(UNPARSEABLE_SUGGESTION.split('\n')[0]);
    expect(opinion).not.toContain('WHERE "email" IS NOT NULL');
    expect(opinion).toMatch(/suggestion withheld: it is not valid SQL/);
    expect(opinion).toMatch(/suggestion withheld: dbtool's review of it reports blocking-full-scan \(error\)/);
    expect(opinion).toContain('cited ids dbtool does not have: made-up-rule');
    expect(opinion).toContain('1,500 input + 400 output tokens');
    expect(opinion).toMatch(/≈ \$0\.0105 \(estimate at Sonnet list prices/);
    expect(stdout).not.toContain(API_KEY);
  });

  it('prints each verdict as soon as it is complete, while the answer is still streaming', async () => {
    let release: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (release = resolve));
    const server = await withFake(() => ({ kind: 'tool', input: ANSWER, pause: { after: '"statementId":"S3"', until } }));
    const captured = captureIo(project(), env(server.url));
    const running = run([CHANGE_PATH], { format: 'pretty', ai: true, cache: false }, captured.io, FAST);
    try {
      await vi.waitFor(() => expect(captured.stdout()).toContain('S2 drizzle'), { timeout: 3000 });
      expect(captured.stdout()).not.toContain('S3 drizzle');
      expect(captured.stdout()).not.toContain('Summary:');
    } finally {
      release();
    }
    expect(await running).toBe(1);
    expect(captured.stdout()).toContain('S3 drizzle');
    expect(captured.stdout()).toContain('Summary:');
  });

  it('adds an "ai" key to --format json with every suggestion and its verification status', async () => {
    const server = await withFake(toolReply);
    const { code, stdout } = await review(project(), env(server.url), { ai: true, format: 'json' });
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ tool: 'dbtool', reportVersion: 1, summary: { errors: 1 } });
    expect(json.ai).toMatchObject({ model: 'claude-sonnet-5-5', cached: false, usage: { inputTokens: 1500, outputTokens: 400 }, cost: { usd: 0.0105 } });
    const statuses = json.ai.verdicts.map((v: { statementId: string; suggestion: { status: string } }) => [v.statementId, v.suggestion.status]);
    expect(statuses).toEqual([
      ['S1', 'checked'],
      ['S2', 'unparseable'],
      ['S3', 'unsafe'],
    ]);
    expect(json.ai.verdicts[2].suggestion.findings).toContainEqual({ rule: 'blocking-full-scan', severity: 'error' });
    expect(json.ai.verdicts[1].suggestion.parseError).toMatch(/syntax error/);
    expect(json.ai.missing).toEqual([]);
  });

  it('does not change the exit code: a clean migration stays 0 whatever the model says', async () => {
    const server = await withFake(() => ({
      kind: 'tool',
      input: { statements: [{ statementId: 'S1', risk: 'high', reasoning: 'Scary.', ruleIds: [] }], summary: 'No.' },
    }));
    const clean = project({ change: 'CREATE TABLE "audit" ("id" bigint PRIMARY KEY);' });
    const without = await review(clean, env(server.url), {});
    const withAi = await review(clean, env(server.url), { ai: true });
    expect(without.code).toBe(0);
    expect(withAi.code).toBe(0);
    expect(withAi.stdout).toContain('HIGH risk');
  });

  it('--ai-dry-run prints exactly the request body, sends nothing and needs no key', async () => {
    const server = await withFake(toolReply);
    const dir = project();
    const dry = await review(dir, { ANTHROPIC_BASE_URL: server.url, DATABASE_URL }, { aiDryRun: true });
    expect(dry.error).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    const printed = JSON.parse(dry.stdout);
    expect(dry.stdout).not.toContain('secret-value');

    await review(dir, env(server.url), { ai: true, cache: false });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.body).toEqual(printed);
  });

  it('answers an identical second request from .dbtool/ai-cache without a request; --no-cache asks again', async () => {
    const server = await withFake(toolReply);
    const dir = project();
    await review(dir, env(server.url), { ai: true });
    expect(server.requests).toHaveLength(1);
    const cache = join(dir, '.dbtool', 'ai-cache');
    expect(readdirSync(cache).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(readFileSync(join(cache, '.gitignore'), 'utf8')).toBe('*\n');

    const second = await review(dir, env(server.url), { ai: true, format: 'json' });
    expect(server.requests).toHaveLength(1);
    const json = JSON.parse(second.stdout);
    expect(json.ai.cached).toBe(true);
    expect(json.ai.verdicts.map((v: { suggestion: { status: string } }) => v.suggestion.status)).toEqual(['checked', 'unparseable', 'unsafe']);

    const pretty = await review(dir, env(server.url), { ai: true });
    expect(server.requests).toHaveLength(1);
    expect(pretty.stdout).toContain('answered from the cache');

    await review(dir, env(server.url), { ai: true, cache: false });
    expect(server.requests).toHaveLength(2);
  });

  it('a different model is a different cache entry', async () => {
    const server = await withFake(toolReply);
    const dir = project();
    await review(dir, env(server.url), { ai: true });
    await review(dir, env(server.url), { ai: true, model: 'claude-opus-5-5' });
    expect(server.requests.map((r) => r.body.model)).toEqual(['claude-sonnet-5-5', 'claude-opus-5-5']);
  });

  it('passes --ai-max-tokens and --model through', async () => {
    const server = await withFake(toolReply);
    await review(project(), env(server.url), { ai: true, model: 'claude-haiku-4-5', aiMaxTokens: '1234' });
    expect(server.requests[0]?.body).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: 1234 });
  });
});

describe('review-migration --ai errors', () => {
  it('missing key: exit 2 with how to set it, before any output or request', async () => {
    const server = await withFake(toolReply);
    const { error, stdout } = await review(project(), { ANTHROPIC_BASE_URL: server.url, DATABASE_URL }, { ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/ANTHROPIC_API_KEY is not set/);
    expect(error?.hint).toMatch(/export ANTHROPIC_API_KEY=/);
    expect(stdout).toBe('');
    expect(server.requests).toHaveLength(0);
  });

  it('401: says the credentials were rejected, without the key', async () => {
    const server = await withFake(() => ({ kind: 'error', status: 401, type: 'authentication_error', message: 'invalid x-api-key' }));
    const { error } = await review(project(), env(server.url), { ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/rejected the credentials \(401\)/);
    expect(`${error?.message} ${error?.hint}`).not.toContain(API_KEY);
  });

  it('a server that echoes the key never gets it printed', async () => {
    const server = await withFake((request) => ({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: `bad header ${request.headers.authorization}`,
    }));
    const { error } = await review(project(), env(server.url), { ai: true });
    expect(error?.message).toMatch(/refused the request \(400\)/);
    expect(error?.message).not.toContain(API_KEY);
    expect(error?.message).toContain('***');
  });

  it('429: rate limited, with the retry-after the API sent', async () => {
    const server = await withFake(() => ({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'Number of requests has exceeded your rate limit',
      headers: { 'retry-after': '17' },
    }));
    const { error } = await review(project(), env(server.url), { ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/Rate limited by the Anthropic API \(429\)/);
    expect(error?.message).toContain('Retry after 17 s');
    expect(server.requests).toHaveLength(1);
  });

  it('429 then success: the SDK retries as configured, honouring retry-after', async () => {
    const server = await withFake((_r, i) =>
      i === 0 ? { kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', headers: { 'retry-after-ms': '10' } } : toolReply(),
    );
    const { error, code } = await review(project(), env(server.url), { ai: true }, { aiLimits: { maxRetries: 1, timeoutMs: 5_000 } });
    expect(error).toBeUndefined();
    expect(code).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('529: overloaded', async () => {
    const server = await withFake(() => ({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' }));
    const { error } = await review(project(), env(server.url), { ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/overloaded \(529\)/);
  });

  it('timeout: no answer within the limit', async () => {
    const server = await withFake(() => ({ kind: 'hang' }));
    const { error } = await review(project(), env(server.url), { ai: true }, { aiLimits: { maxRetries: 0, timeoutMs: 300 } });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/No answer from http:\/\/127\.0\.0\.1:\d+ within 300 ms/);
  });

  it('network: nothing listening', async () => {
    const server = await withFake(toolReply);
    const url = server.url;
    await server.close();
    fake = undefined;
    const { error } = await review(project(), env(url), { ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/Could not reach the Anthropic API at http:\/\/127\.0\.0\.1/);
  });

  it('a gateway URL with credentials in it is refused without printing them', async () => {
    const server = await withFake(toolReply);
    const { error } = await review(project(), env(server.url.replace('http://', 'http://gw-user:gw-pass@')), { ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/ANTHROPIC_BASE_URL must not contain credentials/);
    expect(`${error?.message} ${error?.hint}`).not.toContain('gw-pass');
    expect(server.requests).toHaveLength(0);
  });

  it('config ai.enabled false forbids --ai with exit 2 (and still allows --ai-dry-run)', async () => {
    const server = await withFake(toolReply);
    const dir = project({ config: { ai: { enabled: false } } });
    const { error, stdout } = await review(dir, env(server.url), { ai: true });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/--ai is disabled for this repository/);
    expect(stdout).toBe('');
    const dry = await review(dir, env(server.url), { aiDryRun: true });
    expect(dry.error).toBeUndefined();
    expect(server.requests).toHaveLength(0);
    // no answer kept (the review cache in .dbtool/cache may be)
    expect(existsSync(join(dir, '.dbtool', 'ai-cache'))).toBe(false);
  });

  it('AI flags without --ai are a usage error', async () => {
    const { error } = await review(project(), {}, { model: 'claude-opus-5-5' });
    expect(error?.exitCode).toBe(2);
    expect(error?.message).toMatch(/--model only applies with --ai/);
  });
});
