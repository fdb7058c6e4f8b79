import { InvalidInputError } from '../../errors.js';
import type { Outbox, OutboxEvent } from '../../stores/records/outbox.js';
import type { EventBus } from '../bus/event-bus.js';
import { keyOf, RelaySender, type SendOutcome } from './relay-sender.js';

/** A log line of the relay. */
export type RelayLogger = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  /** Events claimed and published per batch (1 to 5000). Default 1000. */
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
 * outbox), publishes them with one `publish` call and marks them sent with one statement. A failed publish
 * marks the events failed with an exponential back-off, so while the broker is down events wait and then
 * flow; nothing is lost. A crash between publish and mark-sent re-sends the same rows after their lease: a
 * duplicate always carries the same `event_id` header, which consumers de-duplicate on.
 *
 * The polling loop claims the next batch while the current one is published (passing the current batch as
 * `inFlight`, so its keys are not held back). That batch is published only after the current one is
 * published and marked; if the current one fails, the claimed events of its failed keys are released
 * unsent (all of them when the whole publish failed), so the order per key holds.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly leaseMs: number;
  private readonly sender: RelaySender;
  private readonly log: RelayLogger;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  /** Loop runs that found nothing due (how {@link flush} knows the loop caught up). */
  private idleRuns = 0;

  constructor(
    private readonly outbox: Outbox,
    bus: EventBus,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1 || this.batchSize > 5000) {
      throw new InvalidInputError('batchSize must be an integer from 1 to 5000');
    }
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.log = options.logger ?? (() => {});
    this.sender = new RelaySender(outbox, bus, {
      retry: { baseMs: options.retryBaseMs ?? 1000, maxMs: options.retryMaxMs ?? 60_000 },
      log: this.log,
    });
  }

  /** Whether the polling loop runs. */
  get running(): boolean {
    return this.loop !== undefined;
  }

  /** The counters so far. */
  metrics(): RelayMetrics {
    return this.sender.metrics();
  }

  /** Starts polling in the background. Idempotent. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.poll().finally(() => {
      this.loop = undefined;
    });
  }

  /**
   * Stops polling after the batch in flight is published and marked (drains it); a batch claimed ahead is
   * released unsent. Idempotent.
   */
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
          this.sender.noteError('claiming outbox events', error);
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
    const batch = await this.claim([]);
    if (batch.length === 0) return { sent: 0, failed: 0 };
    return (await this.sender.send(batch)).run;
  }

  private claim(inFlight: readonly string[]): Promise<OutboxEvent[]> {
    return this.outbox.claimBatch(this.batchSize, { leaseMs: this.leaseMs, inFlight });
  }

  /**
   * The pipelined loop. While batch i is published, batch i+1 is claimed (`inFlight`: batches i-1 and i)
   * and batch i-1 is marked sent; batch i+1 is published only once batch i is.
   */
  private async poll(): Promise<void> {
    let ahead: Promise<OutboxEvent[]> | undefined;
    let marking: Promise<void> | undefined;
    let previous: readonly string[] = [];
    try {
      while (!this.stopping) {
        let full = false;
        try {
          const claimedAhead = ahead;
          ahead = undefined;
          const batch = await (claimedAhead ?? this.claim(previous));
          if (batch.length === 0) {
            if (!claimedAhead) this.idleRuns++;
          } else {
            const ids = batch.map((e) => e.id);
            // A full batch says more is due: claim the next one while this one is published.
            const next = batch.length === this.batchSize ? this.claim([...previous, ...ids]) : undefined;
            next?.catch(() => {}); // awaited below, or released
            // Let the claim reach the database before the publish encodes the batch, which holds the event
            // loop for a while: the two then overlap instead of queueing.
            if (next) await new Promise((resolve) => setImmediate(resolve));
            let outcome: Awaited<ReturnType<RelaySender['publish']>>;
            try {
              outcome = await this.sender.publish(batch);
              await marking;
            } catch (error) {
              if (next) await this.releaseAhead(next, error);
              throw error;
            } finally {
              marking = undefined;
            }
            marking = this.sender.markSent(outcome.unmarked);
            marking.catch(() => {}); // awaited next round
            previous = ids;
            full = batch.length === this.batchSize && outcome.run.failed === 0;
            if (next) ahead = this.keepAhead(next, outcome);
          }
          if (!full) {
            const last = marking;
            marking = undefined;
            previous = [];
            await last;
          }
        } catch (error) {
          this.sender.noteError('claiming or marking outbox events', error);
          previous = []; // what was in flight is not any more: the next claim starts afresh
        }
        if (!full && !this.stopping) await this.pause();
      }
    } finally {
      if (ahead) await this.releaseAhead(ahead);
      await marking?.catch((error) => this.sender.noteError('marking outbox events sent', error));
    }
  }

  /** The events claimed ahead that may still go out after `outcome`; the others are released unsent. */
  private async keepAhead(next: Promise<OutboxEvent[]>, outcome: SendOutcome): Promise<OutboxEvent[]> {
    const events = await next;
    if (outcome.blocked !== 'all' && outcome.blocked.size === 0) return events;
    const held = (e: OutboxEvent) =>
      outcome.blocked === 'all' || (e.key !== null && outcome.blocked.has(keyOf(e)));
    const released = events.filter(held);
    await this.outbox.release(released.map((e) => e.id));
    return events.filter((e) => !held(e));
  }

  /** Gives back a batch claimed ahead that will not be sent (stop, or the batch before it broke). */
  private async releaseAhead(next: Promise<OutboxEvent[]>, cause?: unknown): Promise<void> {
    try {
      const events = await next;
      await this.outbox.release(events.map((e) => e.id));
    } catch (error) {
      // Its lease runs out instead.
      if (cause === undefined) this.sender.noteError('releasing claimed outbox events', error);
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
