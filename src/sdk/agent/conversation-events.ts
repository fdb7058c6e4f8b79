import { randomUUID } from 'node:crypto';
import type { OutboxWriter } from '../events/outbox/outbox-writer.js';
import type { ConversationEvent } from '../events/schemas/event-types.js';
import { subjectRefOf } from '../events/sealing/index.js';
import type { Stores } from '../stores/factory.js';

/** A conversation's start or end, as an audit row and a `conversation.events` event. */
export interface ConversationLifecycle {
  readonly tenant: string;
  readonly subject: string;
  readonly conversationId: string;
  readonly type: 'CONVERSATION_STARTED' | 'CONVERSATION_ENDED';
  /** Who did it (an API key id). */
  readonly actor: string;
}

/**
 * Records a conversation starting or ending: one audit row and one event, committed together through the
 * transactional outbox (never published straight from request code).
 */
export async function recordConversationLifecycle(
  stores: Stores,
  outbox: OutboxWriter,
  change: ConversationLifecycle,
): Promise<void> {
  const subjectRef = subjectRefOf(
    await stores.records.subjectKeys.getOrCreate(change.tenant, change.subject),
  );
  const value: ConversationEvent = {
    eventId: randomUUID(),
    eventType: change.type,
    time: Date.now(),
    tenantId: change.tenant,
    conversationId: change.conversationId,
    subjectRef,
    turnId: null,
    text: null,
    toolCallId: null,
    error: null,
    sealed: null,
    metadata: {},
    schemaVersion: 1,
  };
  await stores.records.transaction(async (records, tx) => {
    await records.audit.append({
      tenant: change.tenant,
      subject: change.subject,
      actor: change.actor,
      action: change.type === 'CONVERSATION_STARTED' ? 'conversation.create' : 'conversation.delete',
      resource: `conversation:${change.conversationId}`,
    });
    await outbox.writeEvents(tx, records, [
      {
        topic: 'conversation.events',
        key: change.conversationId,
        value: { ...value },
        tenant: change.tenant,
        subjectRef,
      },
    ]);
  });
}
