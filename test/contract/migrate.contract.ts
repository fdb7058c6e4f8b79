import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSomaError, type SomaError } from '../../src/sdk/errors.js';
import { migrationStatus } from '../../src/sdk/stores/records/migration-status.js';
import { loadMigrations, migrate } from '../../src/sdk/stores/sql/migrate.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';
import { PARAMS, type SqlHarness } from './records.harness.js';

const tempDirs: string[] = [];
function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'soma-migrations-'));
  tempDirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

async function tableExists(client: SqlClient, table: string): Promise<boolean> {
  const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1::text)::text AS t', [
    table,
  ]);
  return rows[0]?.t !== null && rows[0]?.t !== undefined;
}

async function failure(promise: Promise<unknown>): Promise<SomaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSomaError(error)) throw new Error(`expected a SomaError, got ${String(error)}`);
  return error;
}

/** The migration runner contract, run unchanged on PGlite and on a Postgres server. */
export function migrateContract(adapterName: string, harness: SqlHarness): void {
  describe(`migrate contract: ${adapterName}`, () => {
    const opened: SqlClient[] = [];
    const open = async () => {
      const client = await harness.open();
      opened.push(client);
      return client;
    };
    afterEach(async () => {
      for (const client of opened.splice(0)) await harness.dispose(client);
      for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    it('applies every shipped migration in order, then nothing on a second run', async () => {
      const client = await open();
      const shipped = loadMigrations(PARAMS).map(({ version, name }) => ({ version, name }));
      expect(shipped[0]).toEqual({ version: 1, name: 'records' });
      expect((await migrationStatus(client, PARAMS)).pending).toEqual(shipped);
      const first = await migrate(client, PARAMS);
      expect(first.applied).toEqual(shipped);
      expect(first.current).toBe(shipped.at(-1)?.version);
      for (const table of [
        'soma_audit_log',
        'soma_tools',
        'soma_outbox',
        'soma_erasure_jobs',
        'soma_legal_holds',
        'soma_subject_keys',
        'soma_subject_key_tombstones',
      ]) {
        expect(await tableExists(client, table)).toBe(true);
      }
      const second = await migrate(client, PARAMS);
      expect(second).toEqual({ applied: [], current: first.current });
      const status = await migrationStatus(client, PARAMS);
      expect(status.pending).toEqual([]);
      expect(status.migrations.every((m) => m.status === 'applied' && m.appliedAt instanceof Date)).toBe(
        true,
      );
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM soma_schema_migrations',
      );
      expect(rows[0]?.n).toBe(shipped.length);
    });

    it('a failing migration leaves the schema exactly as it was', async () => {
      const client = await open();
      const dir = migrationsDir({
        '0001_good.sql': 'CREATE TABLE soma_good (id int PRIMARY KEY); INSERT INTO soma_good VALUES (1);',
        '0002_bad.sql': 'CREATE TABLE soma_half (id int); SELECT * FROM soma_no_such_table;',
      });
      const error = await failure(migrate(client, PARAMS, dir));
      expect(error.code).toBe('MIGRATION_FAILED');
      expect(error.message).toContain('migration 2 (bad) failed');
      expect(error.message).toContain('nothing was changed');
      expect(await tableExists(client, 'soma_good')).toBe(false);
      expect(await tableExists(client, 'soma_half')).toBe(false);
      expect(await tableExists(client, 'soma_schema_migrations')).toBe(false);
      // Once fixed, both apply.
      writeFileSync(join(dir, '0002_bad.sql'), 'CREATE TABLE soma_half (id int);');
      expect((await migrate(client, PARAMS, dir)).applied.map((m) => m.version)).toEqual([1, 2]);
      expect(await tableExists(client, 'soma_half')).toBe(true);
    });

    it('a failing later migration keeps the earlier applied ones and adds nothing', async () => {
      const client = await open();
      const dir = migrationsDir({ '0001_good.sql': 'CREATE TABLE soma_good (id int);' });
      await migrate(client, PARAMS, dir);
      writeFileSync(join(dir, '0002_next.sql'), 'CREATE TABLE soma_next (id int);');
      writeFileSync(join(dir, '0003_bad.sql'), 'ALTER TABLE soma_missing ADD COLUMN x int;');
      expect((await failure(migrate(client, PARAMS, dir))).code).toBe('MIGRATION_FAILED');
      expect(await tableExists(client, 'soma_good')).toBe(true);
      expect(await tableExists(client, 'soma_next')).toBe(false);
      expect((await migrationStatus(client, PARAMS, dir)).pending.map((m) => m.version)).toEqual([2, 3]);
    });

    it('detects a migration changed after it was applied', async () => {
      const client = await open();
      const dir = migrationsDir({ '0001_a.sql': 'CREATE TABLE soma_a (id int);' });
      await migrate(client, PARAMS, dir);
      writeFileSync(join(dir, '0001_a.sql'), 'CREATE TABLE soma_a (id bigint);');
      const error = await failure(migrate(client, PARAMS, dir));
      expect(error.code).toBe('MIGRATION_CHANGED');
      expect(error.message).toContain('migration 1 (a) differs');
      expect((await migrationStatus(client, PARAMS, dir)).migrations[0]?.status).toBe('changed');
    });

    it('refuses two migrations with one version, and unknown placeholders', async () => {
      const client = await open();
      const twins = migrationsDir({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 2;' });
      expect((await failure(migrate(client, PARAMS, twins))).code).toBe('MIGRATION_INVALID');
      const placeholder = migrationsDir({ '0001_a.sql': 'SELECT {{nope}};' });
      expect((await failure(migrate(client, PARAMS, placeholder))).code).toBe('MIGRATION_INVALID');
      expect(readdirSync(twins)).toHaveLength(2);
    });

    it('reports a database migrated by a newer release as its current version', async () => {
      const client = await open();
      const newer = migrationsDir({ '0001_a.sql': 'SELECT 1;', '0002_b.sql': 'SELECT 2;' });
      await migrate(client, PARAMS, newer);
      const older = migrationsDir({ '0001_a.sql': 'SELECT 1;' });
      expect(await migrate(client, PARAMS, older)).toEqual({ applied: [], current: 2 });
      const status = await migrationStatus(client, PARAMS, older);
      expect(status.current).toBe(2);
      expect(status.migrations.map((m) => m.status)).toEqual(['applied', 'unknown']);
    });

    it('concurrent migrators both succeed and apply each migration once', async () => {
      const client = await open();
      const peer = await harness.openPeer(client);
      try {
        const [a, b] = await Promise.all([migrate(client, PARAMS), migrate(peer, PARAMS)]);
        const shipped = loadMigrations(PARAMS).map((m) => m.version);
        expect([...a.applied, ...b.applied].map((m) => m.version).sort((x, y) => x - y)).toEqual(shipped);
        expect(a.applied.length === 0 || b.applied.length === 0).toBe(true);
        expect(a.current).toBe(b.current);
        const { rows } = await client.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM soma_schema_migrations',
        );
        expect(rows[0]?.n).toBe(shipped.length);
      } finally {
        await peer.close();
      }
    });
  });
}
