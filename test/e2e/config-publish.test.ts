import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '../../src/sdk/events/bus/embedded-event-bus.js';
import { KafkaEventBus } from '../../src/sdk/events/bus/kafka-event-bus.js';
import { type ConfigUpdateLogLine, resolveConfig, subscribeConfigUpdates } from '../../src/sdk/index.js';
import { openRecordsClient } from '../../src/sdk/stores/records/open-records.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { runCli } from '../support/cli.js';
import { expectMatchesSchema } from '../support/json-schema.js';
import { describeWithServices, randomName } from '../support/services.js';

const LONG = 240_000;

describe('somaagent config publish (embedded)', () => {
  const root = mkdtempSync(join(tmpdir(), 'soma-config-publish-'));
  const dataDir = join(root, 'data');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(root, name), text);
    return name;
  };
  const cli = (args: string[], dir = dataDir) =>
    runCli(['config', 'publish', ...args, '--data-dir', dir], { cwd: root, timeoutMs: LONG });
  const untouched = join(root, 'untouched');
  const change = file(
    'change.yaml',
    'log.level: debug\nretention:\n  sessions: 48h\nflags:\n  memory.recall: {enabled: true, rollout: 25}\n',
  );

  it('--dry-run shows the change set, next version and checksum, and creates nothing', async () => {
    const result = await cli([change, '--dry-run', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expectMatchesSchema('config-publish', body);
    expect(body).toMatchObject({
      dryRun: true,
      fromVersion: 0,
      toVersion: 3,
      delivered: false,
      outboxIds: [],
    });
    expect(
      body.changes.map((c: { key: string; version: number; value: unknown }) => [c.version, c.key, c.value]),
    ).toEqual([
      [1, 'log.level', 'debug'],
      [2, 'retention.sessions', '2d'],
      [3, 'memory.recall', { enabled: true, rollout: 25 }],
    ]);
    expect(body.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(dataDir)).toBe(false);

    const human = await cli([change, '--dry-run']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('retention.sessions');
    expect(human.stdout).toContain(
      `Dry run: would publish version 0 → 3, checksum ${body.checksum.slice(0, 12)}`,
    );
  });

  it(
    'publishes through the outbox onto the embedded event log, where a runtime applies it; a repeat changes nothing',
    async () => {
      const result = await cli([
        change,
        '--json',
        '--changed-by',
        'op_17',
        '--reason',
        'debugging',
        '--meta',
        'ticket=OPS-1',
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const body = JSON.parse(result.stdout);
      expectMatchesSchema('config-publish', body);
      expect(body).toMatchObject({
        dryRun: false,
        fromVersion: 0,
        toVersion: 3,
        delivered: true,
        deliveryError: null,
      });
      expect(body.outboxIds).toHaveLength(3);

      // A runtime on the same data directory replays config.updates and reaches the published state.
      const { config } = resolveConfig({ env: {}, cwd: root, flags: { dataDir } });
      const sql = await openRecordsClient(config, 'test');
      const bus = new EmbeddedEventBus({ sql, pollIntervalMs: 25, retentionIntervalMs: 0 });
      try {
        const updates = await subscribeConfigUpdates(bus, config, { log: () => {} });
        const deadline = Date.now() + 30_000;
        while (updates.live.version < 3 && Date.now() < deadline) await sleep(20);
        expect(updates.live.version).toBe(3);
        expect(updates.live.current.checksum).toBe(body.checksum);
        expect(updates.live.current.config.log.level).toBe('debug');
        expect(updates.live.flag('memory.recall')).toEqual({ enabled: true, rollout: 25 });
        await updates.stop();
      } finally {
        await bus.close();
        await sql.close();
      }

      const again = await cli([change]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(
        'Already in effect (skipped): log.level, retention.sessions, memory.recall',
      );
      expect(again.stdout).toContain('Nothing to publish: deployment stays at version 3.');

      const stale = await cli([file('warn.yaml', 'log.level: warn\n'), '--expect-version', '2', '--json']);
      expect(stale.code).toBe(2);
      expect(JSON.parse(stale.stdout).error).toMatchObject({ code: 'CONFIG_VERSION_CONFLICT' });
      const next = await cli(['warn.yaml', '--expect-version', '3']);
      expect(next.code).toBe(0);
      expect(next.stdout).toContain('Published version 3 → 4');
    },
    LONG,
  );

  it('a malformed file exits 2 naming the line and key, with no stack trace and nothing written', async () => {
    const syntax = await cli([file('syntax.yaml', 'log.level: debug\nflags: [\n')], untouched);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/syntax\.yaml is not valid YAML\/JSON:\n {2}- line \d+, column \d+: /);
    expect(syntax.stderr).not.toMatch(/\n\s+at /);

    const bad = await cli(
      [file('bad.json', '{\n  "log.level": "loud",\n  "dataDir": "/elsewhere"\n}\n'), '--json'],
      untouched,
    );
    expect(bad.code).toBe(2);
    const error = JSON.parse(bad.stdout).error;
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.details.problems).toEqual([
      { key: 'log.level', line: 2, message: 'log.level = "loud": expected one of debug, info, warn, error' },
      expect.objectContaining({ key: 'dataDir', line: 3 }),
    ]);
    const human = await cli(['bad.json'], untouched);
    expect(human.stderr).toContain('line 3: dataDir cannot change live (restart-only)');
    expect(human.stderr).toContain('Hint:');

    const missing = await cli(['nowhere.yaml'], untouched);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('change file nowhere.yaml does not exist');
    expect(existsSync(untouched)).toBe(false);
  });

  it('--help shows examples', async () => {
    const help = await runCli(['config', 'publish', '--help'], { cwd: root });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--dry-run');
    expect(help.stdout).toContain('EXAMPLES');
  });
});

describeWithServices(['postgres', 'kafka'], 'somaagent config publish (cluster)', (addresses) => {
  // A database of its own (its `public` schema gets the migrations) and a topic of its own.
  const database = randomName('soma_cfgpub').replace(/-/g, '_');
  const topic = randomName('soma-cfg-e2e');
  const root = mkdtempSync(join(tmpdir(), 'soma-config-publish-cluster-'));
  const address = (service: 'postgres' | 'kafka'): string => {
    const get = addresses[service];
    if (!get) throw new Error(`no ${service} address`);
    return get();
  };
  const postgres = () => address('postgres');
  const brokers = () => address('kafka').split(',');
  const url = () => Object.assign(new URL(postgres()), { pathname: `/${database}` }).toString();
  const admin = () => pgSqlClient({ url: postgres(), connectTimeoutMs: 3000, requestTimeoutMs: 30_000 });
  const cli = (args: string[], sets: string[] = [`kafka.brokers=${brokers().join(',')}`]) =>
    runCli(
      [
        'config',
        'publish',
        ...args,
        '--profile',
        'cluster',
        '--topic',
        topic,
        '--set',
        `postgres.url=${url()}`,
        ...sets.flatMap((s) => ['--set', s]),
      ],
      { cwd: root, timeoutMs: LONG },
    );

  beforeAll(async () => {
    const client = await admin();
    try {
      await client.query(`CREATE DATABASE "${database}"`);
    } finally {
      await client.close();
    }
  });
  afterAll(async () => {
    const bus = new KafkaEventBus({ brokers: brokers() });
    await bus.deleteTopics([topic]).catch(() => {});
    await bus.close();
    const client = await admin();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await client.close();
    }
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'publishes to Kafka; with Kafka down the version is committed and queued, and reaches Kafka in order later',
    async () => {
      writeFileSync(join(root, 'a.yaml'), 'log.level: warn\n');
      writeFileSync(join(root, 'b.yaml'), 'retention:\n  audit: 30d\nflags:\n  memory.recall: true\n');
      writeFileSync(join(root, 'c.yaml'), 'log.level: error\n');

      const first = await cli(['a.yaml', '--json']);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const published = JSON.parse(first.stdout);
      expectMatchesSchema('config-publish', published);
      expect(published).toMatchObject({ profile: 'cluster', topic, toVersion: 1, delivered: true });
      expect(published.bus).toContain(brokers()[0]);

      const down = await cli(
        ['b.yaml', '--json', '--wait', '3s'],
        ['kafka.brokers=127.0.0.1:1', 'timeouts.connect=1s', 'timeouts.request=2s'],
      );
      expect(down.code).toBe(0);
      expect(down.stderr).toContain('version 3 is committed but not on the bus yet');
      const queued = JSON.parse(down.stdout);
      expect(queued).toMatchObject({ fromVersion: 1, toVersion: 3, delivered: false });
      expect(queued.deliveryError).toMatch(/127\.0\.0\.1:1/);

      const last = await cli(['c.yaml', '--json']);
      expect(last.code).toBe(0);
      const final = JSON.parse(last.stdout);
      expect(final).toMatchObject({ fromVersion: 3, toVersion: 4, delivered: true });

      // A runtime on Kafka sees versions 1 to 4 in order (the queued ones were relayed first) and applies all.
      const bus = new KafkaEventBus({ brokers: brokers() });
      try {
        const { config } = resolveConfig({ env: {}, cwd: root });
        const lines: ConfigUpdateLogLine[] = [];
        const updates = await subscribeConfigUpdates(bus, config, { topic, log: (line) => lines.push(line) });
        const deadline = Date.now() + 30_000;
        while (updates.live.version < 4 && Date.now() < deadline) await sleep(20);
        expect(updates.live.version).toBe(4);
        expect(updates.live.current.checksum).toBe(final.checksum);
        expect(updates.live.current.config.log.level).toBe('error');
        expect(updates.live.current.config.retention.audit).toBe(30 * 86_400_000);
        expect(lines.filter((l) => l.event === 'config_update_rejected')).toEqual([]);
        await updates.stop();
      } finally {
        await bus.close();
      }
    },
    LONG,
  );
});
