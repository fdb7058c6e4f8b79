/** Avro codec of the event topics: single-object or Confluent framing, typed decode errors, dead letters. */
export {
  DEAD_LETTER_HEADER_PREFIX,
  DEAD_LETTER_TOPIC_SUFFIX,
  deadLetterHeaders,
  deadLetterTopicOf,
  type OriginalMessage,
} from './dead-letter.js';
export { DecodeError, type DecodeFailure } from './decode-error.js';
export {
  createEventCodec,
  type DecodedEvent,
  decodeSingleObject,
  type EventCodec,
  type EventCodecOptions,
  encodeSingleObject,
} from './event-codec.js';
export {
  CONFLUENT_MAGIC,
  type Frame,
  type Framing,
  frameConfluent,
  frameSingleObject,
  readFrame,
  SINGLE_OBJECT_MARKER,
} from './framing.js';
export { crc64Avro, fingerprintOf } from './rabin-fingerprint.js';
export {
  type RegisteredSchema,
  SchemaRegistryClient,
  SchemaRegistryError,
  type SchemaRegistryOptions,
} from './schema-registry-client.js';
