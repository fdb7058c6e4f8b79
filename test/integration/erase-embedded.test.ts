import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/sdk/config/resolve.js';
import { InvalidInputError } from '../../src/sdk/errors.js';
import { decodeSingleObject } from '../../src/sdk/events/codec/event-codec.js';
import type { ConversationEvent } from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import { unsealFields } from '../../src/sdk/events/sealing/unseal-fields.js';
import {
  BlastRadiusError,
  ErasureKeys,
  type ErasureSettings,
  erasedSubjectEntry,
  eraseSubject,
  executeErasure,
  LegalHoldError,
  PlanChangedError,
  placeLegalHold,
  planErasure,
  reEraseAfterRestore,
  releaseLegalHold,
  STEP_NAMES,
  verifyReceipts,
} from '../../src/sdk/governance/erase/index.js';
import { openStores, type Stores } from '../../src/sdk/stores/factory.js';
import {
  LOOK_ALIKES,
  SEEDED,
  seededApiKey,
  seedSubject,
  snapshotSubject,
  TEST_RECEIPT_KEY,
} from '../support/erase-fixtures.js';

const settings: ErasureSettings = { receiptKey: TEST_RECEIPT_KEY, maxRecords: 1000, compactedTopics: [] };
const keys = new ErasureKeys(TEST_RECEIPT_KEY);
const catalog = loadSchemaCatalog();

let stores: Stores;
let dataDir: string;
let n = 0;
/** A tenant of its own per test. */
const freshTenant = () => `acme-${++n}`;

async function seedAll(tenant: string): Promise<void> {
  for (const subject of ['alice', ...LOOK_ALIKES])
    await seedSubject(stores, tenant, subject, { versioned: true });
}

async function snapshots(tenant: string): Promise<unknown[]> {
  const all = [];
  for (const subject of LOOK_ALIKES) all.push(await snapshotSubject(stores, tenant, subject));
  return all;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'soma-erase-'));
  const { config } = resolveConfig({ env: {}, cwd: dataDir, flags: { dataDir, 'vector.dimensions': '8' } });
  stores = await openStores(config, { purpose: 'erase test' });
  await stores.objects.setVersioning(true);
}, 120_000);
afterAll(async () => {
  await stores?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('erasure, embedded profile (PGlite, filesystem objects, embedded event log)', () => {
  it('plans by index: per-store counts, a stable plan hash, nothing changed', async () => {
    const tenant = freshTenant();
    await seedAll(tenant);
    const before = await snapshotSubject(stores, tenant, 'alice');
    const plan = await planErasure(stores, { tenant, subject: 'alice' }, settings);
    const counts = Object.fromEntries(plan.stores.map((s) => [s.store, s.count]));
    expect(counts).toEqual({
      'api-keys': SEEDED.apiKeys,
      sessions: SEEDED.sessions,
      'rate-limits': SEEDED.rateLimits,
      vectors: SEEDED.vectors,
      objects: 4, // a.txt twice, b.bin and its delete marker
      outbox: SEEDED.outbox,
      audit: SEEDED.audit,
      'subject-key': 1,
      'event-tombstones': 0,
    });
    expect(plan.stores.find((s) => s.store === 'objects')?.detail).toEqual({
      current: 1,
      noncurrent: 2,
      deleteMarkers: 1,
    });
    expect(plan.total).toBe(2 + 2 + 1 + 3 + 4 + 2 + 3 + 1);
    expect(plan.planHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(plan.subjectHash).toBe(keys.subjectHash(tenant, 'alice'));
    expect(plan.steps).toEqual(STEP_NAMES);
    expect((await planErasure(stores, { tenant, subject: 'alice' }, settings)).planHash).toBe(plan.planHash);
    expect(await snapshotSubject(stores, tenant, 'alice')).toEqual(before);
    const other = await planErasure(stores, { tenant, subject: 'alice2' }, settings);
    expect(other.planHash).not.toBe(plan.planHash);
  });

  it('erases every store, pseudonymises audit, shreds sealed fields; look-alikes survive byte for byte', async () => {
    const tenant = freshTenant();
    await seedAll(tenant);
    const lookAlikes = await snapshots(tenant);
    const auditRows = async () =>
      (
        await stores.sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM soma_audit_log WHERE tenant_id = $1 AND action <> 'erase.receipt'",
          [tenant],
        )
      ).rows[0]?.n;
    const auditBefore = await auditRows();
    // The events already relayed: what a consumer keeps after the erasure.
    const relayed = (
      await stores.sql.query<{ payload: Uint8Array }>(
        'SELECT payload FROM soma_outbox WHERE tenant_id = $1',
        [tenant],
      )
    ).rows.map((r) => Buffer.from(r.payload));

    const result = await eraseSubject(stores, { tenant, subject: 'alice' }, settings, { actor: 'ops' });
    expect(result.status).toBe('erased');
    expect(result.resumed).toBe(false);
    expect(result.verification.residue).toEqual([]);
    expect(Object.values(result.verification.after).every((count) => count === 0)).toBe(true);
    expect(result.steps.map((s) => [s.name, s.status])).toEqual(STEP_NAMES.map((name) => [name, 'ran']));
    expect(result.steps.find((s) => s.name === 'objects')?.count).toBe(4);

    expect(await snapshots(tenant)).toEqual(lookAlikes);
    // The subject's keys are gone; the look-alikes' keys still authenticate, as themselves.
    expect(await stores.records.apiKeys.verify(seededApiKey(tenant, 'alice'))).toMatchObject({
      ok: false,
      reason: 'unknown',
    });
    for (const subject of LOOK_ALIKES) {
      expect(await stores.records.apiKeys.verify(seededApiKey(tenant, subject))).toMatchObject({
        ok: true,
        principal: { tenant, subject },
      });
    }
    expect(await auditRows()).toBe(auditBefore); // kept, under a pseudonym
    const pseudonymised = await stores.sql.query<{ subject_id: string | null; actor: string }>(
      `SELECT subject_id, actor FROM soma_audit_log WHERE tenant_id = $1 AND (subject_id LIKE 'erased-%' OR actor LIKE 'erased-%')`,
      [tenant],
    );
    expect(pseudonymised.rows).toHaveLength(SEEDED.audit);
    expect(
      new Set(pseudonymised.rows.map((r) => (r.subject_id?.startsWith('erased-') ? r.subject_id : r.actor)))
        .size,
    ).toBe(1);

    let shredded = 0;
    for (const payload of relayed) {
      const event = decodeSingleObject<ConversationEvent>(catalog, payload).value;
      expect(payload.toString('latin1')).not.toContain('person@example.com');
      const opened = await unsealFields(stores.records.subjectKeys, event.sealed!);
      if (opened.state === 'shredded') shredded += 1;
      else expect(opened.state).toBe('open');
    }
    expect(shredded).toBe(SEEDED.outbox);

    const receipt = result.receipt!;
    expect(receipt).toMatchObject({
      tenant,
      subject: keys.subjectHash(tenant, 'alice'),
      sequence: 1,
      previousHash: null,
    });
    expect(JSON.stringify(receipt)).not.toMatch(/alice/);
    expect(receipt.stores.find((s) => s.store === 'sessions')).toEqual({
      store: 'sessions',
      action: 'delete',
      before: SEEDED.sessions,
      after: 0,
    });
    expect(receipt.stores.find((s) => s.store === 'api-keys')).toEqual({
      store: 'api-keys',
      action: 'delete',
      before: SEEDED.apiKeys,
      after: 0,
    });
    expect(await erasedSubjectEntry(stores.objects, keys, { tenant, subject: 'alice' })).toMatchObject({
      jobId: result.jobId,
    });
    const check = await verifyReceipts([receipt], keys, { records: stores.records });
    expect(check.problems).toEqual([]);
    expect(check.valid).toBe(true);

    // A second run finds nothing and succeeds, with the next receipt of the chain.
    const again = await eraseSubject(stores, { tenant, subject: 'alice' }, settings);
    expect(again.plan.total).toBe(0);
    expect(again.status).toBe('erased');
    expect(again.receipt).toMatchObject({ sequence: 2, previousHash: result.receiptHash });
    expect(await snapshots(tenant)).toEqual(lookAlikes);
  });

  it('resumes after a crash between steps and completes, with one receipt', async () => {
    const tenant = freshTenant();
    await seedAll(tenant);
    const lookAlikes = await snapshots(tenant);
    const crash = new Error('power cut');
    await expect(
      eraseSubject(stores, { tenant, subject: 'alice' }, settings, {
        afterStep: (_step, index) => {
          if (index === 5) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const plan = await planErasure(stores, { tenant, subject: 'alice' }, settings);
    expect(plan.openJob).toMatchObject({ state: 'running', stepsDone: 5, steps: STEP_NAMES.length });
    expect(plan.stores.find((s) => s.store === 'sessions')?.count).toBe(0);
    expect(plan.stores.find((s) => s.store === 'objects')?.count).toBe(4);

    const resumed = await executeErasure(stores, plan, settings);
    expect(resumed.status).toBe('erased');
    expect(resumed.resumed).toBe(true);
    expect(resumed.jobId).toBe(plan.openJob?.id);
    expect(resumed.steps.map((s) => s.status)).toEqual([
      ...Array(5).fill('done-before'),
      ...Array(STEP_NAMES.length - 5).fill('ran'),
    ]);
    // The receipt reports what the job found before its first step, not what the resumed plan found.
    expect(resumed.receipt?.stores.find((s) => s.store === 'sessions')?.before).toBe(SEEDED.sessions);
    expect(await stores.records.erasureReceipts.byJob(resumed.jobId)).toBeDefined();
    expect(await snapshots(tenant)).toEqual(lookAlikes);
  });

  it('reports residue (exit 1 material) and erases it on the next run', async () => {
    const tenant = freshTenant();
    await seedAll(tenant);
    const result = await eraseSubject(stores, { tenant, subject: 'alice' }, settings, {
      // The subject is active during the erasure: a new key and a new session arrive after their steps.
      afterStep: async (step) => {
        if (step === 'api-keys') await stores.records.apiKeys.create({ tenant, subject: 'alice' });
        if (step === 'sessions') {
          await stores.sessions.set({ tenant, subject: 'alice', sessionId: 'late', state: { late: true } });
        }
      },
    });
    expect(result.status).toBe('residue');
    expect(result.receipt).toBeNull();
    expect(result.verification.residue).toEqual([
      {
        store: 'api-keys',
        kind: 'data',
        count: 1,
        detail: 'API keys of the subject still stored (created again during the erasure?)',
      },
      { store: 'sessions', kind: 'data', count: 1, detail: 'live sessions still stored' },
    ]);
    const job = await stores.records.erasureJobs.get(result.jobId);
    expect(job?.state).toBe('failed');
    expect(job?.error).toContain('api-keys, sessions');
    const again = await eraseSubject(stores, { tenant, subject: 'alice' }, settings);
    expect(again).toMatchObject({ status: 'erased', resumed: true, jobId: result.jobId });
    expect(again.steps.every((s) => s.status === 'ran')).toBe(true);
  });

  it('refuses a legal hold (with its reason), a plan over the blast radius and a changed plan', async () => {
    const tenant = freshTenant();
    await seedAll(tenant);
    const before = await snapshotSubject(stores, tenant, 'alice');
    await placeLegalHold(stores.records, { tenant, subject: 'alice', reason: 'case 4711', by: 'legal' });
    const held = await planErasure(stores, { tenant, subject: 'alice' }, settings);
    expect(held.legalHold).toMatchObject({ reason: 'case 4711', placedBy: 'legal' });
    const error = await executeErasure(stores, held, settings).catch((e) => e);
    expect(error).toBeInstanceOf(LegalHoldError);
    expect(error.message).toContain('case 4711');
    expect(await releaseLegalHold(stores.records, { tenant, subject: 'alice', by: 'legal' })).toMatchObject({
      reason: 'case 4711',
    });

    const plan = await planErasure(stores, { tenant, subject: 'alice' }, settings);
    await expect(executeErasure(stores, plan, { ...settings, maxRecords: 5 })).rejects.toBeInstanceOf(
      BlastRadiusError,
    );
    await expect(
      executeErasure(stores, plan, settings, { maxRecords: plan.total - 1 }),
    ).rejects.toBeInstanceOf(BlastRadiusError);
    await expect(
      executeErasure(stores, plan, settings, { expectPlanHash: `sha256:${'0'.repeat(64)}` }),
    ).rejects.toBeInstanceOf(PlanChangedError);
    // A bad actor or a malformed expected hash is refused before a job starts (not at the receipt).
    for (const actor of ['', '  ', ' ops', 'ops\n']) {
      await expect(executeErasure(stores, plan, settings, { actor })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    }
    await expect(
      executeErasure(stores, plan, settings, { expectPlanHash: 'sha256:3f1c' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    // Audit entries of the hold itself were added; everything else is as it was.
    const after = (await snapshotSubject(stores, tenant, 'alice')) as { audit: Array<{ action: string }> };
    const audit = after.audit.filter((e) => !e.action.startsWith('legal-hold.'));
    expect(after.audit).toHaveLength(SEEDED.audit + 2);
    expect({ ...after, audit }).toEqual(before);
    expect(await stores.records.erasureJobs.findOpen(tenant, plan.subjectHash)).toBeUndefined();
  });

  it('refuses empty, whitespace and pattern ids before touching any store', async () => {
    for (const subject of ['', '   ', ' alice', 'alice*', 'al?ce', 'ali[c]e', 'alice%', 'a\\b']) {
      await expect(planErasure(stores, { tenant: 'acme', subject }, settings)).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    }
    await expect(planErasure(stores, { tenant: 'acme*', subject: 'alice' }, settings)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    const exact = await planErasure(
      stores,
      { tenant: 'acme', subject: 'alice*', allowPatternCharacters: true },
      settings,
    );
    expect(exact.who.subject).toBe('alice*');
  });

  it('re-erases logged subjects after a restore brings their data back; others stay', async () => {
    const tenant = freshTenant();
    await seedAll(tenant);
    const lookAlikes = await snapshots(tenant);
    const dump = await stores.sql.query<Record<string, unknown>>(
      'SELECT * FROM soma_subject_keys WHERE tenant_id = $1 AND subject_id = $2',
      [tenant, 'alice'],
    );
    const apiKeyRows = await stores.sql.query<Record<string, unknown>>(
      'SELECT * FROM soma_api_keys WHERE tenant_id = $1 AND subject_id = $2',
      [tenant, 'alice'],
    );
    await eraseSubject(stores, { tenant, subject: 'alice' }, settings);
    // "Restore" an old backup: the key row, an API key and a session come back.
    const row = dump.rows[0] as { key_id: string; key_material: Uint8Array };
    await stores.sql.query(
      'INSERT INTO soma_subject_keys (key_id, tenant_id, subject_id, key_material) VALUES ($1::uuid, $2, $3, $4)',
      [row.key_id, tenant, 'alice', Buffer.from(row.key_material)],
    );
    const apiKeyRow = apiKeyRows.rows[0] as Record<string, unknown>;
    const columns = Object.keys(apiKeyRow);
    await stores.sql.query(
      `INSERT INTO soma_api_keys (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => apiKeyRow[c]),
    );
    await stores.sessions.set({ tenant, subject: 'alice', sessionId: 'restored', state: { from: 'backup' } });
    expect((await planErasure(stores, { tenant, subject: 'alice' }, settings)).total).toBe(3);

    const report = await reEraseAfterRestore(stores, settings);
    expect(report.candidates).toBeGreaterThanOrEqual(1 + LOOK_ALIKES.length);
    const mine = report.outcomes.filter((o) => o.subject === keys.subjectHash(tenant, 'alice'));
    expect(mine).toEqual([expect.objectContaining({ status: 'erased', error: null })]);
    expect((await planErasure(stores, { tenant, subject: 'alice' }, settings)).total).toBe(0);
    expect(await stores.records.subjectKeys.get(row.key_id)).toMatchObject({ state: 'destroyed' });
    expect((await stores.records.apiKeys.verify(seededApiKey(tenant, 'alice'))).ok).toBe(false);
    expect(await snapshots(tenant)).toEqual(lookAlikes);
  });

  it('verifying a receipt walks the tenant chain in the audit log and finds an altered or missing link', async () => {
    const tenant = freshTenant();
    const receipts = [];
    for (const subject of ['u1', 'u2', 'u3']) {
      await seedSubject(stores, tenant, subject);
      receipts.push((await eraseSubject(stores, { tenant, subject }, settings)).receipt);
    }
    const ok = await verifyReceipts([receipts[0]], keys, { records: stores.records });
    expect(ok.chains).toEqual([{ tenant, headSequence: 3, verifiedLinks: 3, intact: true }]);
    expect(ok.receipts[0]).toMatchObject({ stored: 'on-chain', chain: 'linked', signature: 'valid' });

    // Someone with table-owner rights bypasses the append-only guard and edits receipt #2's counts.
    const tamper = async (statement: string) => {
      await stores.sql.exec('ALTER TABLE soma_audit_log DISABLE TRIGGER soma_audit_log_guard_rows');
      try {
        await stores.sql.query(statement, [tenant]);
      } finally {
        await stores.sql.exec('ALTER TABLE soma_audit_log ENABLE TRIGGER soma_audit_log_guard_rows');
      }
    };
    await tamper(
      `UPDATE soma_audit_log SET details = jsonb_set(details, '{receipt,stores,0,before}', '0')
        WHERE tenant_id = $1 AND action = 'erase.receipt' AND (details -> 'receipt' ->> 'sequence') = '2'`,
    );
    const altered = await verifyReceipts([receipts[2]], keys, { records: stores.records });
    expect(altered.valid).toBe(false);
    expect(altered.chains[0]).toMatchObject({ verifiedLinks: 1, intact: false });
    expect(altered.problems.join('\n')).toContain('receipt #2 was altered');

    await tamper(
      `DELETE FROM soma_audit_log WHERE tenant_id = $1 AND action = 'erase.receipt' AND (details -> 'receipt' ->> 'sequence') = '2'`,
    );
    const missing = await verifyReceipts([receipts[0]], keys, { records: stores.records });
    expect(missing.valid).toBe(false);
    expect(missing.problems.join('\n')).toMatch(/receipt #2 .* is missing from the audit log/);
    expect(missing.receipts[0]?.stored).toBe('missing');
  });
});
