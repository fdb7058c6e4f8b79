import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { runCli } from '../support/cli.js';
import { expectMatchesSchema } from '../support/json-schema.js';
import { describeWithService, randomName } from '../support/services.js';

const SHIPPED = loadMigrations({ dimensions: 384 }).map(({ version, name }) => ({ version, name }));
const LONG = 240_000;

describe('somaagent db migrate (embedded)', () => {
  const root = mkdtempSync(join(tmpdir(), 'soma-db-migrate-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it(
    'applies every migration to <data-dir>/pglite, then reports the schema current',
    async () => {
      const dataDir = join(root, 'data');
      const first = await runCli(['db', 'migrate', '--data-dir', dataDir, '--json'], {
        cwd: root,
        timeoutMs: LONG,
      });
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      const body = JSON.parse(first.stdout);
      expectMatchesSchema('db-migrate', body);
      expect(body).toMatchObject({ profile: 'embedded', engine: 'pglite', dryRun: false, pending: [] });
      expect(body.address).toBe(join(dataDir, 'pglite'));
      expect(body.applied).toEqual(SHIPPED);
      expect(body.current).toBe(SHIPPED.at(-1)?.version);
      expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);

      const second = await runCli(['db', 'migrate', '--data-dir', dataDir], { cwd: root, timeoutMs: LONG });
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('records');
      expect(second.stdout).toContain(`Schema is current: version ${SHIPPED.at(-1)?.version}.`);
    },
    LONG,
  );

  it('--dry-run lists the pending migrations and creates nothing', async () => {
    const dataDir = join(root, 'untouched');
    const result = await runCli(['db', 'migrate', '--data-dir', dataDir, '--dry-run', '--json'], {
      cwd: root,
    });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expectMatchesSchema('db-migrate', body);
    expect(body).toMatchObject({ dryRun: true, applied: [], current: 0 });
    expect(body.pending).toEqual(SHIPPED);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an unreachable Postgres exits 2 with one clear message, quickly', async () => {
    const args = [
      'db',
      'migrate',
      '--profile',
      'cluster',
      '--set',
      'postgres.url=postgres://postgres@127.0.0.1:1/x',
    ];
    const started = Date.now();
    const human = await runCli(args, { cwd: root });
    expect(human.code).toBe(2);
    expect(human.stderr).toContain('Postgres at 127.0.0.1:1/x is unreachable');
    expect(human.stderr).toContain('Hint:');
    expect(human.stderr).not.toMatch(/\n\s+at /);
    const json = await runCli([...args, '--json'], { cwd: root });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describeWithService('postgres', 'somaagent db migrate (cluster)', (address) => {
  // A database of its own, so the run migrates its `public` schema without touching the shared one.
  const database = randomName('soma_migrate').replace(/-/g, '_');
  const url = () => {
    const parsed = new URL(address());
    parsed.pathname = `/${database}`;
    return parsed.toString();
  };
  const admin = () => pgSqlClient({ url: address(), connectTimeoutMs: 3000, requestTimeoutMs: 30_000 });

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

  it('lists pending migrations with --dry-run, applies them, then has nothing left', async () => {
    const args = ['db', 'migrate', '--profile', 'cluster', '--set', `postgres.url=${url()}`, '--json'];
    const dry = await runCli([...args, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      engine: 'postgres',
      dryRun: true,
      pending: SHIPPED,
      current: 0,
    });

    const applied = await runCli(args);
    expect(applied.code).toBe(0);
    const body = JSON.parse(applied.stdout);
    expectMatchesSchema('db-migrate', body);
    expect(body.applied).toEqual(SHIPPED);
    expect(body.address).toBe(`127.0.0.1:${new URL(address()).port || '5432'}/${database}`);

    const again = await runCli(['db', 'migrate', '--profile', 'cluster', '--set', `postgres.url=${url()}`]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Schema is current: version ${SHIPPED.at(-1)?.version}.`);
  });
});
