import { InvalidInputError, NotFoundError } from '../../errors.js';
import type {
  DeliveredMessage,
  DeliveryFailure,
  EventBus,
  FailureAction,
  Subscription,
} from '../bus/event-bus.js';
import { checkSubscribeOptions, checkTopic } from '../bus/event-bus-checks.js';
import { deadLetterHeaders, deadLetterTopicOf } from '../codec/dead-letter.js';
import { DecodeError } from '../codec/decode-error.js';
import type { DecodedEvent, EventCodec } from '../codec/event-codec.js';
import { schemaNameOfTopic } from '../schemas/event-topics.js';

/** A message routed to a dead-letter topic, as {@link EventConsumerOptions.onDeadLetter} receives it. */
export interface DeadLetter {
  readonly message: DeliveredMessage;
  /** The dead-letter topic it was published to. */
  readonly deadLetterTopic: string;
  /** `undecodable` (a {@link DecodeError}) or `handler-failed` (the handler threw `attempts` times). */
  readonly reason: 'undecodable' | 'handler-failed';
  readonly error: unknown;
  /** Handler failures before it was dead-lettered (0 for an undecodable message). */
  readonly attempts: number;
}

/** Options of {@link subscribeEvents}. */
export interface EventConsumerOptions<T = unknown> {
  readonly groupId: string;
  /** Existing topics whose values are Avro events of the codec's catalog. */
  readonly topics: readonly string[];
  /** See `SubscribeOptions.fromBeginning`. */
  readonly fromBeginning?: boolean;
  /**
   * Handles one decoded event; resolves when done. A throw re-delivers the message after a backoff, up to
   * `maxAttempts` attempts in all; then the message goes to the dead-letter topic and consumption moves on.
   */
  readonly handle: (event: DecodedEvent<T>, message: DeliveredMessage) => Promise<void>;
  /**
   * Called for a tombstone (a null value, e.g. an erasure on a compacted topic), under the same retry
   * rules as `handle`. Without it, tombstones are passed over.
   */
  readonly onTombstone?: (message: DeliveredMessage) => Promise<void>;
  /**
   * The catalog schema of a topic's values (e.g. `conversation_event`). Default: the schema of an event
   * topic (`schemaNameOfTopic`); for other topics the writer's own schema (read into its current version).
   */
  readonly schemaOf?: (topic: string) => string | undefined;
  /** Handler attempts per message before it is dead-lettered (1 to 100). Default 5. */
  readonly maxAttempts?: number;
  /** First re-delivery delay; doubles per attempt up to `maxRetryDelayMs`. Default 1000. */
  readonly retryDelayMs?: number;
  /** Default 30 000. */
  readonly maxRetryDelayMs?: number;
  /** The dead-letter topic of a topic. Default `<topic>.dlq` ({@link deadLetterTopicOf}). */
  readonly deadLetterTopic?: (topic: string) => string;
  /**
   * Commit after every handled or dead-lettered message (default true). With false the caller commits, and
   * a restart re-delivers what was not committed (dead letters included).
   */
  readonly autoCommit?: boolean;
  /** Called after a message was published to its dead-letter topic. */
  readonly onDeadLetter?: (letter: DeadLetter) => void;
  /** Called for every failed attempt (handler, decode, dead-letter publish), before it is retried. */
  readonly onFailure?: (failure: DeliveryFailure) => void;
  /** Called when the consumer itself fails (engine down); it keeps retrying. */
  readonly onConsumerError?: (error: unknown) => void;
}

/** A handler's error, told apart from failures of decoding or of the dead-letter publish. */
class HandlerFailure extends Error {
  constructor(readonly error: unknown) {
    super('event handler failed');
  }
}

/**
 * Subscribes a group to event topics and decodes each message with `codec` before handing it to `handle`.
 * Poison messages never stop consumption:
 * - a message that can never be decoded ({@link DecodeError}: unknown fingerprint, corrupt or truncated
 *   bytes, a schema of another topic) is published at once to the dead-letter topic, with the original key,
 *   value and headers plus `soma.dlq.*` headers saying why and where from (see `deadLetterHeaders`);
 * - a message whose handler throws is re-delivered after an exponential backoff, and after `maxAttempts`
 *   failures dead-lettered the same way, with the handler's error in the headers;
 * then its offset is committed and consumption continues. Nothing is dropped: while the dead-letter
 * publish itself fails, or the codec's schema registry is unreachable (a retriable error), the message is
 * retried with backoff, without limit. The dead-letter topics are created (with the partition count of
 * their source) when missing.
 */
export async function subscribeEvents<T = unknown>(
  bus: EventBus,
  codec: EventCodec,
  options: EventConsumerOptions<T>,
): Promise<Subscription> {
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) {
    throw new InvalidInputError('maxAttempts must be an integer from 1 to 100');
  }
  if (typeof options.handle !== 'function')
    throw new InvalidInputError('subscribeEvents needs a handle function');
  const { groupId, topics } = checkSubscribeOptions({ ...options, eachMessage: options.handle as never });
  const dlqOf = new Map(
    topics.map((t) => [t, checkTopic((options.deadLetterTopic ?? deadLetterTopicOf)(t))]),
  );
  for (const [topic, dlq] of dlqOf) {
    if (topics.includes(dlq))
      throw new InvalidInputError(`topic ${topic}: its dead-letter topic ${dlq} is consumed too`);
  }
  await ensureDeadLetterTopics(bus, dlqOf);
  const schemaOf = options.schemaOf ?? schemaNameOfTopic;

  const deadLetter = async (
    message: DeliveredMessage,
    reason: DeadLetter['reason'],
    error: unknown,
    attempts: number,
  ): Promise<void> => {
    const deadLetterTopic = dlqOf.get(message.topic) as string;
    const headers = deadLetterHeaders(error, {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      timestamp: String(message.timestamp),
      group: groupId,
      ...(attempts > 0 ? { attempts } : {}),
    });
    await bus.publish([
      {
        topic: deadLetterTopic,
        key: message.key,
        value: message.value,
        headers: { ...message.headers, ...headers },
      },
    ]);
    try {
      options.onDeadLetter?.({ message, deadLetterTopic, reason, error, attempts });
    } catch {}
  };

  const eachMessage = async (message: DeliveredMessage): Promise<void> => {
    if (message.value === null) {
      if (!options.onTombstone) return;
      try {
        await options.onTombstone(message);
      } catch (error) {
        throw new HandlerFailure(error);
      }
      return;
    }
    let event: DecodedEvent<T>;
    try {
      event = await codec.decode<T>(message.value, schemaOf(message.topic));
    } catch (error) {
      // Retriable trouble (registry down) propagates and is retried; a DecodeError never will decode.
      if (!(error instanceof DecodeError)) throw error;
      await deadLetter(message, 'undecodable', error, 0);
      return;
    }
    try {
      await options.handle(event, message);
    } catch (error) {
      throw new HandlerFailure(error);
    }
  };

  const onError = async (failure: DeliveryFailure): Promise<FailureAction> => {
    const handlerFailed = failure.error instanceof HandlerFailure;
    const error = handlerFailed ? (failure.error as HandlerFailure).error : failure.error;
    try {
      options.onFailure?.({ ...failure, error });
    } catch {}
    if (!handlerFailed || failure.attempt < maxAttempts) return 'retry';
    try {
      await deadLetter(failure.messages[0] as DeliveredMessage, 'handler-failed', error, failure.attempt);
      return 'skip';
    } catch (publishError) {
      try {
        options.onFailure?.({ ...failure, error: publishError });
      } catch {}
      return 'retry'; // delivered again, and dead-lettered again once the bus takes it
    }
  };

  return bus.subscribe({
    groupId,
    topics,
    fromBeginning: options.fromBeginning ?? false,
    autoCommit: options.autoCommit ?? true,
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    ...(options.maxRetryDelayMs !== undefined ? { maxRetryDelayMs: options.maxRetryDelayMs } : {}),
    ...(options.onConsumerError ? { onConsumerError: options.onConsumerError } : {}),
    eachMessage,
    onError,
  });
}

/** Creates the missing dead-letter topics, each with its source's partition count. */
async function ensureDeadLetterTopics(bus: EventBus, dlqOf: ReadonlyMap<string, string>): Promise<void> {
  const partitions = new Map((await bus.listTopics()).map((t) => [t.name, t.partitions]));
  const missing: Array<{ name: string; partitions: number }> = [];
  for (const [topic, dlq] of dlqOf) {
    const count = partitions.get(topic);
    if (count === undefined)
      throw new NotFoundError(`topic ${topic} does not exist`, { hint: 'Create it first.' });
    if (!partitions.has(dlq)) missing.push({ name: dlq, partitions: count });
  }
  if (missing.length > 0) await bus.createTopics(missing);
}
