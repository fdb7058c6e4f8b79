import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  describeConfig,
  formatDuration,
  parseDuration,
  resolveConfig,
} from '../../src/sdk/index.js';

const DAY = 86_400_000;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'soma-config-'));
}

function configError(work: () => unknown): ConfigError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('uses the defaults of the data-flow table when nothing is set', () => {
    const { config, origins } = resolveConfig({ env: {}, cwd: tempDir() });
    expect(config.profile).toBe('embedded');
    expect(config.environment).toBe('dev');
    expect(config.retention).toEqual({
      sessions: DAY,
      vectors: 90 * DAY,
      audit: 180 * DAY,
      objects: 365 * DAY,
    });
    expect(origins['redis.url']).toEqual({ source: 'default', from: 'default' });
  });

  it('defaults the session TTL to 7 days in prod', () => {
    const { config } = resolveConfig({ env: { SOMA_ENVIRONMENT: 'prod' }, cwd: tempDir() });
    expect(config.retention.sessions).toBe(7 * DAY);
  });

  it('resolves flag over env over file over default, and records each source', () => {
    const cwd = tempDir();
    writeFileSync(
      join(cwd, 'somaagent.config.yaml'),
      'redis:\n  url: redis://file:6379\n  keyPrefix: fromfile\nkafka:\n  brokers: [a:1, b:2]\nserver:\n  port: 9000\n',
    );
    const { config, origins, file } = resolveConfig({
      cwd,
      env: { SOMA_REDIS_URL: 'redis://env:6379', SOMA_SERVER_PORT: '9001' },
      flags: { 'server.port': '9002' },
    });
    expect(file).toBe(join(cwd, 'somaagent.config.yaml'));
    expect(config.server.port).toBe(9002);
    expect(origins['server.port']).toEqual({ source: 'flag', from: '--set server.port' });
    expect(config.redis.url).toBe('redis://env:6379');
    expect(origins['redis.url']).toEqual({ source: 'env', from: 'SOMA_REDIS_URL' });
    expect(config.redis.keyPrefix).toBe('fromfile');
    expect(origins['redis.keyPrefix']?.source).toBe('file');
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.vector.dimensions).toBe(384);
  });

  it('reads JSON files and an explicit --config path', () => {
    const cwd = tempDir();
    const path = join(cwd, 'custom.json');
    writeFileSync(path, JSON.stringify({ profile: 'cluster', retention: { vectors: '30d' } }));
    const { config, origins } = resolveConfig({ cwd, env: {}, configFile: 'custom.json' });
    expect(config.profile).toBe('cluster');
    expect(config.retention.vectors).toBe(30 * DAY);
    expect(origins.profile).toEqual({ source: 'file', from: path });
  });

  it('names every bad key with its value, source and expected form', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'somaagent.config.json'), JSON.stringify({ retention: { audit: 'forever' } }));
    const error = configError(() =>
      resolveConfig({
        cwd,
        env: { SOMA_REDIS_URL: 'http://x', SOMA_PROFILE: 'big' },
        flags: { 'server.port': '70000' },
      }),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('redis.url = "http://x" (from env SOMA_REDIS_URL): expected a redis://');
    expect(error.message).toContain(
      'profile = "big" (from env SOMA_PROFILE): expected one of embedded, cluster',
    );
    expect(error.message).toContain(
      'server.port = "70000" (from flag --set server.port): expected an integer',
    );
    expect(error.message).toMatch(
      /retention\.audit = "forever" \(from file .*somaagent\.config\.json\): expected a duration/,
    );
    expect(error.hint).toBeTruthy();
  });

  it('rejects unknown keys in files and flags, suggesting the close one', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'somaagent.config.yaml'), 'redis:\n  keyprefix: x\n');
    const error = configError(() => resolveConfig({ cwd, env: {}, flags: { 'nope.key': '1' } }));
    expect(error.message).toContain('redis.keyprefix');
    expect(error.message).toContain('did you mean redis.keyPrefix?');
    expect(error.message).toContain('nope.key (from flag): unknown key');
  });

  it('fails clearly on a missing explicit file and on unparsable syntax', () => {
    const cwd = tempDir();
    expect(configError(() => resolveConfig({ cwd, env: {}, configFile: 'missing.yaml' })).message).toContain(
      'does not exist',
    );
    writeFileSync(join(cwd, 'somaagent.config.yaml'), 'redis: [unclosed\n');
    expect(configError(() => resolveConfig({ cwd, env: {} })).message).toContain('could not be parsed');
  });

  it('warns about SOMA_* variables that are not settings, but not about test variables', () => {
    const { warnings } = resolveConfig({
      cwd: tempDir(),
      env: { SOMA_REDIS_ULR: 'x', SOMA_TEST_REDIS_URL: 'redis://x:1' },
    });
    expect(warnings).toEqual([
      'environment variable SOMA_REDIS_ULR is not a somaagent setting and was ignored',
    ]);
  });

  it('returns a deeply frozen object', () => {
    const { config } = resolveConfig({ cwd: tempDir(), env: {} });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.redis)).toBe(true);
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
    expect(() => {
      (config.redis as { url: string }).url = 'redis://other:1';
    }).toThrow(TypeError);
  });

  it('resolves dataDir against the working directory', () => {
    const cwd = tempDir();
    expect(resolveConfig({ cwd, env: {} }).config.dataDir).toBe(join(cwd, '.somaagent'));
  });
});

describe('describeConfig', () => {
  it('masks secrets and URL passwords', () => {
    const resolved = resolveConfig({
      cwd: tempDir(),
      env: {
        SOMA_S3_SECRET_ACCESS_KEY: 'topsecret',
        SOMA_POSTGRES_URL: 'postgres://app:hunter2@db:5432/soma',
        SOMA_QDRANT_API_KEY: 'qkey',
      },
    });
    const rows = describeConfig(resolved);
    const text = JSON.stringify(rows);
    expect(text).not.toContain('topsecret');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('qkey');
    expect(rows.find((r) => r.key === 'postgres.url')?.value).toBe('postgres://app:********@db:5432/soma');
    expect(rows.find((r) => r.key === 's3.secretAccessKey')).toMatchObject({
      value: '********',
      source: 'env',
    });
    expect(rows.find((r) => r.key === 'retention.vectors')?.value).toBe('90d');
  });
});

describe('durations', () => {
  it('parses and formats', () => {
    expect(parseDuration('24h')).toBe(DAY);
    expect(parseDuration('1y')).toBe(365 * DAY);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    for (const bad of ['', '0d', '-1d', '10', 'abc', '5 days']) expect(parseDuration(bad)).toBeUndefined();
    expect(formatDuration(7 * DAY)).toBe('7d');
    expect(formatDuration(36 * 3_600_000)).toBe('36h');
    expect(formatDuration(1500)).toBe('1500ms');
  });
});
