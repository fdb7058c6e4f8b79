/**
 * RateLimiter port: per-key request budgets for the gateway. Vendor-neutral: adapters live beside this
 * file (`redis-rate-limiter.ts`, `embedded-rate-limiter.ts`).
 */

/**
 * What is limited: a named bucket of a tenant, optionally of one subject. A bucket with a subject is that
 * person's data (erasure deletes it with {@link RateLimiter.deleteBySubject}); a bucket without one (per
 * API key, per IP hash, per tenant) must not name a person.
 */
export interface RateLimitKey {
  readonly tenant: string;
  readonly subject?: string;
  readonly bucket: string;
}

/** The budget: `limit` units per `windowMs`, each take costing `cost` units (1 by default). */
export interface RateLimitRule {
  /** Units per window, an integer from 1 to 1,000,000; also the largest burst. */
  readonly limit: number;
  /** Window in milliseconds, an integer from 1 to 366 days. */
  readonly windowMs: number;
  /** Units this take consumes, an integer from 0 (peek) to `limit`. */
  readonly cost?: number;
}

/** The outcome of one take, ready for `RateLimit-*` / `Retry-After` headers. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** Units still available right after this take. */
  readonly remaining: number;
  /** Milliseconds until the whole budget is available again. */
  readonly resetMs: number;
  /** 0 when allowed; otherwise milliseconds until the same take would be allowed (> 0). */
  readonly retryAfterMs: number;
}

/**
 * Rate limiting with the generic cell rate algorithm (GCRA, a token bucket kept as one timestamp per key):
 * a bucket holds at most `limit` units and refills continuously at `limit / windowMs`, so a full budget
 * comes back `windowMs` after it was spent, without the double burst of fixed windows.
 *
 * Contract, for every adapter:
 * - A take is atomic: concurrent takes on one key never admit more than the budget.
 * - A denied take consumes nothing.
 * - Keys are exact and independent: subject `alice` shares nothing with `alice2`, `Alice` or `alice*`.
 * - Ids are checked with `checkId`; a bad rule or cost > limit is an `InvalidInputError`.
 * - An unreachable engine raises a retriable `UnavailableError`/`TimeoutError` naming its address.
 */
export interface RateLimiter {
  /** Consumes `rule.cost` units from the key's bucket if they are available. */
  take(key: RateLimitKey, rule: RateLimitRule): Promise<RateLimitDecision>;
  /** Forgets one bucket (its budget is full again). */
  reset(key: RateLimitKey): Promise<void>;
  /** How many of a subject's buckets hold state (have been used and are not yet full again). */
  countBySubject(tenant: string, subject: string): Promise<number>;
  /** Deletes every bucket of a subject (erasure); returns how many held state. */
  deleteBySubject(tenant: string, subject: string): Promise<number>;
  /** Releases connections the limiter opened itself. */
  close(): Promise<void>;
}
