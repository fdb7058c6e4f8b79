import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/sdk/engines/redis.js';
import { RedisSessionStore } from '../../src/sdk/stores/sessions/redis-session-store.js';
import { sessionStoreContract } from '../contract/session-store.contract.js';
import { describeWithService, randomName } from '../support/services.js';

describeWithService('redis', 'session store on Redis', (address) => {
  const keyPrefix = randomName('soma-sess').replace(/-/g, '_');
  let admin: Redis;

  beforeAll(async () => {
    admin = await connectRedis({ url: address(), connectTimeoutMs: 2000, requestTimeoutMs: 5000 });
  });
  afterAll(async () => {
    // The random prefix holds only pattern-safe characters, so this SCAN matches nothing else.
    const stream = admin.scanStream({ match: `${keyPrefix}:*`, count: 500 });
    for await (const keys of stream)
      if ((keys as string[]).length > 0) await admin.unlink(...(keys as string[]));
    admin.disconnect();
  });

  sessionStoreContract(
    'redis',
    ({ defaultTtlMs }) => RedisSessionStore.connect({ url: address(), keyPrefix, defaultTtlMs }),
    {
      makeUnreachable: () =>
        RedisSessionStore.connect({
          url: 'redis://127.0.0.1:1',
          keyPrefix,
          defaultTtlMs: 1000,
          connectTimeoutMs: 1000,
        }),
      unreachableAddress: '127.0.0.1:1',
    },
  );

  describe('redis session store: key layout', () => {
    it('keeps state and subject index under the documented keys with TTLs', async () => {
      const store = await RedisSessionStore.connect({ url: address(), keyPrefix, defaultTtlMs: 60_000 });
      try {
        const tenant = `${randomName('tenant')}/x`;
        await store.set({ tenant, subject: 'alice*', sessionId: 'a:b', state: { v: 1 }, ttlMs: 30_000 });
        const base = `${keyPrefix}:${encodeURIComponent(tenant)}`;
        const sessionKey = `${base}:sess:a%3Ab`;
        const indexKey = `${base}:subj:alice%2A:sess`;
        expect(JSON.parse((await admin.get(sessionKey)) as string)).toMatchObject({
          sk: 'alice%2A',
          state: { v: 1 },
        });
        expect(await admin.smembers(indexKey)).toEqual(['a%3Ab']);
        expect(await admin.pttl(sessionKey)).toBeGreaterThan(25_000);
        expect(await admin.pttl(indexKey)).toBeGreaterThan(25_000);

        // The index lives as long as its longest session.
        await store.set({ tenant, subject: 'alice*', sessionId: 'long', state: 1, ttlMs: 50_000 });
        await store.set({ tenant, subject: 'alice*', sessionId: 'short', state: 1, ttlMs: 1000 });
        expect(await admin.pttl(indexKey)).toBeGreaterThan(45_000);

        // A member whose session vanished behind the store's back is dropped on the next read.
        await admin.del(sessionKey);
        expect(await store.countBySubject(tenant, 'alice*')).toBe(2);
        expect(await admin.sismember(indexKey, 'a%3Ab')).toBe(0);

        expect(await store.deleteBySubject(tenant, 'alice*')).toBe(2);
        expect(await admin.exists(indexKey)).toBe(0);
      } finally {
        await store.close();
      }
    });

    it('shares a caller-owned client and leaves it open on close', async () => {
      const client = await connectRedis({ url: address(), connectTimeoutMs: 2000, requestTimeoutMs: 2000 });
      try {
        const store = await RedisSessionStore.connect({
          url: address(),
          keyPrefix,
          defaultTtlMs: 1000,
          client,
        });
        await store.close();
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
      }
    });
  });
});
