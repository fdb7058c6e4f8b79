import type { SqlClient } from '../../stores/sql/sql-client.js';
import {
  committedOffsetMap,
  loadTopics,
  partitionRanges,
  readMessages,
  storeCommittedOffsets,
} from './embedded-log-queries.js';
import type {
  DeliveredMessage,
  PartitionRange,
  SubscribeOptions,
  Subscription,
  TopicPartitionOffset,
} from './event-bus.js';
import { addOffset } from './event-bus-checks.js';
import {
  type DeliverySettings,
  deliverPartition,
  exponentialDelay,
  reportConsumerError,
  subscriptionDelivery,
} from './partition-delivery.js';

/** Where a subscription stands on one partition. */
interface Position {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to deliver. */
  offset: string;
  /** Bumped by a seek, so a delivery that raced it does not move the position afterwards. */
  generation: number;
  /** After a handler failure: no re-delivery before this time (epoch ms). */
  retryAt: number;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * A consumer of the embedded event log: a polling loop over the partitions of its topics. The group has one
 * member, this subscription, which owns every partition (single process; the bus refuses a second
 * subscription of the same group). Publishes through the same bus wake it at once; others are seen at the
 * next poll.
 */
export class EmbeddedSubscription implements Subscription {
  readonly groupId: string;
  readonly topics: readonly string[];
  private readonly delivery: DeliverySettings;
  private readonly positions = new Map<string, Position>();
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly sql: SqlClient,
    private readonly options: SubscribeOptions,
    private readonly pollIntervalMs: number,
    private readonly onStop: (subscription: EmbeddedSubscription) => void,
  ) {
    this.delivery = subscriptionDelivery(options, (offsets) => this.commit(offsets));
    this.groupId = this.delivery.settings.groupId;
    this.topics = this.delivery.settings.topics;
  }

  /** Checks the options, reads the group's committed offsets and starts the loop. */
  static async start(
    sql: SqlClient,
    options: SubscribeOptions,
    pollIntervalMs: number,
    onStop: (subscription: EmbeddedSubscription) => void,
  ): Promise<EmbeddedSubscription> {
    const subscription = new EmbeddedSubscription(sql, options, pollIntervalMs, onStop);
    await subscription.init();
    subscription.loop = subscription.run();
    return subscription;
  }

  private async init(): Promise<void> {
    await loadTopics(this.sql, this.topics);
    const committed = await committedOffsetMap(this.sql, this.groupId, this.topics);
    for (const range of await partitionRanges(this.sql, this.topics)) {
      const start =
        committed.get(key(range.topic, range.partition)) ??
        (this.delivery.settings.fromBeginning ? range.low : range.high);
      this.positions.set(key(range.topic, range.partition), {
        ...range,
        offset: start,
        generation: 0,
        retryAt: 0,
      });
    }
  }

  /** Makes the loop poll now (after a publish or a seek). */
  wake(): void {
    this.woken = true; // a wake during a poll must not be lost: the next sleep returns at once
    this.wakeUp?.();
  }

  /** Moves the position of one partition; the next delivery there starts at `offset`. */
  seekTo(topic: string, partition: number, offset: string): void {
    const position = this.positions.get(key(topic, partition));
    if (!position) return;
    position.offset = offset;
    position.generation += 1;
    position.retryAt = 0;
    this.delivery.failures.handled(topic, partition);
    this.wake();
  }

  /** True when this subscription reads `topic`. */
  reads(topic: string): boolean {
    return this.topics.includes(topic);
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await storeCommittedOffsets(this.sql, this.groupId, offsets);
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.wake();
      this.onStop(this);
    }
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let delivered = false;
      this.woken = false;
      try {
        delivered = await this.pollOnce();
        failures = 0;
      } catch (error) {
        reportConsumerError(this.options.onConsumerError, error);
        failures += 1;
      }
      if (!delivered && !this.stopped) {
        const backoff =
          failures > 0 ? exponentialDelay(Math.min(failures, 8) + 1, this.pollIntervalMs, 30_000) : 0;
        await this.sleep(Math.max(backoff, this.untilNextRetry()));
      }
    }
  }

  private untilNextRetry(): number {
    const now = Date.now();
    let wait = this.pollIntervalMs;
    for (const p of this.positions.values()) if (p.retryAt > now) wait = Math.min(wait, p.retryAt - now);
    return wait;
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** One pass over every partition with something to deliver; true when a handler ran. */
  private async pollOnce(): Promise<boolean> {
    const ranges = await partitionRanges(this.sql, this.topics);
    const seen = new Set<string>();
    let delivered = false;
    for (const range of ranges) {
      if (this.stopped) break;
      const id = key(range.topic, range.partition);
      seen.add(id);
      let position = this.positions.get(id);
      if (!position) {
        // A topic re-created while we run: everything in it is new to us.
        position = {
          topic: range.topic,
          partition: range.partition,
          offset: range.low,
          generation: 0,
          retryAt: 0,
        };
        this.positions.set(id, position);
      }
      if (BigInt(position.offset) < BigInt(range.low)) position.offset = range.low; // removed by retention
      if (BigInt(position.offset) >= BigInt(range.high) || position.retryAt > Date.now()) continue;
      const messages = await readMessages(
        this.sql,
        range.topic,
        range.partition,
        position.offset,
        this.delivery.settings.maxBatchSize,
      );
      if (messages.length === 0) {
        position.offset = range.high; // the rest was compacted away
        continue;
      }
      await this.deliver(position, messages, range);
      delivered = true;
    }
    for (const id of this.positions.keys()) if (!seen.has(id)) this.positions.delete(id); // topic deleted
    return delivered;
  }

  private async deliver(
    position: Position,
    messages: DeliveredMessage[],
    range: PartitionRange,
  ): Promise<void> {
    const { generation } = position;
    await deliverPartition(
      this.delivery,
      { topic: position.topic, partition: position.partition, highWatermark: range.high },
      messages,
      {
        owned: () => position.generation === generation,
        running: () => !this.stopped,
        advance: (offset) => {
          position.offset = addOffset(offset, 1);
        },
        retryAfter: (delayMs) => {
          position.retryAt = Date.now() + delayMs;
        },
      },
    );
  }
}
