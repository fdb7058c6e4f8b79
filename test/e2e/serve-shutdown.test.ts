import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/sdk/config/resolve.js';
import { createEventCodec } from '../../src/sdk/events/codec/event-codec.js';
import type { ConversationEvent } from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import { unsealFields } from '../../src/sdk/events/sealing/index.js';
import { openStores } from '../../src/sdk/stores/factory.js';
import { createConversation, startServe } from '../support/serve.js';

describe('somaagent serve: SIGTERM', () => {
  it('finishes the running turn, flushes the outbox to the event log and exits 0', async () => {
    const server = await startServe();
    const headers = { Authorization: `Bearer ${server.key}`, 'Content-Type': 'application/json' };
    const id = await createConversation(server);
    // A turn that takes about a second (a busy loop inside the sandbox), then SIGTERM while it runs.
    const turn = fetch(new URL(`/v1/conversations/${id}/messages`, server.url), {
      method: 'POST',
      headers,
      body: JSON.stringify({ text: '/run const end = Date.now() + 800; while (Date.now() < end) {} "done"' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const code = server.stop('SIGTERM');
    const response = await turn;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { reply: string }).reply).toContain('done');
    expect(await code).toBe(0);
    expect(server.stdout()).toContain('"event":"stopped"');

    // The data directory is free again; every event of the turn reached the embedded event log, redacted.
    const { config } = resolveConfig({ env: {}, cwd: server.dataDir, flags: { dataDir: server.dataDir } });
    const stores = await openStores(config);
    try {
      expect(await stores.records.outbox.pendingCount()).toBe(0);
      const codec = createEventCodec({ catalog: loadSchemaCatalog() });
      const events: ConversationEvent[] = [];
      const done = new Promise<void>((resolve) => {
        void stores.events.subscribe({
          groupId: 'test-reader',
          topics: ['conversation.events'],
          fromBeginning: true,
          eachMessage: async (message) => {
            if (!message.value) return;
            events.push((await codec.decode<ConversationEvent>(message.value, message.topic)).value);
            if (events.some((e) => e.eventType === 'REPLY_COMPLETED')) resolve();
          },
        });
      });
      await done;
      expect(events.map((e) => e.eventType)).toEqual(
        expect.arrayContaining([
          'CONVERSATION_STARTED',
          'MESSAGE_RECEIVED',
          'TOOL_REQUESTED',
          'TOOL_COMPLETED',
          'REPLY_COMPLETED',
        ]),
      );
      expect(new Set(events.map((e) => e.conversationId))).toEqual(new Set([id]));
    } finally {
      await stores.close();
    }
  }, 120_000);

  it('redacts personal data before the events are written', async () => {
    const server = await startServe();
    const headers = { Authorization: `Bearer ${server.key}`, 'Content-Type': 'application/json' };
    const id = await createConversation(server);
    await fetch(new URL(`/v1/conversations/${id}/messages`, server.url), {
      method: 'POST',
      headers,
      body: JSON.stringify({ text: 'Write to jane.doe@example.com or call +44 20 7946 0958.' }),
    });
    expect(await server.stop()).toBe(0);
    const { config } = resolveConfig({ env: {}, cwd: server.dataDir, flags: { dataDir: server.dataDir } });
    const stores = await openStores(config);
    try {
      const codec = createEventCodec({ catalog: loadSchemaCatalog() });
      const texts: string[] = [];
      const received: ConversationEvent[] = [];
      await new Promise<void>((resolve) => {
        void stores.events.subscribe({
          groupId: 'test-reader',
          topics: ['conversation.events'],
          fromBeginning: true,
          eachMessage: async (message) => {
            const raw = message.value?.toString('latin1') ?? '';
            expect(raw).not.toContain('jane.doe');
            const event = (await codec.decode<ConversationEvent>(message.value as Buffer, message.topic))
              .value;
            if (event.eventType === 'MESSAGE_RECEIVED') {
              received.push(event);
              texts.push(event.text ?? '');
              resolve();
            }
          },
        });
      });
      expect(texts[0]).toContain('[EMAIL]');
      expect(texts[0]).toContain('[PHONE]');
      expect(texts[0]).not.toContain('example.com');
      // The original text travels sealed with the subject's key (readable until erasure destroys the key).
      const sealed = received[0]?.sealed;
      expect(sealed?.algorithm).toBe('AES_256_GCM');
      const opened = await unsealFields(stores.records.subjectKeys, sealed as NonNullable<typeof sealed>);
      expect(opened).toEqual({
        state: 'open',
        fields: { text: expect.stringContaining('jane.doe@example.com') },
      });
    } finally {
      await stores.close();
    }
  }, 120_000);
});
