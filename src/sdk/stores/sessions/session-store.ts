/**
 * SessionStore port: the conversation state the gateway and workers load and save per session, with a
 * time to live (config `retention.sessions`: 24 h dev, 7 days prod). Vendor-neutral: adapters live beside
 * this file (`redis-session-store.ts`, `embedded-session-store.ts`).
 */

import type { JsonValue } from '../../json.js';

export type { JsonValue };

/** One stored session. Every session belongs to exactly one subject of one tenant for its whole life. */
export interface Session {
  readonly tenant: string;
  readonly subject: string;
  readonly sessionId: string;
  readonly state: JsonValue;
  /** When the session was first written; kept when it is overwritten before it expires. */
  readonly createdAt: Date;
  /** When the state was last written. */
  readonly updatedAt: Date;
  /** When the session stops being readable (and is then removed by the engine or a purge). */
  readonly expiresAt: Date;
}

/** What {@link SessionStore.listBySubject} returns per live session: no state. */
export interface SessionSummary {
  readonly sessionId: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly expiresAt: Date;
}

/** One write of {@link SessionStore.set} / {@link SessionStore.setMany}. */
export interface SessionWrite {
  readonly tenant: string;
  readonly subject: string;
  readonly sessionId: string;
  readonly state: JsonValue;
  /** Time to live from now in milliseconds (a positive integer); the store's default when omitted. */
  readonly ttlMs?: number;
}

/** Most writes one {@link SessionStore.setMany} call accepts (it is all-or-nothing). */
export const MAX_SESSION_BATCH = 1000;

/** Largest serialised state, in UTF-8 bytes, unless an adapter is configured otherwise. */
export const DEFAULT_MAX_STATE_BYTES = 1024 * 1024;

/**
 * Session state with a TTL, keyed by `(tenant, sessionId)` and indexed by `(tenant, subject)` so erasure
 * and retention find a person's sessions without scanning the store.
 *
 * Contract, for every adapter:
 * - Every tenant, subject and session id is checked with `checkId` (non-empty, ≤ 256 bytes, no control
 *   characters) and is exact: `alice`, `Alice`, `alice*` and `alice/x` are unrelated subjects.
 * - An expired session is never returned, listed or counted, whether or not the engine has removed it yet.
 * - Writes are atomic: the state and the subject index never disagree.
 * - An unreachable engine raises a retriable `UnavailableError` (or `TimeoutError`) naming its address,
 *   never a hang; bad input raises `InvalidInputError` before the engine is touched.
 */
export interface SessionStore {
  /** The live session, or `undefined` when it does not exist or has expired. */
  get(tenant: string, sessionId: string): Promise<Session | undefined>;

  /** {@link get} for many ids of one tenant in one round trip; results are in the order of `sessionIds`. */
  getMany(tenant: string, sessionIds: readonly string[]): Promise<Array<Session | undefined>>;

  /**
   * Creates or replaces a session's state and restarts its TTL; returns the stored session with `state` as
   * given (a later read returns its JSON round trip, e.g. a `Date` comes back as a string). Overwriting a live session keeps its
   * `createdAt`. Writing a live session id that belongs to another subject is an `InvalidInputError` and
   * changes nothing; once that session has expired the id may be reused.
   */
  set(write: SessionWrite): Promise<Session>;

  /**
   * {@link set} for up to {@link MAX_SESSION_BATCH} writes, all-or-nothing: if any write is invalid
   * (including a session id given twice) nothing is written. Results are in the order of `writes`.
   */
  setMany(writes: readonly SessionWrite[]): Promise<Session[]>;

  /** Deletes a session; true when a live session was deleted. */
  delete(tenant: string, sessionId: string): Promise<boolean>;

  /** A subject's live sessions (no state), oldest first. */
  listBySubject(tenant: string, subject: string): Promise<SessionSummary[]>;

  /** How many live sessions a subject has. */
  countBySubject(tenant: string, subject: string): Promise<number>;

  /**
   * Deletes every session of a subject, expired ones included, and its index; returns how many live
   * sessions were deleted. Erasure calls this; afterwards {@link countBySubject} is 0.
   */
  deleteBySubject(tenant: string, subject: string): Promise<number>;

  /**
   * Remaining time to live of a stored session in milliseconds as the engine holds it (retention checks
   * read it), `undefined` when the session does not exist or has expired.
   */
  ttlOf(tenant: string, sessionId: string): Promise<number | undefined>;

  /**
   * Removes expired sessions the engine still holds and returns how many. Redis expires keys itself, so
   * its adapter returns 0; the embedded adapter also runs this on a timer.
   */
  purgeExpired(): Promise<number>;

  /** Stops timers and releases connections the store opened itself (never a client it was given). */
  close(): Promise<void>;
}
