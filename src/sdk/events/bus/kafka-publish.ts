import type { Producer } from 'kafkajs';
import type { PublishedOffset } from './event-bus.js';
import type { NormalisedMessage } from './event-bus-checks.js';

/**
 * Sends a batch with explicit partitions (acks = all) and derives each message's offset: the broker
 * appends one partition's messages of a produce request as one record batch, in request order, so the
 * n-th message of a partition sits at that partition's base offset + n.
 */
export async function sendBatch(
  producer: Producer,
  messages: readonly NormalisedMessage[],
  partitions: readonly number[],
): Promise<PublishedOffset[]> {
  const byTopic = new Map<string, Array<{ index: number; message: NormalisedMessage }>>();
  messages.forEach((message, index) => {
    const list = byTopic.get(message.topic);
    if (list) list.push({ index, message });
    else byTopic.set(message.topic, [{ index, message }]);
  });
  const metadata = await producer.sendBatch({
    acks: -1,
    topicMessages: [...byTopic].map(([topic, list]) => ({
      topic,
      messages: list.map(({ index, message }) => ({
        key: message.key,
        value: message.value,
        headers: message.headers,
        timestamp: String(message.timestamp),
        partition: partitions[index] as number,
      })),
    })),
  });
  const base = new Map(
    metadata.map((m) => [`${m.topicName}\u0000${m.partition}`, BigInt(m.baseOffset ?? '-1')]),
  );
  const seen = new Map<string, bigint>();
  return messages.map((message, index) => {
    const partition = partitions[index] as number;
    const id = `${message.topic}\u0000${partition}`;
    const n = seen.get(id) ?? 0n;
    seen.set(id, n + 1n);
    const first = base.get(id);
    if (first === undefined || first < 0n) {
      throw new Error(`Kafka returned no base offset for ${message.topic}/${partition}`);
    }
    return { topic: message.topic, partition, offset: (first + n).toString() };
  });
}
