import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/sdk/config/resolve.js';
import {
  ErasureKeys,
  type ErasureReceipt,
  type ErasureSettings,
  eraseSubject,
  executeErasure,
  planErasure,
  receiptHash,
  STEP_NAMES,
  signReceipt,
  verifyReceipts,
} from '../../src/sdk/governance/erase/index.js';
import { openStores, type Stores } from '../../src/sdk/stores/factory.js';
import {
  LOOK_ALIKES,
  SEEDED,
  seededApiKey,
  seedSubject,
  TEST_RECEIPT_KEY,
} from '../support/erase-fixtures.js';

const settings: ErasureSettings = { receiptKey: TEST_RECEIPT_KEY, maxRecords: 1000, compactedTopics: [] };
const keys = new ErasureKeys(TEST_RECEIPT_KEY);

let stores: Stores;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'soma-erase-format-'));
  const { config } = resolveConfig({ env: {}, cwd: dataDir, flags: { dataDir, 'vector.dimensions': '8' } });
  stores = await openStores(config, { purpose: 'erase format test' });
}, 120_000);
afterAll(async () => {
  await stores?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Jobs and receipts outlive versions: what an older plan format left behind still resumes and verifies.
describe('erasure across plan formats (embedded profile)', () => {
  it('resumes a job of the older plan format (no api-keys step): its keys go too; old and new receipts chain', async () => {
    const tenant = 'acme';
    for (const subject of ['alice', ...LOOK_ALIKES]) await seedSubject(stores, tenant, subject);
    // A receipt of plan format 1 (eight stores) heads the tenant's chain, as an older version left it.
    await seedSubject(stores, tenant, 'early');
    const early = await eraseSubject(stores, { tenant, subject: 'early' }, settings);
    const legacyJob = randomUUID();
    const legacy = await stores.records.erasureReceipts.append(tenant, legacyJob, 'ops', (head) => {
      const receipt = signReceipt(
        {
          ...(early.receipt as ErasureReceipt),
          jobId: legacyJob,
          stores: (early.receipt as ErasureReceipt).stores.filter((s) => s.store !== 'api-keys'),
          sequence: (head?.sequence ?? 0) + 1,
          previousHash: head?.hash ?? null,
        },
        keys,
      );
      return { receipt: receipt as unknown as Record<string, unknown>, hash: receiptHash(receipt) };
    });
    // The open job an older version created and crashed in: its steps lack api-keys.
    const subjectHash = keys.subjectHash(tenant, 'alice');
    const oldSteps = STEP_NAMES.filter((name) => name !== 'api-keys');
    const job = await stores.records.erasureJobs.create({
      tenant,
      subjectHash,
      planHash: `sha256:${'1'.repeat(64)}`,
      steps: oldSteps,
      plan: { version: 1, stores: [{ store: 'sessions', action: 'delete', count: SEEDED.sessions }] },
    });
    await stores.records.erasureJobs.updateStep(job.id, 'outbox', { status: 'done', count: 0 });

    const plan = await planErasure(stores, { tenant, subject: 'alice' }, settings);
    expect(plan.openJob).toMatchObject({ id: job.id, stepsDone: 1, steps: oldSteps.length });
    const result = await executeErasure(stores, plan, settings);
    expect(result).toMatchObject({ status: 'erased', resumed: true, jobId: job.id });
    expect(result.steps.map((s) => [s.name, s.status])).toEqual([
      ['outbox', 'done-before'],
      ...oldSteps.slice(1).map((name) => [name, 'ran']),
      ['api-keys', 'ran'],
    ]);
    expect(result.steps.at(-1)?.count).toBe(SEEDED.apiKeys);
    expect(await stores.records.apiKeys.countBySubject(tenant, 'alice')).toBe(0);
    expect((await stores.records.apiKeys.verify(seededApiKey(tenant, 'alice2'))).ok).toBe(true);
    expect(result.receipt).toMatchObject({ planHash: job.planHash, previousHash: legacy.hash });
    expect(result.receipt?.stores.find((s) => s.store === 'api-keys')).toEqual({
      store: 'api-keys',
      action: 'delete',
      before: SEEDED.apiKeys, // not in the old job's plan: what the resuming plan found
      after: 0,
    });
    const check = await verifyReceipts([early.receipt, legacy.receipt, result.receipt], keys, {
      records: stores.records,
    });
    expect(check.problems).toEqual([]);
    expect(check.chains).toEqual([{ tenant, headSequence: 3, verifiedLinks: 3, intact: true }]);
  });
});
