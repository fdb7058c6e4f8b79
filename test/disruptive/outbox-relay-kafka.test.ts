import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliveredMessage } from '../../src/sdk/events/bus/event-bus.js';
import { KafkaEventBus } from '../../src/sdk/events/bus/kafka-event-bus.js';
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
import type { Records } from '../../src/sdk/stores/records/records.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { describeWithServices, randomName } from '../support/services.js';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOTAL = 300;
const PER_TRANSACTION = 10;
const KEYS = 10;

/** Runs `scripts/services.sh <command>` (kafka-stop / kafka-start) from the repository root. */
async function services(command: 'kafka-stop' | 'kafka-start'): Promise<void> {
  await run('bash', ['scripts/services.sh', command], { cwd: REPO_ROOT, timeout: 120_000 });
}

describeWithServices(['kafka', 'postgres'], 'outbox relay to Kafka across a broker restart', (address) => {
  const catalog = loadSchemaCatalog();
  const writer = createOutboxWriter({
    catalog,
    codec: createEventCodec({ catalog }),
    redactor: createRedactor(),
  });
  const schema = randomName('soma_outbox').replace(/-/g, '_');
  const topic = randomName('soma-outbox');
  let sql: SqlClient;
  let records: Records;
  let bus: KafkaEventBus;
  // Set while this suite has the shared broker stopped: afterAll restarts it whatever happened.
  let brokerStopped = false;

  beforeAll(async () => {
    sql = await pgSqlClient({
      url: (address.postgres as () => string)(),
      schema,
      connectTimeoutMs: 3000,
      requestTimeoutMs: 15_000,
    });
    await migrate(sql, { dimensions: 8 });
    records = createRecords(sql);
    bus = new KafkaEventBus({
      brokers: [(address.kafka as () => string)()],
      clientId: 'soma-outbox-test',
      connectTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      retries: 1,
      operationTimeoutMs: 8000,
    });
    await bus.createTopics([{ name: topic, partitions: 3 }]);
  }, 60_000);

  afterAll(async () => {
    try {
      if (brokerStopped) await services('kafka-start');
      brokerStopped = false;
    } finally {
      await bus?.deleteTopics([topic]).catch(() => {});
      await bus?.close();
      await sql?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await sql?.close();
    }
  }, 180_000);

  function event(i: number): EventToWrite {
    const conversation = `conv-${i % KEYS}`;
    const value: Omit<ConversationEvent, 'eventId'> = {
      eventType: 'MESSAGE_RECEIVED',
      time: Date.now(),
      tenantId: 'acme',
      conversationId: conversation,
      subjectRef: 'subj-1',
      turnId: `turn-${i}`,
      text: `message ${i}`,
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
      tenant: 'acme',
      subjectRef: 'subj-1',
    };
  }

  /** Everything on the topic from the beginning, once every expected event id arrived (or 60 s passed). */
  async function consume(expected: ReadonlySet<string>): Promise<DeliveredMessage[]> {
    const messages: DeliveredMessage[] = [];
    const seen = new Set<string>();
    const subscription = await bus.subscribe({
      groupId: randomName('soma-outbox-grp'),
      topics: [topic],
      fromBeginning: true,
      eachMessage: async (m) => {
        messages.push(m);
        seen.add(m.headers[OUTBOX_HEADERS.eventId]?.toString() ?? '');
      },
    });
    try {
      const deadline = Date.now() + 60_000;
      while ([...expected].some((id) => !seen.has(id)) && Date.now() < deadline) await sleep(100);
      return messages;
    } finally {
      await subscription.stop();
    }
  }

  it('delivers every event, in order per key, while the broker is stopped and restarted mid-stream', async () => {
    const lines: string[] = [];
    const relay = new OutboxRelay(records.outbox, bus, {
      batchSize: 50,
      pollIntervalMs: 50,
      retryBaseMs: 200,
      retryMaxMs: 2000,
      leaseMs: 30_000,
      logger: (level, line) => lines.push(`${level} ${line}`),
    });
    const expected: Array<{ key: string; eventId: string }> = [];
    relay.start();
    try {
      for (let i = 0; i < TOTAL; i += PER_TRANSACTION) {
        if (i === TOTAL / 3) {
          brokerStopped = true;
          await services('kafka-stop');
        }
        if (i === (2 * TOTAL) / 3) {
          await services('kafka-start');
          brokerStopped = false;
        }
        const batch = Array.from({ length: PER_TRANSACTION }, (_, j) => event(i + j));
        const rows = await records.transaction((r, tx) => writer.writeEvents(tx, r, batch));
        for (const row of rows) expected.push({ key: row.key as string, eventId: row.eventId });
        await sleep(i >= TOTAL / 3 && i < (2 * TOTAL) / 3 ? 100 : 20);
      }
      expect(await relay.flush(120_000)).toBe(true);
    } finally {
      await relay.stop();
      if (brokerStopped) {
        await services('kafka-start');
        brokerStopped = false;
      }
    }

    expect(expected).toHaveLength(TOTAL);
    const metrics = relay.metrics();
    expect(metrics.failedAttempts, lines.join('\n')).toBeGreaterThan(0);
    expect(metrics.sent).toBeGreaterThanOrEqual(TOTAL);
    expect(lines.some((l) => l.startsWith('info') && l.includes('publishing again'))).toBe(true);

    const ids = new Set(expected.map((e) => e.eventId));
    const messages = await consume(ids);
    const received = messages.map((m) => m.headers[OUTBOX_HEADERS.eventId]?.toString() ?? '');
    // Every event arrived; anything extra is a re-send of one of them (same event id).
    expect(new Set(received)).toEqual(ids);
    expect(received.length).toBeGreaterThanOrEqual(TOTAL);
    // Order per key: the first arrival of each event follows the enqueue order of its key.
    for (let k = 0; k < KEYS; k++) {
      const key = `conv-${k}`;
      const firsts = [
        ...new Set(
          messages.filter((m) => m.key?.toString() === key).map((m) => m.headers.event_id?.toString()),
        ),
      ];
      expect(firsts).toEqual(expected.filter((e) => e.key === key).map((e) => e.eventId));
    }
  }, 300_000);
});
