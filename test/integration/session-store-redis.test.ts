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

    it('indexes several sessions of one subject in one batch, the index living as long as the longest', async () => {
      const store = await RedisSessionStore.connect({ url: address(), keyPrefix, defaultTtlMs: 60_000 });
      try {
        const tenant = randomName('tenant');
        await store.setMany([
          { tenant, subject: 'alice', sessionId: 'a', state: 1, ttlMs: 20_000 },
          { tenant, subject: 'bob', sessionId: 'b', state: 2, ttlMs: 10_000 },
          { tenant, subject: 'alice', sessionId: 'c', state: 3, ttlMs: 50_000 },
          { tenant, subject: 'alice', sessionId: 'd', state: 4, ttlMs: 30_000 },
        ]);
        const base = `${keyPrefix}:${tenant}`;
        expect((await admin.smembers(`${base}:subj:alice:sess`)).sort()).toEqual(['a', 'c', 'd']);
        expect(await admin.smembers(`${base}:subj:bob:sess`)).toEqual(['b']);
        expect(await admin.pttl(`${base}:subj:alice:sess`)).toBeGreaterThan(45_000);
        // Up to the grid point after the session's expiry: TTL/16 later at most.
        expect(await admin.pttl(`${base}:subj:bob:sess`)).toBeLessThanOrEqual(10_000 + 625);
        expect(await admin.pttl(`${base}:sess:a`)).toBeLessThanOrEqual(20_000);
      } finally {
        await store.close();
      }
    });

    it('keeps the subject index alive at least as long as every session through overwrites of any TTL', async () => {
      const store = await RedisSessionStore.connect({ url: address(), keyPrefix, defaultTtlMs: 60_000 });
      try {
        const tenant = randomName('tenant');
        const base = `${keyPrefix}:${tenant}`;
        const index = `${base}:subj:alice:sess`;
        // Shorter and longer TTLs in turn: an overwrite that reaches past what the index covered must
        // extend it, one that does not may leave it as it is.
        for (const ttlMs of [2_000, 40_000, 1_000, 40_000, 50_000, 3_000, 200_000, 100]) {
          await store.setMany([
            { tenant, subject: 'alice', sessionId: 'a', state: ttlMs, ttlMs },
            { tenant, subject: 'alice', sessionId: 'b', state: ttlMs, ttlMs: 1_000 },
          ]);
          const [indexTtl, aTtl, bTtl] = await Promise.all([
            admin.pttl(index),
            admin.pttl(`${base}:sess:a`),
            admin.pttl(`${base}:sess:b`),
          ]);
          expect(indexTtl).toBeGreaterThanOrEqual(Math.max(aTtl, bTtl));
          expect((await admin.smembers(index)).sort()).toEqual(['a', 'b']);
        }
        // A session deleted and written again is a new session: indexed again.
        await store.delete(tenant, 'a');
        await admin.srem(index, 'a');
        await store.set({ tenant, subject: 'alice', sessionId: 'a', state: 1, ttlMs: 5_000 });
        expect((await admin.smembers(index)).sort()).toEqual(['a', 'b']);
        expect(await store.countBySubject(tenant, 'alice')).toBe(2);
      } finally {
        await store.close();
      }
    });

    it('writes nothing of a batch when a key under the prefix has the wrong type', async () => {
      const store = await RedisSessionStore.connect({ url: address(), keyPrefix, defaultTtlMs: 60_000 });
      try {
        const tenant = randomName('tenant');
        const base = `${keyPrefix}:${tenant}`;
        const kept = await store.set({ tenant, subject: 'alice', sessionId: 'kept', state: 'old' });
        // A foreign list where a session would go, then where bob's index would go.
        await admin.rpush(`${base}:sess:bad`, 'x');
        await admin.rpush(`${base}:subj:bob:sess`, 'x');
        const batches = [
          [
            { tenant, subject: 'alice', sessionId: 'kept', state: 'new' },
            { tenant, subject: 'alice', sessionId: 'fresh', state: 1 },
            { tenant, subject: 'alice', sessionId: 'bad', state: 2 },
          ],
          [
            { tenant, subject: 'alice', sessionId: 'kept', state: 'new' },
            { tenant, subject: 'alice', sessionId: 'fresh', state: 1 },
            { tenant, subject: 'bob', sessionId: 'fresh-bob', state: 2 },
          ],
        ];
        for (const batch of batches) {
          const failure = await store.setMany(batch).catch((error: unknown) => error);
          expect(failure).toMatchObject({ code: 'STORE_FAILED', retriable: false });
          expect(await store.getMany(tenant, ['kept', 'fresh', 'fresh-bob'])).toEqual([
            kept,
            undefined,
            undefined,
          ]);
        }
        expect(await store.listBySubject(tenant, 'alice')).toHaveLength(1);
      } finally {
        await store.close();
      }
    });

    it('reads a malformed value as a store error and overwrites it as a new session', async () => {
      const store = await RedisSessionStore.connect({ url: address(), keyPrefix, defaultTtlMs: 60_000 });
      try {
        const tenant = randomName('tenant');
        const key = `${keyPrefix}:${tenant}:sess:s1`;
        const head = '{"c":1700000000000,"u":1700000000000,"e":1700000060000,"sk":"alice","state":';
        for (const value of ['not json', `${head}{"a":}`, `${head}1} `, '{"c":1,"u":2}', '{"state":1}']) {
          await admin.set(key, value, 'PX', 60_000);
          await expect(store.get(tenant, 's1')).rejects.toMatchObject({ code: 'STORE_FAILED' });
          await expect(store.getMany(tenant, ['s1'])).rejects.toMatchObject({ code: 'STORE_FAILED' });
        }
        await admin.set(key, 'not json', 'PX', 60_000);
        const written = await store.set({ tenant, subject: 'bob', sessionId: 's1', state: 1 });
        expect(await store.get(tenant, 's1')).toEqual(written);
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
