import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type ConfigUpdate,
  createEventCodec,
  loadLiveConfigSnapshot,
  loadSchemaCatalog,
  publishConfigUpdate,
  stateChecksum,
} from '../../src/sdk/index.js';
import type { Records } from '../../src/sdk/stores/records/records.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { describeWithService, randomName } from '../support/services.js';

describeWithService('postgres', 'config update publishers on Postgres', (address) => {
  const schema = randomName('soma_cfgver').replace(/-/g, '_');
  let client: SqlClient;
  let records: Records;

  beforeAll(async () => {
    client = await pgSqlClient({ url: address(), schema, connectTimeoutMs: 3000, requestTimeoutMs: 30_000 });
    await migrate(client, { dimensions: 8 });
    records = createRecords(client);
  });
  afterAll(async () => {
    if (!client) return;
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.close();
    }
  });

  it('concurrent publishers get gap-free versions, and the outbox holds them in version order', async () => {
    const tenant = randomName('tenant');
    const topic = randomName('soma-cfg');
    const days = [1, 2, 3, 4, 5, 6, 7, 8];
    const results = await Promise.all(
      days.map((d) =>
        publishConfigUpdate({ records }, { config: { 'retention.audit': `${d}d` } }, { tenant, topic }),
      ),
    );
    expect(results.map((r) => r.toVersion).sort((a, b) => a - b)).toEqual(days);
    for (const r of results) expect(r.toVersion).toBe(r.fromVersion + 1);

    const snapshot = await loadLiveConfigSnapshot(records, tenant);
    const last = results.find((r) => r.toVersion === days.length);
    expect(snapshot).toMatchObject({ version: days.length, checksum: last?.checksum });
    expect(stateChecksum(snapshot.state)).toBe(snapshot.checksum);

    const codec = createEventCodec({ catalog: loadSchemaCatalog() });
    const { rows } = await client.query<{ payload: Uint8Array; key: string }>(
      'SELECT payload, key FROM soma_outbox WHERE topic = $1 ORDER BY id',
      [topic],
    );
    const events = await Promise.all(
      rows.map(async (row) => (await codec.decode<ConfigUpdate>(row.payload, 'config_update')).value),
    );
    expect(rows.map((row) => row.key)).toEqual(days.map(() => `tenant:${tenant}`));
    expect(events.map((e) => e.version)).toEqual(days);
    expect(events.map((e) => e.previousVersion)).toEqual([null, ...days.slice(0, -1)]);
    // Each event's previous value is the value the version before it set.
    for (let i = 1; i < events.length; i++) expect(events[i]?.previousValue).toBe(events[i - 1]?.value);

    const audit = await records.audit.query({ tenant, action: 'config.update' });
    expect(audit.entries.map((e) => e.details.version)).toEqual(days);
  });
});
