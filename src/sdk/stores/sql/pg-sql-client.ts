import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  createPostgresPool,
  type PostgresConnection,
  postgresAddress,
  postgresUnavailable,
} from '../../engines/postgres.js';
import { TimeoutError } from '../../errors.js';
import type { SqlClient, SqlResult, TransactionOptions } from './sql-client.js';

/** Options of {@link pgSqlClient}. */
export interface PgSqlOptions extends PostgresConnection {
  /** Schema to work in (created if missing); `public` when unset. Tests use a random one. */
  readonly schema?: string;
  /** Pool size. */
  readonly maxConnections?: number;
  /**
   * Run statements with parameters as named statements, parsed and planned once per connection (default
   * true). Turned off automatically for PGlite's socket server; turn it off behind a pooler that shares
   * server sessions between clients (config `postgres.preparedStatements`).
   */
  readonly namedStatements?: boolean;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/** Translates driver errors: connection loss → UnavailableError, query timeout → TimeoutError. */
function translate(url: string, error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  if (e.message?.includes('Query read timeout')) {
    return new TimeoutError(`Postgres at ${postgresAddress(url)}: query timed out`, { cause: error });
  }
  if (
    // 3D000 (no such database) and 28xxx (authentication) mean this URL cannot serve: as unreachable as down.
    (e.code &&
      (CONNECTION_CODES.has(e.code) ||
        e.code.startsWith('08') ||
        e.code.startsWith('28') ||
        e.code === '3D000' ||
        e.code === '57P01' ||
        e.code === '57P03')) ||
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

/**
 * Names of statements with parameters, so each connection parses and plans a statement once and then only
 * binds and executes it (node-postgres keeps a named statement per connection). The product's statements
 * are a bounded set; past {@link MAX_NAMED} distinct texts the rest run unnamed (parsed every time).
 */
const statementNames = new Map<string, string>();
const MAX_NAMED = 2000;

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED) {
    name = `soma_${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** Connections that already ran their setup statement (search_path). */
const prepared = new WeakSet<pg.PoolClient>();

/** A statement the server rejected leaves the connection usable; anything else (timeout, I/O) may not. */
function connectionIntact(error: unknown): boolean {
  return typeof (error as { severity?: unknown }).severity === 'string';
}

class PgSqlClient implements SqlClient {
  readonly driver = 'pg' as const;
  readonly address: string;
  constructor(
    private readonly runner: pg.Pool | pg.PoolClient,
    private readonly url: string,
    private readonly pool: pg.Pool | undefined,
    /** Runs once on every new pooled connection before its first statement (e.g. `SET search_path`). */
    private readonly setup: string | undefined = undefined,
    /** Whether the server keeps named statements per connection (shared with this client's transactions). */
    private readonly server: { named?: boolean; probing?: Promise<void> } = {},
  ) {
    this.address = postgresAddress(url);
  }

  /** A pooled connection, set up before first use (not on the pool's 'connect' event, which races the first query). */
  private async connect(pool: pg.Pool): Promise<pg.PoolClient> {
    const client = await pool.connect();
    if (this.setup && !prepared.has(client)) {
      try {
        await client.query(this.setup);
      } catch (error) {
        client.release(true);
        throw error;
      }
      prepared.add(client);
    }
    return client;
  }

  private async run<R>(work: (runner: pg.Pool | pg.PoolClient) => Promise<R>): Promise<R> {
    try {
      if (!this.pool || !this.setup) return await work(this.runner);
      const client = await this.connect(this.pool);
      try {
        const result = await work(client);
        client.release();
        return result;
      } catch (error) {
        client.release(!connectionIntact(error));
        throw error;
      }
    } catch (error) {
      throw translate(this.url, error);
    }
  }

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    if (params.length > 0 && this.server.named === undefined) await this.probe();
    const name = params.length > 0 && this.server.named ? statementName(text) : undefined;
    const result = await this.run((runner) =>
      name
        ? runner.query({ name, text, values: params as unknown[] })
        : runner.query(text, params as unknown[]),
    );
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
  }

  /**
   * Finds out once whether statements may be named: a Postgres server keeps them per connection, but
   * PGlite's socket server runs every client in one shared session, where two clients preparing the same
   * name would collide. A failed probe decides nothing (the statement that needed it reports the error).
   */
  private probe(): Promise<void> {
    this.server.probing ??= this.runner.query('SELECT version() AS v').then(
      (result) => {
        this.server.named = !String(result.rows[0]?.v ?? '').includes('PGlite');
      },
      () => {
        this.server.probing = undefined;
      },
    );
    return this.server.probing;
  }

  async exec(text: string): Promise<void> {
    // No parameters: the simple query protocol, which runs several statements (and returns one result each).
    await this.run((runner) => runner.query(text));
  }

  async transaction<T>(work: (tx: SqlClient) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (!this.pool) {
      // Already inside a transaction: join it.
      if (options?.settings) await this.exec(options.settings);
      return work(this);
    }
    let client: pg.PoolClient;
    try {
      client = await this.connect(this.pool);
    } catch (error) {
      throw translate(this.url, error);
    }
    const tx = new PgSqlClient(client, this.url, undefined, undefined, this.server);
    try {
      // The simple query protocol takes BEGIN and the settings in one round trip.
      await tx.exec(options?.settings ? `BEGIN; ${options.settings}` : 'BEGIN');
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
    const client = new PgSqlClient(
      pool,
      options.url,
      pool,
      `SET search_path TO ${schema}, public`,
      serverOf(options),
    );
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      // Two clients creating one schema at once race on the catalog: the loser sees a duplicate, which is fine.
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') {
        await pool.end().catch(() => {});
        throw error;
      }
    }
    return client;
  }
  return new PgSqlClient(pool, options.url, pool, undefined, serverOf(options));
}

function serverOf(options: PgSqlOptions): { named?: boolean } {
  return options.namedStatements === false ? { named: false } : {};
}
