import { randomUUID } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';
import type { NewOutboxEvent, OutboxEvent } from '../../stores/records/outbox.js';
import type { Records } from '../../stores/records/records.js';
import type { SqlClient } from '../../stores/sql/sql-client.js';
import type { EventCodec } from '../codec/event-codec.js';
import type { Redactor } from '../redaction/pii-types.js';
import { redactValue } from '../redaction/redact-value.js';
import { schemaNameOfTopic } from '../schemas/event-topics.js';
import type { SchemaCatalog } from '../schemas/schema-catalog.js';

/** Header names every relayed event carries (ARCHITECTURE.md: event id, schema fingerprint, tenant). */
export const OUTBOX_HEADERS = {
  eventId: 'event_id',
  fingerprint: 'schema_fingerprint',
  tenant: 'tenant',
} as const;

/**
 * Fields copied without redaction: checked identifiers, enum symbols and sealed/referenced data. Every
 * other string of an event value (text, error messages, tool input/output, metadata…) is free text and is
 * redacted before encoding.
 */
export const UNREDACTED_FIELDS: readonly string[] = [
  'eventId',
  'eventType',
  'tenantId',
  'conversationId',
  'subjectRef',
  'turnId',
  'toolCallId',
  'callId',
  'toolName',
  'toolVersion',
  'phase',
  'status',
  'kind',
  'key',
  'checksum',
  'code',
  'sealed',
  'artifact',
];

/** An event for {@link OutboxWriter.writeEvents}. */
export interface EventToWrite {
  /** Topic the relay publishes on. */
  readonly topic: string;
  /**
   * Catalog schema of `value` (e.g. `conversation_event`); by default the schema of `topic`, which must then
   * be an event topic. Set it for topics outside the fixed list (per-tenant or test topics).
   */
  readonly schema?: string;
  /** Message key: the conversation id, so one conversation's events stay in order. */
  readonly key: string | null;
  /** The typed event value for the schema (e.g. a `ConversationEvent`); its `eventId` may be omitted. */
  readonly value: Record<string, unknown>;
  readonly tenant: string;
  /** Pseudonymous subject reference (never the raw user id), so erasure finds pending events by index. */
  readonly subjectRef?: string | null;
  /** The event id (a UUID); taken from `value.eventId`, else a random one. */
  readonly eventId?: string;
}

/** Options of {@link createOutboxWriter}. */
export interface OutboxWriterOptions {
  readonly catalog: SchemaCatalog;
  readonly codec: EventCodec;
  readonly redactor: Redactor;
}

/** Turns typed events into outbox rows inside the caller's records transaction. */
export interface OutboxWriter {
  /**
   * Redacts each event's free text, gives it an event id (also written into the value's `eventId` field
   * when the schema has one), encodes it with the codec and enqueues it through `tx` — the caller's
   * transaction, so the events commit or roll back with the caller's state. A value that does not fit its
   * schema is an `InvalidInputError` and nothing is enqueued. Returns the rows inserted (an event id
   * already in the outbox is skipped).
   */
  writeEvents(tx: SqlClient, records: Records, events: readonly EventToWrite[]): Promise<OutboxEvent[]>;
}

/** An {@link OutboxWriter} over a schema catalog, a codec and a redactor. */
export function createOutboxWriter(options: OutboxWriterOptions): OutboxWriter {
  const { catalog, codec, redactor } = options;
  const schemaOf = (event: EventToWrite) => {
    const name = event.schema ?? schemaNameOfTopic(event.topic);
    if (name === undefined || !catalog.names.includes(name)) {
      throw new InvalidInputError(
        `no Avro schema for events on topic ${event.topic}${event.schema ? ` (schema ${event.schema})` : ''}`,
        { hint: `Pass one of the catalog schemas (${catalog.names.join(', ')}) as \`schema\`.` },
      );
    }
    return { name, parsed: catalog.current(name).schema };
  };

  const toRow = async (event: EventToWrite): Promise<NewOutboxEvent> => {
    if (typeof event !== 'object' || event === null || typeof event.value !== 'object' || !event.value) {
      throw new InvalidInputError('an outbox event needs a topic, a key, a value object and a tenant');
    }
    const { name, parsed } = schemaOf(event);
    const fromValue = typeof event.value.eventId === 'string' ? event.value.eventId : undefined;
    const eventId = event.eventId ?? fromValue ?? randomUUID();
    if (fromValue !== undefined && fromValue !== eventId) {
      throw new InvalidInputError(`event id ${eventId} differs from the value's eventId ${fromValue}`);
    }
    const hasEventId = parsed.json !== null && hasField(parsed.json, 'eventId');
    const withId = hasEventId ? { ...event.value, eventId } : event.value;
    // Redaction happens here, before encoding: the encoded bytes never hold the raw text.
    const { value } = redactValue(redactor, withId, { keep: UNREDACTED_FIELDS });
    const payload = await codec.encode(name, value);
    return {
      eventId,
      topic: event.topic,
      key: event.key,
      payload,
      headers: {
        [OUTBOX_HEADERS.eventId]: eventId,
        [OUTBOX_HEADERS.fingerprint]: parsed.fingerprintHex,
        [OUTBOX_HEADERS.tenant]: event.tenant,
      },
      tenant: event.tenant,
      subjectRef: event.subjectRef ?? null,
    };
  };

  return {
    async writeEvents(tx, records, events) {
      if (!Array.isArray(events)) throw new InvalidInputError('outbox events must be an array');
      const rows: NewOutboxEvent[] = [];
      for (const event of events) rows.push(await toRow(event));
      return records.outbox.enqueue(tx, rows);
    },
  };
}

function hasField(json: unknown, field: string): boolean {
  const fields = (json as { fields?: unknown }).fields;
  return Array.isArray(fields) && fields.some((f) => (f as { name?: unknown })?.name === field);
}
