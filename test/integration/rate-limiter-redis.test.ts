import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/sdk/engines/redis.js';
import { RedisRateLimiter } from '../../src/sdk/stores/rate-limit/redis-rate-limiter.js';
import { rateLimiterContract } from '../contract/rate-limiter.contract.js';
import { describeWithService, randomName } from '../support/services.js';

describeWithService('redis', 'rate limiter on Redis', (address) => {
  const keyPrefix = randomName('soma-rl').replace(/-/g, '_');
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

  rateLimiterContract('redis', () => RedisRateLimiter.connect({ url: address(), keyPrefix }), {
    makeUnreachable: () =>
      RedisRateLimiter.connect({ url: 'redis://127.0.0.1:1', keyPrefix, connectTimeoutMs: 1000 }),
    unreachableAddress: '127.0.0.1:1',
  });

  describe('redis rate limiter: key layout', () => {
    it("keeps a subject's buckets in one hash that expires when every budget is full again", async () => {
      const limiter = await RedisRateLimiter.connect({ url: address(), keyPrefix });
      try {
        const tenant = randomName('tenant');
        await limiter.take({ tenant, subject: 'alice/x', bucket: 'api:v1' }, { limit: 10, windowMs: 20_000 });
        await limiter.take({ tenant, bucket: 'key-123' }, { limit: 10, windowMs: 20_000 });
        const hash = `${keyPrefix}:${tenant}:subj:alice%2Fx:rl`;
        expect(Object.keys(await admin.hgetall(hash))).toEqual(['api%3Av1']);
        expect(await admin.pttl(hash)).toBeGreaterThan(1000);
        expect(await admin.pttl(hash)).toBeLessThanOrEqual(2000);
        expect(await admin.pttl(`${keyPrefix}:${tenant}:rl:key-123`)).toBeLessThanOrEqual(2000);
      } finally {
        await limiter.close();
      }
    });
  });
});
