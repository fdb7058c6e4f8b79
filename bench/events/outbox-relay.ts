/**
 * Outbox relay → Kafka throughput against Kafka's own producer benchmark, same broker, same record size,
 * same run.
 *
 *   eval "$(bash scripts/services.sh env)"
 *   npx tsx bench/events/outbox-relay.ts [--n 50000] [--size 1024] [--batch 1000] [--partitions 3] [--keys 100]
 *                                        [--store postgres|pglite|both]
 *
 * 1. `org.apache.kafka.tools.ProducerPerformance` (from $SOMA_KAFKA_CLASSPATH): --n records of --size bytes,
 *    unthrottled, acks=all, enable.idempotence=true, into a fresh topic; its records/sec.
 * 2. Per outbox store (a Postgres server in a random schema; embedded PGlite in memory, in this process):
 *    the same number of --size byte payloads pre-filled into the outbox (committed in transactions of 1000
 *    rows, --keys conversation keys), then one OutboxRelay (KafkaEventBus, idempotent producer, acks=all)
 *    drains it into a fresh topic; records/sec from relay start to the last row marked sent. Goal: ≥ 0.5 of
 *    the producer benchmark's rate. The outbox table is ANALYZEd after the pre-fill (as autovacuum would
 *    soon do); `--analyze 0` skips that.
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
const storeArg = process.argv[process.argv.indexOf('--store') + 1] ?? 'both';
const stores =
  (process.argv.includes('--store') ? storeArg : 'both') === 'both' ? ['postgres', 'pglite'] : [storeArg];
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
const perfTopic = `soma-bench-perf-${suffix}`;
const bus = new KafkaEventBus({ brokers: brokers.split(','), clientId: 'soma-bench-outbox' });
const topics = [perfTopic];

interface RelayResult {
  store: string;
  fillSeconds: number;
  sent: number;
  seconds: number;
  recordsPerSec: number;
  batches: number;
  failedAttempts: number;
}

/** Pre-fills the outbox of `sql`, then drains it with a relay into a fresh topic. */
async function relayRun(store: string, sql: SqlClient): Promise<RelayResult> {
  const topic = `soma-bench-relay-${store}-${suffix}`;
  topics.push(topic);
  await bus.createTopics([{ name: topic, partitions }]);
  await migrate(sql, { dimensions: 8 });
  const records = createRecords(sql);
  const payload = randomBytes(size);
  const fillStart = performance.now();
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
  const fillSeconds = (performance.now() - fillStart) / 1000;
  // What autovacuum would do after such a bulk insert.
  if (analyze) await sql.query('ANALYZE soma_outbox');
  console.log(`${store}: outbox pre-filled with ${n} events in ${fillSeconds.toFixed(1)} s; relaying…`);

  const relay = new OutboxRelay(records.outbox, bus, { batchSize, pollIntervalMs: 5 });
  const relayStart = performance.now();
  relay.start();
  const drained = await relay.flush(600_000);
  const seconds = (performance.now() - relayStart) / 1000;
  await relay.stop();
  if (!drained) throw new Error(`${store}: the relay did not drain the outbox within 10 minutes`);
  const metrics = relay.metrics();
  const sent = metrics.sent;
  return {
    store,
    fillSeconds,
    sent,
    seconds,
    recordsPerSec: sent / seconds,
    batches: metrics.batches,
    failedAttempts: metrics.failedAttempts,
  };
}

try {
  await bus.createTopics([{ name: perfTopic, partitions }]);

  // 1. Kafka's producer benchmark.
  console.log(`ProducerPerformance: ${n} records of ${size} B into ${perfTopic} (${partitions} partitions)…`);
  const { stdout } = await promisify(execFile)(
    'java',
    [
      '-cp',
      classpath,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      perfTopic,
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
  const kafkaRate = Number(/([\d.]+) records\/sec/.exec(summary)?.[1]);
  if (!Number.isFinite(kafkaRate)) throw new Error(`cannot parse ProducerPerformance output: ${summary}`);
  console.log(`  ${summary}`);

  // 2. The relay, per outbox store.
  const results: RelayResult[] = [];
  for (const store of stores) {
    if (store === 'postgres') {
      const schema = `soma_bench_outbox_${suffix.replace(/-/g, '_')}`;
      const sql = await pgSqlClient({ url: pgUrl, schema, connectTimeoutMs: 3000, requestTimeoutMs: 60_000 });
      try {
        results.push(await relayRun(store, sql));
      } finally {
        await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
        await sql.close();
      }
    } else {
      const sql = await openPgliteSqlClient();
      try {
        results.push(await relayRun(store, sql));
      } finally {
        await sql.close();
      }
    }
  }

  console.log(`\nmeasure (batch ${batchSize})              records   records/s   ratio`);
  console.log(
    `${'Kafka ProducerPerformance'.padEnd(36)} ${String(n).padStart(7)} ${kafkaRate.toFixed(0).padStart(11)}`,
  );
  for (const r of results) {
    const name = `OutboxRelay (${r.store}) → Kafka`;
    const ratio = r.recordsPerSec / kafkaRate;
    console.log(
      `${name.padEnd(36)} ${String(r.sent).padStart(7)} ${r.recordsPerSec.toFixed(0).padStart(11)} ${ratio.toFixed(3).padStart(7)} (goal ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'NOT met'}; ${r.batches} batches, ${r.failedAttempts} failed attempts)`,
    );
  }

  const relay = Object.fromEntries(
    results.map((r) => [
      r.store,
      {
        outboxFill: { seconds: r.fillSeconds, recordsPerSec: n / r.fillSeconds },
        sent: r.sent,
        seconds: r.seconds,
        recordsPerSec: r.recordsPerSec,
        batches: r.batches,
        failedAttempts: r.failedAttempts,
        ratio: r.recordsPerSec / kafkaRate,
        goalMet: r.recordsPerSec / kafkaRate >= 0.5,
      },
    ]),
  );
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
        producerPerformance: { recordsPerSec: kafkaRate, summary },
        relay,
        goal: 0.5,
        goalMet: results.every((r) => r.recordsPerSec / kafkaRate >= 0.5),
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await bus.deleteTopics(topics).catch(() => {});
  await bus.close();
}
