import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import { runCli } from '../support/cli.js';
import { expectMatchesSchema } from '../support/json-schema.js';
import { describeWithService, randomName } from '../support/services.js';

const KEY = /^soma_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const LONG = 240_000;

describe('somaagent keys (embedded)', () => {
  const root = mkdtempSync(join(tmpdir(), 'soma-keys-'));
  const dataDir = join(root, 'data');
  const keys = (...args: string[]) => runCli(['keys', ...args, '--data-dir', dataDir], { cwd: root });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  let aliceKey = '';
  let aliceId = '';

  it(
    'create prints the key alone on stdout, details and a warning on stderr',
    async () => {
      const result = await runCli(
        [
          'keys',
          'create',
          '--tenant',
          'acme',
          '--subject',
          'alice',
          '--label',
          'alice laptop',
          '--data-dir',
          dataDir,
        ],
        { cwd: root, timeoutMs: LONG },
      );
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      aliceKey = lines[0] as string;
      aliceId = KEY.exec(aliceKey)?.[1] as string;
      expect(aliceId).toMatch(/^[0-9a-f]{16}$/);
      expect(result.stderr).toContain(`Created API key ${aliceId} (tenant acme, subject alice).`);
      expect(result.stderr).toMatch(/Warning: this key is shown only once/);
      expect(result.stderr).not.toContain(aliceKey);
    },
    LONG,
  );

  it('create --json carries the key once, with admin and expiry', async () => {
    const result = await keys(
      'create',
      '--tenant',
      'acme',
      '--subject',
      'ops',
      '--admin',
      '--expires-in',
      '30d',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const body = JSON.parse(result.stdout);
    expectMatchesSchema('keys-create', body);
    expect(body).toMatchObject({ tenant: 'acme', subject: 'ops', admin: true, label: null, revokedAt: null });
    expect(body.key).toMatch(KEY);
    const days = (Date.parse(body.expiresAt) - Date.parse(body.createdAt)) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
  });

  it('list shows keys without their secrets, of one tenant with --tenant', async () => {
    const other = await keys('create', '--tenant', 'globex', '--subject', 'alice', '--json');
    const globex = JSON.parse(other.stdout);
    const all = await keys('list', '--json');
    expect(all.code).toBe(0);
    const body = JSON.parse(all.stdout);
    expectMatchesSchema('keys-list', body);
    expect(body.keys.map((k: { tenant: string }) => k.tenant)).toEqual(['acme', 'acme', 'globex']);
    const secret = KEY.exec(aliceKey)?.[2] as string;
    expect(all.stdout).not.toContain(secret);
    expect(all.stdout).not.toContain(KEY.exec(globex.key)?.[2]);

    const acme = JSON.parse((await keys('list', '--tenant', 'acme', '--json')).stdout);
    expect(acme.keys.map((k: { subject: string }) => k.subject)).toEqual(['alice', 'ops']);
    const globexOnly = JSON.parse((await keys('list', '--tenant', 'globex', '--json')).stdout);
    expect(globexOnly.keys.map((k: { keyId: string }) => k.keyId)).toEqual([globex.keyId]);

    const table = await keys('list', '--tenant', 'acme');
    expect(table.code).toBe(0);
    for (const heading of ['id', 'tenant', 'subject', 'admin', 'label', 'created', 'last used', 'revoked']) {
      expect(table.stdout).toContain(heading);
    }
    expect(table.stdout).toContain(aliceId);
    expect(table.stdout).toContain('alice laptop');
    expect(table.stdout).not.toContain(globex.keyId);
    expect((await keys('list', '--tenant', 'nobody')).stdout).toContain('No API keys in tenant nobody.');
  });

  it('a created key authenticates; creation is audited with the operator as actor', async () => {
    const client = await openPgliteSqlClient(join(dataDir, 'pglite'));
    try {
      const records = createRecords(client);
      expect(await records.apiKeys.verify(aliceKey)).toEqual({
        ok: true,
        principal: { keyId: aliceId, tenant: 'acme', subject: 'alice', admin: false },
      });
      const { entries } = await records.audit.query({ tenant: 'acme', action: 'api_key.create' });
      expect(entries.map((e) => [e.subject, e.actor])).toEqual([
        ['alice', `cli:${userInfo().username}`],
        ['ops', `cli:${userInfo().username}`],
      ]);
    } finally {
      await client.close();
    }
  });

  it('revoke stops the key; again reports it already revoked; list shows when', async () => {
    const wrongTenant = await keys('revoke', aliceId, '--tenant', 'globex');
    expect(wrongTenant.code).toBe(2);
    expect(wrongTenant.stderr).toContain('no API key with that id in tenant globex');

    const first = await keys('revoke', aliceId, '--json');
    expect(first.code).toBe(0);
    const body = JSON.parse(first.stdout);
    expectMatchesSchema('keys-revoke', body);
    expect(body).toMatchObject({ keyId: aliceId, tenant: 'acme', subject: 'alice', alreadyRevoked: false });

    const again = await keys('revoke', aliceId);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      `API key ${aliceId} (tenant acme, subject alice) was already revoked at ${body.revokedAt}.`,
    );

    const listed = JSON.parse((await keys('list', '--tenant', 'acme', '--json')).stdout);
    expect(listed.keys.find((k: { keyId: string }) => k.keyId === aliceId).revokedAt).toBe(body.revokedAt);
    const active = JSON.parse((await keys('list', '--tenant', 'acme', '--active', '--json')).stdout);
    expect(active.keys.map((k: { subject: string }) => k.subject)).toEqual(['ops']);

    const client = await openPgliteSqlClient(join(dataDir, 'pglite'));
    try {
      expect(await createRecords(client).apiKeys.verify(aliceKey)).toMatchObject({
        ok: false,
        reason: 'revoked',
      });
    } finally {
      await client.close();
    }
  });

  it('revoke accepts a whole key, so a leaked key is revoked by pasting it', async () => {
    const created = JSON.parse(
      (await keys('create', '--tenant', 'acme', '--subject', 'leak', '--json')).stdout,
    );
    const result = await keys('revoke', created.key);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Revoked API key ${created.keyId}`);
    expect(result.stdout + result.stderr).not.toContain(KEY.exec(created.key)?.[2]);
  });

  it('bad input exits 2 with one line and a hint, never echoing what may be a key', async () => {
    const unknown = await keys('revoke', '0123456789abcdef', '--json');
    expect(unknown.code).toBe(2);
    const error = JSON.parse(unknown.stdout);
    expectMatchesSchema('error', error);
    expect(error.error).toMatchObject({ code: 'NOT_FOUND' });

    const almostKey = `soma_${'a'.repeat(16)}_${'b'.repeat(40)}`;
    const malformed = await keys('revoke', almostKey);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('API key id must be 16 lowercase hex digits');
    expect(malformed.stderr).not.toContain('bbbbbbbb');
    expect(malformed.stderr).toContain('Hint:');

    const expiry = await keys('create', '--tenant', 'acme', '--subject', 's', '--expires-in', 'soon');
    expect(expiry.code).toBe(2);
    expect(expiry.stderr).toContain('--expires-in soon: expected a duration');
    expect(expiry.stderr).not.toMatch(/\n\s+at /);
    const zero = await keys('create', '--tenant', 'acme', '--subject', 's', '--expires-in', '0d');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--expires-in 0d: a key lifetime must be above zero');

    const missing = await keys('create', '--subject', 's');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Error: missing required flag --tenant');
    expect(missing.stderr).toContain('keys create --help');

    for (const [flag, value] of [
      ['--tenant', ' acme'],
      ['--subject', 'bob '],
    ] as const) {
      const args = { '--tenant': 'acme', '--subject': 'bob', [flag]: value };
      const padded = await keys('create', ...Object.entries(args).flat(), '--json');
      expect(padded.code).toBe(2);
      const body = JSON.parse(padded.stdout);
      expectMatchesSchema('error', body);
      expect(body.error.code).toBe('INVALID_INPUT');
      expect(body.error.message).toContain(`${JSON.stringify(value)} has leading or trailing whitespace`);
      expect(body.error.hint).toContain(JSON.stringify(value.trim()));
    }
    const stored = JSON.parse((await keys('list', '--json')).stdout);
    expect(stored.keys.filter((k: { subject: string }) => k.subject.trim() !== k.subject)).toEqual([]);
    expect(stored.keys.filter((k: { tenant: string }) => k.tenant.trim() !== k.tenant)).toEqual([]);

    const label = await keys('create', '--tenant', 'acme', '--subject', 's', '--label', 'x'.repeat(300));
    expect(label.code).toBe(2);
    expect(label.stderr).toContain('label is longer than 200 bytes');
    expect(label.stderr).toContain('Hint: Shorten the label');
  });

  it.each([['create'], ['list'], ['revoke']])(
    'keys %s --help teaches with examples and offers --json',
    async (id) => {
      const result = await runCli(['keys', id, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('EXAMPLES');
      expect(result.stdout).toContain('--json');
    },
  );
});

describeWithService('postgres', 'somaagent keys (cluster)', (address) => {
  // A database of its own: the commands migrate its `public` schema, never the shared one's.
  const database = randomName('soma_keys').replace(/-/g, '_');
  const url = () => {
    const parsed = new URL(address());
    parsed.pathname = `/${database}`;
    return parsed.toString();
  };
  const admin = () => pgSqlClient({ url: address(), connectTimeoutMs: 3000, requestTimeoutMs: 30_000 });
  const keys = (...args: string[]) =>
    runCli(['keys', ...args, '--profile', 'cluster', '--set', `postgres.url=${url()}`, '--json']);

  beforeAll(async () => {
    const client = await admin();
    try {
      await client.query(`CREATE DATABASE "${database}"`);
    } finally {
      await client.close();
    }
  });
  afterAll(async () => {
    const client = await admin();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await client.close();
    }
  });

  it('creates, lists and revokes keys on a Postgres server', async () => {
    const created = await keys('create', '--tenant', 'acme', '--subject', 'alice', '--admin');
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expectMatchesSchema('keys-create', key);
    const listed = JSON.parse((await keys('list', '--tenant', 'acme')).stdout);
    expect(listed.keys).toEqual([
      expect.objectContaining({ keyId: key.keyId, admin: true, revokedAt: null }),
    ]);
    const revoked = await keys('revoke', key.keyId);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ keyId: key.keyId, alreadyRevoked: false });

    const client = await pgSqlClient({ url: url(), connectTimeoutMs: 3000, requestTimeoutMs: 30_000 });
    try {
      expect(await createRecords(client).apiKeys.verify(key.key)).toMatchObject({
        ok: false,
        reason: 'revoked',
      });
    } finally {
      await client.close();
    }
  });
});
