import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '../../engines/kafka.js';
import { withTimeout } from '../../engines/probe.js';
import { InvalidInputError, NotFoundError, UnavailableError } from '../../errors.js';
import type {
  CommittedOffset,
  EventBus,
  GroupInfo,
  NewTopic,
  OutgoingMessage,
  PartitionOffset,
  PartitionRange,
  PublishedOffset,
  SubscribeOptions,
  Subscription,
  TopicInfo,
  TopicPartitionOffset,
} from './event-bus.js';
import {
  checkGroup,
  checkNewTopics,
  checkOffset,
  checkOffsets,
  checkPartition,
  checkTimestamp,
  checkTopic,
  normaliseMessages,
} from './event-bus-checks.js';
import { KafkaClients } from './kafka-clients.js';
import { translateKafkaError } from './kafka-errors.js';
import { commitInactiveGroup } from './kafka-group-offsets.js';
import { DEFAULT_MAX_BATCH_BYTES, sendBatch } from './kafka-publish.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { alterTopicConfigs, readTopicConfigs } from './kafka-topic-configs.js';
import { Partitioner } from './partitioner.js';

/** Options of {@link KafkaEventBus}. */
export interface KafkaEventBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Default 3000 ms. */
  readonly connectTimeoutMs?: number;
  /** Default 10 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Retries of a failed request before the call fails (retriable). Default 3. */
  readonly retries?: number;
  /** Hard bound on any one call, retries included. Default 30 000 ms. */
  readonly operationTimeoutMs?: number;
  /** Consumer group session timeout. Default 10 000 ms. */
  readonly sessionTimeoutMs?: number;
  /** Longest a fetch waits for new messages (also how quickly a stop is noticed). Default 250 ms. */
  readonly maxWaitTimeMs?: number;
  /**
   * Most bytes of one partition's messages per produce request; a larger publish goes as several requests
   * in order. Keep it below the topics' `max.message.bytes`. Default 1 000 000.
   */
  readonly maxBatchBytes?: number;
}

/** Internal topics (`__consumer_offsets`, `__transaction_state`…) are not the bus's business. */
const INTERNAL = /^__/;
const PARTITION_CACHE_MS = 30_000;

/**
 * The EventBus over Kafka (kafkajs). Publishing uses an idempotent producer (acks = all, one request in
 * flight, bounded retries so a broker outage fails the call with a retriable error instead of retrying
 * forever; the outbox then retries, and consumers de-duplicate by event id; see {@link KafkaClients}). Partitions are chosen here
 * with Kafka's murmur2 partitioner, so each message's offset is known from its partition's base offset.
 * Topics are never auto-created by this client.
 */
export class KafkaEventBus implements EventBus {
  readonly kind = 'kafka' as const;
  readonly address: string;
  private readonly brokers: readonly string[];
  private readonly kafka: Kafka;
  private readonly timeoutMs: number;
  private readonly options: KafkaEventBusOptions;
  private readonly partitioner = new Partitioner();
  private readonly partitionCounts = new Map<string, { count: number; at: number }>();
  private readonly subscriptions = new Map<string, KafkaSubscription>();
  private readonly clients: KafkaClients;
  private publishing: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: KafkaEventBusOptions) {
    if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
      throw new InvalidInputError('KafkaEventBus needs at least one broker (host:port)');
    }
    const maxBytes = options.maxBatchBytes;
    if (maxBytes !== undefined && (!Number.isInteger(maxBytes) || maxBytes < 1024)) {
      throw new InvalidInputError('maxBatchBytes must be an integer of at least 1024');
    }
    this.options = options;
    this.brokers = [...options.brokers];
    this.address = this.brokers.join(',');
    this.timeoutMs = options.operationTimeoutMs ?? 30_000;
    this.kafka = createKafka(
      {
        brokers: this.brokers,
        clientId: options.clientId ?? 'somaagent',
        connectTimeoutMs: options.connectTimeoutMs ?? 3000,
        requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      },
      options.retries ?? 3,
    );
    this.clients = new KafkaClients(this.kafka, options.retries ?? 3, this.timeoutMs);
  }

  private connectAdmin(): Promise<Admin> {
    return this.clients.connectAdmin();
  }

  /** Runs one call bounded by the operation timeout, translating kafkajs errors. */
  private async call<T>(what: string, work: () => Promise<T>, groupId?: string): Promise<T> {
    if (this.closed) {
      throw new UnavailableError(
        'kafka',
        this.address,
        `the event bus on Kafka at ${this.address} is closed`,
        {
          hint: 'Create a new KafkaEventBus.',
        },
      );
    }
    try {
      return await withTimeout(this.timeoutMs, `Kafka at ${this.address}: ${what}`, work());
    } catch (error) {
      const translated = translateKafkaError(this.brokers, what, error, groupId);
      if (!(translated instanceof NotFoundError)) throw translated;
    }
    // A client that used a topic deleted since fails on every topic (see KafkaClients): fresh clients tell
    // a stale client from a really missing topic.
    this.renewClients();
    try {
      return await withTimeout(this.timeoutMs, `Kafka at ${this.address}: ${what}`, work());
    } catch (error) {
      throw translateKafkaError(this.brokers, what, error, groupId);
    }
  }

  private renewClients(): void {
    this.clients.renew();
    this.partitionCounts.clear();
  }

  private async partitionsOf(topics: readonly string[]): Promise<Map<string, number>> {
    const now = Date.now();
    const stale = topics.filter((t) => (this.partitionCounts.get(t)?.at ?? 0) < now - PARTITION_CACHE_MS);
    if (stale.length > 0) {
      const admin = await this.connectAdmin();
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...new Set(stale)] });
      for (const t of metadata) this.partitionCounts.set(t.name, { count: t.partitions.length, at: now });
    }
    return new Map(topics.map((t) => [t, this.partitionCounts.get(t)?.count as number]));
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<PublishedOffset[]> {
    const normalised = normaliseMessages(messages, Date.now());
    if (normalised.length === 0) return [];
    // One publish at a time: the idempotent producer's sequence numbers and the callers' order stay intact.
    const run = this.publishing.then(() =>
      this.call('publishing', async () => {
        const counts = await this.partitionsOf(normalised.map((m) => m.topic));
        const partitions = normalised.map((m, i) => {
          const count = counts.get(m.topic) as number;
          if (m.partition !== undefined && m.partition >= count) {
            throw new InvalidInputError(`message ${i}: topic ${m.topic} has no partition ${m.partition}`);
          }
          return m.partition ?? this.partitioner.partition(m.topic, m.key, count);
        });
        const maxBytes = this.options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
        return sendBatch(await this.clients.connectProducer(), normalised, partitions, maxBytes);
      }),
    );
    this.publishing = run.catch(() => {});
    return run;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const groupId = checkGroup(options?.groupId);
    const subscription = await this.call(
      `subscribing group ${groupId}`,
      () =>
        KafkaSubscription.start(
          this.kafka,
          options,
          {
            sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
            heartbeatIntervalMs: 1000,
            rebalanceTimeoutMs: 15_000,
            maxWaitTimeMs: this.options.maxWaitTimeMs ?? 250,
            joinTimeoutMs: this.timeoutMs,
            translate: (what, error) => translateKafkaError(this.brokers, what, error, groupId),
          },
          (s) => {
            if (this.subscriptions.get(s.groupId) === s) this.subscriptions.delete(s.groupId);
          },
        ),
      groupId,
    );
    // Kafka allows several members per group; commits and seeks go through the latest one started here.
    this.subscriptions.set(groupId, subscription);
    return subscription;
  }

  async commit(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    checkGroup(groupId);
    const checked = checkOffsets(offsets);
    if (checked.length === 0) return;
    const running = this.subscriptions.get(groupId);
    if (running) return running.commit(checked);
    await this.setOffsets(groupId, checked);
  }

  /** Commits offsets of a group without members here (Kafka refuses while it has members elsewhere). */
  private async setOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    await this.call(
      `committing offsets of group ${groupId}`,
      async () => {
        await this.partitionsOf(offsets.map((o) => o.topic)); // NotFoundError for an unknown topic
        await commitInactiveGroup(this.kafka, await this.connectAdmin(), groupId, offsets);
      },
      groupId,
    );
  }

  async seek(groupId: string, topic: string, partition: number, offset: string): Promise<void> {
    checkGroup(groupId);
    const target = {
      topic: checkTopic(topic),
      partition: checkPartition(partition),
      offset: checkOffset(offset),
    };
    const running = this.subscriptions.get(groupId);
    if (running) return running.seekTo(target.topic, target.partition, target.offset);
    await this.setOffsets(groupId, [target]);
  }

  async seekToTimestamp(groupId: string, topic: string, timestamp: number): Promise<PartitionOffset[]> {
    checkGroup(groupId);
    const offsets = await this.offsetsForTimestamp(topic, timestamp);
    const running = this.subscriptions.get(groupId);
    if (running) for (const o of offsets) await running.seekTo(topic, o.partition, o.offset);
    else
      await this.setOffsets(
        groupId,
        offsets.map((o) => ({ topic, ...o })),
      );
    return offsets;
  }

  async listTopics(): Promise<TopicInfo[]> {
    const { topics } = await this.call('listing topics', async () =>
      (await this.connectAdmin()).fetchTopicMetadata(),
    );
    return topics
      .filter((t) => !INTERNAL.test(t.name))
      .map((t) => ({ name: t.name, partitions: t.partitions.length }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async createTopics(topics: readonly NewTopic[]): Promise<string[]> {
    const checked = checkNewTopics(topics);
    // One request per topic: kafkajs reports "created" for a batch only as a whole.
    const created = await Promise.all(
      checked.map((t) =>
        this.call(`creating topic ${t.name}`, async () =>
          (await this.connectAdmin()).createTopics({
            waitForLeaders: true,
            timeout: this.timeoutMs,
            topics: [
              {
                topic: t.name,
                numPartitions: t.partitions,
                configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
              },
            ],
          }),
        ),
      ),
    );
    return checked.filter((_, i) => created[i]).map((t) => t.name);
  }

  async deleteTopics(names: readonly string[]): Promise<string[]> {
    const checked = new Set(names.map(checkTopic));
    const existing = (await this.listTopics()).map((t) => t.name).filter((name) => checked.has(name));
    if (existing.length === 0) return [];
    await this.call('deleting topics', async () =>
      (await this.connectAdmin()).deleteTopics({ topics: existing, timeout: this.timeoutMs }),
    );
    this.renewClients(); // the producer would keep asking for the deleted topics
    return existing;
  }

  async endOffsets(topic: string): Promise<PartitionRange[]> {
    checkTopic(topic);
    const offsets = await this.call(`reading offsets of ${topic}`, async () =>
      (await this.connectAdmin()).fetchTopicOffsets(topic),
    );
    return offsets
      .map(({ partition, low, high }) => ({ partition, low, high }))
      .sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]> {
    checkGroup(groupId);
    checkTopic(topic);
    return this.call(
      `reading offsets of group ${groupId}`,
      async () => {
        const admin = await this.connectAdmin();
        await admin.fetchTopicMetadata({ topics: [topic] }); // NotFoundError for an unknown topic
        const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return (result?.partitions ?? [])
          .map(({ partition, offset }) => ({ partition, offset: Number(offset) < 0 ? null : offset }))
          .sort((a, b) => a.partition - b.partition);
      },
      groupId,
    );
  }

  async offsetsForTimestamp(topic: string, timestamp: number): Promise<PartitionOffset[]> {
    checkTopic(topic);
    checkTimestamp(timestamp);
    const offsets = await this.call(`reading offsets of ${topic} for a timestamp`, async () =>
      (await this.connectAdmin()).fetchTopicOffsetsByTimestamp(topic, timestamp),
    );
    return offsets
      .map(({ partition, offset }) => ({ partition, offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  async topicConfigs(topic: string): Promise<Record<string, string>> {
    checkTopic(topic);
    return this.call(`reading configs of ${topic}`, async () =>
      readTopicConfigs(await this.connectAdmin(), topic),
    );
  }

  async alterTopicConfigs(topic: string, configs: Readonly<Record<string, string | null>>): Promise<void> {
    checkTopic(topic);
    for (const [name, value] of Object.entries(configs)) {
      if (value !== null && typeof value !== 'string') {
        throw new InvalidInputError(`topic ${topic}: config ${name} must be a string or null`);
      }
    }
    await this.call(`altering configs of ${topic}`, async () =>
      alterTopicConfigs(await this.connectAdmin(), topic, configs),
    );
  }

  async listGroups(): Promise<GroupInfo[]> {
    const { groups } = await this.call('listing groups', async () =>
      (await this.connectAdmin()).listGroups(),
    );
    return groups
      .filter((g) => g.protocolType === 'consumer' || g.protocolType === '')
      .map((g) => ({ groupId: g.groupId }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    const checked = [...new Set(groupIds.map(checkGroup))];
    if (checked.length === 0) return;
    await this.call(
      'deleting groups',
      async () => {
        try {
          await (await this.connectAdmin()).deleteGroups(checked);
        } catch (error) {
          // Deleting a group that does not exist is not a failure.
          const failed = (error as { groups?: Array<{ error?: { type?: string } }> }).groups;
          if (!failed?.every((g) => g.error?.type === 'GROUP_ID_NOT_FOUND')) throw error;
        }
      },
      checked[0],
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
    this.closed = true;
    await this.clients.close();
  }
}
