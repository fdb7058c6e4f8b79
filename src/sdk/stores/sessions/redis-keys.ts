import { InvalidInputError } from '../../errors.js';
import { checkId, encodeSegment, MAX_ID_BYTES } from '../ids.js';

// Ids made only of these characters are their own encoding; skipping encodeURIComponent for them matters
// on the batch paths, where every key is built per call.
const PLAIN = /^[A-Za-z0-9_-]+$/;

/** `encodeSegment(id)`, with a fast path for ids that need no encoding. */
export function keySegment(id: string): string {
  return PLAIN.test(id) ? id : encodeSegment(id);
}

/**
 * `keySegment(checkId(kind, id))` in one pass: an id of plain characters within {@link MAX_ID_BYTES} passes
 * every `checkId` rule and is its own segment, so only other ids pay for the full check and the encoding.
 */
export function checkedSegment(kind: string, id: string): string {
  return typeof id === 'string' && id.length <= MAX_ID_BYTES && PLAIN.test(id)
    ? id
    : encodeSegment(checkId(kind, id));
}

/** The inverse of {@link keySegment}. */
export function fromKeySegment(segment: string): string {
  return segment.includes('%') ? decodeURIComponent(segment) : segment;
}

/**
 * The Redis key layout shared by the session store and the rate limiter (docs/layout/sessions.md). Every id
 * is one `encodeSegment` segment, so `:`, `*`, `/`… in ids can neither collide with another key nor widen
 * a pattern:
 *
 * - `{prefix}:{tenant}:sess:{sessionId}` session envelope (JSON string) with PEXPIRE
 * - `{prefix}:{tenant}:subj:{subject}:sess` set of a subject's session ids (encoded)
 * - `{prefix}:{tenant}:subj:{subject}:rl` hash of a subject's rate-limit buckets → GCRA state
 * - `{prefix}:{tenant}:rl:{bucket}` GCRA state of a bucket that belongs to no subject
 */
export class RedisKeys {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
      throw new InvalidInputError(`Redis key prefix ${JSON.stringify(prefix)} is invalid`, {
        hint: 'Use 1 to 64 letters, digits, _ or - (redis.keyPrefix).',
      });
    }
  }

  /** `{prefix}:{tenant}:` */
  tenant(tenant: string): string {
    return `${this.prefix}:${keySegment(tenant)}:`;
  }

  /** Prefix of a tenant's session keys; a session key is this plus the encoded session id. */
  sessionPrefix(tenant: string): string {
    return `${this.tenant(tenant)}sess:`;
  }

  session(tenant: string, sessionId: string): string {
    return this.sessionOfSegments(keySegment(tenant), keySegment(sessionId));
  }

  /** {@link session} of ids already made segments ({@link keySegment}). */
  sessionOfSegments(tenant: string, sessionId: string): string {
    return `${this.prefix}:${tenant}:sess:${sessionId}`;
  }

  /** {@link sessionPrefix} of a tenant id not yet checked: checks it (`InvalidInputError`) on the way. */
  checkedSessionPrefix(tenant: string): string {
    return `${this.prefix}:${checkedSegment('tenant', tenant)}:sess:`;
  }

  /** Prefix of a tenant's subject keys; a subject's keys are this plus the encoded subject and a suffix. */
  subjectPrefix(tenant: string): string {
    return `${this.tenant(tenant)}subj:`;
  }

  subjectSessions(tenant: string, subject: string): string {
    return this.subjectSessionsOfSegments(keySegment(tenant), keySegment(subject));
  }

  /** {@link subjectSessions} of ids already made segments ({@link keySegment}). */
  subjectSessionsOfSegments(tenant: string, subject: string): string {
    return `${this.prefix}:${tenant}:subj:${subject}:sess`;
  }

  subjectRateLimits(tenant: string, subject: string): string {
    return `${this.subjectPrefix(tenant)}${keySegment(subject)}:rl`;
  }

  rateLimit(tenant: string, bucket: string): string {
    return `${this.tenant(tenant)}rl:${keySegment(bucket)}`;
  }
}
