import { Redis, type RedisOptions } from 'ioredis';
import { maskUrl } from '../config/show.js';
import { UnavailableError } from '../errors.js';
import { type ProbeResult, timed, withTimeout } from './probe.js';

/** Connection settings of a Redis client. */
export interface RedisConnection {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** `host:port` of a Redis URL, without credentials. */
export function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '6379'}`;
}

/**
 * A connected ioredis client that fails fast: bounded connect and command timeouts, no offline queue and
 * no endless reconnect loop, so a down server surfaces as {@link UnavailableError}, never as a hang.
 */
export async function connectRedis(connection: RedisConnection, extra: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(connection.url, {
    lazyConnect: true,
    connectTimeout: connection.connectTimeoutMs,
    commandTimeout: connection.requestTimeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => (attempt > 3 ? null : Math.min(attempt * 100, 1000)),
    ...extra,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    // Errors surface through the failing command; an unhandled 'error' event would crash the process.
    lastError = error;
  });
  try {
    await withTimeout(
      connection.connectTimeoutMs,
      `Redis at ${redisAddress(connection.url)}`,
      client.connect(),
    );
    return client;
  } catch (error) {
    client.disconnect();
    // ioredis rejects with "Connection is closed" once it gives up; the socket error says why.
    throw redisUnavailable(connection.url, lastError ?? error);
  }
}

/** Translates a connection or command failure into a retriable {@link UnavailableError}. */
export function redisUnavailable(url: string, error: unknown): UnavailableError {
  const address = redisAddress(url);
  return new UnavailableError(
    'redis',
    address,
    `Redis at ${address} is unreachable: ${(error as Error).message}`,
    {
      cause: error,
      hint: `Start Redis (scripts/services.sh up) or point redis.url / SOMA_REDIS_URL at it (now ${maskUrl(url)}).`,
    },
  );
}

/** Connects, measures one PING and reads the server version. */
export async function probeRedis(connection: RedisConnection): Promise<ProbeResult> {
  const client = await connectRedis(connection);
  try {
    const [, latencyMs] = await timed(() => client.ping());
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const mode = /redis_mode:(\S+)/.exec(info)?.[1];
    return { version: `Redis ${version}`, latencyMs, details: mode ? { mode } : {} };
  } catch (error) {
    throw redisUnavailable(connection.url, error);
  } finally {
    client.disconnect();
  }
}
