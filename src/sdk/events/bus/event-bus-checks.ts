import { InvalidInputError } from '../../errors.js';
import { checkId } from '../../stores/ids.js';
import type {
  BytesLike,
  NewTopic,
  OutgoingMessage,
  SubscribeOptions,
  TopicPartitionOffset,
} from './event-bus.js';

/** Most partitions a topic may have. */
export const MAX_PARTITIONS = 1024;
/** Most messages one publish call accepts. */
export const MAX_PUBLISH_BATCH = 10_000;

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const OFFSET = /^(0|[1-9][0-9]{0,18})$/;
const INT64_MAX = 9_223_372_036_854_775_807n;

/** Checks a topic name against Kafka's rules, which the embedded log shares so topics move between them. */
export function checkTopic(name: unknown): string {
  if (typeof name !== 'string' || !TOPIC.test(name) || name === '.' || name === '..') {
    throw new InvalidInputError(`invalid topic name ${JSON.stringify(name)}`, {
      hint: 'Use 1 to 249 characters of A-Z, a-z, 0-9, ".", "_" and "-" (not "." or "..").',
    });
  }
  return name;
}

/** Checks a consumer group id (the rules of every other id). */
export function checkGroup(groupId: unknown): string {
  return checkId('group', groupId);
}

/** Checks a partition number (a non-negative integer). */
export function checkPartition(partition: unknown): number {
  if (
    typeof partition !== 'number' ||
    !Number.isInteger(partition) ||
    partition < 0 ||
    partition >= MAX_PARTITIONS
  ) {
    throw new InvalidInputError(`invalid partition ${JSON.stringify(partition)}`, {
      hint: `Use an integer from 0 to ${MAX_PARTITIONS - 1}.`,
    });
  }
  return partition;
}

/** Checks an offset (a non-negative decimal string within 64 bits). */
export function checkOffset(offset: unknown): string {
  if (typeof offset !== 'string' || !OFFSET.test(offset) || BigInt(offset) > INT64_MAX) {
    throw new InvalidInputError(`invalid offset ${JSON.stringify(offset)}`, {
      hint: 'Offsets are non-negative integers written as decimal strings, e.g. "42".',
    });
  }
  return offset;
}

/** Checks an epoch-milliseconds timestamp. */
export function checkTimestamp(timestamp: unknown): number {
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new InvalidInputError(`invalid timestamp ${JSON.stringify(timestamp)}`, {
      hint: 'Timestamps are non-negative integers of milliseconds since the epoch.',
    });
  }
  return timestamp;
}

/** Checks a commit or seek list. */
export function checkOffsets(offsets: readonly TopicPartitionOffset[]): TopicPartitionOffset[] {
  if (!Array.isArray(offsets)) throw new InvalidInputError('offsets must be an array');
  return offsets.map((o) => ({
    topic: checkTopic(o?.topic),
    partition: checkPartition(o?.partition),
    offset: checkOffset(o?.offset),
  }));
}

/** Checks a list of topics to create. */
export function checkNewTopics(topics: readonly NewTopic[]): NewTopic[] {
  if (!Array.isArray(topics)) throw new InvalidInputError('topics must be an array');
  return topics.map((t) => {
    const name = checkTopic(t?.name);
    if (!Number.isInteger(t.partitions) || t.partitions < 1 || t.partitions > MAX_PARTITIONS) {
      throw new InvalidInputError(`topic ${name}: partitions must be an integer from 1 to ${MAX_PARTITIONS}`);
    }
    const configs = t.configs ?? {};
    for (const [key, value] of Object.entries(configs)) {
      if (typeof value !== 'string')
        throw new InvalidInputError(`topic ${name}: config ${key} must be a string`);
    }
    return { name, partitions: t.partitions, configs };
  });
}

/** Bytes of a key or header value. */
export function toBuffer(bytes: BytesLike): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new InvalidInputError('bytes must be a Buffer, a Uint8Array or a string');
}

/** A message checked and normalised to Buffers. */
export interface NormalisedMessage {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, Buffer>;
  readonly timestamp: number;
  readonly partition: number | undefined;
}

function checkedOnce(seen: Set<string>, topic: unknown): string {
  const checked = checkTopic(topic);
  seen.add(checked);
  return checked;
}

/** Checks and normalises a publish batch; `now` fills missing timestamps. */
export function normaliseMessages(messages: readonly OutgoingMessage[], now: number): NormalisedMessage[] {
  if (!Array.isArray(messages)) throw new InvalidInputError('messages must be an array');
  if (messages.length > MAX_PUBLISH_BATCH) {
    throw new InvalidInputError(`at most ${MAX_PUBLISH_BATCH} messages per publish, got ${messages.length}`);
  }
  const topics = new Set<string>(); // checked once per publish, not once per message
  return messages.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new InvalidInputError(`message ${i} is not an object`);
    if (m.value !== null && !(m.value instanceof Uint8Array)) {
      throw new InvalidInputError(`message ${i}: value must be a Buffer, a Uint8Array or null (a tombstone)`);
    }
    const headers: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(m.headers ?? {}) as Array<[string, BytesLike]>) {
      if (name === '') throw new InvalidInputError(`message ${i}: header names must not be empty`);
      headers[name] = toBuffer(value);
    }
    return {
      topic: topics.has(m.topic) ? m.topic : checkedOnce(topics, m.topic),
      key: m.key === null || m.key === undefined ? null : toBuffer(m.key),
      value: m.value === null ? null : toBuffer(m.value),
      headers,
      timestamp: m.timestamp === undefined ? now : checkTimestamp(m.timestamp),
      partition: m.partition === undefined ? undefined : checkPartition(m.partition),
    };
  });
}

/** Checks subscribe options; returns them with defaults filled. */
export function checkSubscribeOptions(
  options: SubscribeOptions,
): Required<
  Pick<
    SubscribeOptions,
    | 'groupId'
    | 'topics'
    | 'fromBeginning'
    | 'autoCommit'
    | 'retryDelayMs'
    | 'maxRetryDelayMs'
    | 'maxBatchSize'
  >
> {
  const groupId = checkGroup(options?.groupId);
  if (!Array.isArray(options.topics) || options.topics.length === 0) {
    throw new InvalidInputError('subscribe needs at least one topic');
  }
  const topics = [...new Set(options.topics.map(checkTopic))];
  if ((options.eachMessage === undefined) === (options.eachBatch === undefined)) {
    throw new InvalidInputError('subscribe needs exactly one of eachMessage and eachBatch');
  }
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidInputError(`${name} must be a positive integer`);
    return value;
  };
  return {
    groupId,
    topics,
    fromBeginning: options.fromBeginning ?? false,
    autoCommit: options.autoCommit ?? false,
    retryDelayMs: positive('retryDelayMs', options.retryDelayMs, 1000),
    maxRetryDelayMs: positive('maxRetryDelayMs', options.maxRetryDelayMs, 30_000),
    maxBatchSize: positive('maxBatchSize', options.maxBatchSize, 500),
  };
}

/** `offset + n` on decimal strings. */
export function addOffset(offset: string, n: number): string {
  return (BigInt(offset) + BigInt(n)).toString();
}
