import type { DeliveryFailure, FailureAction, SubscribeOptions } from './event-bus.js';

/**
 * Handler-failure bookkeeping shared by the subscriptions of both adapters: counts attempts per partition
 * and offset (so `onError` can tell a poison message), asks `onError` what to do, and computes the backoff
 * before a re-delivery.
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
    return {
      action,
      delayMs: Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** Math.min(attempt - 1, 20)),
    };
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
