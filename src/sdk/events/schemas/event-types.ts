/**
 * TypeScript shapes of the event values, as the codec encodes and decodes them (avsc's representation):
 * `long` and `timestamp-millis` are numbers (milliseconds since the epoch), `bytes` are Buffers, optional
 * fields are `null` when absent. They mirror `schemas/kafka/*.avsc`; the schema tests check that they agree.
 */

/** Authenticated encryption algorithm of a {@link SealedPayload}. */
export type SealAlgorithm = 'UNKNOWN' | 'AES_256_GCM';

/** Un-redacted fields (a JSON object) encrypted with the subject's key, destroyed at erasure. */
export interface SealedPayload {
  keyId: string;
  algorithm: SealAlgorithm;
  nonce: Buffer;
  ciphertext: Buffer;
}

/** Kinds of {@link ConversationEvent}. */
export type ConversationEventType =
  | 'UNKNOWN'
  | 'CONVERSATION_STARTED'
  | 'MESSAGE_RECEIVED'
  | 'REPLY_COMPLETED'
  | 'TOOL_REQUESTED'
  | 'TOOL_COMPLETED'
  | 'MEMORY_STORED'
  | 'ERROR'
  | 'CONVERSATION_ENDED';

/** A failure described without personal data. */
export interface EventError {
  code: string;
  message: string;
  retriable: boolean;
}

/** A value of topic `conversation.events` (schema `conversation_event`). */
export interface ConversationEvent {
  eventId: string;
  eventType: ConversationEventType;
  time: number;
  tenantId: string;
  conversationId: string;
  subjectRef: string;
  turnId: string | null;
  text: string | null;
  toolCallId: string | null;
  error: EventError | null;
  sealed: SealedPayload | null;
  metadata: Record<string, string>;
  schemaVersion: number;
}

/** Outcome of a tool call. */
export type ToolExecutionStatus = 'UNKNOWN' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'DENIED';

/** A large tool result kept in the object store. */
export interface ArtifactRef {
  uri: string;
  sha256: string;
  sizeBytes: number;
  contentType: string;
}

/** A value of topic `tool.execution` (schema `tool_execution`). */
export interface ToolExecution {
  eventId: string;
  phase: 'UNKNOWN' | 'REQUEST' | 'RESPONSE';
  time: number;
  tenantId: string;
  conversationId: string;
  subjectRef: string;
  callId: string;
  toolName: string;
  toolVersion: string;
  input: string | null;
  status: ToolExecutionStatus | null;
  durationMs: number | null;
  output: string | null;
  artifact: ArtifactRef | null;
  error: EventError | null;
  sealed: SealedPayload | null;
  metadata: Record<string, string>;
  schemaVersion: number;
}

/** A value of topic `config.updates` (schema `config_update`). */
export interface ConfigUpdate {
  eventId: string;
  time: number;
  tenantId: string | null;
  kind: 'UNKNOWN' | 'CONFIG' | 'FEATURE_FLAG';
  key: string;
  version: number;
  previousVersion: number | null;
  value: string | null;
  previousValue: string | null;
  checksum: string;
  changedBy: string | null;
  reason: string | null;
  metadata: Record<string, string>;
  schemaVersion: number;
}

/** The value type of each event topic. */
export interface EventValues {
  'conversation.events': ConversationEvent;
  'tool.execution': ToolExecution;
  'config.updates': ConfigUpdate;
}
