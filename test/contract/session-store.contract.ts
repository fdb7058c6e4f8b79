import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, isSomaError } from '../../src/sdk/errors.js';
import type { Session, SessionStore } from '../../src/sdk/stores/sessions/session-store.js';
import { randomName } from '../support/services.js';

/** How a contract run gets stores of one adapter. */
export interface SessionStoreContractOptions {
  /** A store whose engine cannot be reached; it may reject itself, like a failed connect. */
  readonly makeUnreachable: () => Promise<SessionStore>;
  /** Text the unreachable error must name (its address). */
  readonly unreachableAddress: string;
}

/** Makes a store; tests use random tenants, so stores may share one database or key prefix. */
export type MakeSessionStore = (options: { defaultTtlMs: number }) => Promise<SessionStore>;

const HOUR = 3_600_000;
const LOOK_ALIKE_SUBJECTS = [
  'alice2',
  'alice*',
  'Alice',
  'alice/x',
  'alice:sess',
  'alice%',
  'alice_',
  ' alice',
];
const BAD_IDS: ReadonlyArray<[string, unknown]> = [
  ['empty', ''],
  ['whitespace', ' \t '],
  ['too long', 'x'.repeat(257)],
  ['newline', 'a\nb'],
  ['NUL', 'a\u0000b'],
  ['not a string', 42],
];

/** Polls `check` until it returns true, failing after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

async function expectInvalid(work: () => Promise<unknown>): Promise<void> {
  await expect(work()).rejects.toBeInstanceOf(InvalidInputError);
}

/** The SessionStore contract, run unchanged against every adapter. */
export function sessionStoreContract(
  adapterName: string,
  makeStore: MakeSessionStore,
  options: SessionStoreContractOptions,
): void {
  describe(`SessionStore contract: ${adapterName}`, () => {
    let store: SessionStore;
    let tenant: string;
    const newTenant = () => {
      tenant = randomName('tenant');
      return tenant;
    };

    beforeAll(async () => {
      store = await makeStore({ defaultTtlMs: HOUR });
    });
    afterAll(async () => {
      await store?.close();
    });

    it('sets, gets and deletes a session', async () => {
      const t = newTenant();
      const state = { turns: [{ role: 'user', text: 'héllo 😀' }], n: 1.5, ok: true, none: null };
      const before = Date.now();
      const written = await store.set({ tenant: t, subject: 'alice', sessionId: 's1', state });
      expect(written).toMatchObject({ tenant: t, subject: 'alice', sessionId: 's1', state });
      expect(written.createdAt.getTime()).toBe(written.updatedAt.getTime());
      expect(written.expiresAt.getTime() - written.updatedAt.getTime()).toBe(HOUR);
      expect(Math.abs(written.createdAt.getTime() - before)).toBeLessThan(2000);

      const read = await store.get(t, 's1');
      expect(read).toEqual(written);
      expect(await store.get(t, 'missing')).toBeUndefined();

      expect(await store.delete(t, 's1')).toBe(true);
      expect(await store.get(t, 's1')).toBeUndefined();
      expect(await store.delete(t, 's1')).toBe(false);
      expect(await store.listBySubject(t, 'alice')).toEqual([]);
    });

    it('stores every kind of JSON value exactly', async () => {
      const t = newTenant();
      const values = [
        'text with "quotes" and \\ and \u0000',
        0,
        -12.5,
        false,
        null,
        [],
        {},
        [1, [2, { a: 'b' }]],
      ];
      for (const [i, state] of values.entries()) {
        await store.set({ tenant: t, subject: 'alice', sessionId: `v${i}`, state: state as never });
        expect((await store.get(t, `v${i}`))?.state).toEqual(state);
      }
    });

    it('keeps createdAt when a live session is overwritten', async () => {
      const t = newTenant();
      const first = await store.set({
        tenant: t,
        subject: 'alice',
        sessionId: 's1',
        state: { v: 1 },
        ttlMs: 60_000,
      });
      await sleep(20);
      const second = await store.set({ tenant: t, subject: 'alice', sessionId: 's1', state: { v: 2 } });
      expect(second.createdAt).toEqual(first.createdAt);
      expect(second.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());
      expect(second.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
      expect(await store.get(t, 's1')).toEqual(second);
      expect(await store.countBySubject(t, 'alice')).toBe(1);
    });

    it('refuses to move a live session to another subject and leaves it as it was', async () => {
      const t = newTenant();
      const original = await store.set({ tenant: t, subject: 'alice', sessionId: 's1', state: 'mine' });
      await expectInvalid(() =>
        store.set({ tenant: t, subject: 'alice2', sessionId: 's1', state: 'theirs' }),
      );
      expect(await store.get(t, 's1')).toEqual(original);
      expect(await store.countBySubject(t, 'alice2')).toBe(0);
    });

    it('gives a new session id to exactly one subject when writers on two connections race', async () => {
      const t = newTenant();
      const other = await makeStore({ defaultTtlMs: HOUR });
      try {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 4 < 2 ? store : other)
              .set({ tenant: t, subject: i % 2 === 0 ? 'alice' : 'bob', sessionId: 'race', state: i })
              .catch((error: unknown) => error),
          ),
        );
        const wins = results.filter((r) => !(r instanceof Error)) as Session[];
        const owners = [...new Set(wins.map((s) => s.subject))];
        expect(owners).toHaveLength(1);
        expect(wins).toHaveLength(10);
        for (const lost of results.filter((r) => r instanceof Error))
          expect(lost).toBeInstanceOf(InvalidInputError);
        // Every write that won kept the createdAt of the one that created the session.
        expect(new Set(wins.map((s) => s.createdAt.getTime())).size).toBe(1);
        const owner = owners[0] as string;
        expect((await store.get(t, 'race'))?.subject).toBe(owner);
        expect(await store.countBySubject(t, owner)).toBe(1);
        expect(await store.countBySubject(t, owner === 'alice' ? 'bob' : 'alice')).toBe(0);
      } finally {
        await other.close();
      }
    });

    it('refuses a batch that would move a session after overwriting others of it, changing nothing', async () => {
      const t = newTenant();
      const before = await store.setMany([
        { tenant: t, subject: 'alice', sessionId: 'a1', state: 'old', ttlMs: 60_000 },
        { tenant: t, subject: 'bob', sessionId: 'b1', state: 'bob' },
      ]);
      await expectInvalid(() =>
        store.setMany([
          { tenant: t, subject: 'alice', sessionId: 'a1', state: 'new' },
          { tenant: t, subject: 'alice', sessionId: 'a2', state: 'fresh' },
          { tenant: t, subject: 'alice', sessionId: 'b1', state: 'stolen' },
        ]),
      );
      expect(await store.getMany(t, ['a1', 'a2', 'b1'])).toEqual([before[0], undefined, before[1]]);
      expect(await store.ttlOf(t, 'a1')).toBeLessThanOrEqual(60_000);
      expect((await store.listBySubject(t, 'alice')).map((s) => s.sessionId)).toEqual(['a1']);
    });

    it('expires sessions after their TTL: not read, listed, counted or given a TTL', async () => {
      const t = newTenant();
      await store.set({ tenant: t, subject: 'alice', sessionId: 'short', state: 1, ttlMs: 150 });
      await store.set({ tenant: t, subject: 'alice', sessionId: 'long', state: 2, ttlMs: 60_000 });
      await eventually(async () => (await store.get(t, 'short')) === undefined);
      expect(await store.ttlOf(t, 'short')).toBeUndefined();
      expect((await store.getMany(t, ['short', 'long'])).map((s) => s?.state)).toEqual([undefined, 2]);
      expect((await store.listBySubject(t, 'alice')).map((s) => s.sessionId)).toEqual(['long']);
      expect(await store.countBySubject(t, 'alice')).toBe(1);
      expect(await store.delete(t, 'short')).toBe(false);
    });

    it('lets an expired session id be reused, by another subject too, with a new createdAt', async () => {
      const t = newTenant();
      const old = await store.set({ tenant: t, subject: 'alice', sessionId: 's1', state: 1, ttlMs: 100 });
      await eventually(async () => (await store.get(t, 's1')) === undefined);
      const reused = await store.set({ tenant: t, subject: 'bob', sessionId: 's1', state: 2 });
      expect(reused.createdAt.getTime()).toBeGreaterThan(old.createdAt.getTime());
      expect(await store.listBySubject(t, 'alice')).toEqual([]);
      expect((await store.listBySubject(t, 'bob')).map((s) => s.sessionId)).toEqual(['s1']);
    });

    it('reports the remaining TTL of a stored session', async () => {
      const t = newTenant();
      await store.set({ tenant: t, subject: 'alice', sessionId: 's1', state: 1, ttlMs: 60_000 });
      const ttl = await store.ttlOf(t, 's1');
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
      expect(await store.ttlOf(t, 'missing')).toBeUndefined();
    });

    it('uses the default TTL when a write names none', async () => {
      const t = newTenant();
      const short = await makeStore({ defaultTtlMs: 200 });
      try {
        const written = await short.set({ tenant: t, subject: 'alice', sessionId: 's1', state: 1 });
        expect(written.expiresAt.getTime() - written.updatedAt.getTime()).toBe(200);
        expect(await short.ttlOf(t, 's1')).toBeLessThanOrEqual(200);
        await eventually(async () => (await short.get(t, 's1')) === undefined);
      } finally {
        await short.close();
      }
      expect(
        (await store.set({ tenant: t, subject: 'alice', sessionId: 's2', state: 1 })).expiresAt.getTime(),
      ).toBeGreaterThan(Date.now() + HOUR - 60_000);
    });

    it("lists, counts and deletes a subject's sessions", async () => {
      const t = newTenant();
      for (const id of ['a', 'b', 'c'])
        await store.set({ tenant: t, subject: 'alice', sessionId: id, state: id });
      await store.set({ tenant: t, subject: 'bob', sessionId: 'd', state: 'd' });
      const listed = await store.listBySubject(t, 'alice');
      expect(listed.map((s) => s.sessionId).sort()).toEqual(['a', 'b', 'c']);
      for (const s of listed) {
        expect(s.expiresAt.getTime()).toBeGreaterThan(Date.now());
        expect(s.createdAt.getTime()).toBeLessThanOrEqual(s.updatedAt.getTime());
      }
      expect(await store.countBySubject(t, 'alice')).toBe(3);
      expect(await store.deleteBySubject(t, 'alice')).toBe(3);
      expect(await store.countBySubject(t, 'alice')).toBe(0);
      expect(await store.listBySubject(t, 'alice')).toEqual([]);
      expect(await store.getMany(t, ['a', 'b', 'c'])).toEqual([undefined, undefined, undefined]);
      expect(await store.deleteBySubject(t, 'alice')).toBe(0);
      expect((await store.get(t, 'd'))?.state).toBe('d');
    });

    it('deletes a subject whose sessions have partly expired, leaving nothing behind', async () => {
      const t = newTenant();
      await store.set({ tenant: t, subject: 'alice', sessionId: 'gone', state: 1, ttlMs: 100 });
      await store.set({ tenant: t, subject: 'alice', sessionId: 'live', state: 2 });
      await eventually(async () => (await store.get(t, 'gone')) === undefined);
      expect(await store.deleteBySubject(t, 'alice')).toBe(1);
      expect(await store.countBySubject(t, 'alice')).toBe(0);
      expect(await store.ttlOf(t, 'live')).toBeUndefined();
    });

    it('leaves look-alike subjects, tenants and session ids untouched', async () => {
      const t = newTenant();
      const tenants = [t, `${t}2`, `${t}*`, `${t}/x`, `${t}:subj`, t.toUpperCase()];
      for (const subject of ['alice', ...LOOK_ALIKE_SUBJECTS]) {
        await store.set({ tenant: t, subject, sessionId: `s-${subject}`, state: { tt: t, subject } });
      }
      // Look-alike tenants hold the very same subject and session id: only the tenant separates them.
      for (const tt of tenants.slice(1)) {
        await store.set({
          tenant: tt,
          subject: 'alice',
          sessionId: 's-alice',
          state: { tt, subject: 'alice' },
        });
      }
      // The look-alike subjects' session ids (s-alice2, s-alice*…) are look-alikes of s-alice as well.
      await store.set({ tenant: t, subject: 'alice', sessionId: 'extra-1', state: 1 });
      await store.set({ tenant: t, subject: 'alice', sessionId: 'extra-2', state: 2 });

      expect(await store.countBySubject(t, 'alice')).toBe(3);
      expect(await store.delete(t, 's-alice')).toBe(true);
      expect(await store.deleteBySubject(t, 'alice')).toBe(2);

      for (const subject of LOOK_ALIKE_SUBJECTS) {
        expect(await store.countBySubject(t, subject)).toBe(1);
        expect((await store.get(t, `s-${subject}`))?.state).toEqual({ tt: t, subject });
      }
      for (const tt of tenants.slice(1)) {
        expect(await store.countBySubject(tt, 'alice')).toBe(1);
        expect((await store.get(tt, 's-alice'))?.state).toEqual({ tt, subject: 'alice' });
      }
    });

    it('round-trips ids that contain pattern and path characters', async () => {
      const t = newTenant();
      const ids = ['a*', 'a?', '[a]', 'a:b', 'a/b', '..', '%', '%2A', 'a_b', 'ü', 'a\\b', 'a b'];
      await store.setMany(ids.map((id) => ({ tenant: t, subject: id, sessionId: id, state: id })));
      for (const id of ids) {
        expect(await store.get(t, id)).toMatchObject({ subject: id, sessionId: id, state: id });
        expect((await store.listBySubject(t, id)).map((s) => s.sessionId)).toEqual([id]);
      }
      expect(await store.get(t, 'a')).toBeUndefined();
    });

    it('writes and reads batches; a bad batch writes nothing', async () => {
      const t = newTenant();
      const writes = Array.from({ length: 20 }, (_, i) => ({
        tenant: t,
        subject: `u${i % 3}`,
        sessionId: `b${i}`,
        state: i,
      }));
      const written = await store.setMany(writes);
      expect(written.map((s) => s.state)).toEqual(writes.map((w) => w.state));
      const read = await store.getMany(t, [...writes.map((w) => w.sessionId), 'missing']);
      expect(read.slice(0, 20)).toEqual(written);
      expect(read[20]).toBeUndefined();
      expect(await store.setMany([])).toEqual([]);
      expect(await store.getMany(t, [])).toEqual([]);

      await expectInvalid(() =>
        store.setMany([
          { tenant: t, subject: 'u0', sessionId: 'fresh', state: 1 },
          { tenant: t, subject: 'someone-else', sessionId: 'b0', state: 'stolen' },
        ]),
      );
      expect(await store.get(t, 'fresh')).toBeUndefined();
      await expectInvalid(() =>
        store.setMany([
          { tenant: t, subject: 'u0', sessionId: 'twice', state: 1 },
          { tenant: t, subject: 'u0', sessionId: 'twice', state: 2 },
        ]),
      );
      expect(await store.get(t, 'twice')).toBeUndefined();
    });

    it('rejects bad ids, TTLs and states before touching the engine', async () => {
      const t = newTenant();
      for (const [, bad] of BAD_IDS) {
        const id = bad as string;
        await expectInvalid(() => store.get(id, 's'));
        await expectInvalid(() => store.get(t, id));
        await expectInvalid(() => store.getMany(t, ['ok', id]));
        await expectInvalid(() => store.set({ tenant: id, subject: 'alice', sessionId: 's', state: 1 }));
        await expectInvalid(() => store.set({ tenant: t, subject: id, sessionId: 's', state: 1 }));
        await expectInvalid(() => store.set({ tenant: t, subject: 'alice', sessionId: id, state: 1 }));
        await expectInvalid(() => store.delete(t, id));
        await expectInvalid(() => store.listBySubject(t, id));
        await expectInvalid(() => store.countBySubject(id, 'alice'));
        await expectInvalid(() => store.deleteBySubject(t, id));
        await expectInvalid(() => store.ttlOf(t, id));
      }
      for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '100']) {
        await expectInvalid(() =>
          store.set({ tenant: t, subject: 'alice', sessionId: 's', state: 1, ttlMs: ttlMs as number }),
        );
      }
      for (const state of [undefined, () => 1, Symbol('x'), 10n]) {
        await expectInvalid(() =>
          store.set({ tenant: t, subject: 'alice', sessionId: 's', state: state as never }),
        );
      }
      await expectInvalid(() =>
        store.setMany(
          Array.from({ length: 1001 }, (_, i) => ({ tenant: t, subject: 'a', sessionId: `${i}`, state: 1 })),
        ),
      );
      expect(await store.countBySubject(t, 'alice')).toBe(0);
    });

    it('fails fast with a retriable error naming the address when the engine is down', async () => {
      const started = Date.now();
      let caught: unknown;
      try {
        const down = await options.makeUnreachable();
        try {
          await down.get(randomName('tenant'), 's1');
        } finally {
          await down.close().catch(() => {});
        }
      } catch (error) {
        caught = error;
      }
      expect(Date.now() - started).toBeLessThan(5000);
      expect(isSomaError(caught)).toBe(true);
      expect((caught as { retriable: boolean }).retriable).toBe(true);
      expect((caught as Error).message).toContain(options.unreachableAddress);
    });
  });
}
