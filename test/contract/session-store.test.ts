import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedSessionStore } from '../../src/sdk/stores/sessions/embedded-session-store.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { randomName } from '../support/services.js';
import { sessionStoreContract } from './session-store.contract.js';

let sql: SqlClient;
let closed: SqlClient;

beforeAll(async () => {
  [sql, closed] = await Promise.all([openPgliteSqlClient(), openPgliteSqlClient()]);
  await migrate(sql, { dimensions: 8 });
  await closed.close();
}, 60_000);
afterAll(async () => {
  await sql?.close();
});

sessionStoreContract(
  'embedded (PGlite)',
  async ({ defaultTtlMs }) => new EmbeddedSessionStore({ sql, defaultTtlMs }),
  {
    makeUnreachable: async () => new EmbeddedSessionStore({ sql: closed, defaultTtlMs: 1000 }),
    unreachableAddress: 'pglite (in memory)',
  },
);

async function rowsOf(client: SqlClient, tenant: string): Promise<string[]> {
  const { rows } = await client.query<{ session_id: string }>(
    'SELECT session_id FROM soma_sessions WHERE tenant_id = $1 ORDER BY session_id',
    [tenant],
  );
  return rows.map((row) => row.session_id);
}

describe('embedded session store: persistence and purge', () => {
  it('purges expired rows, on demand and on its timer', async () => {
    const tenant = randomName('tenant');
    const store = new EmbeddedSessionStore({ sql, defaultTtlMs: 60_000, purgeIntervalMs: 0 });
    await store.set({ tenant, subject: 'alice', sessionId: 'old', state: 1, ttlMs: 50 });
    await store.set({ tenant, subject: 'alice', sessionId: 'live', state: 2 });
    await sleep(80);
    expect(await rowsOf(sql, tenant)).toEqual(['live', 'old']); // expired but still stored…
    expect(await store.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await rowsOf(sql, tenant)).toEqual(['live']); // …until purged
    await store.close();

    const timed = new EmbeddedSessionStore({ sql, defaultTtlMs: 60_000, purgeIntervalMs: 30 });
    try {
      await timed.set({ tenant, subject: 'alice', sessionId: 'old2', state: 1, ttlMs: 30 });
      const deadline = Date.now() + 5000;
      while ((await rowsOf(sql, tenant)).includes('old2') && Date.now() < deadline) await sleep(25);
      expect(await rowsOf(sql, tenant)).toEqual(['live']);
    } finally {
      await timed.close();
    }
  });

  it('keeps sessions across a restart and honours expiry after it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'soma-sessions-'));
    try {
      const tenant = 'acme';
      let db = await openPgliteSqlClient(dir);
      await migrate(db, { dimensions: 8 });
      let store = new EmbeddedSessionStore({ sql: db, defaultTtlMs: 60_000 });
      const kept = await store.set({ tenant, subject: 'alice', sessionId: 'kept', state: { turns: 3 } });
      await store.set({ tenant, subject: 'alice', sessionId: 'brief', state: 1, ttlMs: 300 });
      await store.close();
      await db.close();
      await sleep(350);

      db = await openPgliteSqlClient(dir);
      await migrate(db, { dimensions: 8 }); // a restart migrates again: nothing pending
      store = new EmbeddedSessionStore({ sql: db, defaultTtlMs: 60_000 });
      try {
        expect(await store.get(tenant, 'kept')).toEqual(kept);
        expect(await store.get(tenant, 'brief')).toBeUndefined();
        expect(await store.listBySubject(tenant, 'alice')).toHaveLength(1);
        expect(await store.purgeExpired()).toBe(1);
        expect(await rowsOf(db, tenant)).toEqual(['kept']);
      } finally {
        await store.close();
        await db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
