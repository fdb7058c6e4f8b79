/**
 * The VectorMemory contract, run unchanged against every adapter: pgvector on PGlite, pgvector through `pg`,
 * Qdrant. Each test gets a fresh, initialised, empty store from `makeStore`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryRecord, VectorMemory } from '../../src/sdk/stores/vector-memory/vector-memory.js';

/** Options of {@link vectorMemoryContract}. */
export interface VectorMemoryContractOptions {
  /**
   * A store aimed at an address where nothing listens (not initialised) and the address its errors must name.
   * Omitted for embedded adapters, which have no engine to be down.
   */
  readonly unreachable?: () => Promise<{ store: VectorMemory; address: string }>;
}

const DAY = 86_400_000;
const BAD_IDS: ReadonlyArray<[string, string]> = [
  ['empty', ''],
  ['whitespace', '  \t '],
  ['too long', 'x'.repeat(257)],
  ['newline', 'a\nb'],
  ['NUL', 'a\u0000b'],
  ['DEL', 'a\u007f'],
];
const LOOK_ALIKE_SUBJECTS = ['alice2', 'alice*', 'Alice', 'alice/x', 'alice%', 'alice_', 'ali', 'alice '];
const LOOK_ALIKE_TENANTS = ['t12', 'T1', 't1*', 't1/x', 't1%'];

// Hand-made 4-d vectors with known cosine similarity to Q = [1, 0, 0, 0].
const Q = [1, 0, 0, 0];
const V = {
  same: [2, 0, 0, 0], // 1 (cosine ignores length)
  near: [1, 0.1, 0, 0], // 0.99504
  diagonal: [1, 1, 0, 0], // 0.70711
  orthogonal: [0, 1, 0, 0], // 0
  opposite: [-1, 0, 0, 0], // -1
};
const EXPECTED: Record<keyof typeof V, number> = {
  same: 1,
  near: 1 / Math.sqrt(1.01),
  diagonal: Math.SQRT1_2,
  orthogonal: 0,
  opposite: -1,
};

function rec(
  id: string,
  embedding: number[],
  extra: Partial<Omit<MemoryRecord, 'id' | 'embedding'>> = {},
): MemoryRecord {
  return { id, tenant: 't1', subject: 'alice', text: `text of ${id}`, embedding, ...extra };
}

async function expectInvalid(work: () => Promise<unknown>, pattern?: RegExp): Promise<void> {
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected an InvalidInputError').toBeDefined();
  expect((error as { code?: string }).code).toBe('INVALID_INPUT');
  if (pattern) expect((error as Error).message).toMatch(pattern);
}

/** Declares the VectorMemory contract tests for one adapter. */
export function vectorMemoryContract(
  adapterName: string,
  makeStore: (dimensions: number) => Promise<VectorMemory>,
  options: VectorMemoryContractOptions = {},
): void {
  describe(`VectorMemory contract: ${adapterName}`, () => {
    const open: VectorMemory[] = [];
    async function fresh(dimensions = 4): Promise<VectorMemory> {
      const store = await makeStore(dimensions);
      open.push(store);
      return store;
    }
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });

    it('starts empty, and init() is idempotent', async () => {
      const store = await fresh();
      expect(store.dimensions).toBe(4);
      expect(await store.count()).toBe(0);
      expect(await store.oldest()).toBeNull();
      expect(await store.search({ tenant: 't1', vector: Q, topK: 5 })).toEqual([]);
      await store.upsert([rec('r1', V.same)]);
      await store.init();
      expect(await store.count()).toBe(1);
    });

    it('upserts and overwrites by (tenant, id)', async () => {
      const store = await fresh();
      expect(await store.upsert([rec('r1', V.same, { text: 'v1' })])).toBe(1);
      await store.upsert([rec('r1', V.orthogonal, { text: 'v2', subject: 'bob' })]);
      expect(await store.count()).toBe(1);
      expect(await store.count({ tenant: 't1', subject: 'alice' })).toBe(0);
      const [hit] = await store.search({ tenant: 't1', vector: [0, 1, 0, 0], topK: 1 });
      expect(hit?.record).toMatchObject({ id: 'r1', tenant: 't1', subject: 'bob', text: 'v2' });
      expect(hit?.score).toBeCloseTo(1, 5);
      // a later record with the same key wins within one batch
      expect(
        await store.upsert([rec('r2', V.same, { text: 'first' }), rec('r2', V.same, { text: 'last' })]),
      ).toBe(1);
      const hits = await store.search({ tenant: 't1', subject: 'alice', vector: Q, topK: 5 });
      expect(hits.map((h) => h.record.text)).toEqual(['last']);
    });

    it('ranks by cosine similarity with correct scores', async () => {
      const store = await fresh();
      await store.upsert(Object.entries(V).map(([id, v]) => rec(id, v)));
      const hits = await store.search({ tenant: 't1', vector: Q, topK: 10 });
      expect(hits.map((h) => h.record.id)).toEqual(['same', 'near', 'diagonal', 'orthogonal', 'opposite']);
      for (const hit of hits) expect(hit.score).toBeCloseTo(EXPECTED[hit.record.id as keyof typeof V], 4);
      const top2 = await store.search({ tenant: 't1', vector: Q, topK: 2 });
      expect(top2.map((h) => h.record.id)).toEqual(['same', 'near']);
    });

    it('keeps text, metadata and createdAt intact', async () => {
      const store = await fresh();
      const createdAt = new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678));
      const metadata = { source: 'chat', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } };
      await store.upsert([rec('r1', V.same, { text: 'héllo 👋 — ünïcode\n"quoted"', metadata, createdAt })]);
      const [hit] = await store.search({ tenant: 't1', vector: Q, topK: 1 });
      expect(hit?.record).toEqual({
        id: 'r1',
        tenant: 't1',
        subject: 'alice',
        text: 'héllo 👋 — ünïcode\n"quoted"',
        metadata,
        createdAt,
      });
      await store.upsert([rec('r2', V.near)]);
      const hits = await store.search({ tenant: 't1', vector: V.near, topK: 1 });
      expect(hits[0]?.record.metadata).toEqual({});
      expect(Math.abs((hits[0]?.record.createdAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    });

    it('isolates tenants: same ids are different records, and queries never cross', async () => {
      const store = await fresh();
      await store.upsert([
        rec('r1', V.same, { tenant: 't1', text: 'one' }),
        rec('r1', V.same, { tenant: 't2', text: 'two' }),
      ]);
      expect(await store.count()).toBe(2);
      const t1 = await store.search({ tenant: 't1', vector: Q, topK: 10 });
      expect(t1.map((h) => [h.record.tenant, h.record.text])).toEqual([['t1', 'one']]);
      expect(await store.search({ tenant: 't3', vector: Q, topK: 10 })).toEqual([]);
      expect(await store.deleteBySubject('t1', 'alice')).toBe(1);
      expect(await store.count({ tenant: 't2' })).toBe(1);
    });

    it('filters by subject, limits to topK and drops hits below minScore', async () => {
      const store = await fresh();
      await store.upsert([
        ...Object.entries(V).map(([id, v]) => rec(id, v)),
        rec('bob-same', V.same, { subject: 'bob' }),
        rec('bob-near', V.near, { subject: 'bob' }),
      ]);
      const bob = await store.search({ tenant: 't1', subject: 'bob', vector: Q, topK: 10 });
      expect(bob.map((h) => h.record.id)).toEqual(['bob-same', 'bob-near']);
      const all = await store.search({ tenant: 't1', vector: Q, topK: 3 });
      expect(all).toHaveLength(3);
      expect(
        all
          .slice(0, 2)
          .map((h) => h.record.id)
          .sort(),
      ).toEqual(['bob-same', 'same']);
      expect(['near', 'bob-near']).toContain(all[2]?.record.id);
      const scores = all.map((h) => h.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      const good = await store.search({ tenant: 't1', subject: 'alice', vector: Q, topK: 10, minScore: 0.5 });
      expect(good.map((h) => h.record.id)).toEqual(['same', 'near', 'diagonal']);
      const positive = await store.search({
        tenant: 't1',
        subject: 'alice',
        vector: Q,
        topK: 10,
        minScore: 0.999,
      });
      expect(positive.map((h) => h.record.id)).toEqual(['same']);
      const everything = await store.search({
        tenant: 't1',
        subject: 'alice',
        vector: Q,
        topK: 10,
        minScore: -1,
      });
      expect(everything).toHaveLength(5);
    });

    it('deletes by subject, counting what it deleted', async () => {
      const store = await fresh();
      await store.upsert([rec('a1', V.same), rec('a2', V.near), rec('b1', V.same, { subject: 'bob' })]);
      expect(await store.deleteBySubject('t1', 'alice')).toBe(2);
      expect(await store.deleteBySubject('t1', 'alice')).toBe(0);
      expect(await store.count({ tenant: 't1', subject: 'alice' })).toBe(0);
      expect(await store.search({ tenant: 't1', subject: 'alice', vector: Q, topK: 5 })).toEqual([]);
      expect(await store.count()).toBe(1);
    });

    it('deletes older than a cutoff (retention), optionally per tenant', async () => {
      const store = await fresh();
      const now = Date.now();
      const at = (days: number) => new Date(now - days * DAY);
      await store.upsert([
        rec('old1', V.same, { createdAt: at(120) }),
        rec('old2', V.near, { createdAt: at(91), subject: 'bob' }),
        rec('new1', V.diagonal, { createdAt: at(10) }),
        rec('new2', V.orthogonal, { createdAt: at(0) }),
        rec('other-old', V.same, { tenant: 't2', createdAt: at(200) }),
      ]);
      expect(await store.oldest()).toEqual(at(200));
      expect(await store.oldest({ tenant: 't1' })).toEqual(at(120));
      expect(await store.oldest({ tenant: 't1', subject: 'bob' })).toEqual(at(91));
      expect(await store.deleteOlderThan(at(90), { tenant: 't1' })).toBe(2);
      expect(await store.count({ tenant: 't2' })).toBe(1);
      expect(await store.oldest({ tenant: 't1' })).toEqual(at(10));
      expect(await store.deleteOlderThan(at(10))).toBe(1); // strictly older: new1 (exactly at the cutoff) stays
      expect(await store.count()).toBe(2);
      expect(await store.deleteOlderThan(at(300))).toBe(0);
    });

    it('counts and finds the oldest per scope', async () => {
      const store = await fresh();
      await store.upsert([
        rec('a', V.same, { createdAt: new Date('2025-03-01T00:00:00Z') }),
        rec('b', V.same, { subject: 'bob', createdAt: new Date('2025-01-01T00:00:00Z') }),
        rec('c', V.same, { tenant: 't2', createdAt: new Date('2024-06-01T00:00:00Z') }),
      ]);
      expect(await store.count()).toBe(3);
      expect(await store.count({ tenant: 't1' })).toBe(2);
      expect(await store.count({ tenant: 't1', subject: 'bob' })).toBe(1);
      expect(await store.count({ tenant: 'nobody' })).toBe(0);
      expect(await store.oldest()).toEqual(new Date('2024-06-01T00:00:00Z'));
      expect(await store.oldest({ tenant: 't1', subject: 'alice' })).toEqual(
        new Date('2025-03-01T00:00:00Z'),
      );
      expect(await store.oldest({ tenant: 'nobody' })).toBeNull();
    });

    it('reports stats: count, age range, largest tenants, bytes', async () => {
      const store = await fresh();
      const records = [
        ...['a', 'b', 'c'].map((id, i) =>
          rec(id, V.same, { tenant: 'big', createdAt: new Date(Date.UTC(2025, 0, 1 + i)) }),
        ),
        ...['d', 'e'].map((id) =>
          rec(id, V.near, { tenant: 'mid', createdAt: new Date(Date.UTC(2025, 1, 1)) }),
        ),
        rec('f', V.diagonal, { tenant: 'small', createdAt: new Date(Date.UTC(2025, 5, 1)) }),
      ];
      await store.upsert(records);
      const stats = await store.stats();
      expect(stats).toMatchObject({
        backend: store.backend,
        location: store.location,
        dimensions: 4,
        count: 6,
      });
      expect(stats.oldest).toEqual(new Date(Date.UTC(2025, 0, 1)));
      expect(stats.newest).toEqual(new Date(Date.UTC(2025, 5, 1)));
      expect(stats.tenants).toEqual([
        { tenant: 'big', count: 3 },
        { tenant: 'mid', count: 2 },
        { tenant: 'small', count: 1 },
      ]);
      expect(stats.tenantsTruncated).toBe(false);
      expect(stats.bytes === null || stats.bytes > 0).toBe(true);
    });

    it('writes large batches in chunks', async () => {
      const store = await fresh();
      const records = Array.from({ length: 600 }, (_, i) =>
        rec(`r${i}`, [Math.cos(i / 100), Math.sin(i / 100), (i % 7) / 10, 1], { subject: `s${i % 3}` }),
      );
      expect(await store.upsert(records)).toBe(600);
      expect(await store.count()).toBe(600);
      expect(await store.count({ tenant: 't1', subject: 's0' })).toBe(200);
      const hits = await store.search({ tenant: 't1', subject: 's1', vector: [1, 0, 0, 1], topK: 25 });
      expect(hits).toHaveLength(25);
      expect(hits.every((h) => h.record.subject === 's1')).toBe(true);
      const scores = hits.map((h) => h.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      // more hits than an index's default candidate list (pgvector: 40), all from the filtered subject
      const many = await store.search({ tenant: 't1', subject: 's2', vector: [0, 1, 0, 1], topK: 150 });
      expect(many).toHaveLength(150);
      expect(new Set(many.map((h) => h.record.id)).size).toBe(150);
      expect(many.every((h) => h.record.subject === 's2')).toBe(true);
    });

    it('never touches look-alike subjects and tenants', async () => {
      const store = await fresh();
      const others = [
        ...LOOK_ALIKE_SUBJECTS.map((subject, i) => rec(`s${i}`, V.same, { subject, createdAt: new Date(0) })),
        ...LOOK_ALIKE_TENANTS.map((tenant, i) => rec(`t${i}`, V.same, { tenant, createdAt: new Date(0) })),
      ];
      await store.upsert([...others, rec('mine1', V.same, { createdAt: new Date(0) }), rec('mine2', V.near)]);
      const total = others.length + 2;
      expect(await store.count({ tenant: 't1', subject: 'alice' })).toBe(2);
      const mine = await store.search({ tenant: 't1', subject: 'alice', vector: Q, topK: 100 });
      expect(mine.map((h) => h.record.id).sort()).toEqual(['mine1', 'mine2']);
      expect(await store.oldest({ tenant: 't1', subject: 'alice' })).toEqual(new Date(0));
      expect(await store.deleteBySubject('t1', 'alice')).toBe(2);
      expect(await store.count()).toBe(total - 2);
      for (const subject of LOOK_ALIKE_SUBJECTS) expect(await store.count({ tenant: 't1', subject })).toBe(1);
      expect(await store.deleteOlderThan(new Date(1), { tenant: 't1' })).toBe(LOOK_ALIKE_SUBJECTS.length);
      for (const tenant of LOOK_ALIKE_TENANTS) expect(await store.count({ tenant })).toBe(1);
      expect(await store.count()).toBe(LOOK_ALIKE_TENANTS.length);
    });

    it('rejects bad ids everywhere, writing nothing', async () => {
      const store = await fresh();
      for (const [, bad] of BAD_IDS) {
        await expectInvalid(() => store.upsert([rec('good', V.same), rec(bad, V.same)]));
        await expectInvalid(() => store.upsert([rec('good', V.same, { tenant: bad })]));
        await expectInvalid(() => store.upsert([rec('good', V.same, { subject: bad })]));
        await expectInvalid(() => store.search({ tenant: bad, vector: Q, topK: 1 }));
        await expectInvalid(() => store.search({ tenant: 't1', subject: bad, vector: Q, topK: 1 }));
        await expectInvalid(() => store.deleteBySubject(bad, 'alice'));
        await expectInvalid(() => store.deleteBySubject('t1', bad));
        await expectInvalid(() => store.count({ tenant: bad }));
        await expectInvalid(() => store.oldest({ tenant: 't1', subject: bad }));
        await expectInvalid(() => store.deleteOlderThan(new Date(), { tenant: bad }));
      }
      await expectInvalid(() => store.count({ subject: 'alice' }), /tenant/);
      expect(await store.count()).toBe(0);
    });

    it('rejects bad vectors, queries and records', async () => {
      const store = await fresh();
      await expectInvalid(() => store.upsert([rec('r', [1, 2, 3])]), /3 dimensions, expected 4/);
      await expectInvalid(
        () => store.search({ tenant: 't1', vector: [1, 2, 3, 4, 5], topK: 1 }),
        /5 dimensions, expected 4/,
      );
      for (const bad of [
        [1, Number.NaN, 0, 0],
        [1, Number.POSITIVE_INFINITY, 0, 0],
        [0, 0, 0, 0],
        [1, '2', 0, 0] as unknown as number[],
        [1e39, 0, 0, 0],
      ]) {
        await expectInvalid(() => store.upsert([rec('r', bad)]));
        await expectInvalid(() => store.search({ tenant: 't1', vector: bad, topK: 1 }));
      }
      await expectInvalid(() => store.upsert([rec('r', 'abcd' as unknown as number[])]));
      for (const topK of [0, 1001, 2.5, Number.NaN]) {
        await expectInvalid(() => store.search({ tenant: 't1', vector: Q, topK }), /topK/);
      }
      for (const minScore of [1.5, -2, Number.NaN]) {
        await expectInvalid(() => store.search({ tenant: 't1', vector: Q, topK: 1, minScore }), /minScore/);
      }
      await expectInvalid(() => store.upsert([rec('r', V.same, { text: 'a\u0000b' })]));
      await expectInvalid(() => store.upsert([rec('r', V.same, { text: 'x'.repeat(70_000) })]));
      await expectInvalid(() => store.upsert([rec('r', V.same, { metadata: { at: new Date() } as never })]));
      await expectInvalid(() => store.upsert([rec('r', V.same, { metadata: [1, 2] as never })]));
      await expectInvalid(() => store.upsert([rec('r', V.same, { createdAt: new Date('nope') })]));
      await expectInvalid(() => store.deleteOlderThan(new Date('nope')));
      expect(await store.count()).toBe(0);
      expect(await store.upsert([])).toBe(0);
    });

    it.skipIf(!options.unreachable)(
      'fails fast with a retriable error naming the address when the engine is down',
      async () => {
        const { store, address } = await (options.unreachable as NonNullable<typeof options.unreachable>)();
        try {
          for (const call of [
            () => store.init(),
            () => store.search({ tenant: 't1', vector: Q, topK: 1 }),
            () => store.upsert([rec('r', V.same)]),
            () => store.deleteBySubject('t1', 'alice'),
            () => store.count(),
          ]) {
            const started = Date.now();
            const error = (await call().then(
              () => undefined,
              (e: unknown) => e,
            )) as { code?: string; retriable?: boolean; message?: string } | undefined;
            expect(Date.now() - started).toBeLessThan(10_000);
            expect(error, 'expected an error').toBeDefined();
            expect(['UNAVAILABLE', 'TIMEOUT']).toContain(error?.code);
            expect(error?.retriable).toBe(true);
            expect(error?.message).toContain(address);
            expect(error?.message).toContain('vector memory');
          }
        } finally {
          await store.close();
        }
      },
    );
  });
}
