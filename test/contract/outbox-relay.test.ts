import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/sdk/errors.js';
import { EmbeddedEventBus } from '../../src/sdk/events/bus/embedded-event-bus.js';
import type { DeliveredMessage, EventBus, OutgoingMessage } from '../../src/sdk/events/bus/event-bus.js';
import { createEventCodec } from '../../src/sdk/events/codec/event-codec.js';
import { OutboxRelay } from '../../src/sdk/events/outbox/outbox-relay.js';
import {
  createOutboxWriter,
  type EventToWrite,
  OUTBOX_HEADERS,
} from '../../src/sdk/events/outbox/outbox-writer.js';
import { createRedactor } from '../../src/sdk/events/redaction/redactor.js';
import type { ConversationEvent } from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import type { NewOutboxEvent } from '../../src/sdk/stores/records/outbox.js';
import type { Records } from '../../src/sdk/stores/records/records.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { randomName } from '../support/services.js';

const catalog = loadSchemaCatalog();
const codec = createEventCodec({ catalog });
const writer = createOutboxWriter({ catalog, codec, redactor: createRedactor() });
const TENANT = 'acme';

let sql: SqlClient;
let records: Records;
let bus: EmbeddedEventBus;

beforeAll(async () => {
  sql = await openPgliteSqlClient();
  await migrate(sql, { dimensions: 8 });
  records = createRecords(sql);
  bus = new EmbeddedEventBus({ sql, pollIntervalMs: 50, retentionIntervalMs: 0 });
}, 60_000);
afterAll(async () => {
  await bus?.close();
  await sql?.close();
});

/** A conversation event on `topic` (schema conversation_event), keyed by conversation. */
function event(topic: string, conversation: string, text: string): EventToWrite {
  const value: Omit<ConversationEvent, 'eventId'> = {
    eventType: 'MESSAGE_RECEIVED',
    time: Date.now(),
    tenantId: TENANT,
    conversationId: conversation,
    subjectRef: 'subj-1',
    turnId: null,
    text,
    toolCallId: null,
    error: null,
    sealed: null,
    metadata: {},
    schemaVersion: 1,
  };
  return {
    topic,
    schema: 'conversation_event',
    key: conversation,
    value,
    tenant: TENANT,
    subjectRef: 'subj-1',
  };
}

async function newTopic(partitions = 3): Promise<string> {
  const name = randomName('soma-outbox');
  await bus.createTopics([{ name, partitions }]);
  return name;
}

/** Writes events in one committed transaction; returns their event ids in order. */
async function write(events: readonly EventToWrite[]): Promise<string[]> {
  const rows = await records.transaction((r, tx) => writer.writeEvents(tx, r, events));
  return rows.map((row) => row.eventId);
}

/** Everything on `topic` from the beginning, once at least `count` messages arrived. */
async function readAll(topic: string, count: number): Promise<DeliveredMessage[]> {
  const messages: DeliveredMessage[] = [];
  const subscription = await bus.subscribe({
    groupId: randomName('soma-outbox-grp'),
    topics: [topic],
    fromBeginning: true,
    eachMessage: async (m) => {
      messages.push(m);
    },
  });
  try {
    const deadline = Date.now() + 20_000;
    while (messages.length < count && Date.now() < deadline) await sleep(25);
    await sleep(100); // late duplicates, if any, would show up here
    return messages;
  } finally {
    await subscription.stop();
  }
}

const idOf = (m: DeliveredMessage): string => m.headers[OUTBOX_HEADERS.eventId]?.toString() ?? '';

/**
 * A bus whose publish fails `failures` times with a retriable error, then works; or, given a set, fails
 * exactly the publish calls of those numbers (1 = the first).
 */
class FlakyBus {
  calls = 0;
  constructor(
    private readonly inner: EventBus,
    private failures: number | ReadonlySet<number>,
    private readonly delayMs = 0,
  ) {}
  asBus(): EventBus {
    return new Proxy(this.inner, {
      get: (target, prop, receiver) =>
        prop === 'publish'
          ? (messages: readonly OutgoingMessage[]) => this.publish(messages)
          : Reflect.get(target, prop, receiver),
    });
  }
  private async publish(messages: readonly OutgoingMessage[]) {
    this.calls++;
    if (this.delayMs > 0) await sleep(this.delayMs);
    const fail = typeof this.failures === 'number' ? this.failures-- > 0 : this.failures.has(this.calls);
    if (fail) throw new UnavailableError('test bus', 'test', 'broker down (test)');
    return this.inner.publish(messages);
  }
}

describe('outbox writer and relay (embedded: PGlite + embedded event log)', () => {
  it('publishes nothing written in a rolled-back transaction', async () => {
    const topic = await newTopic(1);
    await expect(
      records.transaction(async (r, tx) => {
        await writer.writeEvents(tx, r, [event(topic, 'conv-rb', 'never')]);
        throw new Error('request failed');
      }),
    ).rejects.toThrow('request failed');
    const relay = new OutboxRelay(records.outbox, bus, { pollIntervalMs: 20 });
    expect(await relay.flush(5000)).toBe(true);
    expect(relay.metrics().sent).toBe(0);
    expect((await bus.endOffsets(topic))[0]?.high).toBe('0');
  });

  it('redacts before encoding and sets the event id in value and headers', async () => {
    const topic = await newTopic(1);
    const [eventId] = await write([event(topic, 'conv-1', 'mail me at jane.doe@example.com')]);
    const relay = new OutboxRelay(records.outbox, bus, { pollIntervalMs: 20 });
    expect(await relay.flush(5000)).toBe(true);
    const [message] = await readAll(topic, 1);
    expect(message).toBeDefined();
    const m = message as DeliveredMessage;
    expect(m.key?.toString()).toBe('conv-1');
    expect(idOf(m)).toBe(eventId);
    expect(m.headers[OUTBOX_HEADERS.tenant]?.toString()).toBe(TENANT);
    const fingerprint = catalog.current('conversation_event').schema.fingerprintHex;
    expect(m.headers[OUTBOX_HEADERS.fingerprint]?.toString()).toBe(fingerprint);
    expect((m.value as Buffer).includes('jane.doe')).toBe(false);
    const decoded = await codec.decode<ConversationEvent>(m.value as Buffer, 'conversation_event');
    expect(decoded.value.eventId).toBe(eventId);
    expect(decoded.value.text).toBe('mail me at [EMAIL]');
    expect(decoded.value.conversationId).toBe('conv-1');
  });

  it('keeps the order per key across batches', async () => {
    const topic = await newTopic(3);
    const expected = new Map<string, string[]>();
    for (let round = 0; round < 4; round++) {
      const batch: EventToWrite[] = [];
      for (let i = 0; i < 10; i++) {
        for (const conv of ['conv-a', 'conv-b', 'conv-c']) batch.push(event(topic, conv, `${round}-${i}`));
      }
      const ids = await write(batch);
      ids.forEach((id, i) => {
        const key = (batch[i] as EventToWrite).key as string;
        expected.set(key, [...(expected.get(key) ?? []), id]);
      });
    }
    const relay = new OutboxRelay(records.outbox, bus, { batchSize: 7, pollIntervalMs: 20 });
    relay.start();
    try {
      expect(await relay.flush(20_000)).toBe(true);
    } finally {
      await relay.stop();
    }
    expect(relay.metrics().batches).toBeGreaterThanOrEqual(18);
    const messages = await readAll(topic, 120);
    expect(messages).toHaveLength(120);
    for (const [key, ids] of expected) {
      expect(messages.filter((m) => m.key?.toString() === key).map(idOf)).toEqual(ids);
    }
  });

  it('backs off while publishing fails, then delivers every event exactly once', async () => {
    const topic = await newTopic(2);
    const ids = await write(Array.from({ length: 30 }, (_, i) => event(topic, `conv-${i % 4}`, `n${i}`)));
    const flaky = new FlakyBus(bus, 3);
    const lines: string[] = [];
    const relay = new OutboxRelay(records.outbox, flaky.asBus(), {
      batchSize: 50,
      pollIntervalMs: 10,
      retryBaseMs: 20,
      retryMaxMs: 100,
      logger: (level, line) => lines.push(`${level} ${line}`),
    });
    relay.start();
    try {
      expect(await relay.flush(20_000)).toBe(true);
    } finally {
      await relay.stop();
    }
    const metrics = relay.metrics();
    // Three failed publishes; after the first, only the events already due are retried together.
    expect(metrics.failedAttempts).toBeGreaterThanOrEqual(3);
    expect(metrics.failedAttempts).toBeLessThanOrEqual(90);
    expect(metrics.sent).toBe(30);
    expect(metrics.lastError).toContain('broker down');
    expect(lines.filter((l) => l.startsWith('warn'))).toHaveLength(3);
    expect(lines.at(-1)).toMatch(/^info .*publishing again/);
    expect(await records.outbox.pendingCount()).toBe(0);
    const messages = await readAll(topic, 30);
    expect(messages.map(idOf).sort()).toEqual([...ids].sort());
  });

  it('keeps the order per key when a publish fails while the next batch is claimed ahead', async () => {
    const topic = await newTopic(2);
    const expected = new Map<string, string[]>();
    const batch = Array.from({ length: 60 }, (_, i) => event(topic, `conv-p${i % 3}`, `p${i}`));
    (await write(batch)).forEach((id, i) => {
      const key = (batch[i] as EventToWrite).key as string;
      expected.set(key, [...(expected.get(key) ?? []), id]);
    });
    // Slow publishes, so the next batch is always claimed before the current one fails.
    const flaky = new FlakyBus(bus, new Set([2, 3, 6]), 40);
    const claims: number[] = [];
    const claimBatch = records.outbox.claimBatch.bind(records.outbox);
    const spied = Object.create(records.outbox) as typeof records.outbox;
    spied.claimBatch = async (limit, options) => {
      const events = await claimBatch(limit, options);
      if ((options?.inFlight?.length ?? 0) > 0) claims.push(events.length);
      return events;
    };
    const relay = new OutboxRelay(spied, flaky.asBus(), {
      batchSize: 8,
      pollIntervalMs: 10,
      retryBaseMs: 20,
      retryMaxMs: 50,
    });
    relay.start();
    try {
      expect(await relay.flush(20_000)).toBe(true);
    } finally {
      await relay.stop();
    }
    expect(claims.some((n) => n > 0)).toBe(true); // batches were claimed ahead
    expect(relay.metrics().failedAttempts).toBeGreaterThanOrEqual(3 * 8);
    const messages = await readAll(topic, 60);
    for (const [key, ids] of expected) {
      const firsts = [...new Set(messages.filter((m) => m.key?.toString() === key).map(idOf))];
      expect(firsts).toEqual(ids);
    }
  });

  it('re-sends after a failure following a publish only with the same event id', async () => {
    const topic = await newTopic(1);
    const ids = await write(Array.from({ length: 5 }, (_, i) => event(topic, 'conv-dup', `d${i}`)));
    // The publish lands but the relay sees an error (as when it dies before marking the rows sent).
    let lost = 1;
    const lossy = new Proxy(bus as EventBus, {
      get: (target, prop, receiver) =>
        prop === 'publish'
          ? async (messages: readonly OutgoingMessage[]) => {
              const offsets = await target.publish(messages);
              if (lost-- > 0) throw new UnavailableError('test bus', 'test', 'acknowledgement lost (test)');
              return offsets;
            }
          : Reflect.get(target, prop, receiver),
    });
    const relay = new OutboxRelay(records.outbox, lossy, {
      pollIntervalMs: 10,
      retryBaseMs: 10,
      retryMaxMs: 20,
    });
    expect(await relay.flush(10_000)).toBe(true);
    const messages = await readAll(topic, 10);
    expect(messages).toHaveLength(10);
    expect(messages.map(idOf)).toEqual([...ids, ...ids]);
  });

  it('stop drains the batch in flight and publishes nothing after', async () => {
    const topic = await newTopic(1);
    await write(Array.from({ length: 20 }, (_, i) => event(topic, `conv-s${i % 2}`, `s${i}`)));
    const slow = new FlakyBus(bus, 0, 300);
    const relay = new OutboxRelay(records.outbox, slow.asBus(), { batchSize: 5, pollIntervalMs: 10 });
    relay.start();
    while (slow.calls === 0) await sleep(5);
    await relay.stop();
    expect(relay.running).toBe(false);
    const calls = slow.calls;
    expect(relay.metrics().sent).toBe(calls * 5);
    expect(await records.outbox.pendingCount()).toBe(20 - calls * 5);
    await sleep(100);
    expect(slow.calls).toBe(calls);
    // A later relay sends the rest.
    expect(await new OutboxRelay(records.outbox, bus).flush(5000)).toBe(true);
    expect(await readAll(topic, 20)).toHaveLength(20);
  });

  it('rejects an event without a schema for its topic, enqueueing nothing', async () => {
    const bad = { ...event('no.such.topic', 'conv-x', 'x'), schema: undefined };
    await expect(records.transaction((r, tx) => writer.writeEvents(tx, r, [bad]))).rejects.toThrow(
      /no Avro schema/,
    );
    expect(await records.outbox.pendingCount()).toBe(0);
  });

  it('holds back a refused key in batches claimed ahead too, while the other keys flow in order', async () => {
    const topic = await newTopic(2);
    // Key conv-bad's first event has a header the bus refuses for good (an empty name); its later events
    // are fine, so sending any of them before the first would break the key's order.
    const rows = Array.from(
      { length: 24 },
      (_, i): NewOutboxEvent => ({
        topic,
        key: i % 3 === 0 ? 'conv-bad' : `conv-ok${i % 3}`,
        payload: new Uint8Array([i]),
        headers: i === 0 ? { '': 'refused' } : { n: String(i) },
        tenant: TENANT,
      }),
    );
    const queued = await records.transaction((r, tx) => r.outbox.enqueue(tx, rows));
    // Slow publishes, so the next batch is claimed ahead before the refused event's batch is isolated.
    const relay = new OutboxRelay(records.outbox, new FlakyBus(bus, 0, 20).asBus(), {
      batchSize: 4,
      pollIntervalMs: 10,
      retryBaseMs: 60_000,
    });
    relay.start();
    try {
      await expect.poll(() => records.outbox.pendingCount(), { timeout: 20_000 }).toBe(8);
    } finally {
      await relay.stop();
    }
    try {
      const messages = await readAll(topic, 16);
      expect(messages).toHaveLength(16);
      expect(messages.some((m) => m.key?.toString() === 'conv-bad')).toBe(false);
      for (const key of ['conv-ok1', 'conv-ok2']) {
        const expected = queued.filter((e) => e.key === key).map((e) => e.eventId);
        expect(messages.filter((m) => m.key?.toString() === key).map(idOf)).toEqual(expected);
      }
    } finally {
      await sql.query('DELETE FROM soma_outbox WHERE topic = $1', [topic]);
    }
  });

  it('isolates an event the bus refuses for good, releasing the later events of its key', async () => {
    const good = await newTopic(1);
    const missing = randomName('soma-outbox-missing');
    await write([
      event(missing, 'conv-m', 'm0'),
      event(good, 'conv-g', 'g0'),
      event(missing, 'conv-m', 'm1'),
    ]);
    await write([event(good, 'conv-g', 'g1')]);
    const lines: string[] = [];
    const relay = new OutboxRelay(records.outbox, bus, { logger: (_, line) => lines.push(line) });
    try {
      expect(await relay.runOnce()).toEqual({ sent: 2, failed: 1 });
      expect(await records.outbox.pendingCount()).toBe(2); // the failed event and the one behind it
      expect(lines[0]).toMatch(/sending singly/);
      expect((await readAll(good, 2)).map((m) => m.key?.toString())).toEqual(['conv-g', 'conv-g']);
    } finally {
      await sql.query('DELETE FROM soma_outbox WHERE topic = $1', [missing]);
    }
  });
});
