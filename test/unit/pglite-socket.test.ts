import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgliteSocketServer, startPgliteSocketServer } from '../../src/sdk/engines/pglite-socket.js';
import { pgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';

describe('PGlite socket server', () => {
  let db: PGlite;
  let server: PgliteSocketServer;
  let url: string;
  beforeAll(async () => {
    db = await PGlite.create();
    await db.exec(
      'CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counters VALUES (1, 0);',
    );
    server = await startPgliteSocketServer(db, { host: '127.0.0.1', port: 0 });
    url = `postgres://postgres@${server.address}/postgres`;
  });
  afterAll(async () => {
    await server.stop();
    await db.close();
  });

  it('keeps concurrent clients and in-process statements from interleaving inside one session', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 8 });
    const local = pgliteSqlClient(db);
    try {
      // Parameterised statements (extended protocol) from 8 connections and this process at once.
      const remote = Array.from({ length: 80 }, (_, i) =>
        pool.query<{ v: number }>('SELECT $1::int * 2 AS v', [i]).then((r) => r.rows[0]?.v === i * 2),
      );
      const inProcess = Array.from({ length: 40 }, (_, i) =>
        local.query<{ v: number }>('SELECT $1::int + 1 AS v', [i]).then((r) => r.rows[0]?.v === i + 1),
      );
      // Read-modify-write transactions from several connections: none may see another's half.
      const increments = Array.from({ length: 20 }, async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query<{ n: number }>('SELECT n FROM counters WHERE id = $1', [1]);
          await new Promise((resolve) => setTimeout(resolve, 2));
          await client.query('UPDATE counters SET n = $1 WHERE id = 1', [(rows[0]?.n ?? 0) + 1]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
        return true;
      });
      const localTx = Array.from({ length: 10 }, () =>
        local.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM counters WHERE id = 1');
          await tx.query('UPDATE counters SET n = $1 WHERE id = 1', [(rows[0]?.n ?? 0) + 1]);
          return true;
        }),
      );
      const results = await Promise.all([...remote, ...inProcess, ...increments, ...localTx]);
      expect(results.every(Boolean)).toBe(true);
      expect((await db.query<{ n: number }>('SELECT n FROM counters WHERE id = 1')).rows[0]?.n).toBe(30);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('rolls back the open transaction of a client that disconnects', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('UPDATE counters SET n = -1 WHERE id = 1');
    await client.end();
    const local = pgliteSqlClient(db);
    await expect
      .poll(async () => (await local.query<{ n: number }>('SELECT n FROM counters WHERE id = 1')).rows[0]?.n)
      .not.toBe(-1);
    expect(db.isInTransaction()).toBe(false);
  });
});
