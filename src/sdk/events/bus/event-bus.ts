/**
 * EventBus port: partitioned, ordered-per-key event streams with consumer groups and the admin operations the
 * governance commands need (offsets, timestamps, topic configs). Vendor-neutral: adapters live beside this
 * file (`kafka-event-bus.ts` over kafkajs, `embedded-event-bus.ts` over the embedded Postgres event log).
 *
 * Offsets are decimal strings (64-bit integers do not fit a JS number). A committed offset follows Kafka's
 * convention: it is the offset of the NEXT message the group will read (last processed + 1), so the lag
 * of a partition is `high - committed`.
 */

/** Bytes given as a Buffer (or any Uint8Array) or as text, encoded as UTF-8. */
export type BytesLike = Uint8Array | string;

/** A message to publish. */
export interface OutgoingMessage {
  /** An existing topic ({@link EventBus.createTopics}); publishing never creates one. */
  readonly topic: string;
  /** Chooses the partition (same key → same partition → order kept); null spreads messages round-robin. */
  readonly key: BytesLike | null;
  /** The payload; null is a tombstone (on compacted topics it deletes the key). */
  readonly value: Uint8Array | null;
  /** Header values are bytes or UTF-8 text; they arrive as Buffers. One value per name. */
  readonly headers?: Readonly<Record<string, BytesLike>>;
  /** Event time in epoch milliseconds; the publish time when omitted. */
  readonly timestamp?: number;
  /** An explicit partition, overriding the key (replays that keep the original partition use it). */
  readonly partition?: number;
}

/** Where one published message landed. */
export interface PublishedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A message as a consumer receives it. */
export interface DeliveredMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  /** Null for a tombstone. */
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer>>;
  /** Epoch milliseconds (the producer's timestamp). */
  readonly timestamp: number;
}

/** Consecutive messages of one partition, in offset order. */
export interface DeliveredBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly DeliveredMessage[];
  /** The partition's high watermark when the batch was read (offset of the next message to be written). */
  readonly highWatermark: string;
}

/** A (topic, partition, offset) triple: a committed offset (next to read) or a seek target. */
export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** An offset of one partition of a known topic. */
export interface PartitionOffset {
  readonly partition: number;
  readonly offset: string;
}

/** Committed offset of one partition; null when the group never committed there. */
export interface CommittedOffset {
  readonly partition: number;
  readonly offset: string | null;
}

/** The readable range of one partition: `low` is the first offset still stored, `high` the next to be written. */
export interface PartitionRange {
  readonly partition: number;
  readonly low: string;
  readonly high: string;
}

/** A topic and its partition count. */
export interface TopicInfo {
  readonly name: string;
  readonly partitions: number;
}

/** A topic to create. */
export interface NewTopic {
  readonly name: string;
  /** 1 to 1024. */
  readonly partitions: number;
  /** Topic configs such as `retention.ms`, `cleanup.policy`, `delete.retention.ms`. */
  readonly configs?: Readonly<Record<string, string>>;
}

/** A consumer group known to the bus. */
export interface GroupInfo {
  readonly groupId: string;
}

/** What the subscription should do after a handler failure. */
export type FailureAction = 'retry' | 'skip';

/** A handler failure, as {@link SubscribeOptions.onError} receives it. */
export interface DeliveryFailure {
  readonly error: unknown;
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The messages not yet handled: the failed message (eachMessage) or the whole batch (eachBatch). */
  readonly messages: readonly DeliveredMessage[];
  /** 1 on the first failure at this offset, then 2, 3…, so a poison message can be recognised. */
  readonly attempt: number;
}

/** Options of {@link EventBus.subscribe}. Exactly one of `eachMessage` and `eachBatch` is required. */
export interface SubscribeOptions {
  readonly groupId: string;
  /** Existing topics. */
  readonly topics: readonly string[];
  /** Where a partition the group never committed starts: the oldest stored message (true) or the end (false, default). */
  readonly fromBeginning?: boolean;
  /** Called for each message in offset order per partition; resolves when the message is handled. */
  readonly eachMessage?: (message: DeliveredMessage) => Promise<void>;
  /** Called for batches of one partition; resolves when every message of the batch is handled. */
  readonly eachBatch?: (batch: DeliveredBatch) => Promise<void>;
  /**
   * Commit after every handled message or batch. Default false: the caller commits with
   * {@link Subscription.commit} / {@link EventBus.commit}, and a restart re-delivers everything after the
   * last commit (at-least-once).
   */
  readonly autoCommit?: boolean;
  /**
   * Called when a handler throws. The failed message is never committed, and the subscription never
   * crashes: by default (`'retry'`, also when `onError` is missing, throws or returns nothing) it is
   * re-delivered after a backoff while other partitions keep flowing; `'skip'` moves past it (after e.g.
   * routing it to a dead-letter topic; committing then works as for a handled message).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that only logs returns nothing (retry).
  readonly onError?: (failure: DeliveryFailure) => FailureAction | void | Promise<FailureAction | void>;
  /** Called when the consumer itself fails (engine down, rebalance trouble); it keeps retrying. */
  readonly onConsumerError?: (error: unknown) => void;
  /** First re-delivery delay after a handler failure; it doubles per attempt up to `maxRetryDelayMs`. Default 1000. */
  readonly retryDelayMs?: number;
  /** Default 30 000. */
  readonly maxRetryDelayMs?: number;
  /** Most messages per batch. Default 500. */
  readonly maxBatchSize?: number;
}

/** A running consumer of one group. */
export interface Subscription {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Commits offsets (the next offset to read, per partition) for this subscription's group. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /**
   * Stops delivering and leaves the group. Idempotent. It waits for a handler already running, so a handler
   * must not await it (call it without awaiting instead).
   */
  stop(): Promise<void>;
}

/**
 * An event bus with its admin operations.
 *
 * Contract, for every adapter:
 * - Topic names are checked (1 to 249 characters of `A-Z a-z 0-9 . _ -`, not `.` or `..`) and group ids
 *   with `checkId`; offsets are non-negative decimal strings; partitions non-negative integers. Bad input
 *   raises `InvalidInputError` before the engine is touched. Names are exact: `t`, `t2`, `T` and `t_` are
 *   unrelated topics, `g`, `g*`, `G` and `g/x` unrelated groups.
 * - A message's partition is `murmur2(key) mod partitions` (Kafka's default partitioner), so one key keeps
 *   one partition and its order; keyless messages go round-robin.
 * - Offsets increase by one per message within a partition, without gaps at publish (retention and
 *   compaction may later remove messages below the high watermark).
 * - Unknown topics raise `NotFoundError`; an unreachable engine raises a retriable `UnavailableError` (or
 *   `TimeoutError`) naming its address within seconds, never a hang.
 * - Delivery is at-least-once: a message is re-delivered until a commit covers it.
 */
export interface EventBus {
  /** `embedded` or `kafka`. */
  readonly kind: 'embedded' | 'kafka';
  /** Where the bus lives (brokers or database), without credentials. */
  readonly address: string;

  /**
   * Publishes a batch and resolves once every message is durably stored (Kafka: acknowledged by all
   * in-sync replicas; idempotent producer, so a retried send never duplicates). Returns one offset per
   * message, in input order. Order is kept per partition, in input order.
   */
  publish(messages: readonly OutgoingMessage[]): Promise<PublishedOffset[]>;

  /**
   * Joins `groupId` and delivers messages of `topics` until stopped. Resolves once the consumer is running
   * (Kafka: joined the group). Each partition starts at the group's committed offset, else per
   * `fromBeginning`.
   */
  subscribe(options: SubscribeOptions): Promise<Subscription>;

  /** Commits offsets (next offset to read) for a group, through its running subscription here if any. */
  commit(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;

  /**
   * Moves a group to `offset` on one partition: commits it and, when the group's subscription runs in this
   * process, repositions it (messages from `offset` on are delivered next). Kafka refuses while members of
   * the group run in other processes (`GROUP_ACTIVE`).
   */
  seek(groupId: string, topic: string, partition: number, offset: string): Promise<void>;

  /** {@link seek}s every partition of `topic` to its first offset at or after `timestamp`; returns them. */
  seekToTimestamp(groupId: string, topic: string, timestamp: number): Promise<PartitionOffset[]>;

  /** Every topic (without the engine's internal ones), sorted by name. */
  listTopics(): Promise<TopicInfo[]>;
  /** Creates the topics that do not exist yet; existing ones are left unchanged. Returns the names created. */
  createTopics(topics: readonly NewTopic[]): Promise<string[]>;
  /** Deletes the topics that exist, with their messages and the groups' offsets on them. Returns the names deleted. */
  deleteTopics(names: readonly string[]): Promise<string[]>;

  /** Low and high watermark of every partition, by partition. */
  endOffsets(topic: string): Promise<PartitionRange[]>;
  /** The group's committed offset on every partition of `topic`. */
  committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
  /**
   * Per partition, the first offset whose timestamp is at or after `timestamp`; the high watermark when no
   * message is that recent.
   */
  offsetsForTimestamp(topic: string, timestamp: number): Promise<PartitionOffset[]>;

  /**
   * The topic's effective configs (explicit values and defaults) as strings, including at least
   * `retention.ms`, `cleanup.policy`, `delete.retention.ms` and `max.message.bytes`.
   */
  topicConfigs(topic: string): Promise<Record<string, string>>;
  /**
   * Sets the given configs and leaves the others as they are; a null value returns a config to its
   * default. Unknown names or invalid values raise `InvalidInputError`.
   */
  alterTopicConfigs(topic: string, configs: Readonly<Record<string, string | null>>): Promise<void>;

  /** Groups with committed offsets or members, sorted by id. */
  listGroups(): Promise<GroupInfo[]>;
  /** Deletes groups and their committed offsets (a group with running members cannot be deleted). */
  deleteGroups(groupIds: readonly string[]): Promise<void>;

  /** Stops every subscription of this bus and releases its connections. Idempotent. */
  close(): Promise<void>;
}
