import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../src/sdk/errors.js';
import type { RecordsContext } from './records.contract.js';
import { BAD_IDS, LOOK_ALIKES } from './records.harness.js';

const hex = (bytes = 16) => randomBytes(bytes).toString('hex');
const STEPS = ['sessions', 'vector.pgvector', 'objects', 'audit.pseudonymise', 'keys.destroy'];

/** ErasureJobs, LegalHolds and SubjectKeys parts of the records contract. */
export function governanceContract(ctx: () => RecordsContext): void {
  describe('ErasureJobs', () => {
    it('creates a planned job with pending steps in plan order, found as the open job', async () => {
      const { erasureJobs } = ctx().records;
      const tenant = `t-${hex(4)}`;
      const subjectHash = hex();
      const job = await erasureJobs.create({ tenant, subjectHash, planHash: hex(), steps: STEPS });
      expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(job.state).toBe('planned');
      expect(job.steps.map((s) => [s.name, s.status])).toEqual(STEPS.map((s) => [s, 'pending']));
      expect(await erasureJobs.get(job.id)).toEqual(job);
      expect(await erasureJobs.findOpen(tenant, subjectHash)).toEqual(job);
      expect(await erasureJobs.findOpen(tenant, hex())).toBeUndefined();
      expect(await erasureJobs.get(randomUUID())).toBeUndefined();
    });

    it('allows one open job per subject', async () => {
      const { erasureJobs } = ctx().records;
      const tenant = `t-${hex(4)}`;
      const subjectHash = hex();
      const first = await erasureJobs.create({ tenant, subjectHash, planHash: hex(), steps: STEPS });
      const error = await erasureJobs
        .create({ tenant, subjectHash, planHash: hex(), steps: STEPS })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toContain(first.id);
      await expect(
        erasureJobs.create({ tenant: `${tenant}2`, subjectHash, planHash: hex(), steps: STEPS }),
      ).resolves.toBeDefined();
      await erasureJobs.setState(first.id, 'cancelled');
      await expect(
        erasureJobs.create({ tenant, subjectHash, planHash: hex(), steps: STEPS }),
      ).resolves.toMatchObject({
        state: 'planned',
      });
    });

    it('walks steps and states: planned → running → verifying → verified', async () => {
      const { erasureJobs } = ctx().records;
      const job = await erasureJobs.create({
        tenant: 'acme',
        subjectHash: hex(),
        planHash: hex(),
        steps: STEPS,
      });
      const running = await erasureJobs.updateStep(job.id, 'sessions', { status: 'running' });
      expect(running.state).toBe('running');
      const done = await erasureJobs.updateStep(job.id, 'sessions', { status: 'done', count: 12 });
      expect(done.steps[0]).toMatchObject({ name: 'sessions', status: 'done', count: 12, error: null });
      expect(done.steps[0]?.updatedAt).toBeInstanceOf(Date);
      await expect(erasureJobs.updateStep(job.id, 'sessions', { status: 'running' })).rejects.toThrow(
        /already done/,
      );
      await expect(erasureJobs.updateStep(job.id, 'nope', { status: 'done' })).rejects.toThrow(
        /has no step nope/,
      );
      await Promise.all(
        STEPS.slice(1).map((step) => erasureJobs.updateStep(job.id, step, { status: 'done', count: 1 })),
      );
      const allDone = await erasureJobs.get(job.id);
      expect(allDone?.steps.map((s) => s.status)).toEqual(STEPS.map(() => 'done'));
      await erasureJobs.setState(job.id, 'verifying');
      const verified = await erasureJobs.setState(job.id, 'verified');
      expect(verified.state).toBe('verified');
      expect(await erasureJobs.findOpen('acme', job.subjectHash)).toBeUndefined();
      const error = await erasureJobs.setState(job.id, 'running').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).hint).toContain('final');
      await expect(erasureJobs.updateStep(job.id, 'sessions', { status: 'done' })).rejects.toThrow(
        /can no longer change/,
      );
    });

    it('a failed job keeps its error, stays open and resumes to running', async () => {
      const { erasureJobs } = ctx().records;
      const job = await erasureJobs.create({
        tenant: 'acme',
        subjectHash: hex(),
        planHash: hex(),
        steps: STEPS,
      });
      await erasureJobs.updateStep(job.id, 'sessions', { status: 'failed', error: 'redis unreachable' });
      const failed = await erasureJobs.setState(job.id, 'failed', 'step sessions failed');
      expect(failed).toMatchObject({ state: 'failed', error: 'step sessions failed' });
      expect((await erasureJobs.findOpen('acme', job.subjectHash))?.id).toBe(job.id);
      const resumed = await erasureJobs.updateStep(job.id, 'sessions', { status: 'running' });
      expect(resumed).toMatchObject({ state: 'running', error: null });
      await expect(erasureJobs.setState(job.id, 'verified')).rejects.toThrow(/cannot move to verified/);
    });

    it('rejects malformed input and unknown jobs', async () => {
      const { erasureJobs } = ctx().records;
      for (const bad of BAD_IDS) {
        await expect(
          erasureJobs.create({ tenant: bad as string, subjectHash: hex(), planHash: hex(), steps: STEPS }),
        ).rejects.toBeInstanceOf(InvalidInputError);
        await expect(erasureJobs.findOpen('acme', bad as string)).rejects.toBeInstanceOf(InvalidInputError);
      }
      for (const steps of [[], ['Bad Step'], ['a', 'a']]) {
        await expect(
          erasureJobs.create({ tenant: 'acme', subjectHash: hex(), planHash: hex(), steps }),
        ).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(erasureJobs.get('job-1')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(erasureJobs.setState(randomUUID(), 'running')).rejects.toBeInstanceOf(NotFoundError);
      await expect(
        erasureJobs.updateStep(randomUUID(), 'sessions', { status: 'done' }),
      ).rejects.toBeInstanceOf(NotFoundError);
      await expect(erasureJobs.setState(randomUUID(), 'paused' as never)).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      const job = await erasureJobs.create({
        tenant: 'acme',
        subjectHash: hex(),
        planHash: hex(),
        steps: STEPS,
      });
      await expect(
        erasureJobs.updateStep(job.id, 'sessions', { status: 'gone' as never }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(
        erasureJobs.updateStep(job.id, 'sessions', { status: 'done', count: -1 }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    });
  });

  describe('LegalHolds', () => {
    it('places, updates, lists and releases a hold on exactly one subject', async () => {
      const { legalHolds } = ctx().records;
      const tenant = `t-${hex(4)}`;
      const hold = await legalHolds.place(tenant, 'alice', 'case 1', 'counsel-1');
      expect(hold).toMatchObject({ tenant, subject: 'alice', reason: 'case 1', placedBy: 'counsel-1' });
      const again = await legalHolds.place(tenant, 'alice', 'case 1 and 2', 'counsel-2');
      expect(again).toMatchObject({ reason: 'case 1 and 2', placedBy: 'counsel-2', placedAt: hold.placedAt });
      for (const lookAlike of LOOK_ALIKES) expect(await legalHolds.get(tenant, lookAlike)).toBeUndefined();
      expect(await legalHolds.get(`${tenant}2`, 'alice')).toBeUndefined();
      await legalHolds.place(tenant, 'alice2', 'case 3', 'counsel-1');
      expect((await legalHolds.list(tenant)).map((h) => h.subject)).toEqual(['alice', 'alice2']);
      expect(await legalHolds.release(tenant, 'alice')).toBe(true);
      expect(await legalHolds.release(tenant, 'alice')).toBe(false);
      expect(await legalHolds.get(tenant, 'alice')).toBeUndefined();
      expect(await legalHolds.get(tenant, 'alice2')).toBeDefined();
    });

    it('rejects malformed ids and reasons', async () => {
      const { legalHolds } = ctx().records;
      for (const bad of BAD_IDS) {
        await expect(legalHolds.place('acme', bad as string, 'r', 'by')).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(legalHolds.place('acme', 'alice', 'r', bad as string)).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(legalHolds.get(bad as string, 'alice')).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(legalHolds.place('acme', 'alice', '', 'by')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(legalHolds.place('acme', 'alice', 'x'.repeat(2000), 'by')).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });
  });

  describe('SubjectKeys', () => {
    it('getOrCreate is idempotent, also concurrently: one 32-byte key per subject', async () => {
      const { subjectKeys } = ctx().records;
      const tenant = `t-${hex(4)}`;
      const keys = await Promise.all(
        Array.from({ length: 5 }, () => subjectKeys.getOrCreate(tenant, 'alice')),
      );
      const first = keys[0]!;
      expect(first.key).toHaveLength(32);
      expect(first.keyId).toMatch(/^[0-9a-f-]{36}$/);
      for (const key of keys) expect(key).toEqual(first);
      expect(await subjectKeys.getOrCreate(tenant, 'alice')).toEqual(first);
      expect(await subjectKeys.find(tenant, 'alice')).toEqual(first);
      expect(await subjectKeys.get(first.keyId)).toEqual({ state: 'active', key: first });
    });

    it('destroy deletes the key and keeps a tombstone; look-alikes keep their keys', async () => {
      const { subjectKeys } = ctx().records;
      const tenant = `t-${hex(4)}`;
      const alice = await subjectKeys.getOrCreate(tenant, 'alice');
      const others = await Promise.all(LOOK_ALIKES.map((s) => subjectKeys.getOrCreate(tenant, s)));
      const otherTenant = await subjectKeys.getOrCreate(`${tenant}2`, 'alice');
      expect(
        new Set([alice, ...others, otherTenant].map((k) => Buffer.from(k.key).toString('hex'))).size,
      ).toBe(LOOK_ALIKES.length + 2);
      const tombstone = await subjectKeys.destroy(tenant, 'alice');
      expect(tombstone?.keyId).toBe(alice.keyId);
      expect(tombstone?.destroyedAt).toBeInstanceOf(Date);
      expect(await subjectKeys.find(tenant, 'alice')).toBeUndefined();
      expect(await subjectKeys.get(alice.keyId)).toEqual({ state: 'destroyed', tombstone });
      for (const key of [...others, otherTenant])
        expect((await subjectKeys.get(key.keyId)).state).toBe('active');
      const unknown = randomUUID();
      expect(await subjectKeys.get(unknown)).toEqual({ state: 'unknown', keyId: unknown });
      expect(await subjectKeys.destroy(tenant, 'alice')).toBeUndefined();
      const fresh = await subjectKeys.getOrCreate(tenant, 'alice');
      expect(fresh.keyId).not.toBe(alice.keyId);
      expect(Buffer.from(fresh.key).equals(Buffer.from(alice.key))).toBe(false);
    });

    it('rejects malformed ids', async () => {
      const { subjectKeys } = ctx().records;
      for (const bad of BAD_IDS) {
        await expect(subjectKeys.getOrCreate('acme', bad as string)).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(subjectKeys.destroy(bad as string, 'alice')).rejects.toBeInstanceOf(InvalidInputError);
        await expect(subjectKeys.get(bad as string)).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(subjectKeys.get('key-1')).rejects.toBeInstanceOf(InvalidInputError);
    });
  });
}
