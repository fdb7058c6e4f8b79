import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { DeliveredBatch } from '../../src/sdk/events/bus/event-bus.js';
import { partitionForKey } from '../../src/sdk/events/bus/partitioner.js';
import {
  type BusFixture,
  collect,
  eventually,
  freshTopic,
  newGroup,
  nums,
  texts,
} from './event-bus.harness.js';

/** Two keys that land on different partitions of a two-partition topic. */
function keysOnTwoPartitions(): [string, string] {
  const first = 'key-a';
  for (let i = 0; ; i++) {
    const other = `key-b${i}`;
    if (partitionForKey(Buffer.from(other), 2) !== partitionForKey(Buffer.from(first), 2))
      return [first, other];
  }
}

/** Subscriptions: delivery, commits, seeks and handler failures. Part of {@link eventBusContract}. */
export function eventBusDeliveryContract(fixture: BusFixture): void {
  describe('delivery', () => {
    it('delivers everything from the beginning: order per key, binary headers, tombstones, timestamps', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 2);
      const t0 = Date.now() - 60_000;
      const binary = Buffer.from([0, 255, 1, 128]);
      await bus.publish([
        { topic, key: 'a', value: Buffer.from('a1'), headers: { bin: binary, text: 'héllo' }, timestamp: t0 },
        { topic, key: 'b', value: Buffer.from('b1'), timestamp: t0 + 1 },
        { topic, key: 'a', value: Buffer.from('a2'), timestamp: t0 + 2 },
        { topic, key: 'a', value: null, timestamp: t0 + 3 },
        { topic, key: Buffer.from([0, 1, 2]), value: Buffer.from([9, 0, 9]), timestamp: t0 + 4 },
      ]);
      const c = await collect(fixture, { groupId: newGroup(fixture), topics: [topic], fromBeginning: true });
      const got = await c.waitFor(5);
      await c.stop();
      expect(texts(got.filter((m) => m.key?.toString() === 'a'))).toEqual(['a1', 'a2', null]);
      const first = got.find((m) => m.value?.toString() === 'a1');
      expect(first?.headers.bin).toEqual(binary);
      expect(first?.headers.text?.toString('utf8')).toBe('héllo');
      expect(first?.timestamp).toBe(t0);
      expect(first?.topic).toBe(topic);
      expect(first?.partition).toBe(partitionForKey(Buffer.from('a'), 2));
      expect(first?.offset).toBe('0');
      const bytes = got.find((m) => m.key?.equals(Buffer.from([0, 1, 2])));
      expect(bytes?.value).toEqual(Buffer.from([9, 0, 9]));
      expect(bytes?.headers).toEqual({});
      expect(got.find((m) => m.value === null)?.timestamp).toBe(t0 + 3);
    });

    it('delivers a long partition in offset order across batches, each message once', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      const count = 230;
      for (let start = 0; start < count; start += 100) {
        const size = Math.min(100, count - start);
        await bus.publish(
          Array.from({ length: size }, (_, i) => ({
            topic,
            key: 'k',
            value: Buffer.from(String(start + i)),
          })),
        );
      }
      const group = newGroup(fixture);
      const c = await collect(fixture, {
        groupId: group,
        topics: [topic],
        fromBeginning: true,
        maxBatchSize: 40,
      });
      await c.waitFor(count);
      await sleep(300);
      await c.stop();
      expect(c.messages.map((m) => Number(m.offset))).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(texts(c.messages)).toEqual(Array.from({ length: count }, (_, i) => String(i)));
    });

    it('resumes a group after its committed offset; groups are independent', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      await bus.publish(
        ['m0', 'm1', 'm2', 'm3', 'm4'].map((v) => ({ topic, key: 'k', value: Buffer.from(v) })),
      );
      const group = newGroup(fixture);
      const c1 = await collect(fixture, { groupId: group, topics: [topic], fromBeginning: true });
      await c1.waitFor(5);
      await c1.subscription.commit([{ topic, partition: 0, offset: '3' }]);
      await c1.stop();
      expect(nums(await bus.committedOffsets(group, topic))).toEqual([3]);

      const other = newGroup(fixture);
      expect(nums(await bus.committedOffsets(other, topic))).toEqual([null]);
      const c2 = await collect(fixture, { groupId: other, topics: [topic], fromBeginning: true });
      expect(texts(await c2.waitFor(5))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
      await bus.commit(other, [{ topic, partition: 0, offset: '5' }]);
      await c2.stop();

      const c3 = await collect(fixture, { groupId: group, topics: [topic], fromBeginning: true });
      await c3.waitFor(2);
      await sleep(300);
      await c3.stop();
      expect(c3.messages.map((m) => m.offset)).toEqual(['3', '4']);
      expect(nums(await bus.committedOffsets(group, topic))).toEqual([3]); // nothing auto-committed
      expect(nums(await bus.committedOffsets(other, topic))).toEqual([5]);
    });

    it('starts at the end without fromBeginning', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 2);
      await bus.publish([{ topic, key: 'k', value: Buffer.from('old') }]);
      const c = await collect(fixture, { groupId: newGroup(fixture), topics: [topic] });
      await bus.publish([{ topic, key: 'k', value: Buffer.from('new') }]);
      await c.waitFor(1);
      await sleep(300);
      await c.stop();
      expect(texts(c.messages)).toEqual(['new']);
    });

    it('delivers batches and auto-commits what was handled', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 2);
      await bus.publish(
        ['a', 'b', 'c', 'd', 'e', 'f'].map((key) => ({ topic, key, value: Buffer.from(key) })),
      );
      const group = newGroup(fixture);
      const batches: DeliveredBatch[] = [];
      const subscription = await bus.subscribe({
        groupId: group,
        topics: [topic],
        fromBeginning: true,
        autoCommit: true,
        maxBatchSize: 2,
        eachBatch: async (batch) => {
          batches.push(batch);
        },
      });
      fixture.subscriptions.push(subscription);
      await eventually(() => batches.reduce((n, b) => n + b.messages.length, 0) >= 6);
      const ends = await bus.endOffsets(topic);
      await eventually(async () => {
        const committed = await bus.committedOffsets(group, topic);
        return committed.every((c, i) => c.offset === ends[i]?.high);
      });
      await subscription.stop();
      for (const batch of batches) {
        expect(batch.topic).toBe(topic);
        expect(batch.messages.every((m) => m.partition === batch.partition)).toBe(true);
        expect(batch.messages.length).toBeGreaterThan(0);
        expect(batch.messages.length).toBeLessThanOrEqual(2);
        expect(BigInt(batch.highWatermark)).toBeGreaterThanOrEqual(
          BigInt(batch.messages.at(-1)?.offset ?? 0) + 1n,
        );
      }
    });

    it('seeks a running subscription by offset, and a stopped group by offset and timestamp', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      const t0 = Date.now() - 120_000;
      await bus.publish(
        [0, 1, 2].map((i) => ({ topic, key: 'k', value: Buffer.from(`m${i}`), timestamp: t0 + i * 1000 })),
      );
      const group = newGroup(fixture);
      const c = await collect(fixture, { groupId: group, topics: [topic], fromBeginning: true });
      await c.waitFor(3);
      await bus.seek(group, topic, 0, '1');
      await c.waitFor(5);
      await sleep(300);
      await c.stop();
      expect(texts(c.messages)).toEqual(['m0', 'm1', 'm2', 'm1', 'm2']);
      expect(nums(await bus.committedOffsets(group, topic))).toEqual([1]);

      await bus.seek(group, topic, 0, '0');
      expect(nums(await bus.committedOffsets(group, topic))).toEqual([0]);
      expect(await bus.seekToTimestamp(group, topic, t0 + 1500)).toEqual([{ partition: 0, offset: '2' }]);
      expect(nums(await bus.committedOffsets(group, topic))).toEqual([2]);
      const again = await collect(fixture, { groupId: group, topics: [topic], fromBeginning: true });
      await again.waitFor(1);
      await sleep(300);
      await again.stop();
      expect(texts(again.messages)).toEqual(['m2']);
    });

    it('re-delivers after a handler error without committing it, and keeps other partitions flowing', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 2);
      const [slow, fast] = keysOnTwoPartitions();
      const slowPartition = partitionForKey(Buffer.from(slow), 2);
      await bus.publish([
        { topic, key: slow, value: Buffer.from('s1') },
        { topic, key: slow, value: Buffer.from('s2') },
        { topic, key: fast, value: Buffer.from('f1') },
        { topic, key: fast, value: Buffer.from('f2') },
      ]);
      const group = newGroup(fixture);
      let failuresLeft = 2;
      let committedWhileFailing: Array<number | null> = [];
      const c = await collect(fixture, {
        groupId: group,
        topics: [topic],
        fromBeginning: true,
        autoCommit: true,
        retryDelayMs: 200,
        handle: async (message) => {
          if (message.value?.toString() === 's1' && failuresLeft > 0) {
            failuresLeft -= 1;
            throw new Error('handler failed');
          }
        },
        onError: async (failure) => {
          committedWhileFailing = nums(await bus.committedOffsets(group, topic));
          return failure.attempt >= 99 ? 'skip' : undefined;
        },
      });
      await c.waitFor(4);
      await c.stop();
      expect(texts(c.messages.filter((m) => m.partition === slowPartition))).toEqual(['s1', 's2']);
      expect(texts(c.messages.filter((m) => m.partition !== slowPartition))).toEqual(['f1', 'f2']);
      expect(c.failures.map((f) => f.attempt)).toEqual([1, 2]);
      expect(c.failures[0]?.messages.map((m) => m.offset)).toEqual(['0']);
      expect(c.failures[0]?.partition).toBe(slowPartition);
      expect(c.failures[0]?.error).toMatchObject({ message: 'handler failed' });
      expect(committedWhileFailing[slowPartition] ?? 0).toBe(0);
      const committed = await bus.committedOffsets(group, topic);
      expect(committed.map((x) => x.offset)).toEqual(['2', '2']);
    });

    it('skips a poison message when onError says so', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      await bus.publish(['ok1', 'poison', 'ok2'].map((v) => ({ topic, key: 'k', value: Buffer.from(v) })));
      const c = await collect(fixture, {
        groupId: newGroup(fixture),
        topics: [topic],
        fromBeginning: true,
        retryDelayMs: 50,
        handle: (message) => {
          if (message.value?.toString() === 'poison') throw new Error('poison');
        },
        onError: (failure) => (failure.attempt >= 2 ? 'skip' : 'retry'),
      });
      await c.waitFor(2);
      await sleep(200);
      await c.stop();
      expect(texts(c.messages)).toEqual(['ok1', 'ok2']);
      expect(c.failures.map((f) => [f.attempt, f.messages[0]?.offset])).toEqual([
        [1, '1'],
        [2, '1'],
      ]);
    });
  });
}
