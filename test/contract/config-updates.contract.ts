import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../../src/sdk/events/outbox/outbox-relay.js';
import {
  type ConfigUpdate,
  type ConfigUpdateLogLine,
  type ConfigUpdatesSubscription,
  createEventCodec,
  type EventBus,
  ensureConfigUpdatesTopic,
  type LiveConfigChange,
  loadLiveConfigSnapshot,
  loadSchemaCatalog,
  publishConfigUpdate,
  resolveConfig,
  subscribeConfigUpdates,
} from '../../src/sdk/index.js';
import type { Records } from '../../src/sdk/stores/records/records.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { randomName } from '../support/services.js';

const base = resolveConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'soma-cfg-upd-')) }).config;
const catalog = loadSchemaCatalog();
const codec = createEventCodec({ catalog });

/** How the suite reaches a bus, and the records database the publisher writes to. */
export interface ConfigUpdatesHarness {
  /** A bus for the run; `sql` is the records database (the embedded bus lives in it too). */
  openBus(sql: SqlClient): Promise<EventBus>;
}

/** Waits until `check` holds (polling), failing with `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Publisher → outbox → relay → bus → subscriber, run unchanged on the embedded event log and on Kafka, each
 * case on a topic of its own.
 */
export function configUpdatesContract(name: string, harness: ConfigUpdatesHarness): void {
  describe(`config updates end to end: ${name}`, () => {
    let sql: SqlClient;
    let records: Records;
    let bus: EventBus;
    let relay: OutboxRelay;
    const topics: string[] = [];
    const running: ConfigUpdatesSubscription[] = [];

    beforeAll(async () => {
      sql = await openPgliteSqlClient();
      await migrate(sql, { dimensions: 8 });
      records = createRecords(sql);
      bus = await harness.openBus(sql);
      relay = new OutboxRelay(records.outbox, bus, { retryBaseMs: 100, retryMaxMs: 500 });
    });
    afterAll(async () => {
      for (const s of running) await s.stop().catch(() => {});
      if (bus) {
        await bus.deleteTopics(topics).catch(() => {});
        await bus.close();
      }
      await sql?.close();
    });

    /** A fresh topic and tenant (its own version sequence), and a subscriber that records what it sees. */
    async function setup(options: { fromBeginning?: boolean; recover?: boolean } = {}) {
      const topic = randomName('soma-cfg');
      const tenant = randomName('tenant');
      topics.push(topic);
      await ensureConfigUpdatesTopic(bus, topic);
      const subscriber = await follow(topic, tenant, options);
      const publish = async (input: Parameters<typeof publishConfigUpdate>[1]) => {
        const result = await publishConfigUpdate({ records }, input, { tenant, topic, changedBy: 'op_1' });
        expect(await relay.flush(30_000)).toBe(true);
        return result;
      };
      return { topic, tenant, publish, ...subscriber };
    }

    async function follow(
      topic: string,
      tenant: string,
      options: { fromBeginning?: boolean; recover?: boolean },
    ) {
      const lines: ConfigUpdateLogLine[] = [];
      const changes: LiveConfigChange[] = [];
      const subscription = await subscribeConfigUpdates(bus, base, {
        topic,
        tenant,
        fromBeginning: options.fromBeginning ?? true,
        log: (line) => lines.push(line),
        onChange: (change) => changes.push(change),
        ...(options.recover ? { recover: () => loadLiveConfigSnapshot(records, tenant) } : {}),
      });
      running.push(subscription);
      const rejected = () => lines.filter((l) => l.event === 'config_update_rejected');
      return { subscription, live: subscription.live, lines, changes, rejected };
    }

    /** The encoded event of a published version, as the relay wrote it, read back from the bus. */
    async function publishedEvents(topic: string, count: number): Promise<ConfigUpdate[]> {
      const found: ConfigUpdate[] = [];
      const reader = await bus.subscribe({
        groupId: randomName('soma-cfg-read'),
        topics: [topic],
        fromBeginning: true,
        eachMessage: async (m) => {
          if (m.value) found.push((await codec.decode<ConfigUpdate>(m.value, 'config_update')).value);
        },
      });
      try {
        await until(`${count} events on ${topic}`, () => found.length >= count);
        return found;
      } finally {
        await reader.stop();
      }
    }

    it('applies a change set atomically, then the next one, and a late runtime catches up to the same state', async () => {
      const { publish, live, changes, topic, tenant } = await setup();
      // One partition, kept without a time limit, so a runtime started later can replay every version.
      expect((await bus.listTopics()).find((t) => t.name === topic)?.partitions).toBe(1);
      expect((await bus.topicConfigs(topic))['retention.ms']).toBe('-1');
      const first = await publish({ config: { 'log.level': 'debug', 'retention.sessions': '48h' } });
      expect(first).toMatchObject({ fromVersion: 0, toVersion: 2, scope: `tenant:${tenant}` });
      await until('version 2', () => live.version === 2);
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({
        version: 2,
        keys: ['log.level', 'retention.sessions'],
        checksum: first.checksum,
      });
      expect(live.current.config.log.level).toBe('debug');
      expect(live.current.config.retention.sessions).toBe(2 * 86_400_000);

      const second = await publish({
        flags: { 'memory.recall': { enabled: true, rollout: 30 } },
        config: { 'log.level': null },
      });
      await until('version 4', () => live.version === 4);
      expect(live.current.checksum).toBe(second.checksum);
      expect(live.flag('memory.recall')).toEqual({ enabled: true, rollout: 30 });
      expect(live.current.config.log.level).toBe(base.log.level);

      const late = await follow(topic, tenant, {});
      await until('the late runtime at version 4', () => late.live.version === 4);
      expect(late.live.current.checksum).toBe(second.checksum);
      expect(late.changes.map((c) => c.version)).toEqual([2, 4]);
      expect(late.rejected()).toEqual([]);
    });

    it('rejects stale, tampered, out-of-order and undecodable messages, keeps its config, and carries on', async () => {
      const { publish, live, rejected, topic, tenant } = await setup();
      await publish({ config: { 'log.level': 'warn' } });
      await until('version 1', () => live.version === 1);
      const view = live.current;
      const [v1] = await publishedEvents(topic, 1);
      const encode = async (update: ConfigUpdate) => codec.encode('config_update', update);
      const key = `tenant:${tenant}`;
      const send = async (value: Buffer | null) => bus.publish([{ topic, key, value }]);

      await send(await encode(v1 as ConfigUpdate)); // a re-delivery
      await send(
        await encode({
          ...(v1 as ConfigUpdate),
          version: 2,
          previousVersion: 1,
          value: '"error"',
          checksum: 'ab'.repeat(32),
        }),
      );
      await send(await encode({ ...(v1 as ConfigUpdate), version: 5, previousVersion: 4 }));
      await send(Buffer.from('not avro at all'));
      await send(null);
      await until('five rejections', () => rejected().length >= 5);
      expect(rejected().map((l) => [l.reason, l.version])).toEqual([
        ['stale', 1],
        ['checksum-mismatch', 2],
        ['out-of-order', 5],
        ['malformed', null],
        ['malformed', null],
      ]);
      for (const line of rejected()) {
        expect(line.runningVersion).toBe(1);
        expect(line.source).toMatch(new RegExp(`^${topic.replace(/\./g, '\\.')}\\[0\\]@\\d+$`));
      }
      expect(live.current).toBe(view);

      await publish({ config: { 'log.level': 'error' } });
      await until('version 2', () => live.version === 2);
      expect(live.current.config.log.level).toBe('error');
    });

    it('after a gap, recovers from the Records snapshot and follows on', async () => {
      const topic = randomName('soma-cfg');
      const tenant = randomName('tenant');
      topics.push(topic);
      await ensureConfigUpdatesTopic(bus, topic);
      const publish = async (input: Parameters<typeof publishConfigUpdate>[1]) => {
        await publishConfigUpdate({ records }, input, { tenant, topic });
        expect(await relay.flush(30_000)).toBe(true);
      };
      await publish({ config: { 'retention.audit': '30d' } });
      await publish({ config: { 'retention.audit': '31d' } });
      // Starts at the end of the topic with nothing applied: the next update shows a gap (1 and 2 missed).
      const { live, lines, rejected } = await follow(topic, tenant, { fromBeginning: false, recover: true });
      await publish({ config: { 'retention.objects': '2y' } });
      await until('version 3', () => live.version === 3);
      expect(live.current.config.retention.audit).toBe(31 * 86_400_000);
      expect(live.current.config.retention.objects).toBe(2 * 365 * 86_400_000);
      expect(rejected().map((l) => [l.reason, l.version, l.level])).toEqual([
        ['out-of-order', 3, 'warn'],
        ['stale', 3, 'debug'],
      ]);
      expect(lines.some((l) => l.event === 'config_snapshot_applied')).toBe(true);
      await publish({ config: { 'log.level': 'warn' } });
      await until('version 4', () => live.version === 4);
    });
  });
}
