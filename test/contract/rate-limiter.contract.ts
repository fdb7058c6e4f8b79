import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, isSomaError } from '../../src/sdk/errors.js';
import type {
  RateLimiter,
  RateLimitKey,
  RateLimitRule,
} from '../../src/sdk/stores/rate-limit/rate-limiter.js';
import { randomName } from '../support/services.js';

/** How a contract run gets limiters of one adapter; tests use random tenants, so limiters may share an engine. */
export type MakeRateLimiter = () => Promise<RateLimiter>;

/** Engine-down behaviour, for adapters that have an engine. */
export interface RateLimiterContractOptions {
  /** A limiter whose engine cannot be reached; it may reject itself, like a failed connect. */
  readonly makeUnreachable?: () => Promise<RateLimiter>;
  /** Text the unreachable error must name (its address). */
  readonly unreachableAddress?: string;
}

const LONG: RateLimitRule = { limit: 5, windowMs: 60_000 };
const BAD_IDS: readonly unknown[] = ['', '   ', 'x'.repeat(257), 'a\nb', 'a\u0000b', 7];

async function takeAll(limiter: RateLimiter, key: RateLimitKey, rule: RateLimitRule, n: number) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await limiter.take(key, rule));
  return out;
}

/** The RateLimiter contract, run unchanged against every adapter. */
export function rateLimiterContract(
  adapterName: string,
  makeLimiter: MakeRateLimiter,
  options: RateLimiterContractOptions = {},
): void {
  describe(`RateLimiter contract: ${adapterName}`, () => {
    let limiter: RateLimiter;
    let tenant: string;
    const newTenant = () => {
      tenant = randomName('tenant');
      return tenant;
    };

    beforeAll(async () => {
      limiter = await makeLimiter();
    });
    afterAll(async () => {
      await limiter?.close();
    });

    it('allows up to the limit, then denies with a retry-after and consumes nothing', async () => {
      const key = { tenant: newTenant(), subject: 'alice', bucket: 'api' };
      const decisions = await takeAll(limiter, key, LONG, 5);
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true]);
      expect(decisions.map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
      for (const d of decisions) {
        expect(d).toMatchObject({ limit: 5, retryAfterMs: 0 });
        expect(d.resetMs).toBeGreaterThan(0);
        expect(d.resetMs).toBeLessThanOrEqual(60_000);
      }
      const denied = await limiter.take(key, LONG);
      expect(denied).toMatchObject({ allowed: false, limit: 5, remaining: 0 });
      expect(denied.retryAfterMs).toBeGreaterThan(0);
      expect(denied.retryAfterMs).toBeLessThanOrEqual(12_000); // one unit refills every 60 s / 5
      const again = await limiter.take(key, LONG);
      expect(again.allowed).toBe(false);
      expect(again.retryAfterMs).toBeLessThanOrEqual(denied.retryAfterMs);
    });

    it('gives the whole budget back once the window has passed', async () => {
      const key = { tenant: newTenant(), bucket: 'burst' };
      const rule = { limit: 3, windowMs: 600 };
      const first = await takeAll(limiter, key, rule, 4);
      expect(first.map((d) => d.allowed)).toEqual([true, true, true, false]);
      const deadline = Date.now() + 5000;
      while ((await limiter.take(key, { ...rule, cost: 0 })).remaining < 3) {
        if (Date.now() > deadline) throw new Error('budget did not come back within 5 s');
        await sleep(25);
      }
      const second = await takeAll(limiter, key, rule, 4);
      expect(second.map((d) => d.allowed)).toEqual([true, true, true, false]);
    });

    it('allows again after the retry-after it gave', async () => {
      const key = { tenant: newTenant(), subject: 'alice', bucket: 'turns' };
      const rule = { limit: 2, windowMs: 400 };
      await takeAll(limiter, key, rule, 2);
      const denied = await limiter.take(key, rule);
      expect(denied.allowed).toBe(false);
      await sleep(denied.retryAfterMs + 30);
      expect((await limiter.take(key, rule)).allowed).toBe(true);
    });

    it('charges costs, never partly', async () => {
      const key = { tenant: newTenant(), bucket: 'tokens' };
      const rule = { limit: 10, windowMs: 60_000 };
      expect(await limiter.take(key, { ...rule, cost: 4 })).toMatchObject({ allowed: true, remaining: 6 });
      expect(await limiter.take(key, { ...rule, cost: 7 })).toMatchObject({ allowed: false, remaining: 6 });
      expect(await limiter.take(key, { ...rule, cost: 6 })).toMatchObject({ allowed: true, remaining: 0 });
      expect(await limiter.take(key, { ...rule, cost: 0 })).toMatchObject({ allowed: true, remaining: 0 });
      expect((await limiter.take(key, { ...rule, cost: 1 })).allowed).toBe(false);
    });

    it('never admits more than the limit under concurrent takes', async () => {
      const key = { tenant: newTenant(), subject: 'alice', bucket: 'race' };
      const rule = { limit: 10, windowMs: 60_000 };
      const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.take(key, rule)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    });

    it('keeps keys independent, look-alikes included', async () => {
      const t = newTenant();
      const spent = { tenant: t, subject: 'alice', bucket: 'api' };
      await takeAll(limiter, spent, LONG, 5);
      expect((await limiter.take(spent, LONG)).allowed).toBe(false);
      const others: RateLimitKey[] = [
        { tenant: t, subject: 'alice', bucket: 'api2' },
        { tenant: t, subject: 'alice', bucket: 'api*' },
        ...['alice2', 'alice*', 'Alice', 'alice/x', 'alice:rl'].map((subject) => ({
          tenant: t,
          subject,
          bucket: 'api',
        })),
        { tenant: t, bucket: 'api' },
        { tenant: t, bucket: 'alice' },
        ...[`${t}2`, `${t}*`, `${t}/x`, t.toUpperCase()].map((tt) => ({
          tenant: tt,
          subject: 'alice',
          bucket: 'api',
        })),
      ];
      for (const key of others)
        expect(await limiter.take(key, LONG)).toMatchObject({ allowed: true, remaining: 4 });
    });

    it("resets one bucket, and counts and deletes a subject's buckets only", async () => {
      const t = newTenant();
      const rule = { limit: 2, windowMs: 60_000 };
      for (const bucket of ['api', 'chat'])
        await takeAll(limiter, { tenant: t, subject: 'alice', bucket }, rule, 2);
      for (const subject of ['alice2', 'alice*', 'Alice', 'alice/x']) {
        await takeAll(limiter, { tenant: t, subject, bucket: 'api' }, rule, 2);
      }
      await takeAll(limiter, { tenant: t, bucket: 'alice' }, rule, 2);

      expect(await limiter.countBySubject(t, 'alice')).toBe(2);
      await limiter.reset({ tenant: t, subject: 'alice', bucket: 'chat' });
      expect((await limiter.take({ tenant: t, subject: 'alice', bucket: 'chat' }, rule)).remaining).toBe(1);

      expect(await limiter.deleteBySubject(t, 'alice')).toBe(2);
      expect(await limiter.countBySubject(t, 'alice')).toBe(0);
      expect(await limiter.deleteBySubject(t, 'alice')).toBe(0);
      expect((await limiter.take({ tenant: t, subject: 'alice', bucket: 'api' }, rule)).remaining).toBe(1);
      for (const subject of ['alice2', 'alice*', 'Alice', 'alice/x']) {
        expect(await limiter.countBySubject(t, subject)).toBe(1);
        expect((await limiter.take({ tenant: t, subject, bucket: 'api' }, rule)).allowed).toBe(false);
      }
      expect((await limiter.take({ tenant: t, bucket: 'alice' }, rule)).allowed).toBe(false);
    });

    it('rejects bad ids and rules', async () => {
      const t = newTenant();
      const invalid = (work: () => Promise<unknown>) =>
        expect(work()).rejects.toBeInstanceOf(InvalidInputError);
      for (const bad of BAD_IDS) {
        const id = bad as string;
        await invalid(() => limiter.take({ tenant: id, bucket: 'api' }, LONG));
        await invalid(() => limiter.take({ tenant: t, subject: id, bucket: 'api' }, LONG));
        await invalid(() => limiter.take({ tenant: t, bucket: id }, LONG));
        await invalid(() => limiter.reset({ tenant: t, bucket: id }));
        await invalid(() => limiter.countBySubject(t, id));
        await invalid(() => limiter.deleteBySubject(id, 'alice'));
      }
      const key = { tenant: t, bucket: 'api' };
      for (const rule of [
        { limit: 0, windowMs: 1000 },
        { limit: 1.5, windowMs: 1000 },
        { limit: 10, windowMs: 0 },
        { limit: 10, windowMs: Number.NaN },
        { limit: 10, windowMs: 1000, cost: -1 },
        { limit: 10, windowMs: 1000, cost: 11 },
        { limit: '10', windowMs: 1000 },
        { limit: 1001, windowMs: 1 },
      ]) {
        await invalid(() => limiter.take(key, rule as RateLimitRule));
      }
      expect((await limiter.take(key, LONG)).remaining).toBe(4);
    });

    const { makeUnreachable, unreachableAddress } = options;
    if (makeUnreachable && unreachableAddress) {
      it('fails fast with a retriable error naming the address when the engine is down', async () => {
        const started = Date.now();
        let caught: unknown;
        try {
          const down = await makeUnreachable();
          try {
            await down.take({ tenant: randomName('tenant'), bucket: 'api' }, LONG);
          } finally {
            await down.close().catch(() => {});
          }
        } catch (error) {
          caught = error;
        }
        expect(Date.now() - started).toBeLessThan(5000);
        expect(isSomaError(caught)).toBe(true);
        expect((caught as { retriable: boolean }).retriable).toBe(true);
        expect((caught as Error).message).toContain(unreachableAddress);
      });
    }
  });
}
