import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedEventBus } from '../../src/sdk/events/bus/embedded-event-bus.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { eventBusContract } from '../contract/event-bus.contract.js';
import { describeWithService, randomName } from '../support/services.js';

const TIMEOUTS = { connectTimeoutMs: 3000, requestTimeoutMs: 15_000 };

describeWithService('postgres', 'embedded event log on a Postgres server (pg)', (address) => {
  const schema = randomName('soma_events').replace(/-/g, '_');
  let sql: SqlClient;

  beforeAll(async () => {
    sql = await pgSqlClient({ url: address(), schema, ...TIMEOUTS });
    await migrate(sql, { dimensions: 8 });
  });
  afterAll(async () => {
    try {
      await sql?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await sql?.close();
    }
  });

  eventBusContract('event log on Postgres', async () => new EmbeddedEventBus({ sql, pollIntervalMs: 50 }), {
    makeUnreachable: async () =>
      new EmbeddedEventBus({
        sql: await pgSqlClient({
          url: 'postgres://postgres@127.0.0.1:1/test',
          connectTimeoutMs: 2000,
          requestTimeoutMs: 2000,
        }),
        retentionIntervalMs: 0,
      }),
    unreachableAddress: '127.0.0.1:1',
  });

  describe('event log on Postgres: concurrent publishers', () => {
    it('assigns gap-free offsets per partition under concurrent publishes', async () => {
      const bus = new EmbeddedEventBus({ sql, retentionIntervalMs: 0 });
      const topic = randomName('soma-conc');
      try {
        await bus.createTopics([{ name: topic, partitions: 2 }]);
        const batches = await Promise.all(
          Array.from({ length: 8 }, (_, b) =>
            bus.publish(
              Array.from({ length: 25 }, (_, i) => ({
                topic,
                key: `k${i % 4}`,
                value: Buffer.from(`${b}:${i}`),
              })),
            ),
          ),
        );
        const perPartition = new Map<number, number[]>();
        for (const r of batches.flat())
          perPartition.set(r.partition, [...(perPartition.get(r.partition) ?? []), Number(r.offset)]);
        for (const offsets of perPartition.values()) {
          expect(offsets.sort((x, y) => x - y)).toEqual(offsets.map((_, i) => i));
        }
        // Each batch's messages of one key keep their order.
        for (const batch of batches) {
          const k0 = batch.filter((_, i) => i % 4 === 0).map((r) => Number(r.offset));
          expect(k0).toEqual([...k0].sort((x, y) => x - y));
        }
      } finally {
        await bus.deleteTopics([topic]);
        await bus.close();
      }
    });
  });
});
