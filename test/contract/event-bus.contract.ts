import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, UnavailableError } from '../../src/sdk/errors.js';
import { partitionForKey } from '../../src/sdk/events/bus/partitioner.js';
import { eventBusDeliveryContract } from './event-bus.delivery.contract.js';
import {
  type BusFixture,
  cleanUp,
  type EventBusContractOptions,
  freshTopic,
  type MakeEventBus,
  newGroup,
  newTopicName,
  nums,
} from './event-bus.harness.js';

export type { EventBusContractOptions, MakeEventBus } from './event-bus.harness.js';

const BAD_TOPICS: ReadonlyArray<[string, unknown]> = [
  ['empty', ''],
  ['whitespace', ' '],
  ['too long', 'x'.repeat(250)],
  ['newline', 'a\nb'],
  ['slash', 'a/b'],
  ['dot', '.'],
  ['dot dot', '..'],
  ['not a string', 7],
];
const BAD_GROUPS: ReadonlyArray<[string, unknown]> = [
  ['empty', ''],
  ['whitespace', ' \t '],
  ['too long', 'g'.repeat(257)],
  ['NUL', 'a\u0000b'],
  ['not a string', null],
];

/** The EventBus contract, run unchanged against every adapter. */
export function eventBusContract(
  adapterName: string,
  makeBus: MakeEventBus,
  options: EventBusContractOptions,
): void {
  describe(`EventBus contract: ${adapterName}`, () => {
    const fixture = { topics: [], groups: [], subscriptions: [] } as unknown as BusFixture;

    beforeAll(async () => {
      fixture.bus = await makeBus();
    });
    afterAll(async () => {
      await cleanUp(fixture);
    });

    it('creates topics idempotently and lists them with their partitions', async () => {
      const { bus } = fixture;
      const a = newTopicName(fixture);
      const b = newTopicName(fixture);
      expect(await bus.createTopics([{ name: a, partitions: 3 }])).toEqual([a]);
      expect(
        (
          await bus.createTopics([
            { name: a, partitions: 5 },
            { name: b, partitions: 1 },
          ])
        ).sort(),
      ).toEqual([b]);
      const listed = (await bus.listTopics()).filter((t) => t.name === a || t.name === b);
      expect(listed).toEqual([a, b].sort().map((name) => ({ name, partitions: name === a ? 3 : 1 })));
      expect(await bus.endOffsets(a)).toEqual(
        [0, 1, 2].map((partition) => ({ partition, low: '0', high: '0' })),
      );
    });

    it('publishes a batch: offsets per partition increase from the high watermark, in input order', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 3);
      const keys = ['k1', 'k2', 'k3', 'k1', 'k2', 'k1'];
      const first = await bus.publish(keys.map((key, i) => ({ topic, key, value: Buffer.from(`v${i}`) })));
      expect(first).toHaveLength(keys.length);
      const second = await bus.publish([{ topic, key: 'k1', value: Buffer.from('later') }]);
      const perPartition = new Map<number, number[]>();
      for (const r of [...first, ...second]) {
        expect(r.topic).toBe(topic);
        perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), Number(r.offset)]);
      }
      for (const offsets of perPartition.values()) expect(offsets).toEqual(offsets.map((_, i) => i));
      // Same key, same partition: Kafka's murmur2 partitioner.
      keys.forEach((key, i) => {
        expect(first[i]?.partition).toBe(partitionForKey(Buffer.from(key), 3));
      });
      expect(second[0]?.partition).toBe(first[0]?.partition);
      const ends = await bus.endOffsets(topic);
      expect(ends.map((e) => Number(e.high)).reduce((x, y) => x + y, 0)).toBe(7);
      for (const end of ends) expect(Number(end.high)).toBe(perPartition.get(end.partition)?.length ?? 0);
      expect(await bus.publish([])).toEqual([]);
    });

    it('publishes more than one request can carry (2 MiB to one partition) with consecutive offsets', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 2);
      const value = Buffer.alloc(1024, 7);
      const messages = Array.from({ length: 2048 }, (_, i) => ({
        topic,
        key: 'one',
        value,
        headers: { n: `${i}` },
      }));
      const published = await bus.publish(messages);
      expect(published.map((r) => Number(r.offset))).toEqual(messages.map((_, i) => i));
      const partition = partitionForKey(Buffer.from('one'), 2);
      expect(new Set(published.map((r) => r.partition))).toEqual(new Set([partition]));
      const ends = await bus.endOffsets(topic);
      expect(ends.find((e) => e.partition === partition)?.high).toBe('2048');
    });

    it('honours an explicit partition and spreads keyless messages', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 2);
      const [pinned] = await bus.publish([{ topic, key: 'x', value: Buffer.from('p'), partition: 1 }]);
      expect(pinned?.partition).toBe(1);
      const keyless = await bus.publish(
        Array.from({ length: 6 }, (_, i) => ({ topic, key: null, value: Buffer.from(String(i)) })),
      );
      expect(new Set(keyless.map((r) => r.partition))).toEqual(new Set([0, 1]));
      await expect(bus.publish([{ topic, key: 'x', value: null, partition: 2 }])).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });

    it('finds offsets for a timestamp', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      const t0 = Date.now() - 600_000;
      await bus.publish(
        [0, 1000, 2000].map((d, i) => ({
          topic,
          key: 'k',
          value: Buffer.from(String(i)),
          timestamp: t0 + d,
        })),
      );
      expect(await bus.offsetsForTimestamp(topic, t0 - 1)).toEqual([{ partition: 0, offset: '0' }]);
      expect(await bus.offsetsForTimestamp(topic, t0 + 1)).toEqual([{ partition: 0, offset: '1' }]);
      expect(await bus.offsetsForTimestamp(topic, t0 + 2000)).toEqual([{ partition: 0, offset: '2' }]);
      expect(await bus.offsetsForTimestamp(topic, Date.now() + 60_000)).toEqual([
        { partition: 0, offset: '3' },
      ]);
    });

    it('reads and alters topic configs, keeping the ones not mentioned', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1, { 'retention.ms': '3600000', 'cleanup.policy': 'compact' });
      const configs = await bus.topicConfigs(topic);
      expect(configs).toMatchObject({ 'retention.ms': '3600000', 'cleanup.policy': 'compact' });
      expect(configs['delete.retention.ms']).toMatch(/^\d+$/);
      expect(configs['max.message.bytes']).toMatch(/^\d+$/);

      await bus.alterTopicConfigs(topic, { 'retention.ms': '7200000' });
      expect(await bus.topicConfigs(topic)).toMatchObject({
        'retention.ms': '7200000',
        'cleanup.policy': 'compact',
      });
      await bus.alterTopicConfigs(topic, { 'cleanup.policy': null });
      expect(await bus.topicConfigs(topic)).toMatchObject({
        'retention.ms': '7200000',
        'cleanup.policy': 'delete',
      });

      await expect(bus.alterTopicConfigs(topic, { 'retention.ms': 'soon' })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(bus.alterTopicConfigs(topic, { 'no.such.config': '1' })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(
        bus.createTopics([
          { name: newTopicName(fixture), partitions: 1, configs: { 'cleanup.policy': 'shred' } },
        ]),
      ).rejects.toBeInstanceOf(InvalidInputError);
      expect((await bus.topicConfigs(topic))['retention.ms']).toBe('7200000');
    });

    it('rejects messages the topic cannot take', async () => {
      const { bus } = fixture;
      const small = await freshTopic(fixture, 1, { 'max.message.bytes': '2000' });
      await expect(
        bus.publish([{ topic: small, key: 'k', value: Buffer.alloc(10_000) }]),
      ).rejects.toBeInstanceOf(InvalidInputError);
      const compacted = await freshTopic(fixture, 1, { 'cleanup.policy': 'compact' });
      await expect(
        bus.publish([{ topic: compacted, key: null, value: Buffer.from('x') }]),
      ).rejects.toBeInstanceOf(InvalidInputError);
      expect(await bus.endOffsets(small)).toEqual([{ partition: 0, low: '0', high: '0' }]);
    });

    it('raises NotFoundError for unknown topics and creates none', async () => {
      const { bus } = fixture;
      const missing = newTopicName(fixture);
      await expect(
        bus.publish([{ topic: missing, key: 'k', value: Buffer.from('x') }]),
      ).rejects.toBeInstanceOf(NotFoundError);
      await expect(bus.endOffsets(missing)).rejects.toBeInstanceOf(NotFoundError);
      await expect(bus.topicConfigs(missing)).rejects.toBeInstanceOf(NotFoundError);
      await expect(bus.offsetsForTimestamp(missing, 0)).rejects.toBeInstanceOf(NotFoundError);
      await expect(bus.committedOffsets(newGroup(fixture), missing)).rejects.toBeInstanceOf(NotFoundError);
      await expect(bus.alterTopicConfigs(missing, { 'retention.ms': '1000' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(
        bus.subscribe({ groupId: newGroup(fixture), topics: [missing], eachMessage: async () => {} }),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect((await bus.listTopics()).map((t) => t.name)).not.toContain(missing);
    });

    it('deletes topics, reporting only the ones that existed', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      await bus.publish([{ topic, key: 'k', value: Buffer.from('x') }]);
      expect(await bus.deleteTopics([topic, newTopicName(fixture)])).toEqual([topic]);
      expect((await bus.listTopics()).map((t) => t.name)).not.toContain(topic);
      expect(await bus.deleteTopics([topic])).toEqual([]);
    });

    it('lists and deletes groups', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      await bus.publish([{ topic, key: 'k', value: Buffer.from('x') }]);
      const group = newGroup(fixture);
      await bus.commit(group, [{ topic, partition: 0, offset: '1' }]);
      expect((await bus.listGroups()).map((g) => g.groupId)).toContain(group);
      await bus.deleteGroups([group, newGroup(fixture)]);
      expect((await bus.listGroups()).map((g) => g.groupId)).not.toContain(group);
      expect(nums(await bus.committedOffsets(group, topic))).toEqual([null]);
    });

    it('keeps look-alike topics and groups apart', async () => {
      const { bus } = fixture;
      const base = newTopicName(fixture);
      const lookAlikes = [`${base}2`, `${base}-x`, base.toUpperCase(), `${base}x`];
      for (const name of lookAlikes) fixture.topics.push(name);
      await bus.createTopics([base, ...lookAlikes].map((name) => ({ name, partitions: 1 })));
      await bus.publish(
        [base, ...lookAlikes].map((topic) => ({ topic, key: 'k', value: Buffer.from(topic) })),
      );
      await bus.publish([{ topic: base, key: 'k', value: Buffer.from('again') }]);
      for (const name of lookAlikes) expect((await bus.endOffsets(name)).map((e) => e.high)).toEqual(['1']);

      const group = newGroup(fixture);
      const groups = [`${group}2`, `${group}*`, group.toUpperCase(), `${group}/x`, `${group}%`, `${group}_`];
      fixture.groups.push(...groups);
      await bus.commit(group, [{ topic: base, partition: 0, offset: '2' }]);
      for (const g of groups) expect(nums(await bus.committedOffsets(g, base))).toEqual([null]);
      for (const g of groups) await bus.commit(g, [{ topic: base, partition: 0, offset: '1' }]);
      await bus.deleteGroups(groups);
      expect(nums(await bus.committedOffsets(group, base))).toEqual([2]);

      await bus.alterTopicConfigs(base, { 'retention.ms': '1234567' });
      for (const name of lookAlikes)
        expect((await bus.topicConfigs(name))['retention.ms']).not.toBe('1234567');
      expect(await bus.deleteTopics([base])).toEqual([base]);
      const left = (await bus.listTopics()).map((t) => t.name);
      for (const name of lookAlikes) expect(left).toContain(name);
    });

    it('rejects malformed names, offsets and messages before touching the engine', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      for (const [, name] of BAD_TOPICS) {
        await expect(
          bus.createTopics([{ name: name as string, partitions: 1 }]),
          String(name),
        ).rejects.toBeInstanceOf(InvalidInputError);
        await expect(bus.publish([{ topic: name as string, key: 'k', value: null }])).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(bus.endOffsets(name as string)).rejects.toBeInstanceOf(InvalidInputError);
      }
      for (const [, group] of BAD_GROUPS) {
        await expect(
          bus.commit(group as string, [{ topic, partition: 0, offset: '0' }]),
        ).rejects.toBeInstanceOf(InvalidInputError);
        await expect(bus.committedOffsets(group as string, topic)).rejects.toBeInstanceOf(InvalidInputError);
        await expect(
          bus.subscribe({ groupId: group as string, topics: [topic], eachMessage: async () => {} }),
        ).rejects.toBeInstanceOf(InvalidInputError);
      }
      const group = newGroup(fixture);
      for (const offset of ['-1', '1.5', 'x', '', '01', '99999999999999999999']) {
        await expect(bus.commit(group, [{ topic, partition: 0, offset }]), offset).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(bus.seek(group, topic, 0, offset)).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(bus.seek(group, topic, -1, '0')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(bus.createTopics([{ name: newTopicName(fixture), partitions: 0 }])).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(
        bus.publish([{ topic, key: 'k', value: 'text' as unknown as Buffer }]),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(bus.subscribe({ groupId: group, topics: [topic] })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(bus.offsetsForTimestamp(topic, -5)).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('fails fast with a retriable UnavailableError naming the address when the engine is down', async () => {
      const started = Date.now();
      let down: Awaited<ReturnType<typeof options.makeUnreachable>> | undefined;
      try {
        down = await options.makeUnreachable();
        const error = await down
          .publish([{ topic: 'soma-down', key: 'k', value: Buffer.from('x') }])
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UnavailableError);
        expect((error as UnavailableError).retriable).toBe(true);
        expect((error as Error).message).toContain(options.unreachableAddress);
        await expect(down.endOffsets('soma-down')).rejects.toBeInstanceOf(UnavailableError);
      } finally {
        await down?.close();
      }
      expect(Date.now() - started).toBeLessThan(20_000);
    });

    eventBusDeliveryContract(fixture);
  });
}
