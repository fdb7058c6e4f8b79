import { InvalidInputError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { RateLimitDecision, RateLimitKey, RateLimitRule } from './rate-limiter.js';

/** A rule after checks, with the cost resolved. */
export interface CheckedRule {
  readonly limit: number;
  readonly windowMs: number;
  readonly cost: number;
}

const MAX_LIMIT = 1_000_000;
const MAX_WINDOW_MS = 366 * 24 * 3600 * 1000;

function integerIn(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(
      `rate limit ${what} must be an integer from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/** Checks a rule at the port boundary. */
export function checkRule(rule: RateLimitRule): CheckedRule {
  if (typeof rule !== 'object' || rule === null)
    throw new InvalidInputError('rate limit rule must be an object');
  const limit = integerIn('limit', rule.limit, 1, MAX_LIMIT);
  const windowMs = integerIn('windowMs', rule.windowMs, 1, MAX_WINDOW_MS);
  const cost = rule.cost === undefined ? 1 : integerIn('cost', rule.cost, 0, limit);
  if (limit > windowMs * 1000) {
    // The emission interval is a whole number of microseconds, so at most 1000 units per millisecond.
    throw new InvalidInputError(
      `rate limit of ${limit} per ${windowMs} ms is finer than 1 unit per microsecond`,
      {
        hint: 'Use a longer window or a smaller limit.',
      },
    );
  }
  return { limit, windowMs, cost };
}

/** Checks a key's ids at the port boundary. */
export function checkKey(key: RateLimitKey): RateLimitKey {
  if (typeof key !== 'object' || key === null)
    throw new InvalidInputError('rate limit key must be an object');
  return {
    tenant: checkId('tenant', key.tenant),
    bucket: checkId('bucket', key.bucket),
    ...(key.subject === undefined ? {} : { subject: checkId('subject', key.subject) }),
  };
}

/** The new state and decision of one GCRA step; times in microseconds. */
export interface GcraStep {
  /** Theoretical arrival time to store, or undefined when nothing changes (denied or cost 0). */
  readonly tat: number | undefined;
  readonly decision: RateLimitDecision;
}

/**
 * One GCRA step, the same arithmetic as the Redis script: `tat` is the stored theoretical arrival time (µs,
 * undefined when the bucket is full), `now` the clock in whole µs. The emission interval T is window / limit
 * rounded down to whole µs and the burst tolerance is exactly limit · T, so everything is integer arithmetic
 * (exact in doubles): a burst is exactly `limit`, and the budget comes back within the window.
 */
export function gcra(tat: number | undefined, now: number, rule: CheckedRule): GcraStep {
  const interval = Math.floor((rule.windowMs * 1000) / rule.limit);
  const tolerance = interval * rule.limit;
  const base = tat === undefined || tat < now ? now : tat;
  const next = base + rule.cost * interval;
  const allowAt = next - tolerance;
  const allowed = allowAt <= now;
  const held = allowed ? next : base;
  const remaining = Math.max(0, Math.min(rule.limit, Math.floor((tolerance - (held - now)) / interval)));
  return {
    tat: allowed && rule.cost > 0 ? next : undefined,
    decision: {
      allowed,
      limit: rule.limit,
      remaining,
      resetMs: Math.ceil((held - now) / 1000),
      retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil((allowAt - now) / 1000)),
    },
  };
}
