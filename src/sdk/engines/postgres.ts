import pg from 'pg';
import { UnavailableError } from '../errors.js';
import { type ProbeResult, timed, withTimeout } from './probe.js';

/** Connection settings of a Postgres pool or client. */
export interface PostgresConnection {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** `host:port/database` of a Postgres URL, without credentials. */
export function postgresAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || ''}`;
}

/** A pool whose connects and queries are bounded by the configured timeouts. */
export function createPostgresPool(connection: PostgresConnection, max = 10): pg.Pool {
  const pool = new pg.Pool({
    connectionString: connection.url,
    connectionTimeoutMillis: connection.connectTimeoutMs,
    query_timeout: connection.requestTimeoutMs,
    max,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the next query reports it.
  });
  return pool;
}

/** Translates a connection failure into a retriable {@link UnavailableError}. */
export function postgresUnavailable(url: string, error: unknown): UnavailableError {
  const address = postgresAddress(url);
  return new UnavailableError(
    'postgres',
    address,
    `Postgres at ${address} is unreachable: ${(error as Error).message || String(error)}`,
    {
      cause: error,
      hint: 'Start Postgres (scripts/services.sh up) or point postgres.url / SOMA_POSTGRES_URL at a reachable server.',
    },
  );
}

/** Connects, measures one `SELECT 1`, reads the server version and whether pgvector is available. */
export async function probePostgres(connection: PostgresConnection): Promise<ProbeResult> {
  const client = new pg.Client({
    connectionString: connection.url,
    connectionTimeoutMillis: connection.connectTimeoutMs,
    query_timeout: connection.requestTimeoutMs,
  });
  client.on('error', () => {});
  try {
    await withTimeout(
      connection.connectTimeoutMs,
      `Postgres at ${postgresAddress(connection.url)}`,
      client.connect(),
    );
    const [, latencyMs] = await timed(() => client.query('SELECT 1'));
    const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]
      ?.server_version;
    const vector = await client.query<{ default_version: string; installed_version: string | null }>(
      "SELECT default_version, installed_version FROM pg_available_extensions WHERE name = 'vector'",
    );
    const pgvector = vector.rows[0]
      ? `${vector.rows[0].default_version}${vector.rows[0].installed_version ? ' (installed)' : ' (available)'}`
      : null;
    const warnings = pgvector
      ? []
      : [
          'the pgvector extension is not available on this server: vector.backend=pgvector needs it (install pgvector, or set vector.backend=qdrant)',
        ];
    return { version: `PostgreSQL ${version ?? 'unknown'}`, latencyMs, details: { pgvector }, warnings };
  } catch (error) {
    throw postgresUnavailable(connection.url, error);
  } finally {
    await client.end().catch(() => {});
  }
}
