/**
 * Outbox relay → Kafka throughput against Kafka's own producer benchmark, same broker, same record size,
 * same run.
 *
 *   eval "$(bash scripts/services.sh env)"
 *   npx tsx bench/events/outbox-relay.ts [--n 50000] [--size 1024] [--batch 1000] [--partitions 3] [--keys 100]
 *                                        [--store postgres|pglite|both] [--rounds 3]
 *
 * Per round and per outbox store (a Postgres server in a random schema; embedded PGlite in memory, in this
 * process):
 * 1. the outbox is pre-filled with --n payloads of --size bytes (transactions of 1000 rows, --keys
 *    conversation keys) and ANALYZEd, as autovacuum would soon do (`--analyze 0` skips that);
 * 2. `org.apache.kafka.tools.ProducerPerformance` (from $SOMA_KAFKA_CLASSPATH) sends --n records of --size
 *    bytes, unthrottled, acks=all, enable.idempotence=true, into a fresh topic: its records/sec;
 * 3. right after, one OutboxRelay (KafkaEventBus, idempotent producer, acks=all) drains the outbox into a
 *    fresh topic: records/sec from relay start to the last row marked sent.
 * Each relay is compared with the producer run just before it (the machine's load changes between runs);
 * the result per store is the median ratio over the rounds. Goal: ≥ 0.5.
 * Results go to bench/results/outbox-relay.json.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KafkaEventBus } from '../../src/sdk/events/bus/kafka-event-bus.js';
import { OutboxRelay } from '../../src/sdk/events/outbox/outbox-relay.js';
import type { NewOutboxEvent } from '../../src/sdk/stores/records/outbox.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const n = arg('n', 50_000);
const size = arg('size', 1024);
const batchSize = arg('batch', 1000);
const partitions = arg('partitions', 3);
const keys = arg('keys', 100);
const analyze = arg('analyze', 1) !== 0;
const rounds = arg('rounds', 3);
const storeAt = process.argv.indexOf('--store');
const storeArg = storeAt > 0 ? (process.argv[storeAt + 1] ?? '') : 'both';
const stores = storeArg === 'both' ? ['postgres', 'pglite'] : [storeArg];
if (!stores.every((s) => s === 'postgres' || s === 'pglite')) {
  console.error('--store must be postgres, pglite or both');
  process.exit(2);
}

const brokers = process.env.SOMA_TEST_KAFKA_BROKERS;
const pgUrl = process.env.SOMA_TEST_POSTGRES_URL;
const classpath = process.env.SOMA_KAFKA_CLASSPATH;
if (!brokers || !pgUrl || !classpath) {
  console.error(
    'set SOMA_TEST_KAFKA_BROKERS, SOMA_TEST_POSTGRES_URL and SOMA_KAFKA_CLASSPATH: eval "$(bash scripts/services.sh env)"',
  );
  process.exit(2);
}

const suffix = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const bus = new KafkaEventBus({ brokers: brokers.split(','), clientId: 'soma-bench-outbox' });
const topics: string[] = [];

/** Pre-fills the outbox of `sql` with events for a fresh topic; returns the topic and the seconds taken. */
async function fill(
  store: string,
  sql: SqlClient,
  round: number,
): Promise<{ topic: string; seconds: number }> {
  const topic = `soma-bench-relay-${store}-${round}-${suffix}`;
  topics.push(topic);
  await bus.createTopics([{ name: topic, partitions }]);
  await migrate(sql, { dimensions: 8 });
  const records = createRecords(sql);
  const payload = randomBytes(size);
  const start = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const rows: NewOutboxEvent[] = [];
    for (let j = i; j < Math.min(n, i + 1000); j++) {
      const eventId = randomUUID();
      rows.push({
        eventId,
        topic,
        key: `conv-${j % keys}`,
        payload,
        headers: { event_id: eventId, tenant: 'bench' },
        tenant: 'bench',
      });
    }
    await records.transaction((r, tx) => r.outbox.enqueue(tx, rows));
  }
  const seconds = (performance.now() - start) / 1000;
  if (analyze) await sql.query('ANALYZE soma_outbox');
  return { topic, seconds };
}

/** Drains the outbox of `sql` with one relay. */
async function relayRun(
  sql: SqlClient,
): Promise<{ sent: number; seconds: number; batches: number; failedAttempts: number }> {
  const relay = new OutboxRelay(createRecords(sql).outbox, bus, { batchSize, pollIntervalMs: 5 });
  const start = performance.now();
  relay.start();
  const drained = await relay.flush(600_000);
  const seconds = (performance.now() - start) / 1000;
  await relay.stop();
  if (!drained) throw new Error('the relay did not drain the outbox within 10 minutes');
  const { sent, batches, failedAttempts } = relay.metrics();
  return { sent, seconds, batches, failedAttempts };
}

/** Kafka's producer benchmark into a fresh topic: its records/sec and summary line. */
async function producerPerformance(round: number, store: string): Promise<{ rate: number; summary: string }> {
  const topic = `soma-bench-perf-${store}-${round}-${suffix}`;
  topics.push(topic);
  await bus.createTopics([{ name: topic, partitions }]);
  const { stdout } = await promisify(execFile)(
    'java',
    [
      '-cp',
      classpath as string,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(n),
      '--record-size',
      String(size),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${brokers}`,
      'acks=all',
      'enable.idempotence=true',
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 },
  );
  const summary = stdout.trim().split('\n').at(-1) ?? '';
  const rate = Number(/([\d.]+) records\/sec/.exec(summary)?.[1]);
  if (!Number.isFinite(rate)) throw new Error(`cannot parse ProducerPerformance output: ${summary}`);
  return { rate, summary };
}

/** An outbox database per store, dropped or closed by `dispose`. */
async function openStore(
  store: string,
  round: number,
): Promise<{ sql: SqlClient; dispose: () => Promise<void> }> {
  if (store === 'pglite') {
    const sql = await openPgliteSqlClient();
    return { sql, dispose: () => sql.close() };
  }
  const schema = `soma_bench_outbox_${round}_${suffix.replace(/-/g, '_')}`;
  const sql = await pgSqlClient({
    url: pgUrl as string,
    schema,
    connectTimeoutMs: 3000,
    requestTimeoutMs: 60_000,
  });
  return {
    sql,
    dispose: async () => {
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await sql.close();
    },
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

interface RoundResult {
  round: number;
  store: string;
  producerPerformance: { recordsPerSec: number; summary: string };
  outboxFill: { seconds: number; recordsPerSec: number };
  relay: { sent: number; seconds: number; recordsPerSec: number; batches: number; failedAttempts: number };
  ratio: number;
}

const results: RoundResult[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    for (const store of stores) {
      const { sql, dispose } = await openStore(store, round);
      try {
        const filled = await fill(store, sql, round);
        const perf = await producerPerformance(round, store);
        const run = await relayRun(sql);
        const relayRate = run.sent / run.seconds;
        const result: RoundResult = {
          round,
          store,
          producerPerformance: { recordsPerSec: perf.rate, summary: perf.summary },
          outboxFill: { seconds: filled.seconds, recordsPerSec: n / filled.seconds },
          relay: { ...run, recordsPerSec: relayRate },
          ratio: relayRate / perf.rate,
        };
        results.push(result);
        console.log(
          `round ${round} ${store.padEnd(8)} ProducerPerformance ${perf.rate.toFixed(0).padStart(6)} rec/s, ` +
            `OutboxRelay ${relayRate.toFixed(0).padStart(6)} rec/s (${run.batches} batches, ${run.failedAttempts} failed attempts): ` +
            `ratio ${result.ratio.toFixed(3)}`,
        );
      } finally {
        await dispose();
        await bus.deleteTopics(topics.splice(0)).catch(() => {});
      }
    }
  }

  const summary = Object.fromEntries(
    stores.map((store) => {
      const mine = results.filter((r) => r.store === store);
      const ratio = median(mine.map((r) => r.ratio));
      return [
        store,
        {
          medianRatio: ratio,
          medianRelayRecordsPerSec: median(mine.map((r) => r.relay.recordsPerSec)),
          medianProducerPerformanceRecordsPerSec: median(
            mine.map((r) => r.producerPerformance.recordsPerSec),
          ),
          goalMet: ratio >= 0.5,
        },
      ];
    }),
  );
  console.log(`\nmedian over ${rounds} round(s), relay batch ${batchSize}, ${n} records of ${size} B:`);
  for (const [store, s] of Object.entries(summary)) {
    console.log(
      `  ${store.padEnd(8)} relay ${s.medianRelayRecordsPerSec.toFixed(0)} rec/s vs ProducerPerformance ` +
        `${s.medianProducerPerformanceRecordsPerSec.toFixed(0)} rec/s: ratio ${s.medianRatio.toFixed(3)} ` +
        `(goal ≥ 0.5: ${s.goalMet ? 'met' : 'NOT met'})`,
    );
  }

  mkdirSync(`${root}bench/results`, { recursive: true });
  writeFileSync(
    `${root}bench/results/outbox-relay.json`,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        records: n,
        recordSizeBytes: size,
        partitions,
        keys,
        relayBatchSize: batchSize,
        analyzedAfterFill: analyze,
        rounds: results,
        summary,
        goal: 0.5,
        goalMet: Object.values(summary).every((s) => s.goalMet),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await bus.deleteTopics(topics).catch(() => {});
  await bus.close();
}
