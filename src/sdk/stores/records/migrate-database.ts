import { existsSync } from 'node:fs';
import type { SomaConfig } from '../../config/schema.js';
import { SomaError } from '../../errors.js';
import { loadMigrations, type MigrationParams, migrate } from '../sql/migrate.js';
import { type MigrationState, migrationStatus } from './migration-status.js';
import { openRecordsClient, pgliteDataDir } from './open-records.js';

/** The typed result of `somaagent db migrate` (also its `--json` output). */
export interface DbMigrateResult {
  readonly profile: SomaConfig['profile'];
  readonly engine: 'pglite' | 'postgres';
  /** Where, without credentials. */
  readonly address: string;
  readonly dryRun: boolean;
  /** Migrations this run applied (none on a dry run). */
  readonly applied: ReadonlyArray<{ version: number; name: string }>;
  /** Migrations still pending: on a dry run, those a real run would apply. */
  readonly pending: ReadonlyArray<{ version: number; name: string }>;
  /** Schema version after the run. */
  readonly current: number;
  /** Every migration with its state after the run; `appliedAt` as ISO text. */
  readonly migrations: ReadonlyArray<Omit<MigrationState, 'appliedAt'> & { appliedAt: string | null }>;
}

/**
 * Applies the pending SQL migrations to the configured profile's database (PGlite or Postgres), all in one
 * transaction, or with `dryRun` only lists them. A migration that changed since it was applied is an error
 * either way (`MIGRATION_CHANGED`), as is a failing one (`MIGRATION_FAILED`, schema unchanged).
 */
export async function migrateDatabase(
  config: SomaConfig,
  options: { dryRun?: boolean } = {},
): Promise<DbMigrateResult> {
  const params = { dimensions: config.vector.dimensions };
  if (options.dryRun && config.profile === 'embedded' && !existsSync(pgliteDataDir(config))) {
    // Nothing to read, and a dry run must not create the database as a side effect.
    return fresh(config, params);
  }
  const client = await openRecordsClient(config, 'db migrate');
  try {
    const before = await migrationStatus(client, params);
    const changed = before.migrations.filter((m) => m.status === 'changed');
    if (changed.length > 0) {
      throw new SomaError(
        'MIGRATION_CHANGED',
        `migration ${changed.map((m) => `${m.version} (${m.name})`).join(', ')} differs from the one applied to ${client.address}`,
        {
          hint: 'Shipped migrations must not change; add a new migration instead. (vector.dimensions changed?)',
        },
      );
    }
    const report = options.dryRun ? undefined : await migrate(client, params);
    const after = report ? await migrationStatus(client, params) : before;
    return {
      profile: config.profile,
      engine: client.driver === 'pglite' ? 'pglite' : 'postgres',
      address: client.driver === 'pglite' ? pgliteDataDir(config) : client.address,
      dryRun: options.dryRun === true,
      applied: report?.applied ?? [],
      pending: after.pending,
      current: after.current,
      migrations: after.migrations.map((m) => ({ ...m, appliedAt: m.appliedAt?.toISOString() ?? null })),
    };
  } finally {
    await client.close().catch(() => {});
  }
}

/** The dry-run report of an embedded database that does not exist yet: every migration pending. */
function fresh(config: SomaConfig, params: MigrationParams): DbMigrateResult {
  const pending = loadMigrations(params).map(({ version, name }) => ({ version, name }));
  return {
    profile: config.profile,
    engine: 'pglite',
    address: pgliteDataDir(config),
    dryRun: true,
    applied: [],
    pending,
    current: 0,
    migrations: pending.map((m) => ({ ...m, status: 'pending', appliedAt: null })),
  };
}
