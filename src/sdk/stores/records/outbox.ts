import type { SqlClient } from '../sql/sql-client.js';

/**
 * The transactional outbox port. Request code writes its state and the events announcing it in ONE
 * transaction ({@link Outbox.enqueue} takes that transaction); a relay claims due rows, publishes them and
 * marks them sent or failed. A broker outage therefore delays events but loses none; delivery is at least
 * once, de-duplicated downstream by `eventId`.
 */

/** An event to enqueue. */
export interface NewOutboxEvent {
  /** UUID used downstream for de-duplication; a random one when omitted. */
  readonly eventId?: string;
  readonly topic: string;
  /** Message key (e.g. the conversation id): events of one (topic, key) are relayed in enqueue order. */
  readonly key: string | null;
  /** Encoded message (already redacted and Avro-encoded). At most 1 MiB. */
  readonly payload: Uint8Array;
  /** Message headers (a JSON object of at most 16 KiB). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly tenant: string;
  /** Pseudonymous subject reference, so erasure finds the person's pending events by index. */
  readonly subjectRef?: string | null;
}

/** A stored event. */
export interface OutboxEvent {
  /** Opaque, increasing id (a decimal string): the relay order. */
  readonly id: string;
  readonly eventId: string;
  readonly topic: string;
  readonly key: string | null;
  readonly payload: Uint8Array;
  readonly headers: Record<string, string>;
  readonly tenant: string;
  readonly subjectRef: string | null;
  readonly createdAt: Date;
  /** Number of times the event was claimed. */
  readonly attempts: number;
  readonly nextAttemptAt: Date;
  readonly sentAt: Date | null;
  readonly lastError: string | null;
}

/** Options of {@link Outbox.claimBatch}. */
export interface ClaimOptions {
  /** How long the claim holds the events before another relay may take them (default 30 s). */
  readonly leaseMs?: number;
  /** The current time (default now); tests and replays pass their own. */
  readonly now?: Date;
  /**
   * Ids of events the caller claimed before and is sending now, ahead of this claim (a relay claiming its
   * next batch while the current one is published). They do not hold back the later events of their keys,
   * and are not claimed again. The caller must publish them first and, if one of them fails, not send the
   * events of its key claimed now ({@link Outbox.release} them).
   */
  readonly inFlight?: readonly string[];
}

/**
 * Outbox over the records database. Ids are checked (`checkId` for tenant, topic, key, subject ref; UUID for
 * event ids); malformed input is an `InvalidInputError`, an unreachable engine an `UnavailableError`.
 */
export interface Outbox {
  /**
   * Inserts events through `tx`, the caller's transaction, so they commit or roll back with the caller's
   * state. An `eventId` already enqueued is skipped (a retried request enqueues nothing twice). Returns the
   * events inserted.
   */
  enqueue(tx: SqlClient, events: readonly NewOutboxEvent[]): Promise<OutboxEvent[]>;
  /**
   * Claims up to `limit` due events (1 to 5000) for `leaseMs` and counts an attempt on each. Order per
   * (topic, key): an event is only claimed together with, or after, every earlier unsent event of its key,
   * so a failed event backing off holds back the events behind it, and two relays never send one key's
   * events out of order. Events come back in id order. Safe with concurrent relays (`FOR NO KEY UPDATE SKIP LOCKED`).
   * When a send fails, the relay marks that event failed and {@link release}s the later events of its key
   * it claimed, without sending them.
   */
  claimBatch(limit: number, options?: ClaimOptions): Promise<OutboxEvent[]>;
  /** Marks events sent (and releases their lease) in one statement. Returns how many were marked. */
  markSent(ids: readonly string[]): Promise<number>;
  /**
   * Records a failed send of one event or several (one statement): keeps the error text (at most 4 KiB
   * kept) and makes the events due again at `nextAttemptAt` (see {@link nextAttemptDelay}).
   */
  markFailed(ids: string | readonly string[], error: string, nextAttemptAt: Date): Promise<void>;
  /** Gives up the lease of claimed events without counting a failure. Returns how many were released. */
  release(ids: readonly string[]): Promise<number>;
  /** Number of unsent events. */
  pendingCount(): Promise<number>;
  /** Deletes events sent before `before`. Returns how many. */
  purgeSentOlderThan(before: Date): Promise<number>;
  /** Number of the tenant's events (sent or not) carrying `subjectRef`. */
  countBySubject(tenant: string, subjectRef: string): Promise<number>;
  /**
   * Deletes the tenant's events (sent or not) carrying `subjectRef`, by index (erasure). Returns how many.
   * Exact match: events of other refs are untouched.
   */
  deleteBySubject(tenant: string, subjectRef: string): Promise<number>;
  /** One event by id, or undefined. */
  get(id: string): Promise<OutboxEvent | undefined>;
}

/**
 * Exponential back-off with full jitter: the delay before attempt `attempts + 1`, between 0 and
 * `min(maxMs, baseMs · 2^(attempts-1))`. `random` is injectable for tests.
 */
export function nextAttemptDelay(
  attempts: number,
  options: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 5 * 60_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
  return Math.round((options.random ?? Math.random)() * ceiling);
}
