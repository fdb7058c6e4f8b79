import type { Redis } from 'ioredis';
import { SomaError } from '../../errors.js';
import { checkId } from '../ids.js';
import { fromKeySegment, keySegment, RedisKeys } from './redis-keys.js';
import { redisClientFor, requireRedisVersion, translateRedisError } from './redis-support.js';
import {
  type CheckedWrite,
  checkSessionIds,
  checkWrites,
  subjectConflict,
  type WriteLimits,
} from './session-checks.js';
import {
  DEFAULT_MAX_STATE_BYTES,
  type JsonValue,
  type Session,
  type SessionStore,
  type SessionSummary,
  type SessionWrite,
} from './session-store.js';

/** Options of {@link RedisSessionStore.connect}. */
export interface RedisSessionStoreOptions {
  /** `redis://` or `rediss://` URL. */
  readonly url: string;
  /** First segment of every key (config `redis.keyPrefix`). */
  readonly keyPrefix: string;
  /** TTL of a session written without one (config `retention.sessions`). */
  readonly defaultTtlMs: number;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** Largest serialised state in bytes; 1 MiB by default. */
  readonly maxStateBytes?: number;
  /** A connected client to share (e.g. with the rate limiter); {@link RedisSessionStore.close} leaves it open. */
  readonly client?: Redis;
}

// The envelope starts with fixed-form fields so scripts read them with GETRANGE and a pattern instead of
// decoding the whole state: {"c":created,"u":updated,"e":expires,"sk":"<encoded subject>","state":…}.
// 1 KiB covers three 16-digit numbers and a 256-byte subject percent-encoded (≤ 768 characters).
const HEAD = `local function head(key)
  return string.match(redis.call('GETRANGE', key, 0, 1023), '^{"c":(%d+),"u":(%d+),"e":(%d+),"sk":"([^"]*)"')
end
`;

// KEYS: session key i at 2i-1, its subject index at 2i. ARGV[1] = n, then per write: encoded subject, ttl,
// encoded session id (index member), '"sk":"<encoded subject>","state":<json>}'. Returns {now, created_1..n},
// or {-1, i} when write i names a live session of another subject; then nothing of the batch is written.
// A new session costs three calls (SET NX GET, SADD, PEXPIRE GT) and an overwrite four: SET NX GET creates
// an absent session and reads a present one in one call. Needs Redis 7.0 (SET NX GET, PEXPIRE GT|NX).
// Headers are cached per TTL because string building is a large share of the script's time.
const SET_SCRIPT = `
local n = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nowText = string.format('%.0f', now)
local tails = {}
local function tail(ttl)
  local cached = tails[ttl]
  if not cached then
    cached = ',"u":' .. nowText .. ',"e":' .. string.format('%.0f', now + ttl) .. ','
    tails[ttl] = cached
  end
  return cached
end
local created, fresh = {}, {}
for i = 1, n do
  local ttl = tonumber(ARGV[4 * i - 1])
  local old = redis.call('SET', KEYS[2 * i - 1], '{"c":' .. nowText .. tail(ttl) .. ARGV[4 * i + 1], 'NX', 'GET', 'PX', ttl)
  if old then
    local c, oldSk = string.match(old, '^{"c":(%d+),"u":%d+,"e":%d+,"sk":"([^"]*)"')
    if c and oldSk ~= ARGV[4 * i - 2] then
      for j = 1, i - 1 do
        if fresh[j] then redis.call('DEL', KEYS[2 * j - 1]) end
      end
      return {-1, i}
    end
    created[i] = c or nowText
  else
    fresh[i] = true
    created[i] = nowText
  end
end
local out = {now}
for i = 1, n do
  local ttl = tonumber(ARGV[4 * i - 1])
  if not fresh[i] then
    redis.call('SET', KEYS[2 * i - 1], '{"c":' .. created[i] .. tail(ttl) .. ARGV[4 * i + 1], 'PX', ttl)
  end
  -- Always added, so an index lost to eviction or a manual delete heals on the next write.
  redis.call('SADD', KEYS[2 * i], ARGV[4 * i])
  if redis.call('PEXPIRE', KEYS[2 * i], ttl, 'GT') == 0 then redis.call('PEXPIRE', KEYS[2 * i], ttl, 'NX') end
  out[i + 1] = tonumber(created[i])
end
return out
`;

// KEYS[1] = session key. ARGV: subject key prefix, encoded session id. Returns 1 when a session was deleted.
const DELETE_SCRIPT = `${HEAD}
local _, _, _, sk = head(KEYS[1])
if not sk then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. sk .. ':sess', ARGV[2])
return 1
`;

// KEYS[1] = subject index. ARGV: session key prefix, encoded subject, mode (list | count | delete).
// Members whose session expired, was deleted or now belongs to another subject are dropped from the index.
const SUBJECT_SCRIPT = `${HEAD}
local ids = redis.call('SMEMBERS', KEYS[1])
local out = {}
local n = 0
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local c, u, e, sk = head(key)
  if sk == ARGV[2] then
    n = n + 1
    if ARGV[3] == 'delete' then
      redis.call('DEL', key)
    elseif ARGV[3] == 'list' then
      out[#out + 1] = id
      out[#out + 1] = c
      out[#out + 1] = u
      out[#out + 1] = e
    end
  elseif ARGV[3] ~= 'delete' then
    redis.call('SREM', KEYS[1], id)
  end
end
if ARGV[3] == 'delete' then
  redis.call('DEL', KEYS[1])
  return n
end
if ARGV[3] == 'count' then return n end
return out
`;

interface Scripts {
  somaSessionSet(...args: Array<string | number>): Promise<number[]>;
  somaSessionDelete(key: string, subjectPrefix: string, member: string): Promise<number>;
  somaSessionSubject(
    index: string,
    sessionPrefix: string,
    subjectKey: string,
    mode: string,
  ): Promise<unknown>;
}

interface Envelope {
  c: number;
  u: number;
  e: number;
  sk: string;
  state: JsonValue;
}

/**
 * {@link SessionStore} on Redis: one JSON envelope per session with PEXPIRE, a set per subject indexing
 * its session ids, every write one Lua script (atomic, server clock). Batches are one script or one MGET.
 */
export class RedisSessionStore implements SessionStore {
  private readonly keys: RedisKeys;
  private readonly limits: WriteLimits;
  private readonly scripts: Scripts;

  private constructor(
    private readonly client: Redis,
    private readonly options: RedisSessionStoreOptions,
    private readonly owned: boolean,
  ) {
    this.keys = new RedisKeys(options.keyPrefix);
    this.limits = {
      defaultTtlMs: options.defaultTtlMs,
      maxStateBytes: options.maxStateBytes ?? DEFAULT_MAX_STATE_BYTES,
    };
    client.defineCommand('somaSessionSet', { lua: SET_SCRIPT });
    client.defineCommand('somaSessionDelete', { numberOfKeys: 1, lua: DELETE_SCRIPT });
    client.defineCommand('somaSessionSubject', { numberOfKeys: 1, lua: SUBJECT_SCRIPT });
    this.scripts = client as unknown as Scripts;
  }

  /** Connects (failing fast with `UnavailableError` when Redis is down) or wraps `options.client`. */
  static async connect(options: RedisSessionStoreOptions): Promise<RedisSessionStore> {
    const { client, owned } = await redisClientFor(options);
    try {
      await requireRedisVersion(client, options.url, 'session store', 7);
    } catch (error) {
      if (owned) client.disconnect();
      throw error;
    }
    return new RedisSessionStore(client, options, owned);
  }

  async get(tenant: string, sessionId: string): Promise<Session | undefined> {
    const key = this.keys.session(checkId('tenant', tenant), checkId('session', sessionId));
    const raw = await this.run(() => this.client.get(key));
    return raw === null ? undefined : toSession(tenant, sessionId, raw);
  }

  async getMany(tenant: string, sessionIds: readonly string[]): Promise<Array<Session | undefined>> {
    checkId('tenant', tenant);
    const ids = checkSessionIds(sessionIds);
    if (ids.length === 0) return [];
    const prefix = this.keys.sessionPrefix(tenant);
    const raws = await this.run(() => this.client.mget(ids.map((id) => prefix + keySegment(id))));
    return raws.map((raw, i) => (raw === null ? undefined : toSession(tenant, ids[i] as string, raw)));
  }

  async set(write: SessionWrite): Promise<Session> {
    const [session] = await this.setMany([write]);
    return session as Session;
  }

  async setMany(writes: readonly SessionWrite[]): Promise<Session[]> {
    const checked = checkWrites(writes, this.limits);
    if (checked.length === 0) return [];
    const args: Array<string | number> = [checked.length * 2];
    for (const w of checked)
      args.push(this.keys.session(w.tenant, w.sessionId), this.keys.subjectSessions(w.tenant, w.subject));
    args.push(checked.length);
    for (const w of checked) {
      const sk = keySegment(w.subject);
      args.push(sk, w.ttlMs, keySegment(w.sessionId), `"sk":"${sk}","state":${w.stateJson}}`);
    }
    const reply = await this.run(() => this.scripts.somaSessionSet(...args));
    const now = reply[0] as number;
    if (now === -1) throw subjectConflict(checked[(reply[1] as number) - 1]?.sessionId ?? '');
    return checked.map((w, i) => written(w, reply[i + 1] as number, now));
  }

  async delete(tenant: string, sessionId: string): Promise<boolean> {
    const key = this.keys.session(checkId('tenant', tenant), checkId('session', sessionId));
    const deleted = await this.run(() =>
      this.scripts.somaSessionDelete(key, this.keys.subjectPrefix(tenant), keySegment(sessionId)),
    );
    return deleted === 1;
  }

  async listBySubject(tenant: string, subject: string): Promise<SessionSummary[]> {
    const flat = (await this.subjectOp(tenant, subject, 'list')) as string[];
    const out: SessionSummary[] = [];
    for (let i = 0; i < flat.length; i += 4) {
      out.push({
        sessionId: fromKeySegment(flat[i] as string),
        createdAt: new Date(Number(flat[i + 1])),
        updatedAt: new Date(Number(flat[i + 2])),
        expiresAt: new Date(Number(flat[i + 3])),
      });
    }
    return out.sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.sessionId < b.sessionId ? -1 : 1),
    );
  }

  async countBySubject(tenant: string, subject: string): Promise<number> {
    return (await this.subjectOp(tenant, subject, 'count')) as number;
  }

  async deleteBySubject(tenant: string, subject: string): Promise<number> {
    return (await this.subjectOp(tenant, subject, 'delete')) as number;
  }

  async ttlOf(tenant: string, sessionId: string): Promise<number | undefined> {
    const key = this.keys.session(checkId('tenant', tenant), checkId('session', sessionId));
    const ttl = await this.run(() => this.client.pttl(key));
    if (ttl === -2) return undefined;
    return ttl === -1 ? Number.POSITIVE_INFINITY : ttl;
  }

  async purgeExpired(): Promise<number> {
    return 0; // Redis removes expired keys itself; stale index members go on the next subject read.
  }

  async close(): Promise<void> {
    if (this.owned) this.client.disconnect();
  }

  private subjectOp(tenant: string, subject: string, mode: 'list' | 'count' | 'delete'): Promise<unknown> {
    checkId('tenant', tenant);
    checkId('subject', subject);
    return this.run(() =>
      this.scripts.somaSessionSubject(
        this.keys.subjectSessions(tenant, subject),
        this.keys.sessionPrefix(tenant),
        keySegment(subject),
        mode,
      ),
    );
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw translateRedisError(this.options.url, 'session store', error);
    }
  }
}

function toSession(tenant: string, sessionId: string, raw: string): Session {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(raw) as Envelope;
  } catch (error) {
    throw new SomaError('STORE_FAILED', `session store: session ${sessionId} holds a malformed value`, {
      cause: error,
      hint: 'Check that nothing else writes keys under this key prefix (redis.keyPrefix).',
    });
  }
  return {
    tenant,
    subject: fromKeySegment(envelope.sk),
    sessionId,
    state: envelope.state,
    createdAt: new Date(envelope.c),
    updatedAt: new Date(envelope.u),
    expiresAt: new Date(envelope.e),
  };
}

function written(write: CheckedWrite, createdAt: number, now: number): Session {
  return {
    tenant: write.tenant,
    subject: write.subject,
    sessionId: write.sessionId,
    state: write.state,
    createdAt: new Date(createdAt),
    updatedAt: new Date(now),
    expiresAt: new Date(now + write.ttlMs),
  };
}
