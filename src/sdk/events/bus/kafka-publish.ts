import type { Producer } from 'kafkajs';
import type { PublishedOffset } from './event-bus.js';
import type { NormalisedMessage } from './event-bus-checks.js';

/**
 * Default most bytes one partition's record batch may hold in one produce request: below the broker's and
 * the topics' default `message.max.bytes` (1 048 588), with room for the batch header.
 */
export const DEFAULT_MAX_BATCH_BYTES = 1_000_000;

/** Bytes a record takes in a record batch, counted generously (varint lengths and attributes). */
function recordBytes(message: NormalisedMessage): number {
  let bytes = 32 + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const name in message.headers) bytes += 10 + name.length * 3 + (message.headers[name]?.length ?? 0);
  return bytes;
}

/**
 * Splits a publish into produce requests in which no partition's record batch exceeds `maxBatchBytes`
 * (one message alone may, and the broker then refuses it). Each chunk is a range of the input, so sending
 * the chunks one after another keeps the order of every partition.
 */
export function chunkByPartitionBytes(
  messages: readonly NormalisedMessage[],
  partitions: readonly number[],
  maxBatchBytes: number,
): Array<[start: number, end: number]> {
  const chunks: Array<[number, number]> = [];
  let start = 0;
  let sizes = new Map<string, number>();
  messages.forEach((message, index) => {
    const id = `${message.topic}\u0000${partitions[index]}`;
    const bytes = recordBytes(message);
    const used = sizes.get(id) ?? 0;
    if (used > 0 && used + bytes > maxBatchBytes) {
      chunks.push([start, index]);
      start = index;
      sizes = new Map();
    }
    sizes.set(id, (sizes.get(id) ?? 0) + bytes);
  });
  if (start < messages.length) chunks.push([start, messages.length]);
  return chunks;
}

/**
 * Sends a batch with explicit partitions (acks = all) and derives each message's offset: the broker
 * appends one partition's messages of a produce request as one record batch, in request order, so the
 * n-th message of a partition sits at that partition's base offset + n. A batch larger than
 * `maxBatchBytes` per partition goes as several requests, one after another.
 */
export async function sendBatch(
  producer: Producer,
  messages: readonly NormalisedMessage[],
  partitions: readonly number[],
  maxBatchBytes = DEFAULT_MAX_BATCH_BYTES,
): Promise<PublishedOffset[]> {
  const offsets: PublishedOffset[] = [];
  for (const [start, end] of chunkByPartitionBytes(messages, partitions, maxBatchBytes)) {
    offsets.push(...(await sendRequest(producer, messages.slice(start, end), partitions.slice(start, end))));
  }
  return offsets;
}

async function sendRequest(
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
  const base = new Map(metadata.map((m) => [`${m.topicName}\u0000${m.partition}`, m.baseOffset ?? '-1']));
  const seen = new Map<string, number>();
  return messages.map((message, index) => {
    const partition = partitions[index] as number;
    const id = `${message.topic}\u0000${partition}`;
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    const first = base.get(id);
    if (first === undefined || first.startsWith('-')) {
      throw new Error(`Kafka returned no base offset for ${message.topic}/${partition}`);
    }
    // Plain numbers while exact (offsets below 2^53, i.e. always in practice), else BigInt.
    const offset = first.length < 16 ? String(Number(first) + n) : (BigInt(first) + BigInt(n)).toString();
    return { topic: message.topic, partition, offset };
  });
}
