import { errorMessage, isSomaError } from '../../errors.js';
import { nextAttemptDelay, type Outbox, type OutboxEvent } from '../../stores/records/outbox.js';
import type { EventBus, OutgoingMessage } from '../bus/event-bus.js';
import type { RelayLogger, RelayMetrics, RelayRun } from './outbox-relay.js';
import { OUTBOX_HEADERS } from './outbox-writer.js';

/** What sending one claimed batch did, and which keys must not go on until their failed event is sent. */
export interface SendOutcome {
  readonly run: RelayRun;
  /** `all` when the whole publish failed; else the {@link keyOf} of every key with a failed event. */
  readonly blocked: 'all' | ReadonlySet<string>;
}

/** The order domain of an event: its (topic, key). */
export function keyOf(event: OutboxEvent): string {
  return `${event.topic}\u0000${event.key ?? ''}`;
}

const NONE: ReadonlySet<string> = new Set();

/**
 * Publishes claimed outbox batches and records the outcome on the outbox (sent, or failed with a back-off),
 * keeping the relay's counters. Used by {@link OutboxRelay}; one instance per relay.
 */
export class RelaySender {
  private counters = { sent: 0, failedAttempts: 0, batches: 0 };
  private lastError: { message: string; at: Date } | null = null;
  private failing = false;

  constructor(
    private readonly outbox: Outbox,
    private readonly bus: EventBus,
    private readonly options: { retry: { baseMs: number; maxMs: number }; log: RelayLogger },
  ) {}

  metrics(): RelayMetrics {
    return {
      ...this.counters,
      lastError: this.lastError?.message ?? null,
      lastErrorAt: this.lastError?.at ?? null,
    };
  }

  /**
   * Publishes a claimed batch with one `publish` and marks it sent with one statement. A retriable failure
   * marks the whole batch failed; a non-retriable one (a deleted topic, an invalid message) is isolated.
   * Errors of the outbox itself are thrown.
   */
  async send(batch: readonly OutboxEvent[]): Promise<SendOutcome> {
    const outcome = await this.publish(batch);
    await this.markSent(outcome.unmarked);
    return outcome;
  }

  /**
   * The publishing half of {@link send}: on success the batch still has to be {@link markSent} (its ids are
   * in `unmarked`); failures are already recorded.
   */
  async publish(batch: readonly OutboxEvent[]): Promise<SendOutcome & { unmarked: readonly string[] }> {
    this.counters.batches++;
    try {
      await this.bus.publish(batch.map(toMessage));
    } catch (error) {
      if (isSomaError(error) && !error.retriable && batch.length > 1) {
        return { ...(await this.isolate(batch, error)), unmarked: [] };
      }
      await this.fail(batch, error);
      return { run: { sent: 0, failed: batch.length }, blocked: 'all', unmarked: [] };
    }
    return { run: { sent: batch.length, failed: 0 }, blocked: NONE, unmarked: batch.map((e) => e.id) };
  }

  /** Marks published events sent (one statement) and counts them. */
  async markSent(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.outbox.markSent(ids);
    this.succeeded(ids.length);
  }

  /** Records an error that is not a failed send (the outbox itself failing). */
  noteError(what: string, error: unknown): void {
    const message = errorMessage(error);
    this.lastError = { message, at: new Date() };
    this.options.log('error', `outbox relay: ${what} failed: ${message}`);
  }

  /**
   * A non-retriable batch failure must not hold back the good events: send one by one, mark the failing
   * ones and release the later events of their keys unsent.
   */
  private async isolate(batch: readonly OutboxEvent[], cause: unknown): Promise<SendOutcome> {
    this.options.log(
      'warn',
      `outbox relay: batch of ${batch.length} refused (${errorMessage(cause)}); sending singly`,
    );
    const blocked = new Set<string>();
    let sent = 0;
    let failed = 0;
    const released: string[] = [];
    for (const event of batch) {
      if (event.key !== null && blocked.has(keyOf(event))) {
        released.push(event.id);
        continue;
      }
      try {
        await this.bus.publish([toMessage(event)]);
        await this.outbox.markSent([event.id]);
        sent++;
      } catch (error) {
        await this.fail([event], error);
        failed++;
        if (event.key !== null) blocked.add(keyOf(event));
      }
    }
    await this.outbox.release(released);
    if (sent > 0) this.succeeded(sent);
    return { run: { sent, failed }, blocked };
  }

  /** Marks events failed, all due again after one back-off (so they are retried together, in order). */
  private async fail(events: readonly OutboxEvent[], error: unknown): Promise<void> {
    const message = errorMessage(error);
    this.counters.failedAttempts += events.length;
    this.lastError = { message, at: new Date() };
    this.failing = true;
    const attempts = Math.max(...events.map((e) => e.attempts));
    const delay = nextAttemptDelay(attempts, this.options.retry);
    await this.outbox.markFailed(
      events.map((e) => e.id),
      message,
      new Date(Date.now() + delay),
    );
    this.options.log(
      'warn',
      `outbox relay: publishing ${events.length} event(s) failed (attempt ${attempts}), retrying with back-off: ${message}`,
    );
  }

  private succeeded(count: number): void {
    this.counters.sent += count;
    if (this.failing) {
      this.failing = false;
      this.options.log('info', 'outbox relay: publishing again after failures');
    }
  }
}

function toMessage(event: OutboxEvent): OutgoingMessage {
  return {
    topic: event.topic,
    key: event.key,
    value: event.payload,
    headers: { ...event.headers, [OUTBOX_HEADERS.eventId]: event.eventId },
    timestamp: event.createdAt.getTime(),
  };
}
