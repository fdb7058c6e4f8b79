import type { Redis } from 'ioredis';
import { checkId } from '../ids.js';
import { keySegment, RedisKeys } from '../sessions/redis-keys.js';
import { redisClientFor, translateRedisError } from '../sessions/redis-support.js';
import { checkKey, checkRule } from './gcra.js';
import type { RateLimitDecision, RateLimiter, RateLimitKey, RateLimitRule } from './rate-limiter.js';

/** Options of {@link RedisRateLimiter.connect}. */
export interface RedisRateLimiterOptions {
  /** `redis://` or `rediss://` URL. */
  readonly url: string;
  /** First segment of every key (config `redis.keyPrefix`). */
  readonly keyPrefix: string;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** A connected client to share (e.g. with the session store); {@link RedisRateLimiter.close} leaves it open. */
  readonly client?: Redis;
}

// GCRA on the server clock (µs), the arithmetic of gcra.ts. KEYS[1] = a string key (ARGV[1] = '') or a
// subject's hash (ARGV[1] = encoded bucket). ARGV: field, limit, window ms, cost. The stored theoretical
// arrival time expires when the budget is full again, so idle buckets cost no memory.
const TAKE_SCRIPT = `
local field = ARGV[1]
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3]) * 1000
local cost = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local stored
if field == '' then stored = redis.call('GET', KEYS[1]) else stored = redis.call('HGET', KEYS[1], field) end
local tat = tonumber(stored)
if tat == nil or tat < now then tat = now end
local interval = math.floor(window / limit)
local tolerance = interval * limit
local nxt = tat + cost * interval
local allowAt = nxt - tolerance
local allowed = allowAt <= now
local held = tat
if allowed then held = nxt end
local remaining = math.floor((tolerance - (held - now)) / interval)
if remaining < 0 then remaining = 0 end
if remaining > limit then remaining = limit end
local retry = 0
if not allowed then retry = math.max(1, math.ceil((allowAt - now) / 1000)) end
if allowed and cost > 0 then
  local ttl = math.ceil((nxt - now) / 1000)
  local value = string.format('%.0f', nxt)
  if field == '' then
    redis.call('SET', KEYS[1], value, 'PX', ttl)
  else
    redis.call('HSET', KEYS[1], field, value)
    if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  end
end
return {allowed and 1 or 0, remaining, math.ceil((held - now) / 1000), retry}
`;

// KEYS[1] = a subject's hash; ARGV[1] = 'count' or 'delete'. Counts buckets whose budget is not full.
const SUBJECT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 2, #all, 2 do
  if tonumber(all[i]) > now then n = n + 1 end
end
if ARGV[1] == 'delete' then redis.call('DEL', KEYS[1]) end
return n
`;

interface Scripts {
  somaRateTake(key: string, field: string, limit: number, windowMs: number, cost: number): Promise<number[]>;
  somaRateSubject(key: string, mode: 'count' | 'delete'): Promise<number>;
}

/**
 * {@link RateLimiter} on Redis: GCRA in one Lua script per take (atomic across gateways, server clock).
 * A subject's buckets are fields of one hash `{prefix}:{tenant}:subj:{subject}:rl`, so erasure deletes them
 * with one DEL; buckets without a subject are string keys `{prefix}:{tenant}:rl:{bucket}`.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly keys: RedisKeys;
  private readonly scripts: Scripts;

  private constructor(
    private readonly client: Redis,
    private readonly options: RedisRateLimiterOptions,
    private readonly owned: boolean,
  ) {
    this.keys = new RedisKeys(options.keyPrefix);
    client.defineCommand('somaRateTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    client.defineCommand('somaRateSubject', { numberOfKeys: 1, lua: SUBJECT_SCRIPT });
    this.scripts = client as unknown as Scripts;
  }

  /** Connects (failing fast with `UnavailableError` when Redis is down) or wraps `options.client`. */
  static async connect(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const { client, owned } = await redisClientFor(options);
    return new RedisRateLimiter(client, options, owned);
  }

  async take(key: RateLimitKey, rule: RateLimitRule): Promise<RateLimitDecision> {
    const k = checkKey(key);
    const r = checkRule(rule);
    const [redisKey, field] = this.locate(k);
    const [allowed, remaining, resetMs, retryAfterMs] = await this.run(() =>
      this.scripts.somaRateTake(redisKey, field, r.limit, r.windowMs, r.cost),
    );
    return {
      allowed: allowed === 1,
      limit: r.limit,
      remaining: remaining as number,
      resetMs: resetMs as number,
      retryAfterMs: retryAfterMs as number,
    };
  }

  async reset(key: RateLimitKey): Promise<void> {
    const [redisKey, field] = this.locate(checkKey(key));
    await this.run(() => (field === '' ? this.client.del(redisKey) : this.client.hdel(redisKey, field)));
  }

  async countBySubject(tenant: string, subject: string): Promise<number> {
    const key = this.keys.subjectRateLimits(checkId('tenant', tenant), checkId('subject', subject));
    return this.run(() => this.scripts.somaRateSubject(key, 'count'));
  }

  async deleteBySubject(tenant: string, subject: string): Promise<number> {
    const key = this.keys.subjectRateLimits(checkId('tenant', tenant), checkId('subject', subject));
    return this.run(() => this.scripts.somaRateSubject(key, 'delete'));
  }

  async close(): Promise<void> {
    if (this.owned) this.client.disconnect();
  }

  private locate(key: RateLimitKey): [string, string] {
    return key.subject === undefined
      ? [this.keys.rateLimit(key.tenant, key.bucket), '']
      : [this.keys.subjectRateLimits(key.tenant, key.subject), keySegment(key.bucket)];
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw translateRedisError(this.options.url, 'rate limiter', error);
    }
  }
}
