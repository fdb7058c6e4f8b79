import { errorMessage, InvalidInputError, isSomaError } from '../../errors.js';
import { nextAttemptDelay, type Outbox, type OutboxEvent } from '../../stores/records/outbox.js';
import type { EventBus, OutgoingMessage } from '../bus/event-bus.js';
import { OUTBOX_HEADERS } from './outbox-writer.js';

/** A log line of the relay. */
export type RelayLogger = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Events claimed and published per batch (1 to 1000). Default 200. */
  readonly batchSize?: number;
  /** Pause between polls when the outbox has nothing due. Default 200 ms. */
  readonly pollIntervalMs?: number;
  /**
   * How long a claim holds its events before another relay may take them; longer than a publish can
   * take (the bus's own timeout). Default 60 000 ms.
   */
  readonly leaseMs?: number;
  /** First retry delay after a failed send; doubles per attempt, with full jitter. Default 1000 ms. */
  readonly retryBaseMs?: number;
  /** Longest retry delay. Default 60 000 ms. */
  readonly retryMaxMs?: number;
  /** Receives one line per failure (and per recovery). */
  readonly logger?: RelayLogger;
}

/** What one {@link OutboxRelay.runOnce} did. */
export interface RelayRun {
  /** Events published and marked sent. */
  readonly sent: number;
  /** Events whose send failed (marked failed, due again after a back-off). */
  readonly failed: number;
}

/** Counters for observability (monotonic since the relay was created). */
export interface RelayMetrics {
  readonly sent: number;
  /** Failed send attempts (one per event per failure). */
  readonly failedAttempts: number;
  readonly batches: number;
  readonly lastError: string | null;
  readonly lastErrorAt: Date | null;
}

/**
 * Publishes the outbox to an EventBus. Each run claims due events (order per (topic, key) kept by the
 * outbox), publishes them with one `publish` call and marks them sent. A failed publish marks each event
 * failed with an exponential back-off, so while the broker is down events wait and then flow; nothing is
 * lost. A crash between publish and mark-sent re-sends the same rows after their lease: a duplicate always
 * carries the same `event_id` header, which consumers de-duplicate on.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly retry: { baseMs: number; maxMs: number };
  private readonly log: RelayLogger;
  private counters = { sent: 0, failedAttempts: 0, batches: 0 };
  private lastError: { message: string; at: Date } | null = null;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private failing = false;
  /** Loop runs that found nothing due (how {@link flush} knows the loop caught up). */
  private idleRuns = 0;

  constructor(
    private readonly outbox: Outbox,
    private readonly bus: EventBus,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 1000) {
      throw new InvalidInputError('batchSize must be an integer from 1 to 1000');
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.retry = { baseMs: options.retryBaseMs ?? 1000, maxMs: options.retryMaxMs ?? 60_000 };
    this.log = options.logger ?? (() => {});
  }

  /** Whether the polling loop runs. */
  get running(): boolean {
    return this.loop !== undefined;
  }

  /** The counters so far. */
  metrics(): RelayMetrics {
    return {
      ...this.counters,
      lastError: this.lastError?.message ?? null,
      lastErrorAt: this.lastError?.at ?? null,
    };
  }

  /** Starts polling in the background. Idempotent. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.poll().finally(() => {
      this.loop = undefined;
    });
  }

  /** Stops polling after the batch in flight is published and marked (drains it). Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  /**
   * Waits until no unsent event is left or `timeoutMs` passes (running batches itself when the loop is not
   * started). Returns whether the outbox drained. Events backing off count as pending.
   */
  async flush(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.loop) {
        // Count pending rows only after the loop found nothing due: counting is not free on a big outbox.
        const idle = this.idleRuns;
        this.wake?.();
        while (this.running && this.idleRuns === idle && Date.now() < deadline) await sleep(5);
      } else {
        try {
          if ((await this.runOnce()).sent > 0 && Date.now() < deadline) continue;
        } catch (error) {
          this.noteError('claiming outbox events', error);
        }
      }
      if ((await this.outbox.pendingCount()) === 0) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(this.pollIntervalMs, Math.max(1, deadline - Date.now())));
    }
  }

  /**
   * Claims one batch, publishes it and marks it. Errors of the outbox itself (database down) are thrown;
   * publish failures are recorded on the events and counted in `failed`.
   */
  async runOnce(): Promise<RelayRun> {
    const batch = await this.outbox.claimBatch(this.batchSize, { leaseMs: this.leaseMs });
    if (batch.length === 0) return { sent: 0, failed: 0 };
    this.counters.batches++;
    try {
      await this.bus.publish(batch.map(toMessage));
    } catch (error) {
      if (isSomaError(error) && !error.retriable && batch.length > 1) return this.isolate(batch, error);
      await this.fail(batch, error);
      return { sent: 0, failed: batch.length };
    }
    await this.outbox.markSent(batch.map((e) => e.id));
    this.succeeded(batch.length);
    return { sent: batch.length, failed: 0 };
  }

  /**
   * A non-retriable batch failure (a deleted topic, an invalid message) must not hold back the good events:
   * send one by one, mark the failing ones and release the later events of their keys unsent.
   */
  private async isolate(batch: readonly OutboxEvent[], cause: unknown): Promise<RelayRun> {
    this.log(
      'warn',
      `outbox relay: batch of ${batch.length} refused (${errorMessage(cause)}); sending singly`,
    );
    const blocked = new Set<string>();
    let sent = 0;
    let failed = 0;
    const released: string[] = [];
    for (const event of batch) {
      const keyId = `${event.topic}\u0000${event.key ?? ''}`;
      if (event.key !== null && blocked.has(keyId)) {
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
        if (event.key !== null) blocked.add(keyId);
      }
    }
    await this.outbox.release(released);
    if (sent > 0) this.succeeded(sent);
    return { sent, failed };
  }

  private async fail(events: readonly OutboxEvent[], error: unknown): Promise<void> {
    const message = errorMessage(error);
    this.counters.failedAttempts += events.length;
    this.lastError = { message, at: new Date() };
    this.failing = true;
    const now = Date.now();
    for (const event of events) {
      const delay = nextAttemptDelay(event.attempts, this.retry);
      await this.outbox.markFailed(event.id, message, new Date(now + delay));
    }
    const first = events[0] as OutboxEvent;
    this.log(
      'warn',
      `outbox relay: publishing ${events.length} event(s) failed (attempt ${first.attempts}), retrying with back-off: ${message}`,
    );
  }

  private succeeded(count: number): void {
    this.counters.sent += count;
    if (this.failing) {
      this.failing = false;
      this.log('info', 'outbox relay: publishing again after failures');
    }
  }

  private noteError(what: string, error: unknown): void {
    const message = errorMessage(error);
    this.lastError = { message, at: new Date() };
    this.log('error', `outbox relay: ${what} failed: ${message}`);
  }

  private async poll(): Promise<void> {
    while (!this.stopping) {
      let full = false;
      try {
        const run = await this.runOnce();
        full = run.sent + run.failed === this.batchSize && run.failed === 0;
        if (run.sent + run.failed === 0) this.idleRuns++;
      } catch (error) {
        this.noteError('claiming or marking outbox events', error);
      }
      if (!full && !this.stopping) await this.pause();
    }
  }

  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollIntervalMs);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
