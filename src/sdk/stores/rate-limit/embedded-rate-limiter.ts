import { checkId } from '../ids.js';
import { checkKey, checkRule, gcra } from './gcra.js';
import type { RateLimitDecision, RateLimiter, RateLimitKey, RateLimitRule } from './rate-limiter.js';

/** Options of {@link EmbeddedRateLimiter}. */
export interface EmbeddedRateLimiterOptions {
  /** Most buckets held in memory; 100,000 by default. */
  readonly maxKeys?: number;
}

interface Entry {
  tat: number;
  readonly owner: string | undefined;
}

// Expired buckets are swept at least this often, so idle keys do not linger until the map is full.
const SWEEP_EVERY = 10_000;

/** Microseconds from a monotonic clock: wall-clock jumps neither free nor freeze a budget. */
function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * {@link RateLimiter} in process memory, for the embedded profile (one process). State is lost on restart,
 * which only ever makes budgets full again. Memory is bounded: a bucket is dropped once full again, and at
 * `maxKeys` the least recently used bucket is dropped (its key briefly gets a fresh budget).
 */
export class EmbeddedRateLimiter implements RateLimiter {
  private readonly maxKeys: number;
  private readonly entries = new Map<string, Entry>();
  private readonly bySubject = new Map<string, Set<string>>();
  private takes = 0;

  constructor(options: EmbeddedRateLimiterOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  /** Buckets currently held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async take(key: RateLimitKey, rule: RateLimitRule): Promise<RateLimitDecision> {
    const k = checkKey(key);
    const r = checkRule(rule);
    const now = nowUs();
    const id = entryId(k);
    const entry = this.entries.get(id);
    const step = gcra(entry && entry.tat > now ? entry.tat : undefined, now, r);
    if (step.tat !== undefined) {
      // Re-inserting moves the key to the end of the Map's order, which makes eviction least-recently-used.
      if (entry) this.entries.delete(id);
      const owner = k.subject === undefined ? undefined : ownerId(k.tenant, k.subject);
      this.entries.set(id, { tat: step.tat, owner });
      if (owner !== undefined) {
        const set = this.bySubject.get(owner);
        if (set) set.add(id);
        else this.bySubject.set(owner, new Set([id]));
      }
    }
    if (++this.takes % SWEEP_EVERY === 0 || this.entries.size > this.maxKeys) this.sweep(now);
    return step.decision;
  }

  async reset(key: RateLimitKey): Promise<void> {
    this.remove(entryId(checkKey(key)));
  }

  async countBySubject(tenant: string, subject: string): Promise<number> {
    const ids = this.bySubject.get(ownerId(checkId('tenant', tenant), checkId('subject', subject)));
    if (!ids) return 0;
    const now = nowUs();
    let n = 0;
    for (const id of ids) if ((this.entries.get(id)?.tat ?? 0) > now) n++;
    return n;
  }

  async deleteBySubject(tenant: string, subject: string): Promise<number> {
    const owner = ownerId(checkId('tenant', tenant), checkId('subject', subject));
    const ids = this.bySubject.get(owner);
    if (!ids) return 0;
    const now = nowUs();
    let n = 0;
    for (const id of [...ids]) {
      if ((this.entries.get(id)?.tat ?? 0) > now) n++;
      this.remove(id);
    }
    this.bySubject.delete(owner);
    return n;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.bySubject.clear();
  }

  private sweep(now: number): void {
    for (const [id, entry] of this.entries) if (entry.tat <= now) this.remove(id);
    if (this.entries.size <= this.maxKeys) return;
    // Still full of live buckets: drop the least recently used down to 90 %.
    const target = Math.floor(this.maxKeys * 0.9);
    for (const id of this.entries.keys()) {
      if (this.entries.size <= target) break;
      this.remove(id);
    }
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    if (entry.owner === undefined) return;
    const set = this.bySubject.get(entry.owner);
    set?.delete(id);
    if (set?.size === 0) this.bySubject.delete(entry.owner);
  }
}

// JSON arrays are injective, unlike joined strings: ['a:b', 'c'] and ['a', 'b:c'] stay apart.
function entryId(key: RateLimitKey): string {
  return JSON.stringify([key.tenant, key.subject ?? null, key.bucket]);
}

function ownerId(tenant: string, subject: string): string {
  return JSON.stringify([tenant, subject]);
}
