/**
 * Stores of the cluster profile built from the test services: records on Postgres in a random schema, Redis
 * sessions and rate limits under a random key prefix, S3 in a random bucket, Kafka, and pgvector memory in the
 * same schema when the Postgres server has pgvector (else on an in-process PGlite). `dispose()` removes what it
 * created.
 */

import { Redis } from 'ioredis';
import { KafkaEventBus } from '../../src/sdk/events/bus/kafka-event-bus.js';
import type { Stores } from '../../src/sdk/stores/factory.js';
import { createS3ObjectStore } from '../../src/sdk/stores/objects/s3-object-store.js';
import { RedisRateLimiter } from '../../src/sdk/stores/rate-limit/redis-rate-limiter.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { RedisSessionStore } from '../../src/sdk/stores/sessions/redis-session-store.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import { openPgvectorMemory } from '../../src/sdk/stores/vector-memory/pgvector-vector-memory.js';
import { serverHasPgvector } from './pg-database.js';
import { randomName, testEnv } from './services.js';

const TIMEOUTS = { connectTimeoutMs: 3000, requestTimeoutMs: 30_000 };

/** Addresses of the services. */
export interface ClusterAddresses {
  readonly postgres: string;
  readonly redis: string;
  readonly s3: string;
  readonly kafka: string;
}

/** Opens cluster stores over the test services; `dispose` closes them and drops their data. */
export async function openClusterStores(
  address: ClusterAddresses,
  options: { dimensions: number; versioned?: boolean },
): Promise<Stores & { dispose(): Promise<void>; keyPrefix: string }> {
  const schema = randomName('soma_erase').replace(/-/g, '_');
  const keyPrefix = randomName('soma').replace(/-/g, '_');
  const sql = await pgSqlClient({ url: address.postgres, schema, ...TIMEOUTS });
  await migrate(sql, { dimensions: options.dimensions });
  const memory = (await serverHasPgvector(address.postgres))
    ? await openPgvectorMemory(sql, { dimensions: options.dimensions })
    : await openPgvectorMemory(await openPgliteSqlClient(), {
        dimensions: options.dimensions,
        ownsClient: true,
      });
  const sessions = await RedisSessionStore.connect({
    url: address.redis,
    keyPrefix,
    defaultTtlMs: 3_600_000,
    ...TIMEOUTS,
  });
  const rateLimiter = await RedisRateLimiter.connect({ url: address.redis, keyPrefix, ...TIMEOUTS });
  const objects = createS3ObjectStore({
    endpoint: address.s3,
    region: testEnv('SOMA_TEST_S3_REGION') ?? 'us-east-1',
    bucket: randomName('soma-erase'),
    accessKeyId: testEnv('SOMA_TEST_S3_ACCESS_KEY') ?? 'test',
    secretAccessKey: testEnv('SOMA_TEST_S3_SECRET_KEY') ?? 'test',
    forcePathStyle: true,
    ...TIMEOUTS,
  });
  await objects.ensureBucket();
  if (options.versioned) await objects.setVersioning(true);
  const events = new KafkaEventBus({
    brokers: address.kafka.split(','),
    clientId: 'soma-erase-test',
    ...TIMEOUTS,
  });
  const close = async () => {
    for (const store of [sessions, rateLimiter, memory, objects, events, sql])
      await store.close().catch(() => {});
  };
  return {
    profile: 'cluster',
    sessions,
    rateLimiter,
    memory,
    records: createRecords(sql),
    objects,
    events,
    sql,
    keyPrefix,
    close,
    async dispose() {
      await objects.deleteAllVersions('tenants/').catch(() => {});
      await objects.deleteAllVersions('system/').catch(() => {});
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      const redis = new Redis(address.redis);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 1000);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
      await close();
    },
  };
}
