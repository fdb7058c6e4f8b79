import type pg from 'pg';
import { TimeoutError } from '../../errors.js';
import { createPostgresPool, type PostgresConnection, postgresAddress, postgresUnavailable } from '../../engines/postgres.js';
import type { SqlClient, SqlResult } from './sql-client.js';

/** Options of {@link pgSqlClient}. */
export interface PgSqlOptions extends PostgresConnection {
  /** Schema to work in (created if missing); `public` when unset. Tests use a random one. */
  readonly schema?: string;
  /** Pool size. */
  readonly maxConnections?: number;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);

/** Translates driver errors: connection loss → UnavailableError, query timeout → TimeoutError. */
function translate(url: string, error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  if (e.message?.includes('Query read timeout')) {
    return new TimeoutError(`Postgres at ${postgresAddress(url)}: query timed out`, { cause: error });
  }
  if (
    (e.code && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08') || e.code === '57P01' || e.code === '57P03')) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
      e.message ?? '',
    )
  ) {
    return postgresUnavailable(url, error);
  }
  return error;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

class PgSqlClient implements SqlClient {
  readonly driver = 'pg' as const;
  readonly address: string;
  constructor(
    private readonly runner: pg.Pool | pg.PoolClient,
    private readonly url: string,
    private readonly pool: pg.Pool | undefined,
  ) {
    this.address = postgresAddress(url);
  }

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    try {
      const result = await this.runner.query(text, params as unknown[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    } catch (error) {
      throw translate(this.url, error);
    }
  }

  async exec(text: string): Promise<void> {
    await this.query(text);
  }

  async transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (!this.pool) return work(this); // already inside a transaction: join it
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(this.url, error);
    }
    const tx = new PgSqlClient(client, this.url, undefined);
    try {
      await tx.query('BEGIN');
      const result = await work(tx);
      await tx.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      client.release(true);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.pool && !this.pool.ended) await this.pool.end();
  }
}

/**
 * A pooled client of a Postgres server. With `schema`, every connection works in that schema (then
 * `public`, where extensions such as pgvector live).
 */
export async function pgSqlClient(options: PgSqlOptions): Promise<SqlClient> {
  const pool = createPostgresPool(options, options.maxConnections ?? 10);
  if (options.schema) {
    const schema = quoteIdent(options.schema);
    pool.on('connect', (client) => {
      client.query(`SET search_path TO ${schema}, public`).catch(() => {});
    });
    const client = new PgSqlClient(pool, options.url, pool);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    return client;
  }
  return new PgSqlClient(pool, options.url, pool);
}
