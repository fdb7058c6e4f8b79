import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/runtime/logger.js';
import { type RunningServer, startServer } from '../../src/runtime/serve.js';
import { createApiKey } from '../../src/sdk/auth/api-keys.js';
import { resolveConfig } from '../../src/sdk/config/resolve.js';
import { ErasureKeys, type ErasureReport, verifyReceipt } from '../../src/sdk/governance/erase/index.js';
import { subjectPrefix } from '../../src/sdk/stores/objects/object-keys.js';
import { LOOK_ALIKES, snapshotSubject, TEST_RECEIPT_KEY } from '../support/erase-fixtures.js';
import { expectMatchesSchema } from '../support/json-schema.js';

const quiet = createLogger({ level: 'error', write: () => {} });
const TENANT = 'acme';
const SUBJECTS = ['alice', ...LOOK_ALIKES];

async function start(flags: Record<string, unknown>): Promise<{ server: RunningServer; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'soma-gateway-erase-'));
  const { config } = resolveConfig({ env: {}, cwd: dataDir, flags: { dataDir, 'server.port': 0, ...flags } });
  return { server: await startServer(config, { log: quiet }), dataDir };
}

// The admin erasure endpoint in-process on the embedded profile: data seeded through real turns, erased
// through the gateway with an admin key, checked in the stores the server serves from.
describe('gateway: POST /v1/admin/erase', () => {
  let server: RunningServer;
  let dataDir: string;
  const keys: Record<string, string> = {};
  const call = (who: string, path: string, init: RequestInit = {}) =>
    fetch(new URL(path, server.url), {
      ...init,
      headers: {
        Authorization: `Bearer ${keys[who]}`,
        'Content-Type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });
  const post = (who: string, path: string, body: unknown) =>
    call(who, path, { method: 'POST', body: JSON.stringify(body) });
  const erase = (who: string, body: Record<string, unknown>) => post(who, '/v1/admin/erase', body);
  const who = (tenant: string, subject: string) => `${tenant}/${subject}`;

  /** A conversation with one message and one artifact-producing tool call, through the gateway. */
  async function converse(key: string): Promise<string> {
    const created = await post(key, '/v1/conversations', {});
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const said = await post(key, `/v1/conversations/${id}/messages`, { text: 'I like green tea' });
    expect(said.status).toBe(200);
    const ran = await post(key, `/v1/conversations/${id}/messages`, { text: '/run "x".repeat(30000)' });
    const turn = (await ran.json()) as { toolCalls: Array<{ artifact?: { key: string } }> };
    expect(turn.toolCalls[0]?.artifact?.key).toBeDefined();
    return id;
  }
  const snapshots = () => Promise.all(LOOK_ALIKES.map((s) => snapshotSubject(server.stores, TENANT, s)));
  const aliceData = () => snapshotSubject(server.stores, TENANT, 'alice');

  beforeAll(async () => {
    ({ server, dataDir } = await start({ 'erase.receiptKey': TEST_RECEIPT_KEY }));
    const records = server.stores.records;
    for (const tenant of [TENANT, 'evil']) {
      for (const subject of tenant === TENANT ? SUBJECTS : ['alice'])
        keys[who(tenant, subject)] = (await createApiKey(records, { tenant, subject })).key;
      keys[`${tenant}-admin`] = (await createApiKey(records, { tenant, subject: 'ops', admin: true })).key;
    }
    for (const key of [...SUBJECTS.map((s) => who(TENANT, s)), who('evil', 'alice')]) await converse(key);
    // A subject-scoped bucket of the serving process's in-process limiter: only the endpoint reaches it.
    await server.stores.rateLimiter.take(
      { tenant: TENANT, subject: 'alice', bucket: 'turns' },
      { limit: 10, windowMs: 3_600_000 },
    );
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is for admin keys only (403), and refuses malformed bodies and pattern ids (400)', async () => {
    const before = await aliceData();
    for (const [path, body] of [
      ['/v1/admin/erase', { subject: 'alice' }],
      ['/v1/admin/erase/holds', { subject: 'alice', reason: 'x' }],
    ] as const) {
      const refused = await post(who(TENANT, 'alice'), path, body);
      expect(refused.status).toBe(403);
      const { error } = (await refused.json()) as { error: { code: string; message: string; hint: string } };
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toContain('needs an admin API key');
      expect(error.hint).toContain('--admin');
    }
    expect(
      (await call(who(TENANT, 'alice'), '/v1/admin/erase/holds/alice', { method: 'DELETE' })).status,
    ).toBe(403);
    expect((await erase('acme-admin', { subject: 'alice', dry_run: true })).status).toBe(400);
    expect((await erase('acme-admin', { subject: 'alice', maxRecords: '5' })).status).toBe(400);
    expect((await erase('acme-admin', {})).status).toBe(400);
    const pattern = await erase('acme-admin', { subject: 'alice*x' });
    expect(pattern.status).toBe(400);
    expect(((await pattern.json()) as { error: { message: string } }).error.message).toContain(
      'pattern character',
    );
    expect(await aliceData()).toEqual(before);
  });

  it('legal holds block the erasure with 409 and the reason; a dry run reports them and changes nothing', async () => {
    const placed = await post('acme-admin', '/v1/admin/erase/holds', {
      subject: 'alice',
      reason: 'case 4711',
    });
    expect(placed.status).toBe(200);
    expect(await placed.json()).toMatchObject({ tenant: TENANT, subject: 'alice', reason: 'case 4711' });
    const before = await aliceData();

    const blocked = await erase('acme-admin', { subject: 'alice' });
    expect(blocked.status).toBe(409);
    const { error } = (await blocked.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('LEGAL_HOLD');
    expect(error.message).toContain('case 4711');
    const dry = await erase('acme-admin', { subject: 'alice', dryRun: true });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({
      status: 'blocked',
      execution: null,
      plan: { legalHold: { reason: 'case 4711' } },
    });
    expect(await aliceData()).toEqual(before);

    const released = await call('acme-admin', '/v1/admin/erase/holds/alice', { method: 'DELETE' });
    expect(released.status).toBe(200);
    expect(await released.json()).toMatchObject({ reason: 'case 4711' });
    expect((await call('acme-admin', '/v1/admin/erase/holds/alice', { method: 'DELETE' })).status).toBe(404);
  });

  it("an admin key erases its own tenant's user only: another tenant's admin erases its own alice", async () => {
    const acmeAlice = await aliceData();
    // No request names a tenant: trying to is a malformed body.
    const named = await erase('evil-admin', { subject: 'alice', tenant: TENANT });
    expect(named.status).toBe(400);
    expect(((await named.json()) as { error: { message: string } }).error.message).toContain(
      'additional properties',
    );
    expect(await aliceData()).toEqual(acmeAlice);
    const response = await erase('evil-admin', { subject: 'alice' });
    expect(response.status).toBe(200);
    const report = (await response.json()) as ErasureReport;
    expect(report).toMatchObject({ status: 'erased', tenant: 'evil' });
    expect(report.subject).toBe(new ErasureKeys(TEST_RECEIPT_KEY).subjectHash('evil', 'alice'));
    expect(await aliceData()).toEqual(acmeAlice);
    expect((await call(who('evil', 'alice'), '/v1/conversations')).status).toBe(401);
    expect((await call(who(TENANT, 'alice'), '/v1/conversations')).status).toBe(200);
  });

  it('dry run, then erase with the reviewed plan hash: every store verified empty, look-alikes untouched, receipt verifies', async () => {
    const lookAlikes = await snapshots();
    const before = await aliceData();
    const dryResponse = await erase('acme-admin', { subject: 'alice', dryRun: true });
    expect(dryResponse.status).toBe(200);
    const dry = (await dryResponse.json()) as ErasureReport;
    expectMatchesSchema('erase', dry);
    expect(dry).toMatchObject({ status: 'planned', dryRun: true, tenant: TENANT, execution: null });
    const planned = Object.fromEntries(dry.plan.stores.map((s) => [s.store, s.count]));
    expect(planned['api-keys']).toBe(1);
    expect(planned['rate-limits']).toBe(1);
    for (const store of ['sessions', 'vectors', 'objects', 'audit'] as const)
      expect(planned[store]).toBeGreaterThan(0);
    expect(await aliceData()).toEqual(before);

    const wrongPlan = await erase('acme-admin', {
      subject: 'alice',
      expectPlanHash: `sha256:${'0'.repeat(64)}`,
    });
    expect(wrongPlan.status).toBe(422);
    expect(((await wrongPlan.json()) as { error: { code: string } }).error.code).toBe('PLAN_CHANGED');
    const tooLarge = await erase('acme-admin', { subject: 'alice', maxRecords: 1 });
    expect(tooLarge.status).toBe(422);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe('BLAST_RADIUS');
    expect(await aliceData()).toEqual(before);

    const response = await erase('acme-admin', { subject: 'alice', expectPlanHash: dry.plan.planHash });
    expect(response.status).toBe(200);
    const report = (await response.json()) as ErasureReport;
    expectMatchesSchema('erase', report);
    expect(report.status).toBe('erased');
    expect(report.execution?.residue).toEqual([]);
    expect(report.execution?.before).toMatchObject({ 'api-keys': 1, 'rate-limits': 1 });
    expect(Object.values(report.execution?.after ?? { missing: 1 }).every((n) => n === 0)).toBe(true);
    expect(JSON.stringify(report)).not.toMatch(/"alice"|green tea/);

    // Gone from every store the server serves from.
    const { stores } = server;
    expect((await call(who(TENANT, 'alice'), '/v1/conversations')).status).toBe(401);
    expect(await stores.records.apiKeys.countBySubject(TENANT, 'alice')).toBe(0);
    expect(await stores.sessions.countBySubject(TENANT, 'alice')).toBe(0);
    expect(await stores.memory.count({ tenant: TENANT, subject: 'alice' })).toBe(0);
    expect(await stores.rateLimiter.countBySubject(TENANT, 'alice')).toBe(0);
    expect((await stores.objects.listVersions(subjectPrefix(TENANT, 'alice'))).items).toEqual([]);
    expect((await stores.records.audit.query({ tenant: TENANT, subject: 'alice' })).entries).toEqual([]);

    const keys = new ErasureKeys(TEST_RECEIPT_KEY);
    const check = await verifyReceipt(report.receipt, keys, { records: stores.records });
    expect(check.problems).toEqual([]);
    expect(check.valid).toBe(true);
    expect(report.receipt?.stores.map((s) => s.store)).toContain('api-keys');

    // The look-alikes' data is as it was, and their keys still work, each seeing its own conversations.
    expect(await snapshots()).toEqual(lookAlikes);
    for (const subject of LOOK_ALIKES) {
      const list = await call(who(TENANT, subject), '/v1/conversations');
      expect(list.status).toBe(200);
      expect(((await list.json()) as { conversations: unknown[] }).conversations).toHaveLength(1);
    }
  });

  it('erasing the same user again finds nothing and chains the next receipt; ids with a slash travel URL-encoded', async () => {
    const again = (await (await erase('acme-admin', { subject: 'alice' })).json()) as ErasureReport;
    expect(again).toMatchObject({ status: 'erased', plan: { total: 0 }, receipt: { sequence: 2 } });
    // A user id with a slash travels URL-encoded in the path.
    await post('acme-admin', '/v1/admin/erase/holds', { subject: 'alice/x', reason: 'slash' });
    const released = await call('acme-admin', `/v1/admin/erase/holds/${encodeURIComponent('alice/x')}`, {
      method: 'DELETE',
    });
    expect(released.status).toBe(200);
    expect(await released.json()).toMatchObject({ subject: 'alice/x', reason: 'slash' });
  });

  it('is described in /openapi.json', async () => {
    const doc = (await (await fetch(new URL('/openapi.json', server.url))).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/v1/admin/erase']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '403', '409', '422', '503']),
    );
    expect(doc.paths['/v1/admin/erase/holds']?.post).toBeDefined();
    expect(doc.paths['/v1/admin/erase/holds/{subject}']?.delete).toBeDefined();
  });
});

describe('gateway without erase.receiptKey', () => {
  it('serves everything but erasure, which answers 503 with the hint', async () => {
    const { server, dataDir } = await start({});
    try {
      const admin = (await createApiKey(server.stores.records, { tenant: 't', subject: 'ops', admin: true }))
        .key;
      const headers = { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json' };
      const response = await fetch(new URL('/v1/admin/erase', server.url), {
        method: 'POST',
        headers,
        body: JSON.stringify({ subject: 'alice', dryRun: true }),
      });
      expect(response.status).toBe(503);
      const { error } = (await response.json()) as { error: { code: string; message: string; hint: string } };
      expect(error.code).toBe('ERASURE_NOT_CONFIGURED');
      expect(error.message).toContain('erase.receiptKey is not set');
      expect(error.hint).toContain('SOMA_ERASE_RECEIPT_KEY');
      expect((await fetch(new URL('/v1/conversations', server.url), { headers })).status).toBe(200);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
