import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SomaError } from '../../errors.js';
import type { SqlClient } from './sql-client.js';

/** One versioned migration: `schemas/sql/0001_name.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
}

/** Values substituted for `{{name}}` placeholders in migration files. */
export interface MigrationParams {
  /** Embedding dimensions of the vector memory table. */
  readonly dimensions: number;
}

/** What {@link migrate} did. */
export interface MigrationReport {
  readonly applied: ReadonlyArray<{ version: number; name: string }>;
  readonly current: number;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../../../../schemas/sql/', import.meta.url));
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
// An arbitrary constant: serialises concurrent migrators on one Postgres database.
const LOCK_KEY = 74_201_001;

/** Reads the shipped migrations in version order, placeholders filled. */
export function loadMigrations(params: MigrationParams, dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .map((file) => FILE.exec(file))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => {
      const raw = readFileSync(join(dir, match[0]), 'utf8');
      const sql = raw.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
        const value = (params as unknown as Record<string, unknown>)[key];
        if (value === undefined)
          throw new SomaError('MIGRATION_INVALID', `${match[0]}: unknown placeholder {{${key}}}`);
        return String(value);
      });
      return {
        version: Number(match[1]),
        name: match[2] as string,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version)
    .map((migration, i, all) => {
      // Two files with one version (e.g. from parallel branches) would apply one and fail on the other.
      if (i > 0 && all[i - 1]?.version === migration.version) {
        throw new SomaError(
          'MIGRATION_INVALID',
          `two migrations share version ${migration.version}: ${all[i - 1]?.name} and ${migration.name}`,
          { hint: 'Renumber one of them: every migration needs its own version.' },
        );
      }
      return migration;
    });
}

/**
 * Applies every pending migration in one transaction, so a failing migration leaves the schema exactly as it
 * was. Concurrent migrators on a Postgres server wait for each other (advisory lock). An applied migration
 * whose file changed since is an error: shipped migrations are never edited.
 */
export async function migrate(
  client: SqlClient,
  params: MigrationParams,
  dir?: string,
): Promise<MigrationReport> {
  const migrations = loadMigrations(params, dir);
  return client.transaction(async (tx) => {
    if (tx.driver === 'pg') await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS soma_schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Map(
      (
        await tx.query<{ version: number; checksum: string }>(
          'SELECT version, checksum FROM soma_schema_migrations',
        )
      ).rows.map((row) => [row.version, row.checksum]),
    );
    const applied: Array<{ version: number; name: string }> = [];
    for (const migration of migrations) {
      const checksum = done.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new SomaError(
            'MIGRATION_CHANGED',
            `migration ${migration.version} (${migration.name}) differs from the one applied to ${client.address}`,
            {
              hint: 'Shipped migrations must not change; add a new migration instead. (vector.dimensions changed?)',
            },
          );
        }
        continue;
      }
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new SomaError(
          'MIGRATION_FAILED',
          `migration ${migration.version} (${migration.name}) failed on ${client.address}: ${(error as Error).message}; nothing was changed`,
          { cause: error },
        );
      }
      await tx.query('INSERT INTO soma_schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        migration.checksum,
      ]);
      applied.push({ version: migration.version, name: migration.name });
    }
    // The highest version in the database, which may be newer than the files shipped here.
    const current = Math.max(0, ...done.keys(), ...applied.map((m) => m.version));
    return { applied, current };
  });
}
