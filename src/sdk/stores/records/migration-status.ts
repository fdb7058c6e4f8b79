import { loadMigrations, type Migration, type MigrationParams } from '../sql/migrate.js';
import type { SqlClient } from '../sql/sql-client.js';

/** One migration as the database and the shipped files see it. */
export interface MigrationState {
  readonly version: number;
  readonly name: string;
  /** `applied`: in the database as shipped; `pending`: not applied yet; `changed`: applied, but the shipped file differs; `unknown`: applied by a newer somaagent (no such file here). */
  readonly status: 'applied' | 'pending' | 'changed' | 'unknown';
  readonly appliedAt: Date | null;
}

/** What {@link migrationStatus} found. */
export interface MigrationStatus {
  /** Highest applied version, 0 when none. */
  readonly current: number;
  /** Every shipped or applied migration, by version. */
  readonly migrations: readonly MigrationState[];
  /** Shipped migrations not applied yet, in order. */
  readonly pending: readonly Pick<Migration, 'version' | 'name'>[];
}

/** Compares the shipped migrations with those applied to `client`'s database, read-only (for `--dry-run`). */
export async function migrationStatus(
  client: SqlClient,
  params: MigrationParams,
  dir?: string,
): Promise<MigrationStatus> {
  const shipped = loadMigrations(params, dir);
  const present = await client.query<{ t: string | null }>(
    "SELECT to_regclass('soma_schema_migrations')::text AS t",
  );
  const rows = present.rows[0]?.t
    ? (
        await client.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
          'SELECT version, name, checksum, applied_at FROM soma_schema_migrations ORDER BY version',
        )
      ).rows
    : [];
  const applied = new Map(rows.map((row) => [Number(row.version), row]));
  const states: MigrationState[] = shipped.map((migration) => {
    const row = applied.get(migration.version);
    if (!row) return { version: migration.version, name: migration.name, status: 'pending', appliedAt: null };
    return {
      version: migration.version,
      name: migration.name,
      status: row.checksum === migration.checksum ? 'applied' : 'changed',
      appliedAt: new Date(row.applied_at),
    };
  });
  const known = new Set(shipped.map((m) => m.version));
  for (const row of rows) {
    if (!known.has(Number(row.version))) {
      states.push({
        version: Number(row.version),
        name: row.name,
        status: 'unknown',
        appliedAt: new Date(row.applied_at),
      });
    }
  }
  states.sort((a, b) => a.version - b.version);
  return {
    current: rows.reduce((max, row) => Math.max(max, Number(row.version)), 0),
    migrations: states,
    pending: states.filter((s) => s.status === 'pending').map(({ version, name }) => ({ version, name })),
  };
}
