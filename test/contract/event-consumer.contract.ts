import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError, UnavailableError } from '../../src/sdk/errors.js';
import type { DeliveredMessage } from '../../src/sdk/events/bus/event-bus.js';
import { createEventCodec, encodeSingleObject } from '../../src/sdk/events/codec/event-codec.js';
import { frameSingleObject } from '../../src/sdk/events/codec/framing.js';
import {
  type DeadLetter,
  type EventConsumerOptions,
  subscribeEvents,
} from '../../src/sdk/events/consumer/event-consumer.js';
import type { ConversationEvent } from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import {
  type BusFixture,
  cleanUp,
  collect,
  eventually,
  freshTopic,
  type MakeEventBus,
  newGroup,
  newTopicName,
  nums,
} from './event-bus.harness.js';

const catalog = loadSchemaCatalog();
const codec = createEventCodec({ catalog });
const schema = catalog.current('conversation_event').schema;

function conversationEvent(text: string): ConversationEvent {
  return {
    eventId: randomUUID(),
    eventType: 'MESSAGE_RECEIVED',
    time: Date.now(),
    tenantId: 'acme',
    conversationId: 'conv-1',
    subjectRef: 'subj-1',
    turnId: null,
    text,
    toolCallId: null,
    error: null,
    sealed: null,
    metadata: {},
    schemaVersion: 1,
  };
}

const encoded = (text: string) => encodeSingleObject(schema, conversationEvent(text));
const header = (m: DeliveredMessage, name: string) => m.headers[name]?.toString();

/**
 * The event consumer (decode, retry, dead-letter) over an EventBus adapter: poison messages go to the
 * dead-letter topic, their offsets are committed, and consumption goes on.
 */
export function eventConsumerContract(adapterName: string, makeBus: MakeEventBus): void {
  describe(`event consumer with dead letters: ${adapterName}`, () => {
    const fixture = { topics: [], groups: [], subscriptions: [] } as unknown as BusFixture;
    beforeAll(async () => {
      fixture.bus = await makeBus();
    });
    afterAll(async () => {
      await cleanUp(fixture);
    });

    /** Subscribes the consumer; handled texts and dead letters are recorded. */
    async function consume(
      topic: string,
      extra: Partial<EventConsumerOptions<ConversationEvent>> = {},
    ): Promise<{ handled: string[]; letters: DeadLetter[]; group: string }> {
      const handled: string[] = [];
      const letters: DeadLetter[] = [];
      const group = newGroup(fixture);
      fixture.topics.push(`${topic}.dlq`);
      const subscription = await subscribeEvents<ConversationEvent>(fixture.bus, codec, {
        groupId: group,
        topics: [topic],
        fromBeginning: true,
        schemaOf: () => 'conversation_event',
        retryDelayMs: 20,
        maxRetryDelayMs: 100,
        onDeadLetter: (letter) => letters.push(letter),
        handle: async (event) => {
          handled.push(event.value.text ?? '');
        },
        ...extra,
      });
      fixture.subscriptions.push(subscription);
      return { handled, letters, group };
    }

    /** Every message of a dead-letter topic, once `count` arrived. */
    async function deadLetters(topic: string, count: number): Promise<DeliveredMessage[]> {
      const reader = await collect(fixture, {
        groupId: newGroup(fixture),
        topics: [topic],
        fromBeginning: true,
      });
      try {
        return await reader.waitFor(count);
      } finally {
        await reader.stop();
      }
    }

    it('dead-letters undecodable messages with their reason, commits past them and keeps consuming', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      const good = encoded('first');
      const unknown = frameSingleObject(randomBytes(8), good.subarray(10));
      const truncated = encoded('cut short').subarray(0, 20);
      await bus.publish([
        { topic, key: 'conv-1', value: good, headers: { event_id: 'e1' } },
        { topic, key: 'conv-1', value: unknown, headers: { event_id: 'e2' } },
        { topic, key: 'conv-1', value: encoded('second') },
        { topic, key: 'conv-1', value: truncated, headers: { event_id: 'e4' } },
        { topic, key: 'conv-1', value: Buffer.from('not avro at all') },
        { topic, key: 'conv-1', value: null },
        { topic, key: 'conv-1', value: encoded('third') },
      ]);
      const { handled, letters, group } = await consume(topic);
      await eventually(async () => nums(await bus.committedOffsets(group, topic))[0] === 7);
      expect(handled).toEqual(['first', 'second', 'third']);
      expect(letters.map((l) => [l.reason, l.message.offset, l.attempts])).toEqual([
        ['undecodable', '1', 0],
        ['undecodable', '3', 0],
        ['undecodable', '4', 0],
      ]);
      const dlq = await deadLetters(`${topic}.dlq`, 3);
      expect(dlq).toHaveLength(3);
      expect(dlq.map((m) => header(m, 'soma.dlq.reason'))).toEqual([
        'unknown-fingerprint',
        'truncated',
        'unknown-framing',
      ]);
      expect(dlq.map((m) => header(m, 'soma.dlq.original.offset'))).toEqual(['1', '3', '4']);
      const [first] = dlq as [DeliveredMessage];
      expect(first.value?.equals(unknown)).toBe(true);
      expect(first.key?.toString()).toBe('conv-1');
      expect(header(first, 'event_id')).toBe('e2');
      expect(header(first, 'soma.dlq.error.code')).toBe('EVENT_UNDECODABLE');
      expect(header(first, 'soma.dlq.fingerprint')).toBe(unknown.subarray(2, 10).toString('hex'));
      expect(header(first, 'soma.dlq.original.topic')).toBe(topic);
      expect(header(first, 'soma.dlq.original.partition')).toBe('0');
      expect(header(first, 'soma.dlq.group')).toBe(group);
      expect(header(first, 'soma.dlq.attempts')).toBeUndefined();
    });

    it('retries a throwing handler with backoff, then dead-letters it with the error', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 2);
      await bus.publish([
        { topic, key: 'conv-1', value: encoded('always fails') },
        { topic, key: 'conv-1', value: encoded('fails once') },
        { topic, key: 'conv-1', value: encoded('fine') },
      ]);
      const attempts = new Map<string, number>();
      const failures: number[] = [];
      const { handled, letters, group } = await consume(topic, {
        maxAttempts: 3,
        onFailure: (failure) => failures.push(failure.attempt),
        handle: async (event) => {
          const text = event.value.text ?? '';
          const n = (attempts.get(text) ?? 0) + 1;
          attempts.set(text, n);
          if (text === 'always fails' || (text === 'fails once' && n === 1)) {
            throw new Error(`handler exploded on ${text}`);
          }
          handled.push(text);
        },
      });
      await eventually(async () => handled.length === 2 && letters.length === 1);
      expect(handled).toEqual(['fails once', 'fine']);
      expect(attempts).toEqual(
        new Map([
          ['always fails', 3],
          ['fails once', 2],
          ['fine', 1],
        ]),
      );
      expect(failures).toEqual([1, 2, 3, 1]);
      const [letter] = letters as [DeadLetter];
      expect(letter).toMatchObject({ reason: 'handler-failed', attempts: 3 });
      expect(letter.message.offset).toBe('0');
      const [dead] = await deadLetters(`${topic}.dlq`, 1);
      expect(header(dead as DeliveredMessage, 'soma.dlq.error.message')).toBe(
        'handler exploded on always fails',
      );
      expect(header(dead as DeliveredMessage, 'soma.dlq.error.code')).toBe('INTERNAL');
      expect(header(dead as DeliveredMessage, 'soma.dlq.attempts')).toBe('3');
      expect(dead?.partition).toBe(letter.message.partition);
      const partition = letter.message.partition;
      await eventually(async () => nums(await bus.committedOffsets(group, topic))[partition] === 3);
    });

    it('keeps retrying while the dead-letter topic refuses the message, then dead-letters it', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 1);
      await bus.publish([
        { topic, key: 'conv-1', value: Buffer.from('garbage') },
        { topic, key: 'conv-1', value: encoded('after') },
      ]);
      let refusals = 2;
      const flaky = new Proxy(bus, {
        get: (target, prop, receiver) =>
          prop === 'publish'
            ? async (messages: Parameters<typeof bus.publish>[0]) => {
                if (messages[0]?.topic === `${topic}.dlq` && refusals-- > 0) {
                  throw new UnavailableError('test bus', 'test', 'dead-letter topic unavailable (test)');
                }
                return target.publish(messages);
              }
            : Reflect.get(target, prop, receiver),
      });
      const handled: string[] = [];
      const failures: unknown[] = [];
      const group = newGroup(fixture);
      fixture.topics.push(`${topic}.dlq`);
      const subscription = await subscribeEvents<ConversationEvent>(flaky, codec, {
        groupId: group,
        topics: [topic],
        fromBeginning: true,
        schemaOf: () => 'conversation_event',
        retryDelayMs: 20,
        onFailure: (failure) => failures.push(failure.error),
        handle: async (event) => {
          handled.push(event.value.text ?? '');
        },
      });
      fixture.subscriptions.push(subscription);
      await eventually(async () => nums(await bus.committedOffsets(group, topic))[0] === 2);
      expect(handled).toEqual(['after']);
      expect(failures).toHaveLength(2);
      expect(failures[0]).toBeInstanceOf(UnavailableError);
      const [dead] = await deadLetters(`${topic}.dlq`, 1);
      expect(dead?.value?.toString()).toBe('garbage');
      expect(header(dead as DeliveredMessage, 'soma.dlq.reason')).toBe('unknown-framing');
    });

    it('creates dead-letter topics like their source, with a custom name, and checks its options', async () => {
      const { bus } = fixture;
      const topic = await freshTopic(fixture, 3);
      const custom = `${topic}-poison`;
      fixture.topics.push(custom);
      await consume(topic, { deadLetterTopic: (t) => `${t}-poison` });
      const topics = await bus.listTopics();
      expect(topics.find((t) => t.name === custom)).toEqual({ name: custom, partitions: 3 });
      expect(topics.some((t) => t.name === `${topic}.dlq`)).toBe(false);
      const handle = async () => {};
      const base = { groupId: newGroup(fixture), topics: [topic], handle };
      for (const maxAttempts of [0, 101, 1.5]) {
        await expect(subscribeEvents(bus, codec, { ...base, maxAttempts })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
      }
      await expect(
        subscribeEvents(bus, codec, { ...base, deadLetterTopic: () => topic }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(
        subscribeEvents(bus, codec, { ...base, deadLetterTopic: () => 'bad/name' }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      const missing = newTopicName(fixture);
      await expect(subscribeEvents(bus, codec, { ...base, topics: [missing] })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      expect((await bus.listTopics()).some((t) => t.name.startsWith(missing))).toBe(false);
    });
  });
}
