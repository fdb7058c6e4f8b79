import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/sdk/errors.js';
import { type NewOutboxEvent, nextAttemptDelay } from '../../src/sdk/stores/records/outbox.js';
import type { RecordsContext } from './records.contract.js';
import { BAD_IDS, LOOK_ALIKES } from './records.harness.js';

const event = (key: string | null, n: number, extra: Partial<NewOutboxEvent> = {}): NewOutboxEvent => ({
  topic: 'conversation.events',
  key,
  payload: new Uint8Array([n, 0, 255]),
  headers: { 'event-type': 'turn', n: String(n) },
  tenant: 'acme',
  subjectRef: 'ref-alice',
  ...extra,
});
const inFuture = (ms: number) => new Date(Date.now() + ms);

/** Outbox part of the records contract. */
export function outboxContract(ctx: () => RecordsContext): void {
  describe('Outbox', () => {
    beforeEach(async () => {
      // The outbox is one queue per database: each test starts from an empty one.
      await ctx().client.query('DELETE FROM soma_outbox');
    });

    it('enqueues inside the caller transaction and stores every field', async () => {
      const { records } = ctx();
      const eventId = randomUUID();
      const [stored] = await records.transaction((_, tx) =>
        records.outbox.enqueue(tx, [event('conv-1', 7, { eventId })]),
      );
      expect(stored).toMatchObject({
        eventId,
        topic: 'conversation.events',
        key: 'conv-1',
        headers: { 'event-type': 'turn', n: '7' },
        tenant: 'acme',
        subjectRef: 'ref-alice',
        attempts: 0,
        sentAt: null,
        lastError: null,
      });
      expect([...(stored?.payload ?? [])]).toEqual([7, 0, 255]);
      expect(await records.outbox.get(stored!.id)).toEqual(stored);
      expect(await records.outbox.pendingCount()).toBe(1);
      expect(await records.outbox.get('999999999')).toBeUndefined();
    });

    it('a rolled-back transaction leaves no outbox rows', async () => {
      const { records } = ctx();
      await expect(
        records.transaction(async (_, tx) => {
          await records.outbox.enqueue(tx, [event('conv-1', 1), event('conv-2', 2)]);
          throw new Error('state write failed');
        }),
      ).rejects.toThrow('state write failed');
      expect(await records.outbox.pendingCount()).toBe(0);
      expect(await records.outbox.claimBatch(10)).toEqual([]);
    });

    it('skips an event id already enqueued', async () => {
      const { records, client } = ctx();
      const eventId = randomUUID();
      expect(await records.outbox.enqueue(client, [event('k', 1, { eventId })])).toHaveLength(1);
      expect(await records.outbox.enqueue(client, [event('k', 2, { eventId }), event('k', 3)])).toHaveLength(
        1,
      );
      expect(await records.outbox.pendingCount()).toBe(2);
    });

    it('claims due events in id order, leased: a second claim gets none of them', async () => {
      const { records, client } = ctx();
      const queued = await records.outbox.enqueue(client, [
        event('k1', 1),
        event('k2', 2),
        event('k1', 3),
        event(null, 4),
        event('k1', 5),
      ]);
      const claimed = await records.outbox.claimBatch(10);
      expect(claimed.map((e) => e.id)).toEqual(queued.map((e) => e.id));
      expect(claimed.every((e) => e.attempts === 1)).toBe(true);
      // A claimed event reads exactly as stored (payload bytes, times to the millisecond).
      for (const e of claimed) expect(e).toEqual(await records.outbox.get(e.id));
      expect(await records.outbox.claimBatch(10)).toEqual([]);
      // After the lease runs out, the events are due again (a relay that crashed).
      const again = await records.outbox.claimBatch(10, { now: inFuture(60_000) });
      expect(again.map((e) => e.attempts)).toEqual([2, 2, 2, 2, 2]);
      const limited = await records.outbox.claimBatch(2, { now: inFuture(120_000), leaseMs: 1000 });
      expect(limited.map((e) => e.id)).toEqual(queued.slice(0, 2).map((e) => e.id));
    });

    it('a failed event backs off and holds back the later events of its key only', async () => {
      const { records, client } = ctx();
      const [a1, b1, a2, a3, n1] = await records.outbox.enqueue(client, [
        event('a', 1),
        event('b', 2),
        event('a', 3),
        event('a', 4),
        event(null, 5),
      ]);
      await records.outbox.claimBatch(10);
      await records.outbox.markFailed(a1!.id, 'broker down', inFuture(60_000));
      expect(await records.outbox.release([a2!.id, a3!.id])).toBe(2);
      expect(await records.outbox.markSent([b1!.id, n1!.id])).toBe(2);
      expect(await records.outbox.markSent([b1!.id])).toBe(0);
      const failed = await records.outbox.get(a1!.id);
      expect(failed).toMatchObject({ lastError: 'broker down', attempts: 1, sentAt: null });
      expect(failed!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
      // a2, a3 wait behind a1, although they are due themselves.
      expect(await records.outbox.claimBatch(10)).toEqual([]);
      const [b2] = await records.outbox.enqueue(client, [event('b', 6)]);
      expect((await records.outbox.claimBatch(10)).map((e) => e.id)).toEqual([b2!.id]);
      expect(await records.outbox.markSent([b2!.id])).toBe(1);
      const retried = await records.outbox.claimBatch(10, { now: inFuture(61_000) });
      expect(retried.map((e) => e.id)).toEqual([a1!.id, a2!.id, a3!.id]);
      expect(retried.map((e) => e.attempts)).toEqual([2, 2, 2]);
      expect(await records.outbox.markSent(retried.map((e) => e.id))).toBe(3);
      expect((await records.outbox.get(a1!.id))?.lastError).toBeNull();
      expect(await records.outbox.pendingCount()).toBe(0);
    });

    it('concurrent claimers never share an event nor split one key between them', async () => {
      const { records, client } = ctx();
      const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
      const queued = await records.outbox.enqueue(
        client,
        Array.from({ length: 40 }, (_, i) => event(keys[i % keys.length] as string, i)),
      );
      const owner = new Map<string, number>();
      const claimedIds: string[] = [];
      for (let round = 0; round < 20 && claimedIds.length < queued.length; round++) {
        const batches = await Promise.all([1, 2, 3].map(() => records.outbox.claimBatch(7)));
        batches.forEach((batch, claimer) => {
          for (const e of batch) {
            const key = `${round}:${e.key}`;
            expect(owner.get(key) ?? claimer).toBe(claimer);
            owner.set(key, claimer);
          }
        });
        const ids = batches.flat().map((e) => e.id);
        claimedIds.push(...ids);
        await records.outbox.markSent(ids);
      }
      expect(claimedIds.sort()).toEqual(queued.map((e) => e.id).sort());
    });

    it("claims ahead past its own in-flight events, never past anyone else's", async () => {
      const { records, client } = ctx();
      const queued = await records.outbox.enqueue(
        client,
        ['a', 'b', 'a', 'b', 'a', 'c', 'b', 'a'].map((key, i) => event(key, i)),
      );
      const [a0, b1, a2, b3, a4, c5, b6, a7] = queued.map((e) => e.id);
      const first = await records.outbox.claimBatch(3);
      expect(first.map((e) => e.id)).toEqual([a0, b1, a2]);
      // Without inFlight, keys a and b are held by the lease: only c goes.
      const other = await records.outbox.claimBatch(10, { leaseMs: 1 });
      expect(other.map((e) => e.id)).toEqual([c5]);
      await records.outbox.release([c5 as string]);
      // The same caller, claiming ahead while the first batch is in flight, gets the rest in order.
      const ahead = await records.outbox.claimBatch(3, { inFlight: first.map((e) => e.id) });
      expect(ahead.map((e) => e.id)).toEqual([b3, a4, c5]);
      // a0 fails: the relay releases the later events of key a it holds; a then waits for a0.
      await records.outbox.markFailed([a0 as string], 'broker down', inFuture(60_000));
      await records.outbox.release([a2 as string, a4 as string]);
      const later = await records.outbox.claimBatch(10, { inFlight: [b1 as string, b3 as string] });
      expect(later.map((e) => e.id)).toEqual([b6]);
      expect(await records.outbox.claimBatch(10, { inFlight: [b1, b3, b6] as string[] })).toEqual([]);
      // In-flight events are never claimed again, even once their lease ran out.
      const all = queued.map((e) => e.id);
      const expired = await records.outbox.claimBatch(10, {
        now: inFuture(120_000),
        inFlight: all.slice(0, 7),
      });
      expect(expired.map((e) => e.id)).toEqual([a7]);
      await expect(records.outbox.claimBatch(1, { inFlight: ['x'] })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });

    it('marks several events failed in one call', async () => {
      const { records, client } = ctx();
      const queued = await records.outbox.enqueue(client, [event('k', 1), event('k', 2), event('j', 3)]);
      await records.outbox.claimBatch(10);
      const ids = queued.slice(0, 2).map((e) => e.id);
      await records.outbox.markFailed(ids, 'e'.repeat(5000), inFuture(60_000));
      for (const id of ids) {
        const failed = await records.outbox.get(id);
        expect(failed?.lastError).toBe('e'.repeat(4096));
        expect(failed?.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 50_000);
      }
      expect((await records.outbox.get(queued[2]!.id))?.lastError).toBeNull();
      await records.outbox.markFailed([], 'nothing', inFuture(1000));
      await expect(records.outbox.markFailed(['0'], 'x', inFuture(1000))).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });

    it('purges sent events older than a date, never unsent ones', async () => {
      const { records, client } = ctx();
      const [sent, unsent] = await records.outbox.enqueue(client, [event('k', 1), event('k', 2)]);
      await records.outbox.markSent([sent!.id]);
      expect(await records.outbox.purgeSentOlderThan(new Date(Date.now() - 3_600_000))).toBe(0);
      expect(await records.outbox.purgeSentOlderThan(inFuture(1000))).toBe(1);
      expect(await records.outbox.get(sent!.id)).toBeUndefined();
      expect(await records.outbox.get(unsent!.id)).toBeDefined();
    });

    it('counts a subject ref exactly, look-alikes apart', async () => {
      const { records, client } = ctx();
      await records.outbox.enqueue(client, [
        event('k', 1, { subjectRef: 'alice' }),
        ...LOOK_ALIKES.map((ref, i) => event('k', i + 2, { subjectRef: ref })),
        event('k', 99, { subjectRef: 'alice', tenant: 'acme2' }),
      ]);
      expect(await records.outbox.countBySubject('acme', 'alice')).toBe(1);
      for (const ref of LOOK_ALIKES) expect(await records.outbox.countBySubject('acme', ref)).toBe(1);
    });

    it("deletes a subject ref's events, sent or not, and nothing of look-alikes or other tenants", async () => {
      const { records, client } = ctx();
      const [sent] = await records.outbox.enqueue(client, [
        event('k', 1, { subjectRef: 'alice' }),
        event('k', 2, { subjectRef: 'alice' }),
        ...LOOK_ALIKES.map((ref, i) => event('k', i + 3, { subjectRef: ref })),
        event('k', 99, { subjectRef: 'alice', tenant: 'acme2' }),
      ]);
      await records.outbox.markSent([sent!.id]);
      expect(await records.outbox.deleteBySubject('acme', 'alice')).toBe(2);
      expect(await records.outbox.deleteBySubject('acme', 'alice')).toBe(0);
      expect(await records.outbox.countBySubject('acme', 'alice')).toBe(0);
      expect(await records.outbox.countBySubject('acme2', 'alice')).toBe(1);
      for (const ref of LOOK_ALIKES) expect(await records.outbox.countBySubject('acme', ref)).toBe(1);
      await expect(records.outbox.deleteBySubject('acme', '  ')).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('rejects malformed events and ids with InvalidInputError', async () => {
      const { records, client } = ctx();
      const bad: Array<Partial<NewOutboxEvent>> = [
        { eventId: 'not-a-uuid' },
        { payload: 'text' as never },
        { payload: new Uint8Array(1024 * 1024 + 1) },
        { headers: { n: 1 as never } },
        { headers: [] as never },
        ...BAD_IDS.flatMap((id) => [{ topic: id as string }, { tenant: id as string }]),
        ...BAD_IDS.filter((id) => id !== null).flatMap((id) => [
          { key: id as string },
          { subjectRef: id as string },
        ]),
      ];
      for (const extra of bad) {
        await expect(records.outbox.enqueue(client, [event('k', 1, extra)])).rejects.toBeInstanceOf(
          InvalidInputError,
        );
      }
      expect(await records.outbox.pendingCount()).toBe(0);
      for (const id of ['abc', '-1', '0', '', '1.5', '99999999999999999999', '9999999999999999999']) {
        await expect(records.outbox.markSent([id])).rejects.toBeInstanceOf(InvalidInputError);
        await expect(records.outbox.get(id)).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(records.outbox.claimBatch(0)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(records.outbox.claimBatch(10, { leaseMs: 0 })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(records.outbox.markFailed('1', 'x', new Date(Number.NaN))).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });

    it('computes capped exponential back-off with jitter', () => {
      expect(nextAttemptDelay(1, { random: () => 1 })).toBe(1000);
      expect(nextAttemptDelay(4, { random: () => 1 })).toBe(8000);
      expect(nextAttemptDelay(50, { random: () => 1 })).toBe(300_000);
      expect(nextAttemptDelay(3, { random: () => 0 })).toBe(0);
      expect(nextAttemptDelay(3, { baseMs: 10, maxMs: 25, random: () => 0.5 })).toBe(13);
    });
  });
}
