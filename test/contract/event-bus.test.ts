import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '../../src/sdk/events/bus/embedded-event-bus.js';
import { GroupActiveError } from '../../src/sdk/events/bus/event-bus-errors.js';
import { murmur2 } from '../../src/sdk/events/bus/partitioner.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { randomName } from '../support/services.js';
import { eventBusContract } from './event-bus.contract.js';
import { texts } from './event-bus.harness.js';

let sql: SqlClient;
let closed: SqlClient;

beforeAll(async () => {
  [sql, closed] = await Promise.all([openPgliteSqlClient(), openPgliteSqlClient()]);
  await migrate(sql, { dimensions: 8 });
  await closed.close();
}, 60_000);
afterAll(async () => {
  await sql?.close();
});

eventBusContract('embedded (PGlite)', async () => new EmbeddedEventBus({ sql, pollIntervalMs: 50 }), {
  makeUnreachable: async () => new EmbeddedEventBus({ sql: closed, retentionIntervalMs: 0 }),
  unreachableAddress: 'pglite (in memory)',
});

describe('partitioner', () => {
  it("matches Kafka's murmur2 (Java test vectors and kafkajs's implementation)", () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [text, hash] of vectors) expect(murmur2(Buffer.from(text))).toBe(hash);
    const require = createRequire(import.meta.url);
    const reference = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(i % 37);
      expect(murmur2(key)).toBe(reference(key));
    }
  });
});

describe('embedded event log', () => {
  const HOUR = 3_600_000;
  let bus: EmbeddedEventBus;
  beforeAll(() => {
    bus = new EmbeddedEventBus({ sql, pollIntervalMs: 50, retentionIntervalMs: 0 });
  });
  afterAll(async () => {
    await bus?.close();
  });

  async function values(topic: string): Promise<Array<[number, string | null]>> {
    const { rows } = await sql.query<{ offset: string; value: Uint8Array | null }>(
      'SELECT m."offset"::text AS "offset", m.value FROM soma_event_messages m WHERE m.topic = $1 ORDER BY m.partition, m."offset"',
      [topic],
    );
    return rows.map((r) => [Number(r.offset), r.value === null ? null : Buffer.from(r.value).toString()]);
  }

  it('deletes messages older than retention.ms and moves the low watermark', async () => {
    const topic = randomName('soma-ret');
    await bus.createTopics([{ name: topic, partitions: 1, configs: { 'retention.ms': String(HOUR) } }]);
    const now = Date.now();
    await bus.publish(
      [3, 2, 0.5, 0].map((h, i) => ({
        topic,
        key: 'k',
        value: Buffer.from(`m${i}`),
        timestamp: now - h * HOUR,
      })),
    );
    const [result] = await bus.enforceRetention(now, [topic]);
    expect(result).toEqual({ topic, expired: 2, compacted: 0, tombstones: 0 });
    expect(await values(topic)).toEqual([
      [2, 'm2'],
      [3, 'm3'],
    ]);
    expect(await bus.endOffsets(topic)).toEqual([{ partition: 0, low: '2', high: '4' }]);
    // A group behind the low watermark continues at the oldest message left.
    await bus.commit('behind', [{ topic, partition: 0, offset: '1' }]);
    const seen: string[] = [];
    const sub = await bus.subscribe({
      groupId: 'behind',
      topics: [topic],
      eachMessage: async (m) => void seen.push(m.offset),
    });
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(2);
    await sub.stop();
    expect(seen).toEqual(['2', '3']);

    await bus.alterTopicConfigs(topic, { 'retention.ms': '-1' });
    expect((await bus.enforceRetention(now + 100 * HOUR, [topic]))[0]?.expired).toBe(0);
    // Offsets continue after retention emptied a partition.
    await bus.alterTopicConfigs(topic, { 'retention.ms': '1' });
    await bus.enforceRetention(now + HOUR, [topic]);
    expect(await bus.endOffsets(topic)).toEqual([{ partition: 0, low: '4', high: '4' }]);
    expect((await bus.publish([{ topic, key: 'k', value: Buffer.from('x') }]))[0]?.offset).toBe('4');
  });

  it('compacts: keeps the latest message per key, drops old tombstones', async () => {
    const topic = randomName('soma-cmp');
    await bus.createTopics([
      {
        name: topic,
        partitions: 1,
        configs: { 'cleanup.policy': 'compact', 'delete.retention.ms': String(HOUR) },
      },
    ]);
    const now = Date.now();
    await bus.publish([
      { topic, key: 'a', value: Buffer.from('a1'), timestamp: now - 5 * HOUR },
      { topic, key: 'b', value: Buffer.from('b1'), timestamp: now - 5 * HOUR },
      { topic, key: 'a', value: Buffer.from('a2'), timestamp: now - 4 * HOUR },
      { topic, key: 'b', value: null, timestamp: now - 3 * HOUR }, // erasure tombstone, old
      { topic, key: 'c', value: Buffer.from('c1'), timestamp: now - 3 * HOUR },
      { topic, key: 'c', value: null, timestamp: now - 0.1 * HOUR }, // recent tombstone: kept for readers
    ]);
    const [result] = await bus.enforceRetention(now, [topic]);
    expect(result).toEqual({ topic, expired: 0, compacted: 3, tombstones: 1 });
    expect(await values(topic)).toEqual([
      [2, 'a2'],
      [5, null],
    ]);
    // Compaction never moves the low watermark; readers skip the holes.
    expect(await bus.endOffsets(topic)).toEqual([{ partition: 0, low: '0', high: '6' }]);
    const got: Array<string | null> = [];
    const sub = await bus.subscribe({
      groupId: randomName('g'),
      topics: [topic],
      fromBeginning: true,
      eachBatch: async (b) => void got.push(...texts(b.messages)),
    });
    await expect.poll(() => got.length, { timeout: 5000 }).toBe(2);
    await sub.stop();
    expect(got).toEqual(['a2', null]);
  });

  it('compact,delete applies both policies; topics without the policy are untouched', async () => {
    const both = randomName('soma-both');
    const plain = randomName('soma-plain');
    await bus.createTopics([
      {
        name: both,
        partitions: 1,
        configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(2 * HOUR) },
      },
      { name: plain, partitions: 1, configs: { 'retention.ms': '-1' } },
    ]);
    const now = Date.now();
    await bus.publish([
      { topic: both, key: 'a', value: Buffer.from('old'), timestamp: now - 3 * HOUR },
      { topic: both, key: 'b', value: Buffer.from('b1'), timestamp: now - HOUR },
      { topic: both, key: 'b', value: Buffer.from('b2'), timestamp: now },
      { topic: plain, key: 'a', value: Buffer.from('p1'), timestamp: 1 },
      { topic: plain, key: 'a', value: Buffer.from('p2'), timestamp: 2 },
    ]);
    const results = await bus.enforceRetention(now, [both, plain]);
    expect(results.find((r) => r.topic === both)).toMatchObject({ expired: 1, compacted: 1 });
    expect(results.find((r) => r.topic === plain)).toMatchObject({ expired: 0, compacted: 0 });
    expect(await values(both)).toEqual([[2, 'b2']]);
    expect(await values(plain)).toHaveLength(2);
  });

  it('has one member per group on a bus, and refuses to delete a running group', async () => {
    const topic = randomName('soma-one');
    await bus.createTopics([{ name: topic, partitions: 1 }]);
    const groupId = randomName('g');
    const sub = await bus.subscribe({ groupId, topics: [topic], eachMessage: async () => {} });
    await expect(
      bus.subscribe({ groupId, topics: [topic], eachMessage: async () => {} }),
    ).rejects.toBeInstanceOf(GroupActiveError);
    await expect(bus.deleteGroups([groupId])).rejects.toBeInstanceOf(GroupActiveError);
    expect((await bus.listGroups()).map((g) => g.groupId)).toContain(groupId);
    await sub.stop();
    await sub.stop(); // idempotent
    const again = await bus.subscribe({ groupId, topics: [topic], eachMessage: async () => {} });
    await again.stop();
  });

  it('keeps the log across a restart of the data directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'soma-events-'));
    try {
      let db = await openPgliteSqlClient(dir);
      await migrate(db, { dimensions: 8 });
      let local = new EmbeddedEventBus({ sql: db, retentionIntervalMs: 0 });
      await local.createTopics([{ name: 'orders', partitions: 2, configs: { 'retention.ms': '86400000' } }]);
      const published = await local.publish([{ topic: 'orders', key: 'o1', value: Buffer.from('x') }]);
      await local.commit('billing', [
        { topic: 'orders', ...(published[0] as { partition: number }), offset: '1' },
      ]);
      await local.close();
      await db.close();

      db = await openPgliteSqlClient(dir);
      local = new EmbeddedEventBus({ sql: db, retentionIntervalMs: 0 });
      try {
        expect(await local.listTopics()).toEqual([{ name: 'orders', partitions: 2 }]);
        expect((await local.topicConfigs('orders'))['retention.ms']).toBe('86400000');
        const committed = await local.committedOffsets('billing', 'orders');
        expect(committed.find((c) => c.partition === published[0]?.partition)?.offset).toBe('1');
        const next = await local.publish([{ topic: 'orders', key: 'o1', value: Buffer.from('y') }]);
        expect(next[0]).toEqual({ ...published[0], offset: '1' });
      } finally {
        await local.close();
        await db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('is unusable once closed, with a retriable error', async () => {
    const local = new EmbeddedEventBus({ sql, retentionIntervalMs: 0 });
    await local.close();
    await expect(local.listTopics()).rejects.toMatchObject({ code: 'UNAVAILABLE', retriable: true });
  });
});
