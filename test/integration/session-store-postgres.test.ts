import { afterAll, beforeAll } from 'vitest';
import { EmbeddedSessionStore } from '../../src/sdk/stores/sessions/embedded-session-store.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { sessionStoreContract } from '../contract/session-store.contract.js';
import { describeWithService, randomName } from '../support/services.js';

// The SQL session store is the embedded default, but its SQL is plain Postgres: the same adapter runs on a
// Postgres server through the pg driver, in a random schema.
describeWithService('postgres', 'session store on Postgres (SQL adapter)', (address) => {
  const schema = randomName('soma_sess').replace(/-/g, '_');
  let sql: SqlClient;

  beforeAll(async () => {
    sql = await pgSqlClient({ url: address(), connectTimeoutMs: 2000, requestTimeoutMs: 10_000, schema });
    await migrate(sql, { dimensions: 8 });
  });
  afterAll(async () => {
    await sql?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql?.close();
  });

  sessionStoreContract(
    'postgres',
    async ({ defaultTtlMs }) => new EmbeddedSessionStore({ sql, defaultTtlMs }),
    {
      makeUnreachable: async () =>
        new EmbeddedSessionStore({
          sql: await pgSqlClient({
            url: 'postgres://postgres@127.0.0.1:1/test',
            connectTimeoutMs: 1000,
            requestTimeoutMs: 1000,
          }),
          defaultTtlMs: 1000,
        }),
      unreachableAddress: '127.0.0.1:1',
    },
  );
});
