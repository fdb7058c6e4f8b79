import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { migrateContract } from '../contract/migrate.contract.js';
import { recordsContract } from '../contract/records.contract.js';
import type { SqlHarness } from '../contract/records.harness.js';
import { describeWithService, randomName } from '../support/services.js';

const TIMEOUTS = { connectTimeoutMs: 3000, requestTimeoutMs: 15_000 };

describeWithService('postgres', 'Records and migrations on Postgres', (address) => {
  // One random schema per database the contracts ask for, dropped afterwards.
  const schemas = new WeakMap<SqlClient, string>();
  const harness: SqlHarness = {
    open: async () => {
      const schema = randomName('soma_records').replace(/-/g, '_');
      const client = await pgSqlClient({ url: address(), schema, ...TIMEOUTS });
      schemas.set(client, schema);
      return client;
    },
    dispose: async (client) => {
      const schema = schemas.get(client);
      try {
        if (schema) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.close();
      }
    },
    openPeer: async (client) => {
      const schema = schemas.get(client);
      if (!schema) throw new Error('unknown client');
      return pgSqlClient({ url: address(), schema, ...TIMEOUTS });
    },
    openDown: () =>
      pgSqlClient({
        url: 'postgres://postgres@127.0.0.1:1/test',
        connectTimeoutMs: 2000,
        requestTimeoutMs: 2000,
      }),
  };

  recordsContract('Postgres (pg)', harness);
  migrateContract('Postgres (pg)', harness);
});
