import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticateApiKey,
  createApiKey,
  ensureBootstrapKey,
  listApiKeys,
  revokeApiKey,
} from '../../src/sdk/auth/api-keys.js';
import { InvalidInputError } from '../../src/sdk/errors.js';
import type { ApiKeyFailureReason } from '../../src/sdk/stores/records/api-keys.js';
import type { Records } from '../../src/sdk/stores/records/records.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import type { RecordsContext } from './records.contract.js';
import { BAD_IDS, LOOK_ALIKES, PARAMS, type SqlHarness } from './records.harness.js';

const tenantName = () => `t-${randomBytes(4).toString('hex')}`;
const KEY = /^soma_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const secretOf = (key: string) => Buffer.from(KEY.exec(key)?.[2] ?? '', 'base64url');

/** ApiKeys part of the records contract. `harness` gives the bootstrap tests a database of their own. */
export function apiKeysContract(ctx: () => RecordsContext, harness: SqlHarness): void {
  describe('ApiKeys', () => {
    it('creates a key shown once, stored only as the SHA-256 of its secret', async () => {
      const { records, client } = ctx();
      const tenant = tenantName();
      const created = await records.apiKeys.create({ tenant, subject: 'alice', label: 'laptop' });
      const [, keyId] = KEY.exec(created.key) ?? [];
      expect(keyId).toBe(created.keyId);
      expect(created).toMatchObject({
        tenant,
        subject: 'alice',
        label: 'laptop',
        admin: false,
        lastUsedAt: null,
        revokedAt: null,
        expiresAt: null,
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      const { key, ...info } = created;
      expect(await records.apiKeys.get(created.keyId)).toEqual(info);
      expect(await records.apiKeys.list({ tenant })).toEqual([info]);

      const { rows } = await client.query<Record<string, unknown>>(
        'SELECT * FROM soma_api_keys WHERE key_id = $1',
        [created.keyId],
      );
      const stored = rows[0] as Record<string, unknown>;
      const digest = createHash('sha256').update(secretOf(key)).digest();
      expect(Buffer.from(stored.secret_sha256 as Uint8Array).equals(digest)).toBe(true);
      const secretText = KEY.exec(key)?.[2] as string;
      for (const value of Object.values(stored)) {
        const text = value instanceof Uint8Array ? Buffer.from(value).toString('base64url') : String(value);
        expect(text).not.toContain(secretText);
      }
      expect(JSON.stringify(await records.apiKeys.list())).not.toContain(secretText);
    });

    it('every key is different', async () => {
      const { apiKeys } = ctx().records;
      const tenant = tenantName();
      const keys = await Promise.all(
        Array.from({ length: 20 }, () => apiKeys.create({ tenant, subject: 's', admin: true })),
      );
      expect(new Set(keys.map((k) => k.keyId)).size).toBe(20);
      expect(new Set(keys.map((k) => k.key)).size).toBe(20);
      expect(keys.every((k) => k.admin)).toBe(true);
    });

    it('authenticates a good key as its tenant and subject, and refuses each bad form with its reason', async () => {
      const { apiKeys } = ctx().records;
      const tenant = tenantName();
      const created = await apiKeys.create({ tenant, subject: 'bob', admin: true });
      expect(await apiKeys.verify(created.key)).toEqual({
        ok: true,
        principal: { keyId: created.keyId, tenant, subject: 'bob', admin: true },
      });
      expect(await apiKeys.verify(`  ${created.key}\n`)).toMatchObject({ ok: true });

      const secret = secretOf(created.key);
      const flipped = Buffer.from(secret);
      flipped[0] = (flipped[0] as number) ^ 1;
      const otherId = created.keyId.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const lastChar = created.key.at(-1) as string;
      // The 43rd base64url character carries 2 spare bits: another character decoding to the same bytes.
      const alias = 'AEIMQUYcgkosw048'.includes(lastChar)
        ? String.fromCharCode(lastChar.charCodeAt(0) + 1)
        : undefined;
      const cases: Array<[string, ApiKeyFailureReason]> = [
        ['', 'malformed'],
        ['garbage', 'malformed'],
        [created.key.slice(0, -1), 'malformed'],
        [`${created.key}A`, 'malformed'],
        [created.key.replace('soma_', 'SOMA_'), 'malformed'],
        [created.key.replace(created.keyId, created.keyId.toUpperCase()), 'malformed'],
        [`Bearer ${created.key}`, 'malformed'],
        [`soma_${otherId}_${secret.toString('base64url')}`, 'unknown'],
        [`soma_${created.keyId}_${flipped.toString('base64url')}`, 'mismatch'],
      ];
      if (alias) cases.push([`${created.key.slice(0, -1)}${alias}`, 'malformed']);
      for (const [presented, reason] of cases) {
        const check = await apiKeys.verify(presented);
        expect({ presented, check }).toMatchObject({ presented, check: { ok: false, reason } });
      }
      const refused: Array<[ApiKeyFailureReason, string | undefined]> = [];
      const principal = await authenticateApiKey(ctx().records, `soma_${otherId}_${'A'.repeat(42)}A`, {
        onRefused: (reason, keyId) => refused.push([reason, keyId]),
      });
      expect(principal).toBeNull();
      expect(refused).toEqual([['unknown', otherId]]);
      expect(await authenticateApiKey(ctx().records, created.key)).toMatchObject({ tenant, subject: 'bob' });
    });

    it('a revoked key stops authenticating; revoking again keeps the first time', async () => {
      const { apiKeys } = ctx().records;
      const tenant = tenantName();
      const created = await apiKeys.create({ tenant, subject: 'carol' });
      const keep = await apiKeys.create({ tenant, subject: 'carol' });
      const revoked = await apiKeys.revoke(created.keyId);
      expect(revoked?.revokedAt).toBeInstanceOf(Date);
      expect(await apiKeys.verify(created.key)).toEqual({
        ok: false,
        reason: 'revoked',
        keyId: created.keyId,
      });
      expect(revoked?.alreadyRevoked).toBe(false);
      expect(await apiKeys.revoke(created.keyId)).toEqual({ ...revoked, alreadyRevoked: true });
      expect(await apiKeys.verify(keep.key)).toMatchObject({ ok: true });
      expect(await apiKeys.list({ tenant, includeRevoked: false })).toEqual([
        expect.objectContaining({ keyId: keep.keyId }),
      ]);
      // Both listed (two keys made in the same millisecond are ordered by id, not by creation).
      expect((await apiKeys.list({ tenant })).map((k) => k.keyId).sort()).toEqual(
        [created.keyId, keep.keyId].sort(),
      );
      // The whole key names its id: a leaked key can be revoked by pasting it.
      expect((await apiKeys.revoke(keep.key))?.keyId).toBe(keep.keyId);
      expect(await apiKeys.revoke('0000000000000000')).toBeUndefined();
    });

    it('of concurrent revocations exactly one revokes', async () => {
      const { apiKeys } = ctx().records;
      const created = await apiKeys.create({ tenant: tenantName(), subject: 'carol' });
      const results = await Promise.all([1, 2, 3, 4].map(() => apiKeys.revoke(created.keyId)));
      expect(results.filter((r) => r?.alreadyRevoked === false)).toHaveLength(1);
      expect(new Set(results.map((r) => r?.revokedAt?.getTime())).size).toBe(1);
    });

    it('the SDK functions given the records audit creation, revocation and bootstrap in one transaction', async () => {
      const { records } = ctx();
      const tenant = tenantName();
      const created = await createApiKey(
        records,
        { tenant, subject: 'gus', admin: true },
        { actor: 'ops-1' },
      );
      await revokeApiKey(records, created.keyId, { actor: 'ops-2' });
      await revokeApiKey(records, created.keyId, { actor: 'ops-3' });
      const { entries } = await records.audit.query({ tenant });
      expect(entries.map((e) => [e.action, e.actor, e.subject, e.resource])).toEqual([
        ['api_key.create', 'ops-1', 'gus', `api_key:${created.keyId}`],
        ['api_key.revoke', 'ops-2', 'gus', `api_key:${created.keyId}`],
      ]);
      expect(entries[0]?.details).toEqual({ admin: true, expiresAt: null });
      expect(JSON.stringify(entries)).not.toContain(created.key.slice(22));
      // A failing audit append rolls the key back: no key without its audit entry.
      const before = (await records.apiKeys.list({ tenant })).length;
      await expect(
        createApiKey(records, { tenant, subject: 'gus' }, { actor: 'bad\nactor' }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      expect((await records.apiKeys.list({ tenant })).length).toBe(before);
    });

    it('an expired key is refused; expiresAt must be in the future', async () => {
      const { records, client } = ctx();
      const tenant = tenantName();
      const expiresAt = new Date(Date.now() + 3_600_000);
      const created = await records.apiKeys.create({ tenant, subject: 'dan', expiresAt });
      expect(created.expiresAt?.getTime()).toBe(expiresAt.getTime());
      expect(await records.apiKeys.verify(created.key)).toMatchObject({ ok: true });
      await client.query(
        "UPDATE soma_api_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1",
        [created.keyId],
      );
      expect(await records.apiKeys.verify(created.key)).toEqual({
        ok: false,
        reason: 'expired',
        keyId: created.keyId,
      });
      await expect(
        records.apiKeys.create({ tenant, subject: 'dan', expiresAt: new Date(Date.now() - 1000) }),
      ).rejects.toThrow(/not in the future/);
    });

    it('records the last use at most once a minute', async () => {
      const { records, client } = ctx();
      const created = await records.apiKeys.create({ tenant: tenantName(), subject: 'erin' });
      await records.apiKeys.verify(created.key);
      const first = (await records.apiKeys.get(created.keyId))?.lastUsedAt;
      expect(first).toBeInstanceOf(Date);
      await records.apiKeys.verify(created.key);
      expect((await records.apiKeys.get(created.keyId))?.lastUsedAt).toEqual(first);
      await client.query(
        "UPDATE soma_api_keys SET last_used_at = last_used_at - interval '2 minutes' WHERE key_id = $1",
        [created.keyId],
      );
      await records.apiKeys.verify(created.key);
      const later = (await records.apiKeys.get(created.keyId))?.lastUsedAt;
      expect(later?.getTime()).toBeGreaterThanOrEqual(first?.getTime() ?? Number.POSITIVE_INFINITY);
      // A refused key is not a use.
      const revoked = await records.apiKeys.create({ tenant: tenantName(), subject: 'erin' });
      await records.apiKeys.revoke(revoked.keyId);
      await records.apiKeys.verify(revoked.key);
      expect((await records.apiKeys.get(revoked.keyId))?.lastUsedAt).toBeNull();
    });

    it('a tenant never sees, reads or revokes another tenant’s keys', async () => {
      const { records } = ctx();
      const [a, b] = [tenantName(), tenantName()];
      const keyA = await records.apiKeys.create({ tenant: a, subject: 'alice' });
      const keyB = await records.apiKeys.create({ tenant: b, subject: 'alice' });
      expect((await listApiKeys(records, { tenant: a })).map((k) => k.keyId)).toEqual([keyA.keyId]);
      expect(await records.apiKeys.get(keyA.keyId, { tenant: b })).toBeUndefined();
      expect(await records.apiKeys.revoke(keyA.keyId, { tenant: b })).toBeUndefined();
      expect(await records.apiKeys.verify(keyA.key)).toMatchObject({ ok: true, principal: { tenant: a } });
      expect((await records.apiKeys.revoke(keyB.keyId, { tenant: b }))?.revokedAt).toBeInstanceOf(Date);
      const all = (await records.apiKeys.list()).map((k) => k.keyId);
      expect(all).toEqual(expect.arrayContaining([keyA.keyId, keyB.keyId]));
    });

    it('finds and deletes a subject’s keys by exact id (erasure)', async () => {
      const { apiKeys } = ctx().records;
      const tenant = tenantName();
      await apiKeys.create({ tenant, subject: 'alice' });
      await apiKeys.create({ tenant, subject: 'alice' });
      for (const lookAlike of LOOK_ALIKES) await apiKeys.create({ tenant, subject: lookAlike });
      await apiKeys.create({ tenant: `${tenant}2`, subject: 'alice' });
      expect(await apiKeys.countBySubject(tenant, 'alice')).toBe(2);
      expect((await apiKeys.list({ tenant, subject: 'alice' })).length).toBe(2);
      expect(await apiKeys.deleteBySubject(tenant, 'alice')).toBe(2);
      expect(await apiKeys.countBySubject(tenant, 'alice')).toBe(0);
      expect((await apiKeys.list({ tenant })).length).toBe(LOOK_ALIKES.length);
      expect(await apiKeys.countBySubject(`${tenant}2`, 'alice')).toBe(1);
    });

    it('rejects malformed input with InvalidInputError', async () => {
      const { apiKeys } = ctx().records;
      for (const bad of BAD_IDS) {
        await expect(apiKeys.create({ tenant: bad as string, subject: 's' })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(apiKeys.create({ tenant: 't', subject: bad as string })).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(apiKeys.list({ tenant: bad as string })).rejects.toBeInstanceOf(InvalidInputError);
      }
      // A padded owner would be stored as typed and match nothing else.
      for (const padded of [' t', 't ', '  t  ']) {
        await expect(apiKeys.create({ tenant: padded, subject: 's' })).rejects.toThrow(/whitespace/);
        await expect(apiKeys.create({ tenant: 't', subject: padded })).rejects.toThrow(/whitespace/);
        await expect(apiKeys.createIfNoneUsable({ tenant: padded, subject: 's' })).rejects.toThrow(
          /whitespace/,
        );
      }
      for (const label of ['', ' ', 'x'.repeat(201), 'a\nb', 7]) {
        await expect(apiKeys.create({ tenant: 't', subject: 's', label: label as string })).rejects.toThrow(
          /label/,
        );
      }
      await expect(
        apiKeys.create({ tenant: 't', subject: 's', admin: 'yes' as unknown as boolean }),
      ).rejects.toThrow(/admin must be a boolean/);
      await expect(
        apiKeys.create({ tenant: 't', subject: 's', expiresAt: new Date('nope') }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      for (const id of ['', 'nope', 'ABCDEF0123456789', '0123456789abcdef0']) {
        await expect(apiKeys.revoke(id)).rejects.toBeInstanceOf(InvalidInputError);
        await expect(apiKeys.get(id)).rejects.toThrow(/16 lowercase hex digits/);
      }
      await expect(apiKeys.list({ subject: 'alice' })).rejects.toThrow(/needs the tenant/);
    });
  });

  describe('ApiKeys bootstrap (a database of its own)', () => {
    let client: SqlClient | undefined;
    let records: Records | undefined;
    const own = (): Records => {
      if (!records) throw new Error('records not opened');
      return records;
    };
    beforeAll(async () => {
      client = await harness.open();
      await migrate(client, PARAMS);
      records = createRecords(client);
    });
    afterAll(async () => {
      if (client) await harness.dispose(client);
    });

    it('creates one admin key when no usable key exists, then none', async () => {
      const created = await ensureBootstrapKey(own());
      expect(created).toMatchObject({ tenant: 'default', subject: 'local', admin: true, label: 'bootstrap' });
      expect(await own().apiKeys.verify(created?.key as string)).toMatchObject({ ok: true });
      expect(await ensureBootstrapKey(own())).toBeNull();
      const audit = await own().audit.query({ tenant: 'default', action: 'api_key.bootstrap' });
      expect(audit.entries.map((e) => e.resource)).toEqual([`api_key:${created?.keyId}`]);
      // A usable key of any tenant counts.
      await own().apiKeys.revoke(created?.keyId as string);
      const other = await own().apiKeys.create({ tenant: 'acme', subject: 'ops' });
      expect(await ensureBootstrapKey(own())).toBeNull();
      // Revoked and expired keys do not.
      await own().apiKeys.revoke(other.keyId);
      const expiring = await own().apiKeys.create({
        tenant: 'acme',
        subject: 'ops',
        expiresAt: new Date(Date.now() + 60_000),
      });
      await client?.query(
        "UPDATE soma_api_keys SET expires_at = now() - interval '1 second' WHERE key_id = $1",
        [expiring.keyId],
      );
      const again = await ensureBootstrapKey(own(), { tenant: 'acme', subject: 'root' });
      expect(again).toMatchObject({ tenant: 'acme', subject: 'root', admin: true });
      expect(again?.keyId).not.toBe(created?.keyId);
    });

    it('concurrent callers create at most one key', async () => {
      await client?.query('DELETE FROM soma_api_keys');
      const peers = await Promise.all([1, 2, 3].map(() => harness.openPeer(client as SqlClient)));
      try {
        const results = await Promise.all(
          [own(), ...peers.map((peer) => createRecords(peer))].flatMap((r) => [
            ensureBootstrapKey(r),
            ensureBootstrapKey(r),
          ]),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect(await own().apiKeys.list()).toHaveLength(1);
      } finally {
        await Promise.all(peers.map((peer) => peer.close()));
      }
    });
  });
}
