import { UnavailableError } from '../../errors.js';
import type { SqlClient } from '../../stores/sql/sql-client.js';
import { loadTopic, partitionRanges, storeCommittedOffsets } from './embedded-log-queries.js';
import { appendMessages } from './embedded-publish.js';
import { enforceRetention, type TopicRetentionResult } from './embedded-retention.js';
import { EmbeddedSubscription } from './embedded-subscription.js';
import { checkTopicConfigs, effectiveTopicConfigs, mergeTopicConfigs } from './embedded-topic-configs.js';
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
import { GroupActiveError } from './event-bus-errors.js';
import { Partitioner } from './partitioner.js';

/** Options of {@link EmbeddedEventBus}. */
export interface EmbeddedEventBusOptions {
  /** The embedded Postgres (PGlite) or a Postgres server, migrated (tables `soma_event_*`, 0004). Not closed by the bus. */
  readonly sql: SqlClient;
  /** How often subscriptions look for messages published by other buses or processes. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** How often retention runs ({@link EmbeddedEventBus.enforceRetention}); 0 never. Default 5 minutes. */
  readonly retentionIntervalMs?: number;
}

/**
 * The EventBus of the embedded profile: an event log in the embedded Postgres (PGlite), or in a Postgres
 * server through `pg` with the same SQL. Partitions, offsets, timestamps, consumer groups and retention
 * follow Kafka's model (see {@link EventBus}). Consumer groups have one member per process: a second
 * subscription of a group on the same bus is refused with a {@link GroupActiveError}; do not run one group
 * from two processes on one database.
 */
export class EmbeddedEventBus implements EventBus {
  readonly kind = 'embedded' as const;
  private readonly sql: SqlClient;
  private readonly pollIntervalMs: number;
  private readonly partitioner = new Partitioner();
  private readonly subscriptions = new Map<string, EmbeddedSubscription>();
  private readonly retentionTimer: NodeJS.Timeout | undefined;
  private retentionRunning = false;
  private closed = false;

  constructor(options: EmbeddedEventBusOptions) {
    this.sql = options.sql;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    const every = options.retentionIntervalMs ?? 300_000;
    if (every > 0) {
      this.retentionTimer = setInterval(() => {
        if (this.retentionRunning) return;
        this.retentionRunning = true;
        // A failed run is retried at the next tick.
        this.enforceRetention()
          .catch(() => {})
          .finally(() => {
            this.retentionRunning = false;
          });
      }, every);
      this.retentionTimer.unref();
    }
  }

  get address(): string {
    return this.sql.address;
  }

  private open(): void {
    if (this.closed) {
      throw new UnavailableError(
        'embedded-event-log',
        this.address,
        `the event bus on ${this.address} is closed`,
        {
          hint: 'Create a new EmbeddedEventBus.',
        },
      );
    }
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<PublishedOffset[]> {
    const normalised = normaliseMessages(messages, Date.now());
    this.open();
    if (normalised.length === 0) return [];
    const published = await appendMessages(this.sql, normalised, this.partitioner);
    const topics = new Set(normalised.map((m) => m.topic));
    for (const subscription of this.subscriptions.values()) {
      if ([...topics].some((t) => subscription.reads(t))) subscription.wake();
    }
    return published;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const groupId = checkGroup(options?.groupId);
    this.open();
    if (this.subscriptions.has(groupId)) {
      throw new GroupActiveError(
        groupId,
        `group ${groupId} already has a running subscription on this embedded bus`,
      );
    }
    const subscription = await EmbeddedSubscription.start(this.sql, options, this.pollIntervalMs, (s) => {
      if (this.subscriptions.get(s.groupId) === s) this.subscriptions.delete(s.groupId);
    });
    if (this.subscriptions.has(groupId)) {
      await subscription.stop(); // lost a race with another subscribe of the group
      throw new GroupActiveError(
        groupId,
        `group ${groupId} already has a running subscription on this embedded bus`,
      );
    }
    this.subscriptions.set(groupId, subscription);
    return subscription;
  }

  async commit(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    checkGroup(groupId);
    const checked = checkOffsets(offsets);
    this.open();
    await storeCommittedOffsets(this.sql, groupId, checked);
  }

  async seek(groupId: string, topic: string, partition: number, offset: string): Promise<void> {
    checkGroup(groupId);
    const target = {
      topic: checkTopic(topic),
      partition: checkPartition(partition),
      offset: checkOffset(offset),
    };
    this.open();
    await storeCommittedOffsets(this.sql, groupId, [target]);
    this.subscriptions.get(groupId)?.seekTo(target.topic, target.partition, target.offset);
  }

  async seekToTimestamp(groupId: string, topic: string, timestamp: number): Promise<PartitionOffset[]> {
    checkGroup(groupId);
    const offsets = await this.offsetsForTimestamp(topic, timestamp);
    await storeCommittedOffsets(
      this.sql,
      groupId,
      offsets.map((o) => ({ topic, ...o })),
    );
    const running = this.subscriptions.get(groupId);
    for (const o of offsets) running?.seekTo(topic, o.partition, o.offset);
    return offsets;
  }

  async listTopics(): Promise<TopicInfo[]> {
    this.open();
    const { rows } = await this.sql.query<TopicInfo>(
      'SELECT name, partitions FROM soma_event_topics ORDER BY name COLLATE "C"',
    );
    return rows.map((r) => ({ name: r.name, partitions: r.partitions }));
  }

  async createTopics(topics: readonly NewTopic[]): Promise<string[]> {
    const checked = checkNewTopics(topics).map((t) => ({
      ...t,
      configs: checkTopicConfigs(t.name, t.configs ?? {}),
    }));
    this.open();
    return this.sql.transaction(async (tx) => {
      const created: string[] = [];
      for (const topic of checked) {
        const { rows } = await tx.query<{ name: string }>(
          `INSERT INTO soma_event_topics (name, partitions, configs) VALUES ($1, $2, $3::jsonb)
           ON CONFLICT (name) DO NOTHING RETURNING name`,
          [topic.name, topic.partitions, JSON.stringify(topic.configs)],
        );
        if (rows.length === 0) continue;
        await tx.query(
          'INSERT INTO soma_event_partitions (topic, partition) SELECT $1, p FROM generate_series(0, $2 - 1) AS p',
          [topic.name, topic.partitions],
        );
        created.push(topic.name);
      }
      return created;
    });
  }

  async deleteTopics(names: readonly string[]): Promise<string[]> {
    const checked = [...new Set(names.map(checkTopic))];
    this.open();
    const { rows } = await this.sql.query<{ name: string }>(
      'DELETE FROM soma_event_topics WHERE name = ANY($1::text[]) RETURNING name',
      [checked],
    );
    return rows.map((r) => r.name).sort();
  }

  async endOffsets(topic: string): Promise<PartitionRange[]> {
    checkTopic(topic);
    this.open();
    await loadTopic(this.sql, topic);
    return (await partitionRanges(this.sql, [topic])).map(({ partition, low, high }) => ({
      partition,
      low,
      high,
    }));
  }

  async committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]> {
    checkGroup(groupId);
    checkTopic(topic);
    this.open();
    await loadTopic(this.sql, topic);
    const { rows } = await this.sql.query<CommittedOffset>(
      `SELECT p.partition, g.committed_offset::text AS "offset"
         FROM soma_event_partitions p
         LEFT JOIN soma_event_group_offsets g
           ON g.group_id = $1 AND g.topic = p.topic AND g.partition = p.partition
        WHERE p.topic = $2 ORDER BY p.partition`,
      [groupId, topic],
    );
    return rows.map((r) => ({ partition: r.partition, offset: r.offset ?? null }));
  }

  async offsetsForTimestamp(topic: string, timestamp: number): Promise<PartitionOffset[]> {
    checkTopic(topic);
    checkTimestamp(timestamp);
    this.open();
    await loadTopic(this.sql, topic);
    const { rows } = await this.sql.query<PartitionOffset>(
      `SELECT p.partition,
              COALESCE((SELECT min(m."offset") FROM soma_event_messages m
                         WHERE m.topic = p.topic AND m.partition = p.partition AND m.ts_ms >= $2),
                       p.next_offset)::text AS "offset"
         FROM soma_event_partitions p WHERE p.topic = $1 ORDER BY p.partition`,
      [topic, timestamp],
    );
    return rows.map((r) => ({ partition: r.partition, offset: r.offset }));
  }

  async topicConfigs(topic: string): Promise<Record<string, string>> {
    checkTopic(topic);
    this.open();
    return effectiveTopicConfigs((await loadTopic(this.sql, topic)).configs);
  }

  async alterTopicConfigs(topic: string, configs: Readonly<Record<string, string | null>>): Promise<void> {
    checkTopic(topic);
    this.open();
    await this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ configs: unknown }>(
        'SELECT configs FROM soma_event_topics WHERE name = $1 FOR UPDATE',
        [topic],
      );
      if (rows.length === 0) await loadTopic(tx, topic); // raises NotFoundError
      const current = rows[0]?.configs;
      const explicit = (typeof current === 'string' ? JSON.parse(current) : current) as Record<
        string,
        string
      >;
      const next = mergeTopicConfigs(topic, explicit, configs);
      await tx.query('UPDATE soma_event_topics SET configs = $2::jsonb WHERE name = $1', [
        topic,
        JSON.stringify(next),
      ]);
    });
  }

  async listGroups(): Promise<GroupInfo[]> {
    this.open();
    const { rows } = await this.sql.query<{ group_id: string }>(
      'SELECT DISTINCT group_id FROM soma_event_group_offsets',
    );
    const ids = new Set([...rows.map((r) => r.group_id), ...this.subscriptions.keys()]);
    return [...ids].sort().map((groupId) => ({ groupId }));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    const checked = [...new Set(groupIds.map(checkGroup))];
    this.open();
    const running = checked.find((g) => this.subscriptions.has(g));
    if (running !== undefined)
      throw new GroupActiveError(running, `group ${running} has a running subscription`);
    await this.sql.query('DELETE FROM soma_event_group_offsets WHERE group_id = ANY($1::text[])', [checked]);
  }

  /**
   * Applies every topic's retention now (or at `now`, epoch ms); see {@link enforceRetention}. Runs on a
   * timer too (`retentionIntervalMs`).
   */
  async enforceRetention(now = Date.now(), topics?: readonly string[]): Promise<TopicRetentionResult[]> {
    checkTimestamp(now);
    const checked = topics?.map(checkTopic);
    this.open();
    return enforceRetention(this.sql, now, checked);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
  }
}
