/**
 * VectorMemory through the `pg` driver (the cluster profile's pgvector path).
 *
 * - Always: against PGlite's socket server (real Postgres wire protocol, pgvector inside), because the Postgres
 *   server of this machine has no pgvector.
 * - With SOMA_TEST_PGVECTOR_URL: against a Postgres server that has pgvector.
 * - Against SOMA_TEST_POSTGRES_URL (describeWithService): without pgvector, start-up fails with PGVECTOR_MISSING.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import {
  openPgvectorMemory,
  PgvectorVectorMemory,
  VECTOR_MEMORY_TABLE,
} from '../../src/sdk/stores/vector-memory/pgvector-vector-memory.js';
import { vectorMemoryContract } from '../contract/vector-memory.contract.js';
import { describeWithService, randomName, testEnv } from '../support/services.js';

const TIMEOUTS = { connectTimeoutMs: 5_000, requestTimeoutMs: 30_000 };

function schemaName(): string {
  return randomName('vm').replace(/-/g, '_');
}

const unreachable = async () => {
  const client = await pgSqlClient({
    url: 'postgres://postgres@127.0.0.1:1/soma',
    connectTimeoutMs: 2_000,
    requestTimeoutMs: 5_000,
  });
  return {
    store: new PgvectorVectorMemory(client, { dimensions: 4, ownsClient: true }),
    address: '127.0.0.1:1',
  };
};

describe('pgvector through pg, served by PGlite socket server', () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let url = '';

  beforeAll(async () => {
    db = await PGlite.create({ extensions: { vector } });
    // Several pool connections work: the server queues their queries on the single PGlite session and keeps a
    // transaction's statements together. Schemas are per store, so stores are used one at a time here.
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
    await server.start();
    url = `postgres://postgres@${server.getServerConn()}/postgres`;
  });

  afterAll(async () => {
    await server?.stop();
    await db?.close();
  });

  const open = async (dimensions: number) => {
    const client = await pgSqlClient({ url, schema: schemaName(), maxConnections: 2, ...TIMEOUTS });
    return openPgvectorMemory(client, { dimensions, ownsClient: true });
  };

  vectorMemoryContract('pgvector via pg (PGlite socket server)', open, { unreachable });

  it('serves concurrent writes and searches through a pool of several connections', async () => {
    const store = await open(4);
    try {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.upsert(
            Array.from({ length: 25 }, (_, j) => ({
              id: `r${i}-${j}`,
              tenant: `t${i % 2}`,
              subject: `s${j % 5}`,
              text: `memory ${i}/${j}`,
              embedding: [1 + i, j, (i * j) % 7, 1],
            })),
          ),
        ),
      );
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store.search({ tenant: `t${i % 2}`, subject: `s${i % 5}`, vector: [1, i, 0, 1], topK: 5 }),
        ),
      );
      results.forEach((hits, i) => {
        expect(hits).toHaveLength(5);
        expect(hits.every((h) => h.record.tenant === `t${i % 2}` && h.record.subject === `s${i % 5}`)).toBe(
          true,
        );
      });
      expect(await store.count()).toBe(200);
    } finally {
      await store.close();
    }
  });
});

const pgvectorUrl = testEnv('SOMA_TEST_PGVECTOR_URL');
if (pgvectorUrl) {
  describe(`pgvector via pg on a Postgres server [${pgvectorUrl.replace(/\/\/[^@]*@/, '//')}]`, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      const admin = await pgSqlClient({ url: pgvectorUrl, ...TIMEOUTS });
      for (const schema of schemas) await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    });
    vectorMemoryContract(
      'pgvector via pg (Postgres server)',
      async (dimensions) => {
        const schema = schemaName();
        schemas.push(schema);
        const client = await pgSqlClient({ url: pgvectorUrl, schema, maxConnections: 4, ...TIMEOUTS });
        return openPgvectorMemory(client, { dimensions, ownsClient: true });
      },
      { unreachable },
    );
  });
} else {
  console.log(
    'skipped: pgvector via pg on a Postgres server: set SOMA_TEST_PGVECTOR_URL to a server with pgvector',
  );
}

describeWithService('postgres', 'pgvector memory on a Postgres server without pgvector', (address) => {
  let client: SqlClient;
  let schema = '';
  let hasPgvector = false;

  beforeAll(async () => {
    schema = schemaName();
    client = await pgSqlClient({ url: address(), schema, maxConnections: 2, ...TIMEOUTS });
    hasPgvector =
      (await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).rows.length > 0;
  });

  afterAll(async () => {
    await client?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client?.close();
  });

  it('fails at start with PGVECTOR_MISSING saying what to do (or opens when the server has pgvector)', async () => {
    const opening = openPgvectorMemory(client, { dimensions: 4 });
    if (hasPgvector) {
      await expect(opening).resolves.toBeInstanceOf(PgvectorVectorMemory);
      return;
    }
    const error = (await opening.catch((e: unknown) => e)) as Record<string, unknown> & Error;
    expect(error).toMatchObject({ name: 'PgvectorMissingError', code: 'PGVECTOR_MISSING', retriable: false });
    expect(error.message).toContain('pgvector extension is not available on Postgres at 127.0.0.1:');
    expect(error.hint).toMatch(/Install pgvector .* or set vector\.backend=qdrant/);
  });

  it('lets the other migrations apply: 0002 does nothing where pgvector is missing', async () => {
    if (hasPgvector) return;
    const report = await migrate(client, { dimensions: 4 });
    expect(report.current).toBeGreaterThanOrEqual(2);
    const table = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      VECTOR_MEMORY_TABLE,
    ]);
    expect(table.rows[0]?.t).toBeNull();
    // still refused afterwards, never half-working
    await expect(openPgvectorMemory(client, { dimensions: 4 })).rejects.toMatchObject({
      code: 'PGVECTOR_MISSING',
    });
  });
});
