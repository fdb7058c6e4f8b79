import { join } from 'node:path';
import type { SomaConfig } from '../config/schema.js';
import { ensureDataDirectory } from '../engines/data-dir.js';
import { connectRedis } from '../engines/redis.js';
import { EmbeddedEventBus } from '../events/bus/embedded-event-bus.js';
import type { EventBus } from '../events/bus/event-bus.js';
import { KafkaEventBus } from '../events/bus/kafka-event-bus.js';
import { createFsObjectStore } from './objects/fs-object-store.js';
import type { ObjectStore } from './objects/object-store.js';
import { createS3ObjectStore } from './objects/s3-object-store.js';
import { EmbeddedRateLimiter } from './rate-limit/embedded-rate-limiter.js';
import type { RateLimiter } from './rate-limit/rate-limiter.js';
import { RedisRateLimiter } from './rate-limit/redis-rate-limiter.js';
import { openRecordsClient } from './records/open-records.js';
import type { Records } from './records/records.js';
import { createRecords } from './records/sql-records.js';
import { EmbeddedSessionStore } from './sessions/embedded-session-store.js';
import { RedisSessionStore } from './sessions/redis-session-store.js';
import type { SessionStore } from './sessions/session-store.js';
import { migrate } from './sql/migrate.js';
import { pgSqlClient } from './sql/pg-sql-client.js';
import type { SqlClient } from './sql/sql-client.js';
import { openPgvectorMemory } from './vector-memory/pgvector-vector-memory.js';
import { openQdrantVectorMemory } from './vector-memory/qdrant-vector-memory.js';
import type { VectorMemory } from './vector-memory/vector-memory.js';

/** Every store of the product, built from one configuration. */
export interface Stores {
  readonly profile: SomaConfig['profile'];
  readonly sessions: SessionStore;
  readonly rateLimiter: RateLimiter;
  readonly memory: VectorMemory;
  readonly records: Records;
  readonly objects: ObjectStore;
  readonly events: EventBus;
  /** The SQL database behind records (and, embedded, sessions, memory and the event log). */
  readonly sql: SqlClient;
  /**
   * Long-term memory bound to a transaction of {@link sql}, when memory lives in that same database
   * (pgvector beside the records): a turn then writes memory, audit and outbox rows in one commit.
   */
  readonly memoryWithin?: (tx: SqlClient) => VectorMemory;
  /** Closes every store and connection, releasing the embedded data directory. */
  close(): Promise<void>;
}

/** Options of {@link openStores}. */
export interface OpenStoresOptions {
  /** What the process does, recorded in the embedded data directory's lock (e.g. `serve`). */
  readonly purpose?: string;
  /**
   * Told when the embedded data directory belongs to a running server and the stores work through its
   * database socket instead of opening the files (print it: users should know which path was taken).
   */
  readonly notice?: (message: string) => void;
}

/**
 * Builds every store from the configuration. `embedded`: one PGlite database under `dataDir` (records,
 * sessions, pgvector memory, event log), an in-process rate limiter and objects under `dataDir/objects`.
 * `cluster`: Postgres (records; pgvector memory unless `vector.backend=qdrant`), Redis (sessions, rate
 * limits), Qdrant, S3 and Kafka. Migrations are applied first. On any failure, what was opened is closed.
 */
export async function openStores(config: SomaConfig, options: OpenStoresOptions = {}): Promise<Stores> {
  const timeouts = { connectTimeoutMs: config.timeouts.connect, requestTimeoutMs: config.timeouts.request };
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    closers.length = 0;
  };
  try {
    const sql = await openRecordsClient(config, options.purpose ?? 'somaagent', options.notice);
    closers.push(() => sql.close());
    await migrate(sql, { dimensions: config.vector.dimensions });
    const records = createRecords(sql);

    let sessions: SessionStore;
    let rateLimiter: RateLimiter;
    let memory: VectorMemory;
    let objects: ObjectStore;
    let events: EventBus;
    let memoryWithin: ((tx: SqlClient) => VectorMemory) | undefined;
    if (config.profile === 'embedded') {
      sessions = new EmbeddedSessionStore({ sql, defaultTtlMs: config.retention.sessions });
      rateLimiter = new EmbeddedRateLimiter();
      ({ memory, memoryWithin } = await openPgvectorBesideRecords(sql, config));
      ensureDataDirectory(join(config.dataDir, 'objects'), 'object store directory');
      objects = createFsObjectStore(join(config.dataDir, 'objects'));
      events = new EmbeddedEventBus({ sql });
    } else {
      const redis = await connectRedis({ url: config.redis.url, ...timeouts });
      closers.push(async () => redis.disconnect());
      const redisOptions = {
        url: config.redis.url,
        keyPrefix: config.redis.keyPrefix,
        client: redis,
        ...timeouts,
      };
      sessions = await RedisSessionStore.connect({
        ...redisOptions,
        defaultTtlMs: config.retention.sessions,
      });
      rateLimiter = await RedisRateLimiter.connect(redisOptions);
      if (config.vector.backend === 'qdrant') {
        memory = await openQdrantVectorMemory(
          { url: config.qdrant.url, apiKey: config.qdrant.apiKey, ...timeouts },
          { collection: config.qdrant.collection, dimensions: config.vector.dimensions },
        );
      } else if (config.vector.postgresUrl) {
        memory = await openSeparatePgvector(config, closers);
      } else {
        ({ memory, memoryWithin } = await openPgvectorBesideRecords(sql, config));
      }
      objects = createS3ObjectStore({ ...config.s3, ...timeouts });
      events = new KafkaEventBus({
        brokers: config.kafka.brokers,
        clientId: config.kafka.clientId,
        ...timeouts,
      });
    }
    for (const store of [sessions, rateLimiter, memory, objects, events]) closers.push(() => store.close());
    await objects.ensureBucket();
    return {
      profile: config.profile,
      sessions,
      rateLimiter,
      memory,
      records,
      objects,
      events,
      sql,
      ...(memoryWithin ? { memoryWithin } : {}),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * pgvector memory in the records database (migrated with the records), and the same memory bound to a
 * transaction of that database, so a turn commits memory with its audit and outbox rows.
 */
async function openPgvectorBesideRecords(
  sql: SqlClient,
  config: SomaConfig,
): Promise<{ memory: VectorMemory; memoryWithin: (tx: SqlClient) => VectorMemory }> {
  const memory = await openPgvectorMemory(sql, { dimensions: config.vector.dimensions, migrate: false });
  return { memory, memoryWithin: (tx) => memory.within(tx) };
}

/** pgvector memory in its own Postgres database (`vector.postgresUrl`), migrated by the store itself. */
async function openSeparatePgvector(
  config: SomaConfig,
  closers: Array<() => Promise<unknown>>,
): Promise<VectorMemory> {
  const client = await pgSqlClient({
    url: config.vector.postgresUrl as string,
    connectTimeoutMs: config.timeouts.connect,
    requestTimeoutMs: config.timeouts.request,
    maxConnections: config.postgres.poolSize,
    namedStatements: config.postgres.preparedStatements,
  });
  closers.push(() => client.close());
  return openPgvectorMemory(client, { dimensions: config.vector.dimensions });
}
