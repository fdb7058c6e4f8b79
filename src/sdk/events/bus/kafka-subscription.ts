import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { withTimeout } from '../../engines/probe.js';
import { DeliveryFailures, reportConsumerError } from './delivery-failures.js';
import type { DeliveredMessage, SubscribeOptions, Subscription, TopicPartitionOffset } from './event-bus.js';
import { addOffset, checkSubscribeOptions } from './event-bus-checks.js';

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
  private readonly settings: ReturnType<typeof checkSubscribeOptions>;
  private readonly failures: DeliveryFailures;
  private readonly consumer: Consumer;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping: Promise<void> | undefined;

  private constructor(
    kafka: Kafka,
    private readonly options: SubscribeOptions,
    private readonly consumerSettings: KafkaConsumerSettings,
    private readonly onStop: (subscription: KafkaSubscription) => void,
  ) {
    this.settings = checkSubscribeOptions(options);
    this.groupId = this.settings.groupId;
    this.topics = this.settings.topics;
    this.failures = new DeliveryFailures(
      options.onError,
      this.settings.retryDelayMs,
      this.settings.maxRetryDelayMs,
    );
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
      await consumer.subscribe({ topics: [...this.topics], fromBeginning: this.settings.fromBeginning });
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
    let next: string | undefined;
    if (this.options.eachBatch) {
      const size = this.settings.maxBatchSize;
      for (let start = 0; start < messages.length; start += size) {
        if (!isRunning() || isStale()) break;
        const chunk = messages.slice(start, start + size);
        const last = (chunk.at(-1) as DeliveredMessage).offset;
        try {
          await this.options.eachBatch({
            topic,
            partition,
            messages: chunk,
            highWatermark: batch.highWatermark,
          });
          if (isStale()) return;
          resolveOffset(last);
          next = addOffset(last, 1);
          this.failures.handled(topic, partition);
          await heartbeat();
        } catch (error) {
          next = (await this.fail(payload, chunk, error)) ?? next;
          break;
        }
      }
    } else {
      for (const message of messages) {
        if (!isRunning() || isStale()) break;
        try {
          await (this.options.eachMessage as (m: DeliveredMessage) => Promise<void>)(message);
          resolveOffset(message.offset);
          next = addOffset(message.offset, 1);
          this.failures.handled(topic, partition);
          await heartbeat();
        } catch (error) {
          next = (await this.fail(payload, [message], error)) ?? next;
          break;
        }
      }
    }
    if (this.settings.autoCommit && next !== undefined && !isStale()) {
      await this.commit([{ topic, partition, offset: next }]).catch((error) =>
        reportConsumerError(this.options.onConsumerError, error),
      );
    }
  }

  /** Handles a failure; returns the next offset when the failed messages were skipped. */
  private async fail(
    payload: EachBatchPayload,
    messages: DeliveredMessage[],
    error: unknown,
  ): Promise<string | undefined> {
    const { topic, partition } = payload.batch;
    const { action, delayMs } = await this.failures.decide({
      error,
      groupId: this.groupId,
      topic,
      partition,
      messages,
    });
    if (payload.isStale()) return undefined;
    const last = (messages.at(-1) as DeliveredMessage).offset;
    if (action === 'skip') {
      payload.resolveOffset(last);
      return addOffset(last, 1);
    }
    // Unresolved, the failed offset is fetched again once the partition resumes.
    const resume = payload.pause();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) resume();
    }, delayMs);
    this.timers.add(timer);
    return undefined;
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
    this.failures.handled(topic, partition);
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
