import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/sdk/errors.js';
import type { Records } from '../../src/sdk/stores/records/records.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { apiKeysContract } from './records.api-keys.contract.js';
import { auditContract } from './records.audit.contract.js';
import { configVersionsContract } from './records.config-versions.contract.js';
import { governanceContract } from './records.governance.contract.js';
import { PARAMS, type SqlHarness } from './records.harness.js';
import { outboxContract } from './records.outbox.contract.js';
import { receiptsContract } from './records.receipts.contract.js';
import { toolsContract } from './records.tools.contract.js';

/** What each part of the records contract works on. */
export interface RecordsContext {
  readonly records: Records;
  readonly client: SqlClient;
}

/** The records contract: every records port over one engine, run unchanged on PGlite and Postgres. */
export function recordsContract(adapterName: string, harness: SqlHarness): void {
  describe(`Records contract: ${adapterName}`, () => {
    let client: SqlClient | undefined;
    let context: RecordsContext | undefined;
    const ctx = (): RecordsContext => {
      if (!context) throw new Error('records not opened');
      return context;
    };

    beforeAll(async () => {
      client = await harness.open();
      await migrate(client, PARAMS);
      context = { client, records: createRecords(client) };
    });
    afterAll(async () => {
      if (client) await harness.dispose(client);
    });

    auditContract(ctx);
    toolsContract(ctx);
    outboxContract(ctx);
    governanceContract(ctx);
    apiKeysContract(ctx, harness);
    configVersionsContract(ctx);
    receiptsContract(ctx);

    it('a transaction spanning audit and outbox commits both or neither', async () => {
      const { records } = ctx();
      const tenant = `tx-${Date.now()}-${Math.random()}`;
      await expect(
        records.transaction(async (r, tx) => {
          await r.audit.append({ tenant, actor: 'system', action: 'tx.test', resource: 'r:1' });
          await r.outbox.enqueue(tx, [{ topic: 'tx.topic', key: 'k', payload: new Uint8Array([1]), tenant }]);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect((await records.audit.query({ tenant })).entries).toEqual([]);
      const committed = await records.transaction(async (r, tx) => {
        await r.audit.append({ tenant, actor: 'system', action: 'tx.test', resource: 'r:2' });
        return r.outbox.enqueue(tx, [{ topic: 'tx.topic', key: 'k', payload: new Uint8Array([2]), tenant }]);
      });
      expect((await records.audit.query({ tenant })).entries.map((e) => e.resource)).toEqual(['r:2']);
      expect((await records.outbox.get(committed[0]!.id))?.tenant).toBe(tenant);
    });

    it('an unreachable engine gives a retriable UnavailableError naming it, quickly', async () => {
      const down = await harness.openDown();
      const records = createRecords(down);
      const started = Date.now();
      try {
        for (const call of [
          () => records.audit.append({ tenant: 't', actor: 'a', action: 'x', resource: 'r' }),
          () => records.audit.query({ tenant: 't' }),
          () => records.tools.list(),
          () => records.outbox.pendingCount(),
          () => records.outbox.claimBatch(10),
          () => records.legalHolds.get('t', 's'),
          () => records.subjectKeys.getOrCreate('t', 's'),
          () => records.subjectKeys.destroy('t', 's'),
          () => records.apiKeys.create({ tenant: 't', subject: 's' }),
          () => records.apiKeys.verify(`soma_0123456789abcdef_${'A'.repeat(43)}`),
          () => records.apiKeys.list(),
          () => records.apiKeys.revoke('0123456789abcdef'),
          () => records.apiKeys.createIfNoneUsable({ tenant: 't', subject: 's' }),
          () => records.configVersions.get('deployment'),
        ]) {
          const error = await call().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(UnavailableError);
          expect((error as UnavailableError).retriable).toBe(true);
          expect((error as UnavailableError).message).toContain(down.address);
        }
      } finally {
        await down.close().catch(() => {});
      }
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  });
}
