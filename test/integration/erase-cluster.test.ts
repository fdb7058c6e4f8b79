import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeliveredMessage } from '../../src/sdk/events/bus/event-bus.js';
import type { ConversationEvent } from '../../src/sdk/events/schemas/event-types.js';
import { sealFields, subjectRefOf } from '../../src/sdk/events/sealing/seal-fields.js';
import { unsealFields } from '../../src/sdk/events/sealing/unseal-fields.js';
import {
  type ErasureSettings,
  eraseSubject,
  executeErasure,
  planErasure,
  STEP_NAMES,
} from '../../src/sdk/governance/erase/index.js';
import type { Stores } from '../../src/sdk/stores/factory.js';
import { openClusterStores } from '../support/cluster-stores.js';
import {
  codec,
  DIMENSIONS,
  LOOK_ALIKES,
  personalData,
  SEEDED,
  seededApiKey,
  seedSubject,
  snapshotSubject,
  TEST_RECEIPT_KEY,
} from '../support/erase-fixtures.js';
import { describeWithServices, randomName } from '../support/services.js';

const SUBJECTS = ['alice', ...LOOK_ALIKES];

describeWithServices(['postgres', 'redis', 's3', 'kafka'], 'erasure, cluster profile', (address) => {
  let stores: Stores & { dispose(): Promise<void> };
  const eventsTopic = randomName('soma-erase-events');
  const profilesTopic = randomName('soma-erase-profiles');
  let settings: ErasureSettings;

  beforeAll(async () => {
    stores = await openClusterStores(
      {
        postgres: address.postgres?.() as string,
        redis: address.redis?.() as string,
        s3: address.s3?.() as string,
        kafka: address.kafka?.() as string,
      },
      { dimensions: DIMENSIONS, versioned: true },
    );
    await stores.events.createTopics([
      { name: eventsTopic, partitions: 3 },
      { name: profilesTopic, partitions: 2, configs: { 'cleanup.policy': 'compact' } },
    ]);
    settings = { receiptKey: TEST_RECEIPT_KEY, maxRecords: 1000, compactedTopics: [profilesTopic] };
  }, 120_000);
  afterAll(async () => {
    await stores?.events.deleteTopics([eventsTopic, profilesTopic]).catch(() => {});
    await stores?.dispose();
  });

  /** Relays the outbox to Kafka as the relay does (claim, publish, mark sent). */
  async function relayOutbox(): Promise<number> {
    const batch = await stores.records.outbox.claimBatch(1000);
    if (batch.length === 0) return 0;
    await stores.events.publish(
      batch.map((e) => ({ topic: e.topic, key: e.key, value: Buffer.from(e.payload), headers: e.headers })),
    );
    return stores.records.outbox.markSent(batch.map((e) => e.id));
  }

  /** Publishes each subject's profile (sealed personal data) on the compacted topic, keyed by its ref. */
  async function publishProfile(tenant: string, subject: string): Promise<void> {
    const key = await stores.records.subjectKeys.getOrCreate(tenant, subject);
    const value: ConversationEvent = {
      eventId: crypto.randomUUID(),
      eventType: 'CONVERSATION_STARTED',
      time: Date.now(),
      tenantId: tenant,
      conversationId: 'profile',
      subjectRef: subjectRefOf(key),
      turnId: null,
      text: null,
      toolCallId: null,
      error: null,
      sealed: sealFields(key, personalData(subject)),
      metadata: {},
      schemaVersion: 1,
    };
    await stores.events.publish([
      {
        topic: profilesTopic,
        key: subjectRefOf(key),
        value: await codec.encode('conversation_event', value),
      },
    ]);
  }

  async function readAll(topic: string, count: number): Promise<DeliveredMessage[]> {
    const messages: DeliveredMessage[] = [];
    const subscription = await stores.events.subscribe({
      groupId: randomName('soma-erase-read'),
      topics: [topic],
      fromBeginning: true,
      eachMessage: async (m) => {
        messages.push(m);
      },
    });
    try {
      const deadline = Date.now() + 30_000;
      while (messages.length < count && Date.now() < deadline) await sleep(50);
      return messages;
    } finally {
      await subscription.stop();
    }
  }

  it('erases everywhere; Kafka history shows none of the personal data; look-alikes survive byte for byte', async () => {
    const tenant = 'acme';
    const refs = new Map<string, string>();
    for (const subject of SUBJECTS) {
      refs.set(subject, await seedSubject(stores, tenant, subject, { topic: eventsTopic, versioned: true }));
      await publishProfile(tenant, subject);
    }
    expect(await relayOutbox()).toBe(SUBJECTS.length * SEEDED.outbox);
    const lookAlikes = await Promise.all(LOOK_ALIKES.map((s) => snapshotSubject(stores, tenant, s)));

    const plan = await planErasure(stores, { tenant, subject: 'alice' }, settings);
    expect(Object.fromEntries(plan.stores.map((s) => [s.store, s.count]))).toEqual({
      'api-keys': SEEDED.apiKeys,
      sessions: SEEDED.sessions,
      'rate-limits': SEEDED.rateLimits,
      vectors: SEEDED.vectors,
      objects: 4,
      outbox: SEEDED.outbox, // sent rows, awaiting their purge
      audit: SEEDED.audit,
      'subject-key': 1,
      'event-tombstones': 1,
    });
    const result = await executeErasure(stores, plan, settings);
    expect(result.status).toBe('erased');
    expect(result.verification.residue).toEqual([]);
    expect(await Promise.all(LOOK_ALIKES.map((s) => snapshotSubject(stores, tenant, s)))).toEqual(lookAlikes);
    expect((await stores.records.apiKeys.verify(seededApiKey(tenant, 'alice'))).ok).toBe(false);
    for (const subject of LOOK_ALIKES) {
      expect(await stores.records.apiKeys.verify(seededApiKey(tenant, subject))).toMatchObject({
        ok: true,
        principal: { tenant, subject },
      });
    }

    const aliceRef = refs.get('alice') as string;
    const history = await readAll(eventsTopic, SUBJECTS.length * SEEDED.outbox);
    expect(history).toHaveLength(SUBJECTS.length * SEEDED.outbox);
    const { email, name } = personalData('alice');
    let shredded = 0;
    for (const message of history) {
      const bytes = message.value?.toString('latin1') ?? '';
      expect(bytes).not.toContain(email);
      expect(bytes).not.toContain(name);
      const event = (await codec.decode<ConversationEvent>(message.value as Buffer)).value;
      const opened = await unsealFields(stores.records.subjectKeys, event.sealed!);
      if (event.subjectRef === aliceRef) {
        expect(opened.state).toBe('shredded');
        shredded += 1;
      } else {
        const owner = [...refs].find(([, ref]) => ref === event.subjectRef)?.[0] as string;
        expect(opened).toEqual({ state: 'open', fields: personalData(owner) });
      }
    }
    expect(shredded).toBe(SEEDED.outbox);

    const profiles = await readAll(profilesTopic, SUBJECTS.length + 1);
    const latest = new Map<string, DeliveredMessage>();
    for (const m of profiles) latest.set(m.key?.toString() ?? '', m);
    expect(latest.get(aliceRef)?.value).toBeNull(); // the tombstone
    for (const subject of LOOK_ALIKES) {
      const message = latest.get(refs.get(subject) as string);
      const event = (await codec.decode<ConversationEvent>(message?.value as Buffer)).value;
      expect(await unsealFields(stores.records.subjectKeys, event.sealed!)).toEqual({
        state: 'open',
        fields: personalData(subject),
      });
    }
  });

  it('resumes after a crash between steps and completes; look-alikes untouched', async () => {
    const tenant = 'globex';
    for (const subject of SUBJECTS) await seedSubject(stores, tenant, subject, { versioned: true });
    const lookAlikes = await Promise.all(LOOK_ALIKES.map((s) => snapshotSubject(stores, tenant, s)));
    await expect(
      eraseSubject(stores, { tenant, subject: 'alice' }, settings, {
        afterStep: (step) => {
          if (step === 'vectors') throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const plan = await planErasure(stores, { tenant, subject: 'alice' }, settings);
    expect(plan.openJob?.stepsDone).toBe(STEP_NAMES.indexOf('vectors') + 1);
    expect(plan.stores.find((s) => s.store === 'objects')?.count).toBe(4);
    const result = await executeErasure(stores, plan, settings);
    expect(result).toMatchObject({ status: 'erased', resumed: true, jobId: plan.openJob?.id });
    expect(Object.values(result.verification.after).every((n) => n === 0)).toBe(true);
    expect(await Promise.all(LOOK_ALIKES.map((s) => snapshotSubject(stores, tenant, s)))).toEqual(lookAlikes);
    expect((await planErasure(stores, { tenant, subject: 'alice' }, settings)).total).toBe(0);
  });
});
