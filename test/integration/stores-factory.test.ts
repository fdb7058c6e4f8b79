import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/sdk/config/resolve.js';
import { DataDirLockedError } from '../../src/sdk/engines/data-dir-lock.js';
import { openStores, type Stores } from '../../src/sdk/stores/factory.js';
import { subjectKey } from '../../src/sdk/stores/objects/object-keys.js';
import { createTestDatabase, serverHasPgvector, type TestDatabase } from '../support/pg-database.js';
import { describeWithServices, randomName, testEnv } from '../support/services.js';

const unit = (i: number) => Array.from({ length: 8 }, (_, j) => (j === i ? 1 : 0));

/** One of everything, written through the factory's stores and read back. */
async function roundTrip(stores: Stores, topic: string): Promise<void> {
  await stores.sessions.set({ tenant: 't1', subject: 'alice', sessionId: 's1', state: { step: 1 } });
  expect((await stores.sessions.get('t1', 's1'))?.state).toEqual({ step: 1 });
  expect(
    (await stores.rateLimiter.take({ tenant: 't1', bucket: 'b' }, { limit: 1, windowMs: 60_000 })).allowed,
  ).toBe(true);
  await stores.memory.upsert([
    { id: 'm1', tenant: 't1', subject: 'alice', text: 'hello', embedding: unit(0), metadata: {} },
  ]);
  const hits = await stores.memory.search({ tenant: 't1', vector: unit(0), topK: 1 });
  expect(hits[0]?.record.id).toBe('m1');
  await stores.records.audit.append({
    tenant: 't1',
    subject: 'alice',
    actor: 'test',
    action: 'factory.check',
    resource: 'x',
  });
  expect(await stores.records.audit.countBySubject('t1', 'alice')).toBe(1);
  const key = subjectKey('t1', 'alice', 'note.txt');
  await stores.objects.put(key, 'note');
  expect((await stores.objects.getBytes(key)).toString()).toBe('note');
  await stores.events.createTopics([{ name: topic, partitions: 1 }]);
  const [published] = await stores.events.publish([
    { topic, key: 'k', value: Buffer.from('v'), headers: {} },
  ]);
  expect(published?.offset).toBe('0');
}

describe('openStores, embedded profile', () => {
  it('builds every store on one data directory, which it owns until closed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'soma-stores-'));
    const { config } = resolveConfig({ env: {}, cwd: dataDir, flags: { dataDir, 'vector.dimensions': '8' } });
    const stores = await openStores(config, { purpose: 'test' });
    try {
      expect(stores.profile).toBe('embedded');
      await roundTrip(stores, randomName('factory'));
      await expect(openStores(config)).rejects.toBeInstanceOf(DataDirLockedError);
    } finally {
      await stores.close();
    }
    const again = await openStores(config);
    try {
      expect((await again.sessions.get('t1', 's1'))?.state).toEqual({ step: 1 });
    } finally {
      await again.close();
    }
  });
});

describeWithServices(['redis', 's3', 'kafka', 'postgres'], 'openStores, cluster profile', (address) => {
  // Stores need a Postgres with pgvector: the server of SOMA_TEST_PGVECTOR_URL in a database of its own (the
  // cluster profile works in `public`), else a PGlite socket server with pgvector. Where pgvector is missing, a
  // PGlite socket server without it; the test Postgres server too, when it lacks pgvector.
  let withVector: PGlite;
  let withVectorServer: PGLiteSocketServer;
  let withoutVector: PGlite;
  let withoutVectorServer: PGLiteSocketServer;
  let database: TestDatabase | undefined;
  let pgvectorUrl = '';
  let noPgvectorUrl = '';
  beforeAll(async () => {
    const serve = async (db: PGlite) => {
      const socketServer = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
      await socketServer.start();
      return socketServer;
    };
    withVector = await PGlite.create({ extensions: { vector } });
    withVectorServer = await serve(withVector);
    withoutVector = await PGlite.create();
    withoutVectorServer = await serve(withoutVector);
    const server = testEnv('SOMA_TEST_PGVECTOR_URL');
    if (server) database = await createTestDatabase(server, 'soma_factory');
    pgvectorUrl = database?.url ?? `postgres://postgres@${withVectorServer.getServerConn()}/postgres`;
    noPgvectorUrl = `postgres://postgres@${withoutVectorServer.getServerConn()}/postgres`;
  });
  afterAll(async () => {
    await database?.drop();
    await withVectorServer?.stop();
    await withVector?.close();
    await withoutVectorServer?.stop();
    await withoutVector?.close();
  });

  const cluster = (postgresUrl: string) =>
    resolveConfig({
      env: {},
      cwd: tmpdir(),
      flags: {
        profile: 'cluster',
        'vector.dimensions': '8',
        'postgres.url': postgresUrl,
        'redis.url': address.redis?.(),
        'redis.keyPrefix': randomName('soma').replace(/-/g, '_'),
        's3.endpoint': address.s3?.(),
        's3.bucket': randomName('soma'),
        's3.accessKeyId': testEnv('SOMA_TEST_S3_ACCESS_KEY') ?? 'test',
        's3.secretAccessKey': testEnv('SOMA_TEST_S3_SECRET_KEY') ?? 'test',
        'kafka.brokers': address.kafka?.(),
        'timeouts.request': '30s',
      },
    }).config;

  it('builds Redis, pgvector, records, S3 and Kafka stores from the config', async () => {
    const stores = await openStores(cluster(pgvectorUrl));
    const topic = randomName('factory');
    try {
      expect(stores.profile).toBe('cluster');
      await roundTrip(stores, topic);
      await stores.sessions.deleteBySubject('t1', 'alice');
      await stores.objects.deletePrefix(subjectKey('t1', 'alice', 'x').replace(/x$/, ''));
    } finally {
      await stores.events.deleteTopics([topic]).catch(() => {});
      await stores.close();
    }
  });

  const expectPgvectorMissing = async (url: string) => {
    const error = await openStores(cluster(url)).catch((e) => e);
    expect(error.code).toBe('PGVECTOR_MISSING');
    expect(error.message).toContain('pgvector extension is not available');
    expect(error.hint).toMatch(/qdrant/);
  };

  it('on a Postgres without pgvector fails with a typed error naming the fix (PGlite socket server)', async () => {
    await expectPgvectorMissing(noPgvectorUrl);
  });

  it('on the test Postgres server, when it lacks pgvector, fails the same way', async ({ skip }) => {
    const server = address.postgres?.() as string;
    skip(await serverHasPgvector(server), 'the test Postgres server has pgvector');
    // A database of its own, so the server's shared databases keep no tables from this test.
    const own = await createTestDatabase(server, 'soma_factory');
    try {
      await expectPgvectorMissing(own.url);
    } finally {
      await own.drop();
    }
  });
});
