/**
 * VectorMemory through the `pg` driver (the cluster profile's pgvector path).
 *
 * - Always: against PGlite's socket server with pgvector (real Postgres wire protocol), so the driver path is
 *   covered where no Postgres server with pgvector is at hand; and against one without the extension, where
 *   start-up fails with PGVECTOR_MISSING.
 * - With SOMA_TEST_PGVECTOR_URL (scripts/services.sh env exports it when the server has pgvector): against that
 *   server, each store in a random schema; plus a role that may not create the extension.
 * - Against SOMA_TEST_POSTGRES_URL when that server lacks pgvector: PGVECTOR_MISSING there too (skipped, saying
 *   so, when it has pgvector).
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import {
  openPgvectorMemory,
  PgvectorVectorMemory,
  VECTOR_MEMORY_TABLE,
} from '../../src/sdk/stores/vector-memory/pgvector-vector-memory.js';
import type { VectorMemory } from '../../src/sdk/stores/vector-memory/vector-memory.js';
import { vectorMemoryContract } from '../contract/vector-memory.contract.js';
import { createTestDatabase, serverHasPgvector } from '../support/pg-database.js';
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

/** Concurrent upserts and searches over a pool of several connections. */
function poolTest(open: (dimensions: number) => Promise<VectorMemory>): void {
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
}

/**
 * Start-up where the server has no pgvector: PGVECTOR_MISSING saying what to do, and migration 0002 does nothing
 * so the other migrations still apply. `client` works in a fresh schema; `lacksPgvector` is checked per test.
 */
function missingExtensionTests(client: () => SqlClient, lacksPgvector: () => boolean = () => true): void {
  it('fails at start with PGVECTOR_MISSING saying what to do', async ({ skip }) => {
    skip(!lacksPgvector(), 'this server has pgvector');
    const error = (await openPgvectorMemory(client(), { dimensions: 4 }).catch((e: unknown) => e)) as Record<
      string,
      unknown
    > &
      Error;
    expect(error).toMatchObject({ name: 'PgvectorMissingError', code: 'PGVECTOR_MISSING', retriable: false });
    expect(error.message).toContain('pgvector extension is not available on Postgres at 127.0.0.1:');
    expect(error.hint).toMatch(/Install pgvector .* or set vector\.backend=qdrant/);
  });

  it('lets the other migrations apply: 0002 does nothing where pgvector is missing', async ({ skip }) => {
    skip(!lacksPgvector(), 'this server has pgvector');
    const report = await migrate(client(), { dimensions: 4 });
    expect(report.current).toBeGreaterThanOrEqual(2);
    const table = await client().query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      VECTOR_MEMORY_TABLE,
    ]);
    expect(table.rows[0]?.t).toBeNull();
    // still refused afterwards, never half-working
    await expect(openPgvectorMemory(client(), { dimensions: 4 })).rejects.toMatchObject({
      code: 'PGVECTOR_MISSING',
    });
  });
}

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

  poolTest(open);
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
    const open = async (dimensions: number) => {
      const schema = schemaName();
      schemas.push(schema);
      const client = await pgSqlClient({ url: pgvectorUrl, schema, maxConnections: 4, ...TIMEOUTS });
      return openPgvectorMemory(client, { dimensions, ownsClient: true });
    };
    vectorMemoryContract('pgvector via pg (Postgres server)', open, { unreachable });
    poolTest(open);

    it('tells a role that may not create the extension to ask a superuser (PGVECTOR_MISSING, not installed)', async () => {
      // A database without the extension, owned by a role that is not a superuser: it may create tables in
      // `public` but not the (untrusted) vector extension.
      const role = randomName('soma_role').replace(/-/g, '_');
      const admin = new pg.Client({ connectionString: pgvectorUrl });
      await admin.connect();
      let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
      try {
        await admin.query(`CREATE ROLE "${role}" LOGIN NOSUPERUSER`);
        database = await createTestDatabase(pgvectorUrl, 'soma_vm_role');
        await admin.query(`ALTER DATABASE "${database.name}" OWNER TO "${role}"`);
        const url = new URL(database.url);
        url.username = role;
        const client = await pgSqlClient({ url: url.toString(), ...TIMEOUTS });
        try {
          const error = (await openPgvectorMemory(client, { dimensions: 4 }).catch(
            (e: unknown) => e,
          )) as Record<string, unknown> & Error;
          expect(error).toMatchObject({ code: 'PGVECTOR_MISSING', retriable: false });
          expect(error.message).toContain('available but not installed');
          expect(error.hint).toMatch(/CREATE EXTENSION vector/);
          // the failed migration left nothing behind
          const table = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
            VECTOR_MEMORY_TABLE,
          ]);
          expect(table.rows[0]?.t).toBeNull();
        } finally {
          await client.close();
        }
      } finally {
        await database?.drop();
        await admin.query(`DROP ROLE IF EXISTS "${role}"`);
        await admin.end();
      }
    });
  });
} else {
  console.log(
    'skipped: pgvector via pg on a Postgres server: set SOMA_TEST_PGVECTOR_URL to a server with pgvector',
  );
}

describe('pgvector through pg on a Postgres without pgvector (PGlite socket server, no extension)', () => {
  let db: PGlite;
  let server: PGLiteSocketServer;
  let client: SqlClient;

  beforeAll(async () => {
    db = await PGlite.create();
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    client = await pgSqlClient({ url, schema: schemaName(), maxConnections: 1, ...TIMEOUTS });
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    await db?.close();
  });

  missingExtensionTests(() => client);
});

describeWithService('postgres', 'pgvector memory on the Postgres server, if it lacks pgvector', (address) => {
  let client: SqlClient;
  let schema = '';
  let hasPgvector = true;

  beforeAll(async () => {
    hasPgvector = await serverHasPgvector(address());
    schema = schemaName();
    client = await pgSqlClient({ url: address(), schema, maxConnections: 2, ...TIMEOUTS });
  });

  afterAll(async () => {
    await client?.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client?.close();
  });

  missingExtensionTests(
    () => client,
    () => !hasPgvector,
  );
});
