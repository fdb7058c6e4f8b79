import { randomUUID } from 'node:crypto';
import type { EventToWrite } from '../events/outbox/outbox-writer.js';
import type {
  ConversationEvent,
  ConversationEventType,
  SealedPayload,
} from '../events/schemas/event-types.js';
import { sealFields, subjectRefOf } from '../events/sealing/index.js';
import type { NewAuditEntry } from '../stores/records/audit-log.js';
import type { MemoryRecord } from '../stores/vector-memory/vector-memory.js';
import type { CompletedTurn, ConversationMessage, ConversationState } from './conversations.js';
import type { ToolCall } from './model/model-provider.js';
import { type ToolResult, toolExecutionEvents } from './tools/tool-executor.js';
import type { TurnDeps } from './turn.js';
import type { TurnRequest } from './turn-events.js';

/** Schema version written into the events of a turn (schemas/kafka history version 1). */
const EVENT_SCHEMA_VERSION = 1;

/** What a turn produced, ready to persist. */
export interface TurnOutcome {
  readonly vector: readonly number[];
  readonly reply: string;
  readonly toolRuns: ReadonlyArray<{ call: ToolCall; result: ToolResult }>;
  readonly completed: CompletedTurn;
  readonly userMessage: ConversationMessage;
  readonly assistantMessage: ConversationMessage;
  /** The conversation as the turn loaded it (the turn writes it back with its messages added). */
  readonly state: ConversationState;
}

/**
 * Persists a turn in the order that keeps a crash harmless:
 * 1. one records transaction: the turn-commit row, long-term memory (the user's message, under an id
 *    derived from the turn) when memory lives in the records database, audit rows and outbox rows (events)
 *    — all or nothing, and nothing at all when the turn id was already committed. Memory elsewhere (Qdrant,
 *    or pgvector in its own database) is written just before, and a retry overwrites it;
 * 2. the session: the turn's messages and result, replacing any of the same turn.
 * A crash before 1 commits leaves no events and no messages; between 1 and 2, the retry rewrites only the
 * session.
 */
export async function persistTurn(deps: TurnDeps, request: TurnRequest, outcome: TurnOutcome): Promise<void> {
  const { stores } = deps;
  const { tenant, subject, conversationId, turnId } = request;
  const memoryId = `turn:${turnId}:user`;
  const memory: MemoryRecord = {
    id: memoryId,
    tenant,
    subject,
    text: request.text,
    embedding: outcome.vector,
    metadata: { conversationId, turnId, role: 'user' },
  };
  if (!stores.memoryWithin) await stores.memory.upsert([memory]);
  // The pseudonymous subject ref of events is the id of the subject's key, and the un-redacted text travels
  // sealed with that key: erasure destroys the key, so the ref points at no one and the text is unreadable.
  const key = await stores.records.subjectKeys.getOrCreate(tenant, subject);
  const subjectRef = subjectRefOf(key);
  const events = turnEvents(request, outcome, subjectRef, memoryId, (text) => sealFields(key, { text }));
  const audit: NewAuditEntry[] = [
    {
      tenant,
      subject,
      actor: request.actor,
      action: 'conversation.turn',
      resource: `conversation:${conversationId}`,
      details: { turnId, tools: outcome.toolRuns.length, replyBytes: Buffer.byteLength(outcome.reply) },
    },
    ...outcome.toolRuns.map(
      ({ call, result }): NewAuditEntry => ({
        tenant,
        subject,
        actor: request.actor,
        action: 'tool.execute',
        resource: `tool:${call.name}@${result.version}`,
        details: { turnId, callId: call.id, status: result.status, durationMs: result.durationMs },
      }),
    ),
  ];
  await stores.records.transaction(async (records, tx) => {
    const inserted = await tx.query(
      `INSERT INTO soma_turn_commits (tenant_id, turn_id, conversation_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING turn_id`,
      [tenant, turnId, conversationId],
    );
    if (inserted.rows.length === 0) return; // committed by an earlier attempt of this turn
    if (stores.memoryWithin) await stores.memoryWithin(tx).upsert([memory]);
    await records.audit.appendMany(audit);
    await deps.outbox.writeEvents(tx, records, events);
  });
  await deps.conversations.saveTurn(
    tenant,
    subject,
    conversationId,
    outcome.completed,
    outcome.userMessage,
    outcome.assistantMessage,
    outcome.state,
  );
}

function turnEvents(
  request: TurnRequest,
  outcome: TurnOutcome,
  subjectRef: string,
  memoryId: string,
  seal: (text: string) => SealedPayload,
): EventToWrite[] {
  const { tenant, conversationId, turnId } = request;
  const conversationEvent = (
    eventType: ConversationEventType,
    fields: Partial<ConversationEvent> = {},
  ): EventToWrite => {
    const value: ConversationEvent = {
      eventId: randomUUID(),
      eventType,
      time: Date.now(),
      tenantId: tenant,
      conversationId,
      subjectRef,
      turnId,
      text: null,
      toolCallId: null,
      error: null,
      sealed: null,
      metadata: {},
      schemaVersion: EVENT_SCHEMA_VERSION,
      ...fields,
    };
    return { topic: 'conversation.events', key: conversationId, value: { ...value }, tenant, subjectRef };
  };
  const events: EventToWrite[] = [
    conversationEvent('MESSAGE_RECEIVED', { text: request.text, sealed: seal(request.text) }),
  ];
  for (const { call, result } of outcome.toolRuns) {
    events.push(conversationEvent('TOOL_REQUESTED', { toolCallId: call.id, metadata: { tool: call.name } }));
    const { request: requested, response } = toolExecutionEvents(
      {
        tenant,
        subject: request.subject,
        conversationId,
        callId: call.id,
        name: call.name,
        input: call.arguments,
      },
      result,
      subjectRef,
    );
    for (const value of [requested, response]) {
      events.push({
        topic: 'tool.execution',
        key: conversationId,
        value: { ...value } as Record<string, unknown>,
        tenant,
        subjectRef,
      });
    }
    events.push(
      conversationEvent('TOOL_COMPLETED', {
        toolCallId: call.id,
        metadata: { tool: call.name, status: result.status },
      }),
    );
  }
  events.push(conversationEvent('MEMORY_STORED', { metadata: { memoryId } }));
  events.push(conversationEvent('REPLY_COMPLETED', { text: outcome.reply, sealed: seal(outcome.reply) }));
  return events;
}
