/**
 * Seeding and snapshots for erasure suites: one subject's data in every store, and a byte-exact picture of
 * it, so look-alike subjects can be compared before and after another subject's erasure.
 */

import { createHash } from 'node:crypto';
import { createEventCodec } from '../../src/sdk/events/codec/event-codec.js';
import { createOutboxWriter } from '../../src/sdk/events/outbox/outbox-writer.js';
import { createRedactor } from '../../src/sdk/events/redaction/redactor.js';
import type { ConversationEvent } from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import { sealFields, subjectRefOf } from '../../src/sdk/events/sealing/seal-fields.js';
import type { Stores } from '../../src/sdk/stores/factory.js';
import { subjectKey, subjectPrefix } from '../../src/sdk/stores/objects/object-keys.js';

export const DIMENSIONS = 8;
/** Look-alikes of `alice` that erasing `alice` must never touch. */
export const LOOK_ALIKES = ['alice2', 'alice*', 'Alice', 'alice/x', 'alice_'] as const;
/** The receipt key of the suites (a test secret, 32+ characters). */
export const TEST_RECEIPT_KEY = 'test-receipt-key-0123456789abcdef0123456789abcdef';

const catalog = loadSchemaCatalog();
export const codec = createEventCodec({ catalog });
const writer = createOutboxWriter({ catalog, codec, redactor: createRedactor() });

/** Personal data of a subject that must never be readable in any event after its erasure. */
export function personalData(subject: string) {
  return { email: `${subject.replace(/[^a-z0-9]/gi, 'x')}.person@example.com`, name: `Person ${subject}` };
}

function vector(seed: number, dimensions = DIMENSIONS): number[] {
  return Array.from(
    { length: dimensions },
    (_, i) => Math.sin(seed * 7.1 + i) + (i === seed % dimensions ? 2 : 0),
  );
}

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** How much {@link seedSubject} writes, per store. */
export const SEEDED = { apiKeys: 2, sessions: 2, rateLimits: 1, vectors: 3, audit: 3, outbox: 2 } as const;

const apiKeysSeeded = new Map<string, string>();

/** The usable API key {@link seedSubject} created for (tenant, subject) in this process. */
export function seededApiKey(tenant: string, subject: string): string {
  const key = apiKeysSeeded.get(`${tenant}\u0000${subject}`);
  if (key === undefined) throw new Error(`no API key was seeded for ${tenant}/${subject}`);
  return key;
}

/**
 * Writes one subject's data into every store: two API keys (one usable, see {@link seededApiKey}; one
 * revoked), sessions, a rate-limit bucket, memories, objects (two versions and, when versioned, a delete
 * marker), audit entries about and by the subject, a subject key and outbox events carrying its ref with
 * sealed personal fields. Returns the subject ref.
 */
export async function seedSubject(
  stores: Stores,
  tenant: string,
  subject: string,
  options: { topic?: string; versioned?: boolean } = {},
): Promise<string> {
  const tag = sha(Buffer.from(subject)).slice(0, 10);
  const usable = await stores.records.apiKeys.create({ tenant, subject, label: 'seeded' });
  apiKeysSeeded.set(`${tenant}\u0000${subject}`, usable.key);
  const revoked = await stores.records.apiKeys.create({ tenant, subject, label: 'seeded, revoked' });
  await stores.records.apiKeys.revoke(revoked.keyId);
  for (let i = 0; i < SEEDED.sessions; i++) {
    await stores.sessions.set({
      tenant,
      subject,
      sessionId: `sess-${tag}-${i}`,
      state: { turn: i, who: subject },
    });
  }
  await stores.rateLimiter.take({ tenant, subject, bucket: 'chat' }, { limit: 10, windowMs: 3_600_000 });
  await stores.memory.upsert(
    Array.from({ length: SEEDED.vectors }, (_, i) => ({
      id: `mem-${tag}-${i}`,
      tenant,
      subject,
      text: `${subject} likes tea #${i}`,
      embedding: vector(i + tag.charCodeAt(0), stores.memory.dimensions),
      metadata: { i },
    })),
  );
  const key = subjectKey(tenant, subject, 'notes', 'a.txt');
  await stores.objects.put(key, `first note of ${subject}`);
  await stores.objects.put(key, `second note of ${subject}`);
  await stores.objects.put(subjectKey(tenant, subject, 'b.bin'), Buffer.from([1, 2, 3, tag.length]));
  if (options.versioned) await stores.objects.delete(subjectKey(tenant, subject, 'b.bin'));
  await stores.records.audit.appendMany([
    { tenant, subject, actor: 'gateway', action: 'session.start', resource: `session:${tag}` },
    { tenant, subject, actor: 'worker', action: 'memory.write', resource: `memory:${tag}` },
    { tenant, subject: null, actor: subject, action: 'config.view', resource: 'config' },
  ]);
  const subjectKeyRow = await stores.records.subjectKeys.getOrCreate(tenant, subject);
  const ref = subjectRefOf(subjectKeyRow);
  const events = Array.from({ length: SEEDED.outbox }, (_, i) => {
    const value: Omit<ConversationEvent, 'eventId'> = {
      eventType: 'MESSAGE_RECEIVED',
      time: Date.now(),
      tenantId: tenant,
      conversationId: `conv-${tag}`,
      subjectRef: ref,
      turnId: `turn-${i}`,
      text: `mail me at ${personalData(subject).email}`,
      toolCallId: null,
      error: null,
      sealed: sealFields(subjectKeyRow, personalData(subject)),
      metadata: {},
      schemaVersion: 1,
    };
    return {
      topic: options.topic ?? 'conversation.events',
      schema: 'conversation_event',
      key: `conv-${tag}`,
      value: value as unknown as Record<string, unknown>,
      tenant,
      subjectRef: ref,
    };
  });
  await stores.records.transaction((records, tx) => writer.writeEvents(tx, records, events));
  return ref;
}

/**
 * Everything stored for a subject, byte for byte where the store gives bytes: its API keys, session states
 * and times, rate-limit buckets, memories (text, metadata, time), every object version's bytes, audit
 * entries about and by the subject, its key material, and its outbox rows' payloads.
 */
export async function snapshotSubject(stores: Stores, tenant: string, subject: string): Promise<unknown> {
  const sessions = await stores.sessions.listBySubject(tenant, subject);
  const states = await stores.sessions.getMany(
    tenant,
    sessions.map((s) => s.sessionId),
  );
  const hits = await stores.memory.search({
    tenant,
    subject,
    vector: vector(1, stores.memory.dimensions),
    topK: 100,
  });
  const versions = [];
  let cursor: string | undefined;
  do {
    const page = await stores.objects.listVersions(subjectPrefix(tenant, subject), cursor ? { cursor } : {});
    versions.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  const objects = [];
  for (const v of versions) {
    const bytes = v.deleteMarker
      ? null
      : sha(await stores.objects.getBytes(v.key, v.versionId === 'null' ? {} : { versionId: v.versionId }));
    objects.push({ ...v, bytes });
  }
  const about = await stores.records.audit.query({ tenant, subject });
  const by = await stores.records.audit.query({ tenant, actor: subject });
  const key = await stores.records.subjectKeys.find(tenant, subject);
  const outbox = key
    ? (
        await stores.sql.query<{ event_id: string; payload: Uint8Array }>(
          'SELECT event_id::text AS event_id, payload FROM soma_outbox WHERE tenant_id = $1 AND subject_ref = $2 ORDER BY id',
          [tenant, key.keyId],
        )
      ).rows.map((r) => [r.event_id, sha(r.payload)])
    : [];
  return {
    // Without lastUsedAt: authenticating (proving a key still works) records the use.
    apiKeys: (await stores.records.apiKeys.list({ tenant, subject })).map(({ lastUsedAt: _, ...key }) => key),
    sessions: states,
    rateLimits: await stores.rateLimiter.countBySubject(tenant, subject),
    memories: hits.map((h) => h.record).sort((a, b) => a.id.localeCompare(b.id)),
    objects,
    audit: [...about.entries, ...by.entries],
    key: key ? { keyId: key.keyId, key: sha(key.key), createdAt: key.createdAt } : null,
    outbox,
  };
}
