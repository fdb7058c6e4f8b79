import { afterAll, beforeAll, expect, it } from 'vitest';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { describeWithService, randomName } from '../support/services.js';

const TIMEOUTS = { connectTimeoutMs: 3000, requestTimeoutMs: 15_000 };

describeWithService('postgres', 'pg SqlClient: named statements', (address) => {
  const schema = randomName('soma_named').replace(/-/g, '_');
  let admin: SqlClient;
  beforeAll(async () => {
    admin = await pgSqlClient({ url: address(), schema, ...TIMEOUTS });
    await admin.exec('CREATE TABLE t (id int PRIMARY KEY, v text)');
  });
  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.close();
  });

  // The connection's own prepared statements: a transaction keeps every statement on one connection.
  const preparedOn = (client: SqlClient, text: string, params: unknown[]) =>
    client.transaction(async (tx) => {
      const { rows } = await tx.query<{ v: string }>(text, params);
      const prepared = await tx.query<{ name: string; statement: string }>(
        'SELECT name, statement FROM pg_prepared_statements',
      );
      return { rows, prepared: prepared.rows };
    });

  it('prepares a statement with parameters once per connection under a stable name, and reuses it', async () => {
    const client = await pgSqlClient({ url: address(), schema, maxConnections: 1, ...TIMEOUTS });
    try {
      await client.query('INSERT INTO t (id, v) VALUES ($1, $2) ON CONFLICT DO NOTHING', [1, 'one']);
      const text = 'SELECT v FROM t WHERE id = $1';
      const first = await preparedOn(client, text, [1]);
      expect(first.rows).toEqual([{ v: 'one' }]);
      const mine = first.prepared.filter((p) => p.statement === text);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.name).toMatch(/^soma_[A-Za-z0-9_-]{22}$/);
      const second = await preparedOn(client, text, [2]);
      expect(second.rows).toEqual([]);
      expect(second.prepared.filter((p) => p.statement === text).map((p) => p.name)).toEqual([mine[0]?.name]);
    } finally {
      await client.close();
    }
  });

  it('prepares nothing with namedStatements: false (postgres.preparedStatements=false)', async () => {
    const client = await pgSqlClient({
      url: address(),
      schema,
      maxConnections: 1,
      namedStatements: false,
      ...TIMEOUTS,
    });
    try {
      const { rows, prepared } = await preparedOn(client, 'SELECT $1::int + 1 AS v', [41]);
      expect(rows).toEqual([{ v: 42 }]);
      expect(prepared).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
