import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/sdk/errors.js';
import type { RecordsContext } from './records.contract.js';

const hex = (bytes = 16) => randomBytes(bytes).toString('hex');

/** ErasureReceipts and the plan kept with erasure jobs (migration 0008). */
export function receiptsContract(ctx: () => RecordsContext): void {
  describe('ErasureJobs plan', () => {
    it('keeps the plan a job was created from; null without one', async () => {
      const { erasureJobs } = ctx().records;
      const plan = { stores: [{ store: 'sessions', count: 3 }], total: 3 };
      const job = await erasureJobs.create({
        tenant: 'acme',
        subjectHash: hex(),
        planHash: hex(),
        steps: ['sessions'],
        plan,
      });
      expect(job.plan).toEqual(plan);
      expect((await erasureJobs.get(job.id))?.plan).toEqual(plan);
      const bare = await erasureJobs.create({
        tenant: 'acme',
        subjectHash: hex(),
        planHash: hex(),
        steps: ['a'],
      });
      expect(bare.plan).toBeNull();
      await expect(
        erasureJobs.create({
          tenant: 'acme',
          subjectHash: hex(),
          planHash: hex(),
          steps: ['a'],
          plan: [] as never,
        }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    });
  });

  describe('ErasureReceipts', () => {
    it("chains a tenant's receipts: head moves, each build sees the previous head", async () => {
      const { erasureReceipts, audit } = ctx().records;
      const tenant = `t-${hex(4)}`;
      expect(await erasureReceipts.head(tenant)).toBeUndefined();
      const seen: unknown[] = [];
      const first = await erasureReceipts.append(tenant, randomUUID(), 'ops', (head) => {
        seen.push(head);
        return { receipt: { n: 1 }, hash: `sha256:${hex(32)}` };
      });
      const second = await erasureReceipts.append(tenant, randomUUID(), 'ops', (head) => {
        seen.push(head);
        return { receipt: { n: 2, previous: head?.hash ?? null }, hash: `sha256:${hex(32)}` };
      });
      expect(seen).toEqual([undefined, { sequence: 1, hash: first.hash }]);
      expect(await erasureReceipts.head(tenant)).toEqual({ sequence: 2, hash: second.hash });
      expect(await erasureReceipts.byHash(second.hash)).toEqual(second);
      expect(await erasureReceipts.byJob(first.jobId)).toEqual(first);
      expect(await erasureReceipts.byHash(`sha256:${hex(32)}`)).toBeUndefined();
      // Kept in the audit log, about no one.
      const { entries } = await audit.query({ tenant, action: 'erase.receipt' });
      expect(entries.map((e) => [e.subject, e.details.receiptHash])).toEqual([
        [null, first.hash],
        [null, second.hash],
      ]);
      // Another tenant has a chain of its own.
      expect(await erasureReceipts.head(`${tenant}2`)).toBeUndefined();
    });

    it('serialises concurrent appends of one tenant: one unbroken chain', async () => {
      const { erasureReceipts } = ctx().records;
      const tenant = `t-${hex(4)}`;
      const links: Array<[number, string | null, string]> = [];
      await Promise.all(
        Array.from({ length: 6 }, () =>
          erasureReceipts.append(tenant, randomUUID(), 'ops', (head) => {
            const hash = `sha256:${hex(32)}`;
            links.push([head?.sequence ?? 0, head?.hash ?? null, hash]);
            return { receipt: { previous: head?.hash ?? null }, hash };
          }),
        ),
      );
      links.sort((a, b) => a[0] - b[0]);
      expect(links.map((l) => l[0])).toEqual([0, 1, 2, 3, 4, 5]);
      for (let i = 1; i < links.length; i++) expect(links[i]?.[1]).toBe(links[i - 1]?.[2]);
    });

    it('refuses a second receipt for one job and leaves the chain as it was', async () => {
      const { erasureReceipts } = ctx().records;
      const tenant = `t-${hex(4)}`;
      const job = randomUUID();
      const first = await erasureReceipts.append(tenant, job, 'ops', () => ({
        receipt: {},
        hash: `h-${hex()}`,
      }));
      await expect(
        erasureReceipts.append(tenant, job, 'ops', () => ({ receipt: {}, hash: `h-${hex()}` })),
      ).rejects.toBeInstanceOf(InvalidInputError);
      expect(await erasureReceipts.head(tenant)).toEqual({ sequence: 1, hash: first.hash });
      await expect(
        erasureReceipts.append(tenant, 'not-a-uuid', 'ops', () => ({ receipt: {}, hash: 'h' })),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(erasureReceipts.head('  ')).rejects.toBeInstanceOf(InvalidInputError);
    });
  });
}
