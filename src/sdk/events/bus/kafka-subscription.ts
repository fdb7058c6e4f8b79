import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { withTimeout } from '../../engines/probe.js';
import type { DeliveredMessage, SubscribeOptions, Subscription, TopicPartitionOffset } from './event-bus.js';
import {
  type DeliverySettings,
  deliverPartition,
  reportConsumerError,
  subscriptionDelivery,
} from './partition-delivery.js';

/** Consumer settings of {@link KafkaSubscription}. */
export interface KafkaConsumerSettings {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly maxWaitTimeMs: number;
  /** Bound on joining the group (and on leaving it). */
  readonly joinTimeoutMs: number;
  /** Translates kafkajs errors. */
  readonly translate: (what: string, error: unknown) => Error;
}

function headersOf(headers: KafkaMessage['headers']): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    // A repeated header arrives as an array; the port keeps one value per name (the last, as a map would).
    const value = Array.isArray(raw) ? raw.at(-1) : raw;
    if (value !== undefined) out[name] = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
  }
  return out;
}

function delivered(topic: string, partition: number, m: KafkaMessage): DeliveredMessage {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ?? null,
    value: m.value ?? null,
    headers: headersOf(m.headers),
    timestamp: Number(m.timestamp),
  };
}

/**
 * A kafkajs consumer in a group, with the port's delivery rules: offsets are committed only by the caller
 * (or after each handled message/batch with `autoCommit`); a failing handler leaves its offset unresolved,
 * pauses just that partition for the backoff and resumes it, so the message is fetched again while other
 * partitions keep flowing — the consumer never crashes on a handler error.
 */
export class KafkaSubscription implements Subscription {
  readonly groupId: string;
  readonly topics: readonly string[];
  private readonly delivery: DeliverySettings;
  private readonly consumer: Consumer;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | undefined;

  private constructor(
    kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly consumerSettings: KafkaConsumerSettings,
    private readonly onStop: (subscription: KafkaSubscription) => void,
  ) {
    this.delivery = subscriptionDelivery(options, (offsets) => this.commit(offsets));
    this.groupId = this.delivery.settings.groupId;
    this.topics = this.delivery.settings.topics;
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: consumerSettings.sessionTimeoutMs,
      heartbeatInterval: consumerSettings.heartbeatIntervalMs,
      rebalanceTimeout: consumerSettings.rebalanceTimeoutMs,
      maxWaitTimeInMs: consumerSettings.maxWaitTimeMs,
      // The consumer survives broker trouble: kafkajs restarts it after a crash; the caller hears of it.
      retry: { retries: 5, restartOnFailure: async () => true },
    });
  }

  /** Joins the group and resolves once the first fetch ran (the partitions' start offsets are resolved). */
  static async start(
    kafka: Kafka,
    options: SubscribeOptions,
    consumerSettings: KafkaConsumerSettings,
    onStop: (subscription: KafkaSubscription) => void,
  ): Promise<KafkaSubscription> {
    const subscription = new KafkaSubscription(kafka, options, consumerSettings, onStop);
    await subscription.run();
    return subscription;
  }

  private async run(): Promise<void> {
    const { consumer } = this;
    const { joinTimeoutMs, translate } = this.consumerSettings;
    consumer.on(consumer.events.CRASH, (event) => {
      reportConsumerError(
        this.options.onConsumerError,
        translate(`consumer of group ${this.groupId}`, event.payload.error),
      );
    });
    let joined = false;
    const ready = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
      });
      consumer.on(consumer.events.FETCH, () => {
        if (joined) resolve();
      });
    });
    const joining = (async () => {
      await consumer.connect();
      await consumer.subscribe({
        topics: [...this.topics],
        fromBeginning: this.delivery.settings.fromBeginning,
      });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.onBatch(payload),
      });
      await ready;
    })();
    try {
      await withTimeout(joinTimeoutMs, `joining Kafka group ${this.groupId}`, joining);
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      // After a timeout the join may still be under way: leave again once it settles, so no consumer lingers.
      joining.catch(() => {}).finally(() => consumer.disconnect().catch(() => {}));
      throw translate(`subscribing group ${this.groupId} to ${this.topics.join(',')}`, error);
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    const messages = batch.messages.map((m) => delivered(topic, partition, m));
    if (messages.length === 0) return;
    await deliverPartition(
      this.delivery,
      { topic, partition, highWatermark: batch.highWatermark },
      messages,
      {
        owned: () => !isStale(),
        running: () => isRunning(),
        advance: async (offset) => {
          resolveOffset(offset);
          await heartbeat();
        },
        // Unresolved, the failed offset is fetched again once the partition resumes.
        retryAfter: (delayMs) => {
          const resume = payload.pause();
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            if (!this.stopping) resume();
          }, delayMs);
          this.timers.add(timer);
        },
      },
    );
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    try {
      await withTimeout(
        this.consumerSettings.joinTimeoutMs,
        `committing offsets of Kafka group ${this.groupId}`,
        this.consumer.commitOffsets(
          offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
        ),
      );
    } catch (error) {
      throw this.consumerSettings.translate(`committing offsets of group ${this.groupId}`, error);
    }
  }

  /** Repositions the running consumer: commits `offset` and fetches from it next. */
  async seekTo(topic: string, partition: number, offset: string): Promise<void> {
    await this.commit([{ topic, partition, offset }]);
    this.consumer.seek({ topic, partition, offset });
    this.consumer.resume([{ topic, partitions: [partition] }]); // paused after a handler failure: seek wins
    this.delivery.failures.handled(topic, partition);
  }

  /** True when this subscription reads `topic`. */
  reads(topic: string): boolean {
    return this.topics.includes(topic);
  }

  stop(): Promise<void> {
    if (!this.stopping) {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.onStop(this);
      this.stopping = withTimeout(
        this.consumerSettings.joinTimeoutMs,
        `leaving Kafka group ${this.groupId}`,
        this.consumer.disconnect(),
      ).catch(() => {});
    }
    return this.stopping;
  }
}
