import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SomaConfig } from '../../config/schema.js';
import { lockDataDir } from '../../engines/data-dir-lock.js';
import { migrate } from '../sql/migrate.js';
import { pgSqlClient } from '../sql/pg-sql-client.js';
import { openPgliteSqlClient } from '../sql/pglite-sql-client.js';
import type { SqlClient } from '../sql/sql-client.js';
import type { Records } from './records.js';
import { createRecords } from './sql-records.js';

/** Where the embedded profile keeps its Postgres (PGlite) data. */
export function pgliteDataDir(config: SomaConfig): string {
  return join(config.dataDir, 'pglite');
}

/**
 * Opens the records database of the configured profile: embedded → PGlite at `<dataDir>/pglite` (created if
 * missing; the data directory is locked for this process until the client closes); cluster → the Postgres server at `postgres.url`, bounded by `timeouts.connect`/`timeouts.request`.
 * An unreachable server is an `UnavailableError` naming its address.
 */
export async function openRecordsClient(config: SomaConfig, purpose = 'somaagent'): Promise<SqlClient> {
  if (config.profile === 'embedded') {
    const dir = pgliteDataDir(config);
    // Two processes on one PGlite directory would corrupt it: take the data directory first.
    const lock = lockDataDir(config.dataDir, purpose);
    try {
      mkdirSync(dir, { recursive: true });
      const client = await openPgliteSqlClient(dir);
      const close = client.close.bind(client);
      return Object.assign(client, {
        close: async () => {
          try {
            await close();
          } finally {
            lock.release();
          }
        },
      });
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  return pgSqlClient({
    url: config.postgres.url,
    connectTimeoutMs: config.timeouts.connect,
    requestTimeoutMs: config.timeouts.request,
  });
}

/**
 * Opens the records database and, unless `migrate: false`, applies pending migrations first (what every
 * process does at start). `purpose` names the command in the embedded data directory's lock, for the message
 * another process gets. Close the returned records when done.
 */
export async function openRecords(
  config: SomaConfig,
  options: { migrate?: boolean; purpose?: string } = {},
): Promise<Records> {
  const client = await openRecordsClient(config, options.purpose);
  try {
    if (options.migrate !== false) await migrate(client, { dimensions: config.vector.dimensions });
    return createRecords(client);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
}
