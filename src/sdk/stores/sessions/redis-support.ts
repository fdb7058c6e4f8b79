import type { Redis } from 'ioredis';
import { connectRedis, redisAddress, redisUnavailable } from '../../engines/redis.js';
import { isSomaError, SomaError, TimeoutError } from '../../errors.js';
import { RedisKeys } from './redis-keys.js';

// Replies of a server that is up but cannot serve now: retrying later may succeed.
const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|NOREPLICAS|MISCONF)\b/;

/**
 * Translates an ioredis failure of `store`: connection loss or a server that cannot serve →
 * retriable `UnavailableError`, a command timeout → `TimeoutError`, any other error reply → a
 * non-retriable `SomaError` (a bug or a foreign key of the wrong type under our prefix).
 */
export function translateRedisError(url: string, store: string, error: unknown): unknown {
  if (isSomaError(error)) return error;
  const address = redisAddress(url);
  const message = (error as Error)?.message ?? String(error);
  if ((error as Error)?.name === 'ReplyError' && !TRANSIENT_REPLY.test(message)) {
    return new SomaError('STORE_FAILED', `${store}: Redis at ${address} rejected a command: ${message}`, {
      cause: error,
      hint: 'Check that nothing else writes keys under this key prefix (redis.keyPrefix).',
    });
  }
  if (/Command timed out/i.test(message)) {
    return new TimeoutError(`${store}: Redis at ${address} did not answer in time`, {
      cause: error,
      hint: 'Check the Redis server load and network, or raise timeouts.request.',
    });
  }
  return redisUnavailable(url, error);
}

/**
 * Rejects a Redis server older than `major`, naming the address, so a missing command option fails at
 * start with a clear message instead of as a script error on the first write.
 */
export async function requireRedisVersion(
  client: Redis,
  url: string,
  store: string,
  major: number,
): Promise<void> {
  let info: string;
  try {
    info = await client.info('server');
  } catch (error) {
    // A server that refuses INFO (ACL, managed service) is not known to be too old: let it run.
    if ((error as Error)?.name === 'ReplyError') return;
    throw translateRedisError(url, store, error);
  }
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '0';
  if (Number.parseInt(version, 10) < major) {
    throw new SomaError(
      'STORE_UNSUPPORTED',
      `${store}: Redis at ${redisAddress(url)} is ${version}; ${major}.0 or later is required`,
      {
        hint: `Upgrade Redis to ${major}.x or later.`,
      },
    );
  }
}

/** What a Redis-backed store needs to get its client. */
export interface RedisClientOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** A connected client to share; the store then leaves it open. */
  readonly client?: Redis;
}

/**
 * The shared `options.client`, or a new fail-fast connection (`UnavailableError` when Redis is down). A bad
 * key prefix is rejected before connecting. `owned` says whether the store must close the client.
 */
export async function redisClientFor(
  options: RedisClientOptions,
): Promise<{ client: Redis; owned: boolean }> {
  new RedisKeys(options.keyPrefix);
  if (options.client) return { client: options.client, owned: false };
  const client = await connectRedis({
    url: options.url,
    connectTimeoutMs: options.connectTimeoutMs ?? 2000,
    requestTimeoutMs: options.requestTimeoutMs ?? 2000,
  });
  return { client, owned: true };
}
