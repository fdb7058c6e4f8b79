import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { SomaConfig } from '../../config/schema.js';
import { ensureDataDirectory } from '../../engines/data-dir.js';
import { type DataDirLock, DataDirLockedError, lockDataDir } from '../../engines/data-dir-lock.js';
import { startPgliteSocketServer } from '../../engines/pglite-socket.js';
import { InvalidInputError } from '../../errors.js';
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
export async function openRecordsClient(
  config: SomaConfig,
  purpose = 'somaagent',
  notice: (message: string) => void = () => {},
): Promise<SqlClient> {
  if (config.profile === 'embedded') {
    const dir = pgliteDataDir(config);
    // Two processes on one PGlite directory would corrupt it: take the data directory first.
    let lock: DataDirLock;
    try {
      lock = lockDataDir(config.dataDir, purpose);
    } catch (error) {
      // A running server that shares its database: work through it instead of opening the files.
      if (!(error instanceof DataDirLockedError) || !error.owner.endpoint?.startsWith('postgres://'))
        throw error;
      notice(
        `${config.dataDir} is in use by process ${error.owner.pid} (${error.owner.purpose}); working through its database socket`,
      );
      return pgSqlClient({
        url: error.owner.endpoint,
        connectTimeoutMs: config.timeouts.connect,
        requestTimeoutMs: config.timeouts.request,
        // One connection: the socket serves one PGlite session, whose protocol messages must not interleave.
        maxConnections: 1,
      });
    }
    try {
      ensureDataDirectory(dir, 'PGlite directory');
      const client = await openPgliteSqlClient(dir);
      locks.set(client, lock);
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
    maxConnections: config.postgres.poolSize,
    namedStatements: config.postgres.preparedStatements,
  });
}

const locks = new WeakMap<SqlClient, DataDirLock>();

/** A database socket a running process offers to commands run beside it. */
export interface SharedDatabase {
  /** `postgres://…?host=<dir>`: a Unix socket inside the data directory (its file permissions guard it). */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Lets other processes on this machine reach an embedded database this process owns: serves the PGlite
 * session on a Unix socket in the data directory and records it in the data directory's lock, so
 * `openRecordsClient` in another process connects there instead of failing. Statements of this process wait
 * while a socket client has a transaction open, so the two never interleave inside one transaction.
 */
export async function shareEmbeddedDatabase(client: SqlClient, config: SomaConfig): Promise<SharedDatabase> {
  const lock = locks.get(client);
  const db = (client as { pglite?: import('@electric-sql/pglite').PGlite }).pglite;
  if (!lock || !db)
    throw new InvalidInputError('only an embedded database opened by this process can be shared');
  const dir = resolve(pgliteDataDir(config));
  const socketPath = join(dir, '.s.PGSQL.5432');
  rmSync(socketPath, { force: true }); // left by a process that died
  const server = await startPgliteSocketServer(db, { path: socketPath });
  const endpoint = `postgres://postgres@localhost:5432/postgres?host=${encodeURIComponent(dir)}`;
  lock.setEndpoint(endpoint);
  return {
    endpoint,
    stop: async () => {
      lock.setEndpoint(undefined);
      await server.stop();
      rmSync(socketPath, { force: true });
    },
  };
}

/**
 * Opens the records database and, unless `migrate: false`, applies pending migrations first (what every
 * process does at start). `purpose` names the command in the embedded data directory's lock, for the message
 * another process gets. Close the returned records when done.
 */
export async function openRecords(
  config: SomaConfig,
  options: { migrate?: boolean; purpose?: string; notice?: (message: string) => void } = {},
): Promise<Records> {
  const client = await openRecordsClient(config, options.purpose, options.notice);
  try {
    if (options.migrate !== false) await migrate(client, { dimensions: config.vector.dimensions });
    return createRecords(client);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
}
