import { kafkaUnavailable } from '../../engines/kafka.js';
import { InvalidInputError, isSomaError, NotFoundError, SomaError, TimeoutError } from '../../errors.js';
import { GroupActiveError } from './event-bus-errors.js';

const NOT_FOUND = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_ID']);
const INVALID = new Set([
  'INVALID_CONFIG',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_RECORD',
  'INVALID_REQUEST',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'POLICY_VIOLATION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
]);
const GROUP_ACTIVE = new Set(['NON_EMPTY_GROUP']);
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
]);
const TIMEOUTS = new Set(['KafkaJSRequestTimeoutError', 'KafkaJSTimeout', 'KafkaJSLockTimeout']);

interface KafkaJsLike {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
  groups?: Array<{ error?: unknown }>;
}

/** The error and every error it wraps (kafkajs nests causes, retry exhaustion and aggregates). */
function chain(error: unknown): KafkaJsLike[] {
  const out: KafkaJsLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && out.length < 20) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || out.includes(e as KafkaJsLike)) continue;
    const k = e as KafkaJsLike;
    out.push(k);
    queue.push(k.cause, k.originalError, ...(Array.isArray(k.errors) ? k.errors : []));
    if (Array.isArray(k.groups)) queue.push(...k.groups.map((g) => g?.error)); // KafkaJSDeleteGroupsError
  }
  return out;
}

/**
 * Translates a kafkajs failure of `what` into the SDK's errors: unknown topic → NotFoundError, rejected
 * input (invalid config, message too large, keyless message on a compacted topic…) → InvalidInputError, a
 * group with members → GroupActiveError, broker unreachable → UnavailableError, request timeout →
 * TimeoutError (both retriable, naming the brokers).
 */
export function translateKafkaError(
  brokers: readonly string[],
  what: string,
  error: unknown,
  groupId?: string,
): SomaError {
  if (isSomaError(error)) return error as SomaError;
  const errors = chain(error);
  const address = brokers.join(',');
  const message = errors.map((e) => e.message).find((m) => m) ?? String(error);
  const type = (set: Set<string>) => errors.find((e) => e.type !== undefined && set.has(e.type));
  if (type(NOT_FOUND)) {
    return new NotFoundError(`Kafka at ${address}: ${what}: ${message}`, {
      cause: error,
      hint: 'Create the topic first (EventBus.createTopics), or check its name.',
    });
  }
  const invalid = type(INVALID);
  if (invalid) {
    return new InvalidInputError(`Kafka at ${address} rejected ${what}: ${invalid.message ?? message}`, {
      cause: error,
    });
  }
  if (type(GROUP_ACTIVE) || /must have no running instances/.test(message)) {
    return new GroupActiveError(
      groupId ?? 'unknown',
      `Kafka at ${address}: ${what}: the group has running members`,
      { cause: error },
    );
  }
  if (errors.some((e) => e.name !== undefined && TIMEOUTS.has(e.name))) {
    return new TimeoutError(`Kafka at ${address}: ${what} timed out: ${message}`, { cause: error });
  }
  if (
    errors.some((e) => e.name !== undefined && UNREACHABLE.has(e.name)) ||
    errors.some((e) => /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET/.test(e.message ?? ''))
  ) {
    return kafkaUnavailable(brokers, error);
  }
  const retriable =
    errors.some((e) => e.retriable === true) && !errors.some((e) => e.retriable === false && e.type);
  return new SomaError('KAFKA_ERROR', `Kafka at ${address}: ${what} failed: ${message}`, {
    cause: error,
    retriable,
  });
}
