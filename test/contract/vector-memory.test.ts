/**
 * VectorMemory on the embedded engine: pgvector on PGlite, through the shared SqlClient. One in-memory PGlite
 * for the file; every store gets its own schema (PGlite has one session, and tests run one at a time).
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/sdk/engines/pglite.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import {
  openPgvectorMemory,
  PgvectorVectorMemory,
  VECTOR_MEMORY_TABLE,
} from '../../src/sdk/stores/vector-memory/pgvector-vector-memory.js';
import { randomName } from '../support/services.js';
import { vectorMemoryContract } from './vector-memory.contract.js';

let db: PGlite;

beforeAll(async () => {
  db = await openPglite();
});

afterAll(async () => {
  await db?.close();
});

/** A client of the shared PGlite working in a new schema; the store never closes it. */
async function inFreshSchema(): Promise<ReturnType<typeof pgliteSqlClient>> {
  const schema = randomName('vm').replace(/-/g, '_');
  await db.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}, public`);
  return pgliteSqlClient(db, `pglite (in memory) schema ${schema}`);
}

vectorMemoryContract('pgvector on PGlite (embedded)', async (dimensions) =>
  openPgvectorMemory(await inFreshSchema(), { dimensions }),
);

describe('pgvector on PGlite: adapter specifics', () => {
  it('refuses to open storage made for other dimensions, naming both', async () => {
    const client = await inFreshSchema();
    const store = await openPgvectorMemory(client, { dimensions: 4 });
    await store.upsert([{ id: 'r', tenant: 't', subject: 's', text: 'x', embedding: [1, 0, 0, 0] }]);
    const error = await openPgvectorMemory(client, { dimensions: 8 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { expected: 8, stored: 4 } });
    expect((error as Error).message).toMatch(/4-dimensional .* vector\.dimensions is 8/);
    expect(await store.count()).toBe(1);
  });

  it('finds a subject and expired rows by index, and searches through the HNSW index', async () => {
    const client = await inFreshSchema();
    await openPgvectorMemory(client, { dimensions: 4 });
    const plan = async (sql: string, params: unknown[]) => {
      const rows = await client.transaction(async (tx) => {
        await tx.exec('SET LOCAL enable_seqscan = off');
        return (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows;
      });
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    };
    expect(
      await plan(`DELETE FROM ${VECTOR_MEMORY_TABLE} WHERE tenant_id = $1 AND subject_id = $2`, ['t', 's']),
    ).toContain('soma_vector_memory_subject_idx');
    expect(
      await plan(`DELETE FROM ${VECTOR_MEMORY_TABLE} WHERE created_at < $1`, [new Date().toISOString()]),
    ).toMatch(/soma_vector_memory_created_idx/);
    expect(
      await plan(`SELECT id FROM ${VECTOR_MEMORY_TABLE} ORDER BY embedding <=> $1::vector LIMIT 5`, [
        '[1,0,0,0]',
      ]),
    ).toContain('soma_vector_memory_embedding_idx');
  });

  it('reports PGVECTOR_MISSING on a PGlite without the vector extension; the other migrations still apply', async () => {
    const plain = await PGlite.create();
    const client = pgliteSqlClient(plain, 'pglite (no pgvector)');
    try {
      const report = await migrate(client, { dimensions: 4 });
      expect(report.applied.map((m) => m.name)).toContain('vector_memory');
      expect((await client.query(`SELECT to_regclass('${VECTOR_MEMORY_TABLE}') AS t`)).rows[0]).toEqual({
        t: null,
      });
      const error = await openPgvectorMemory(client, { dimensions: 4 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PGVECTOR_MISSING', retriable: false });
      expect((error as Error).message).toContain('pgvector extension is not available');
      expect((error as { hint?: string }).hint).toMatch(/install pgvector/i);
    } finally {
      await client.close();
    }
  });

  it('expires a backlog in several bounded DELETE statements', async () => {
    const client = await inFreshSchema();
    const store = await openPgvectorMemory(client, { dimensions: 4, retentionBatch: 3 });
    const old = new Date('2020-01-01T00:00:00Z');
    await store.upsert(
      Array.from({ length: 7 }, (_, i) => ({
        id: `r${i}`,
        tenant: 't',
        subject: 's',
        text: 'x',
        embedding: [1, i, 0, 0],
        createdAt: old,
      })),
    );
    await store.upsert([{ id: 'new', tenant: 't', subject: 's', text: 'x', embedding: [1, 0, 0, 0] }]);
    expect(await store.deleteOlderThan(new Date('2021-01-01T00:00:00Z'))).toBe(7);
    expect(await store.count()).toBe(1);
  });

  it('names the store when the embedded database is closed', async () => {
    const own = await openPglite();
    const store = new PgvectorVectorMemory(pgliteSqlClient(own), { dimensions: 4, ownsClient: true });
    await store.init();
    await store.close();
    const error = await store.count().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as Error).message).toContain('vector memory count');
  });
});
