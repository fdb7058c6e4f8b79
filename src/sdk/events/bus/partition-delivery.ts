import type {
  DeliveredMessage,
  DeliveryFailure,
  FailureAction,
  SubscribeOptions,
  TopicPartitionOffset,
} from './event-bus.js';
import { addOffset, checkSubscribeOptions } from './event-bus-checks.js';

/**
 * Delivery rules shared by the subscriptions of both adapters: handlers run in offset order per partition;
 * a failure is counted per offset, `onError` decides between re-delivery after an exponential backoff and
 * skipping; handled (or skipped) offsets move the partition on and are auto-committed when asked. Each
 * adapter supplies only how it tracks a partition ({@link PartitionCursor}).
 */

/** `baseMs · 2^(attempt-1)`, at most `maxMs` (attempt 1 waits `baseMs`). */
export function exponentialDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 20));
}

/**
 * Handler-failure bookkeeping: counts attempts per partition and offset (so `onError` can tell a poison
 * message), asks `onError` what to do, and computes the backoff before a re-delivery.
 */
export class DeliveryFailures {
  private readonly attempts = new Map<string, { offset: string; attempt: number }>();

  constructor(
    private readonly onError: SubscribeOptions['onError'],
    private readonly retryDelayMs: number,
    private readonly maxRetryDelayMs: number,
  ) {}

  /** Records a failure at `failure.messages[0]` and returns the action: `retry` unless `onError` says `skip`. */
  async decide(
    failure: Omit<DeliveryFailure, 'attempt'>,
  ): Promise<{ action: FailureAction; delayMs: number }> {
    const id = `${failure.topic}\u0000${failure.partition}`;
    const offset = failure.messages[0]?.offset ?? '';
    const previous = this.attempts.get(id);
    const attempt = previous && previous.offset === offset ? previous.attempt + 1 : 1;
    this.attempts.set(id, { offset, attempt });
    let action: FailureAction = 'retry';
    try {
      // A throwing onError must not take the subscription down: it counts as "retry".
      if ((await this.onError?.({ ...failure, attempt })) === 'skip') action = 'skip';
    } catch {}
    if (action === 'skip') this.attempts.delete(id);
    return { action, delayMs: exponentialDelay(attempt, this.retryDelayMs, this.maxRetryDelayMs) };
  }

  /** Forgets the failures of a partition once a message there is handled. */
  handled(topic: string, partition: number): void {
    this.attempts.delete(`${topic}\u0000${partition}`);
  }
}

/** Calls `onConsumerError` without letting it throw into the consumer loop. */
export function reportConsumerError(callback: SubscribeOptions['onConsumerError'], error: unknown): void {
  try {
    callback?.(error);
  } catch {}
}

/** How an adapter tracks the partition being delivered. */
export interface PartitionCursor {
  /** False once the partition was repositioned (seek) or taken away: nothing may move it any more. */
  owned(): boolean;
  /** False once the subscription is stopping: delivery pauses before the next message. */
  running(): boolean;
  /** Messages up to and including `offset` are handled or skipped. */
  advance(offset: string): void | Promise<void>;
  /** The first unhandled message is re-delivered after `delayMs`, not before. */
  retryAfter(delayMs: number): void;
}

/** A subscription's settings, as {@link deliverPartition} needs them. */
export interface DeliverySettings {
  readonly options: SubscribeOptions;
  readonly settings: ReturnType<typeof checkSubscribeOptions>;
  readonly failures: DeliveryFailures;
  readonly commit: (offsets: readonly TopicPartitionOffset[]) => Promise<void>;
}

/**
 * The delivery settings of a new subscription: its checked options (an `InvalidInputError` when they are
 * wrong), fresh failure bookkeeping, and `commit`, how the subscription commits offsets (for `autoCommit`).
 */
export function subscriptionDelivery(
  options: SubscribeOptions,
  commit: (offsets: readonly TopicPartitionOffset[]) => Promise<void>,
): DeliverySettings {
  const settings = checkSubscribeOptions(options);
  return {
    options,
    settings,
    failures: new DeliveryFailures(options.onError, settings.retryDelayMs, settings.maxRetryDelayMs),
    commit,
  };
}

/**
 * Delivers consecutive messages of one partition (`eachMessage` one by one, `eachBatch` in chunks of
 * `maxBatchSize`), stopping at the first failure, which `onError` turns into a re-delivery after backoff or
 * a skip. With `autoCommit`, commits the offset after the last handled or skipped message.
 */
export async function deliverPartition(
  delivery: DeliverySettings,
  batch: { topic: string; partition: number; highWatermark: string },
  messages: readonly DeliveredMessage[],
  cursor: PartitionCursor,
): Promise<void> {
  const { options, settings, failures } = delivery;
  const { topic, partition } = batch;
  let next: string | undefined;
  const size = options.eachBatch ? settings.maxBatchSize : 1;
  for (let start = 0; start < messages.length; start += size) {
    if (!cursor.running() || !cursor.owned()) break;
    const chunk = messages.slice(start, start + size);
    const last = (chunk.at(-1) as DeliveredMessage).offset;
    try {
      if (options.eachBatch) {
        await options.eachBatch({ topic, partition, messages: chunk, highWatermark: batch.highWatermark });
      } else {
        await (options.eachMessage as (m: DeliveredMessage) => Promise<void>)(chunk[0] as DeliveredMessage);
      }
    } catch (error) {
      const { action, delayMs } = await failures.decide({
        error,
        groupId: settings.groupId,
        topic,
        partition,
        messages: chunk,
      });
      if (!cursor.owned()) return;
      if (action === 'skip') {
        await cursor.advance(last);
        next = addOffset(last, 1);
      } else cursor.retryAfter(delayMs);
      break;
    }
    if (!cursor.owned()) return;
    await cursor.advance(last);
    next = addOffset(last, 1);
    failures.handled(topic, partition);
  }
  if (settings.autoCommit && next !== undefined && cursor.owned()) {
    await delivery
      .commit([{ topic, partition, offset: next }])
      .catch((error) => reportConsumerError(options.onConsumerError, error));
  }
}
