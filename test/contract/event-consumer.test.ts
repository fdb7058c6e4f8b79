import { afterAll, beforeAll } from 'vitest';
import { EmbeddedEventBus } from '../../src/sdk/events/bus/embedded-event-bus.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { eventConsumerContract } from './event-consumer.contract.js';

let sql: SqlClient;
beforeAll(async () => {
  sql = await openPgliteSqlClient();
  await migrate(sql, { dimensions: 8 });
}, 60_000);
afterAll(async () => {
  await sql?.close();
});

eventConsumerContract('embedded (PGlite)', async () => new EmbeddedEventBus({ sql, pollIntervalMs: 50 }));
