import type { Redis } from 'ioredis';
import { checkId } from '../ids.js';
import { checkedSegment, fromKeySegment, keySegment, RedisKeys } from './redis-keys.js';
import { decodeSession } from './redis-session-envelope.js';
import { DELETE_SCRIPT, SET_SCRIPT, SUBJECT_SCRIPT } from './redis-session-scripts.js';
import { redisClientFor, requireRedisVersion, translateRedisError } from './redis-support.js';
import {
  type CheckedWrite,
  checkSessionIdList,
  checkWrites,
  subjectConflict,
  type WriteLimits,
} from './session-checks.js';
import {
  DEFAULT_MAX_STATE_BYTES,
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

/**
 * {@link SessionStore} on Redis: one JSON envelope per session with PEXPIRE, a set per subject indexing
 * its session ids, every write one Lua script (atomic, server clock; why a script and not MULTI:
 * redis-session-scripts.ts). A batch is one script call or one MGET.
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
    const key = this.keys.checkedSessionPrefix(tenant) + checkedSegment('session', sessionId);
    const raw = await this.run(() => this.client.getBuffer(key));
    return raw === null ? undefined : decodeSession(tenant, sessionId, raw);
  }

  async getMany(tenant: string, sessionIds: readonly string[]): Promise<Array<Session | undefined>> {
    const prefix = this.keys.checkedSessionPrefix(tenant);
    const ids = checkSessionIdList(sessionIds);
    if (ids.length === 0) return [];
    const keys = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) keys[i] = prefix + checkedSegment('session', ids[i] as string);
    // Replies as bytes: decodeSession reads the head from them and converts only the state.
    const raws = await this.run(() => this.client.mgetBuffer(keys));
    const sessions = new Array<Session | undefined>(raws.length);
    for (let i = 0; i < raws.length; i++) {
      const raw = raws[i];
      sessions[i] = raw == null ? undefined : decodeSession(tenant, ids[i] as string, raw);
    }
    return sessions;
  }

  async set(write: SessionWrite): Promise<Session> {
    const [session] = await this.setMany([write]);
    return session as Session;
  }

  async setMany(writes: readonly SessionWrite[]): Promise<Session[]> {
    const checked = checkWrites(writes, this.limits);
    const n = checked.length;
    if (n === 0) return [];
    // Arguments as SET_SCRIPT reads them: session keys, then one index key per distinct subject.
    const keys = new Array<string>(n);
    const argv = new Array<string>(3 * n + 1);
    argv[0] = String(n);
    const slots = new Map<string, string>();
    const subjects: string[] = [];
    let ttlMs = -1;
    let ttlText = '';
    for (let i = 0; i < n; i++) {
      const w = checked[i] as CheckedWrite;
      const tenant = keySegment(w.tenant);
      const sk = keySegment(w.subject);
      keys[i] = this.keys.sessionOfSegments(tenant, keySegment(w.sessionId));
      const index = this.keys.subjectSessionsOfSegments(tenant, sk);
      let slot = slots.get(index);
      if (slot === undefined) {
        subjects.push(sk);
        keys.push(index);
        slot = String(subjects.length);
        slots.set(index, slot);
      }
      if (w.ttlMs !== ttlMs) {
        ttlMs = w.ttlMs;
        ttlText = String(ttlMs);
      }
      const a = 3 * i + 1;
      argv[a] = ttlText;
      argv[a + 1] = slot;
      argv[a + 2] = `"sk":"${sk}","state":${w.stateJson}}`;
    }
    for (const sk of subjects) argv.push(sk);
    const reply = await this.run(() => this.scripts.somaSessionSet(keys.length, ...keys, ...argv));
    const now = reply[0] as number;
    if (now === -1) throw subjectConflict(checked[(reply[1] as number) - 1]?.sessionId ?? '');
    const sessions = new Array<Session>(n);
    for (let i = 0; i < n; i++)
      sessions[i] = written(checked[i] as CheckedWrite, reply[i + 1] as number, now);
    return sessions;
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
