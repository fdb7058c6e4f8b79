import { describe, expect, it } from 'vitest';
import { EmbeddedRateLimiter } from '../../src/sdk/stores/rate-limit/embedded-rate-limiter.js';
import { gcra } from '../../src/sdk/stores/rate-limit/gcra.js';
import { rateLimiterContract } from './rate-limiter.contract.js';

rateLimiterContract('embedded (in process)', async () => new EmbeddedRateLimiter());

describe('embedded rate limiter: bounded memory', () => {
  it('drops buckets whose budget is full again', async () => {
    const limiter = new EmbeddedRateLimiter({ maxKeys: 100 });
    for (let i = 0; i < 100; i++)
      await limiter.take({ tenant: 't', bucket: `b${i}` }, { limit: 1, windowMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await limiter.take({ tenant: 't', bucket: 'last' }, { limit: 1, windowMs: 60_000 });
    expect(limiter.size).toBe(1);
  });

  it('never holds more than maxKeys buckets, evicting the least recently used', async () => {
    const limiter = new EmbeddedRateLimiter({ maxKeys: 50 });
    const rule = { limit: 1, windowMs: 60_000 };
    await limiter.take({ tenant: 't', bucket: 'oldest' }, rule);
    for (let i = 0; i < 500; i++) {
      await limiter.take({ tenant: 't', subject: `s${i}`, bucket: 'api' }, rule);
      expect(limiter.size).toBeLessThanOrEqual(50);
    }
    expect((await limiter.take({ tenant: 't', bucket: 'oldest' }, rule)).allowed).toBe(true);
    expect(await limiter.countBySubject('t', 's499')).toBe(1);
    expect(await limiter.countBySubject('t', 's0')).toBe(0);
  });
});

describe('GCRA arithmetic', () => {
  it('admits a burst of exactly limit units when window / limit is not whole', () => {
    const rule = { limit: 3, windowMs: 1, cost: 1 }; // 333 µs per unit
    let tat: number | undefined;
    const allowed: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      const step = gcra(tat, 1_000_000, rule);
      allowed.push(step.decision.allowed);
      tat = step.tat ?? tat;
    }
    expect(allowed).toEqual([true, true, true, false, false]);
    expect(gcra(tat, 1_000_000 + 332, rule).decision.allowed).toBe(false);
    expect(gcra(tat, 1_000_000 + 333, rule).decision).toMatchObject({ allowed: true, remaining: 0 });
    expect(gcra(tat, 1_000_000 + 999, rule).decision).toMatchObject({ allowed: true, remaining: 2 });
  });
});
