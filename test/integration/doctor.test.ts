import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { expectMatchesSchema } from '../support/json-schema.js';
import { describeWithServices, testEnv } from '../support/services.js';

describeWithServices(['redis', 'postgres', 'kafka', 's3'], 'doctor against the real engines', (address) => {
  const env = () => ({
    SOMA_PROFILE: 'cluster',
    SOMA_REDIS_URL: address.redis?.() as string,
    SOMA_POSTGRES_URL: address.postgres?.() as string,
    SOMA_KAFKA_BROKERS: address.kafka?.() as string,
    SOMA_S3_ENDPOINT: address.s3?.() as string,
    SOMA_S3_ACCESS_KEY_ID: testEnv('SOMA_TEST_S3_ACCESS_KEY') ?? 'test',
    SOMA_S3_SECRET_ACCESS_KEY: testEnv('SOMA_TEST_S3_SECRET_KEY') ?? 'test',
  });
  const cwd = () => mkdtempSync(join(tmpdir(), 'soma-doctor-'));

  it('lists Redis, Postgres, Kafka and S3 as reachable with their versions, exit 0', async () => {
    const result = await runCli(['doctor', '--json'], { env: env(), cwd: cwd() });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expectMatchesSchema('doctor', report);
    const byEngine = Object.fromEntries(report.engines.map((e: { engine: string }) => [e.engine, e]));
    expect(Object.keys(byEngine).sort()).toEqual(['kafka', 'postgres', 'redis', 's3']);
    expect(byEngine.redis).toMatchObject({
      reachable: true,
      version: expect.stringMatching(/^Redis \d+\.\d+/),
    });
    expect(byEngine.postgres).toMatchObject({
      reachable: true,
      version: expect.stringMatching(/^PostgreSQL \d+/),
    });
    expect(byEngine.kafka).toMatchObject({
      reachable: true,
      version: expect.stringMatching(/^Kafka \d+\.\d+/),
    });
    expect(byEngine.kafka.details.kraft).toBe(true);
    expect(byEngine.s3.reachable).toBe(true);
    for (const engine of report.engines) expect(engine.latencyMs).toBeGreaterThan(0);
  });

  it('prints a table for people', async () => {
    const result = await runCli(['doctor'], { env: env(), cwd: cwd() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/redis\s+│ \S+\s+│ reachable/);
    expect(result.stdout).toContain('All engines reachable.');
  });

  it.each([
    ['redis', { SOMA_REDIS_URL: 'redis://127.0.0.1:1' }, '127.0.0.1:1'],
    ['postgres', { SOMA_POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/test' }, '127.0.0.1:1/test'],
    ['kafka', { SOMA_KAFKA_BROKERS: '127.0.0.1:1' }, '127.0.0.1:1'],
    ['s3', { SOMA_S3_ENDPOINT: 'http://127.0.0.1:1' }, 'http://127.0.0.1:1'],
  ])('a wrong %s port exits 2 naming the engine and the address', async (engine, override, addressText) => {
    const started = Date.now();
    const result = await runCli(['doctor'], { env: { ...env(), ...override }, cwd: cwd() });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(
      new RegExp(`${engine}\\s+│ ${addressText.replace(/[./]/g, '\\$&')}\\s+│ UNREACHABLE`),
    );
    expect(result.stdout).toMatch(
      new RegExp(`${engine}: .*${addressText.replace(/[./]/g, '\\$&')}.*unreachable`, 'i'),
    );
    expect(result.stdout).toContain('→ ');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    // Bounded by timeouts.connect, not a hang (generous bound for a shared machine).
    expect(Date.now() - started).toBeLessThan(45_000);
  });
});
