import { errorMessage, isSomaError } from '../../errors.js';

/** Where a message that failed came from. */
export interface OriginalMessage {
  readonly topic: string;
  readonly partition?: number;
  /** Kafka offset (a decimal string, as kafkajs gives it). */
  readonly offset?: string;
  /** Message timestamp (milliseconds since the epoch, as a decimal string). */
  readonly timestamp?: string;
  /** The consumer group that gave up on it. */
  readonly group?: string;
  /** How many times a handler failed on it (absent for a message that could not be decoded). */
  readonly attempts?: number;
}

/** Suffix of the dead-letter topic of a topic: `conversation.events` → `conversation.events.dlq`. */
export const DEAD_LETTER_TOPIC_SUFFIX = '.dlq';

/** The dead-letter topic of `topic` by convention: `<topic>.dlq`. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}${DEAD_LETTER_TOPIC_SUFFIX}`;
}

/** Prefix of the headers {@link deadLetterHeaders} adds. */
export const DEAD_LETTER_HEADER_PREFIX = 'soma.dlq.';

const MAX_MESSAGE = 1024;

/**
 * Headers to put on a message copied to the dead-letter topic (the original key, value and headers are
 * copied unchanged beside them): why it failed (`soma.dlq.error.code`, `.reason`, `.message`, `.fingerprint`
 * / `.schema.id` when known) and where it came from (`soma.dlq.original.topic`, `.partition`, `.offset`,
 * `.timestamp`, `soma.dlq.group`, `soma.dlq.attempts`), plus `soma.dlq.failed.at` (ISO time). Error
 * messages never contain the message body; they are cut to 1 KiB.
 */
export function deadLetterHeaders(
  error: unknown,
  original: OriginalMessage,
  now: Date = new Date(),
): Record<string, string> {
  const p = DEAD_LETTER_HEADER_PREFIX;
  const headers: Record<string, string> = {
    [`${p}error.code`]: isSomaError(error) ? error.code : 'INTERNAL',
    [`${p}error.message`]: errorMessage(error).slice(0, MAX_MESSAGE),
    [`${p}original.topic`]: original.topic,
    [`${p}failed.at`]: now.toISOString(),
  };
  const details = isSomaError(error) ? (error.details ?? {}) : {};
  if (typeof details.reason === 'string') headers[`${p}reason`] = details.reason;
  if (typeof details.fingerprint === 'string') headers[`${p}fingerprint`] = details.fingerprint;
  if (typeof details.schemaId === 'number') headers[`${p}schema.id`] = String(details.schemaId);
  if (original.partition !== undefined) headers[`${p}original.partition`] = String(original.partition);
  if (original.offset !== undefined) headers[`${p}original.offset`] = original.offset;
  if (original.timestamp !== undefined) headers[`${p}original.timestamp`] = original.timestamp;
  if (original.group !== undefined) headers[`${p}group`] = original.group;
  if (original.attempts !== undefined) headers[`${p}attempts`] = String(original.attempts);
  return headers;
}
