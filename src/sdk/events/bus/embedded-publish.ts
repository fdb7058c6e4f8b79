import { InvalidInputError } from '../../errors.js';
import type { SqlClient } from '../../stores/sql/sql-client.js';
import { encodeHeaders, loadTopics, type TopicRow } from './embedded-log-queries.js';
import { cleanupPolicies, effectiveTopicConfigs } from './embedded-topic-configs.js';
import type { PublishedOffset } from './event-bus.js';
import type { NormalisedMessage } from './event-bus-checks.js';
import type { Partitioner } from './partitioner.js';

const ROWS_PER_INSERT = 500;

function messageBytes(m: NormalisedMessage): number {
  let size = (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [name, value] of Object.entries(m.headers)) size += Buffer.byteLength(name) + value.length;
  return size;
}

function partitionOf(m: NormalisedMessage, index: number, topic: TopicRow, partitioner: Partitioner): number {
  const configs = effectiveTopicConfigs(topic.configs);
  if (m.key === null && cleanupPolicies(configs).compact) {
    throw new InvalidInputError(
      `message ${index}: topic ${topic.name} is compacted, so every message needs a key`,
    );
  }
  const max = Number(configs['max.message.bytes']);
  if (messageBytes(m) > max) {
    throw new InvalidInputError(
      `message ${index} is larger than max.message.bytes (${max}) of topic ${topic.name}`,
      {
        hint: 'Send smaller messages (large payloads belong in the ObjectStore) or raise max.message.bytes.',
      },
    );
  }
  if (m.partition !== undefined) {
    if (m.partition >= topic.partitions) {
      throw new InvalidInputError(`message ${index}: topic ${topic.name} has no partition ${m.partition}`);
    }
    return m.partition;
  }
  return partitioner.partition(topic.name, m.key, topic.partitions);
}

/**
 * Appends a batch to the embedded log in one transaction. Offsets come from each partition's counter row,
 * whose row lock (taken by the UPDATE, partitions in a fixed order so publishers never deadlock) is held
 * until commit: offsets of one partition therefore become visible in order and without gaps.
 */
export async function appendMessages(
  sql: SqlClient,
  messages: readonly NormalisedMessage[],
  partitioner: Partitioner,
): Promise<PublishedOffset[]> {
  return sql.transaction(async (tx) => {
    // FOR SHARE: a concurrent deleteTopics waits for this publish (and vice versa).
    const topics = await loadTopics(
      tx,
      messages.map((m) => m.topic),
      true,
    );
    const partitions = messages.map((m, i) =>
      partitionOf(m, i, topics.get(m.topic) as TopicRow, partitioner),
    );
    const groups = new Map<string, number[]>();
    messages.forEach((m, i) => {
      const id = `${m.topic}\u0000${String(partitions[i]).padStart(4, '0')}`;
      const group = groups.get(id);
      if (group) group.push(i);
      else groups.set(id, [i]);
    });
    const offsets: string[] = new Array(messages.length);
    for (const id of [...groups.keys()].sort()) {
      const indexes = groups.get(id) as number[];
      const first = messages[indexes[0] as number] as NormalisedMessage;
      const partition = partitions[indexes[0] as number] as number;
      const { rows } = await tx.query<{ next: string }>(
        `UPDATE soma_event_partitions SET next_offset = next_offset + $3
          WHERE topic = $1 AND partition = $2 RETURNING next_offset::text AS next`,
        [first.topic, partition, indexes.length],
      );
      const base = BigInt((rows[0] as { next: string }).next) - BigInt(indexes.length);
      indexes.forEach((index, n) => {
        offsets[index] = (base + BigInt(n)).toString();
      });
    }
    for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
      const params: unknown[] = [];
      const values: string[] = [];
      for (let i = start; i < Math.min(messages.length, start + ROWS_PER_INSERT); i++) {
        const m = messages[i] as NormalisedMessage;
        const p = params.length;
        values.push(`($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}::jsonb, $${p + 7})`);
        params.push(
          m.topic,
          partitions[i],
          offsets[i],
          m.key,
          m.value,
          encodeHeaders(m.headers),
          m.timestamp,
        );
      }
      await tx.query(
        `INSERT INTO soma_event_messages (topic, partition, "offset", key, value, headers, ts_ms) VALUES ${values.join(', ')}`,
        params,
      );
    }
    return messages.map((m, i) => ({
      topic: m.topic,
      partition: partitions[i] as number,
      offset: offsets[i] as string,
    }));
  });
}
