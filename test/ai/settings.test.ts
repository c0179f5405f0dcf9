import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, cacheKey, readCached, writeCached } from '../../src/ai/core/cache.js';
import type { KnownModel } from '../../src/ai/core/models.js';
import { DEFAULT_MODEL, estimateCost } from '../../src/ai/core/models.js';
import { resolveReviewConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { projectRoot } from '../../src/project-root.js';

function withConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbtool-ai-config-'));
  writeFileSync(join(dir, 'dbtool.config.json'), JSON.stringify(config));
  return dir;
}

describe('the "ai" config section', () => {
  it('defaults: enabled, the SDK-listed default model, 8192 tokens', () => {
    const config = resolveReviewConfig({}, withConfig({}));
    expect(config.ai).toMatchObject({ enabled: true, model: DEFAULT_MODEL, maxTokens: 8192 });
  });

  it('reads model, maxTokens and enabled; flags win over the file', () => {
    const dir = withConfig({ ai: { model: 'claude-opus-5-5', maxTokens: 2000, enabled: false } });
    expect(resolveReviewConfig({}, dir).ai).toMatchObject({ enabled: false, model: 'claude-opus-5-5', maxTokens: 2000 });
    expect(resolveReviewConfig({ model: 'claude-haiku-4-5', aiMaxTokens: '300' }, dir).ai).toMatchObject({ model: 'claude-haiku-4-5', maxTokens: 300 });
  });

  it.each([
    [{ ai: 'yes' }, /ai must be an object/],
    [{ ai: { enabled: 'no' } }, /ai.enabled must be true or false/],
    [{ ai: { maxTokens: 0 } }, /ai.maxTokens must be a positive whole number/],
    [{ ai: { maxTokens: 1.5 } }, /ai.maxTokens must be a positive whole number/],
    [{ ai: { model: '' } }, /ai.model must be a model id/],
    [{ ai: { temperature: 1 } }, /unknown setting "ai.temperature" \(known: enabled, model, maxTokens\)/],
  ])('%j is a config error', (config, message) => {
    expect(() => resolveReviewConfig({}, withConfig(config))).toThrow(ConfigError);
    expect(() => resolveReviewConfig({}, withConfig(config))).toThrow(message);
  });

  it('--ai-max-tokens must be a number', () => {
    expect(() => resolveReviewConfig({ aiMaxTokens: '12k' }, withConfig({}))).toThrow(/--ai-max-tokens must be a positive whole number/);
  });
});

describe('models and cost', () => {
  it('the default model is one the SDK lists', () => {
    const known: KnownModel = DEFAULT_MODEL;
    expect(known).toMatch(/^claude-sonnet-/);
  });

  it('estimates by model family and says it is an estimate', () => {
    expect(estimateCost('claude-sonnet-5-5', { inputTokens: 1_000_000, outputTokens: 100_000 })).toEqual({
      usd: 4.5,
      basis: expect.stringMatching(/^estimate at Sonnet list prices/),
    });
    expect(estimateCost('claude-opus-5-5', { inputTokens: 1_000_000, outputTokens: 0 })?.usd).toBe(5);
    expect(estimateCost('claude-opus-4-1', { inputTokens: 1_000_000, outputTokens: 0 })?.usd).toBe(15);
    expect(estimateCost('claude-haiku-4-5', { inputTokens: 0, outputTokens: 1_000_000 })?.usd).toBe(5);
    expect(estimateCost('claude-sonnet-5-5', { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 1_000_000 })?.usd).toBe(0.3);
    expect(estimateCost('some-gateway-model', { inputTokens: 1, outputTokens: 1 })).toBeNull();
  });
});

describe('the answer cache', () => {
  it('lives in .dbtool/ai-cache of the nearest package.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'dbtool-ai-root-'));
    writeFileSync(join(root, 'package.json'), '{}');
    mkdirSync(join(root, 'src', 'deep'), { recursive: true });
    expect(projectRoot(join(root, 'src', 'deep'))).toBe(root);
    expect(cacheDir(join(root, 'src', 'deep'))).toBe(join(root, '.dbtool', 'ai-cache'));
  });

  it('keys by model, prompt version and request', () => {
    const base = { model: 'm', promptVersion: 1, request: { a: 1 } };
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey(base)).toBe(cacheKey({ ...base }));
    expect(cacheKey({ ...base, model: 'n' })).not.toBe(cacheKey(base));
    expect(cacheKey({ ...base, promptVersion: 2 })).not.toBe(cacheKey(base));
    expect(cacheKey({ ...base, request: { a: 2 } })).not.toBe(cacheKey(base));
  });

  it('round-trips a reply, treats a damaged file as a miss, leaves no temp files', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dbtool-ai-cache-')), 'ai-cache');
    const reply = { toolInput: { statements: [] }, usage: { inputTokens: 1, outputTokens: 2 }, model: 'm', stopReason: 'tool_use' };
    expect(readCached(dir, 'k')).toBeUndefined();
    expect(writeCached(dir, 'k', reply)).toBe(true);
    expect(readCached(dir, 'k')).toEqual(reply);
    expect(readdirSync(dir).sort()).toEqual(['.gitignore', 'k.json']);
    writeFileSync(join(dir, 'k.json'), '{ not json');
    expect(readCached(dir, 'k')).toBeUndefined();
  });

  it('an unwritable cache folder is reported, not fatal', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dbtool-ai-cache-')), 'a-file');
    writeFileSync(file, '');
    expect(writeCached(join(file, 'ai-cache'), 'k', { toolInput: {}, usage: { inputTokens: 0, outputTokens: 0 }, model: 'm', stopReason: null })).toBe(false);
  });
});
