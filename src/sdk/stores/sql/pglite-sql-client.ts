import type { PGlite, Transaction } from '@electric-sql/pglite';
import { openPglite } from '../../engines/pglite.js';
import { UnavailableError } from '../../errors.js';
import type { SqlClient, SqlResult, TransactionOptions } from './sql-client.js';

/** A closed instance is like a stopped server: a typed, retriable error naming it, never a bare Error. */
function translate(address: string, error: unknown): unknown {
  if (error instanceof Error && /PGlite is closed/.test(error.message)) {
    return new UnavailableError('pglite', address, `${address} is closed`, {
      cause: error,
      hint: 'Open the embedded database again (the process that owned it closed it).',
    });
  }
  return error;
}

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

/**
 * While a client of the socket server (a CLI command beside `serve`) has a transaction open on the shared
 * PGlite session, this process's own statements wait, so they never run inside someone else's transaction.
 */
async function outsideForeignTransaction(owner: PGlite | undefined): Promise<void> {
  if (!owner || owner.closed) return; // inside our own transaction, or closed (the statement reports it)
  for (let waited = 0; !owner.closed && owner.isInTransaction() && waited < 30_000; waited += 2) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Lets the event loop turn before a statement of a top-level client. PGlite runs a statement synchronously
 * and hands its lock to the next waiter through promise callbacks, so under load one statement after
 * another ran without ever returning to the event loop: sockets went unread and new connections waited
 * in the accept queue for seconds (serve, embedded, 64 clients: p99 up to 10 s, 3 s with this). Statements
 * inside a transaction do not yield: the transaction holds PGlite's lock, and yielding there only
 * stretches it.
 */
function nextTurnOfEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

class PgliteSqlClient implements SqlClient {
  readonly driver = 'pglite' as const;
  constructor(
    private readonly db: PgliteLike,
    readonly address: string,
    private readonly owner: PGlite | undefined,
  ) {}

  /** The PGlite instance (top-level clients only), e.g. for a socket server that shares it. */
  get pglite(): PGlite | undefined {
    return this.owner;
  }

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    if (this.owner) await nextTurnOfEventLoop();
    await outsideForeignTransaction(this.owner);
    try {
      const result = await this.db.query<Row>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    } catch (error) {
      throw translate(this.address, error);
    }
  }

  async exec(text: string): Promise<void> {
    if (this.owner) await nextTurnOfEventLoop();
    await outsideForeignTransaction(this.owner);
    try {
      await this.db.exec(text);
    } catch (error) {
      throw translate(this.address, error);
    }
  }

  async transaction<T>(work: (tx: SqlClient) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (!this.owner) {
      // Already inside a transaction: join it.
      if (options?.settings) await this.exec(options.settings);
      return work(this);
    }
    await nextTurnOfEventLoop();
    await outsideForeignTransaction(this.owner);
    try {
      return await this.owner.transaction(async (tx) => {
        const client = new PgliteSqlClient(tx, this.address, undefined);
        if (options?.settings) await client.exec(options.settings);
        return work(client);
      });
    } catch (error) {
      throw translate(this.address, error);
    }
  }

  async close(): Promise<void> {
    if (this.owner && !this.owner.closed) await this.owner.close();
  }
}

/** Wraps an open PGlite instance; closing the client closes the instance. */
export function pgliteSqlClient(db: PGlite, address = 'pglite (in memory)'): SqlClient {
  return new PgliteSqlClient(db, address, db);
}

/** Opens the embedded Postgres (with pgvector) at `dataDir`, or in memory when undefined. */
export async function openPgliteSqlClient(dataDir?: string): Promise<SqlClient> {
  return pgliteSqlClient(await openPglite(dataDir), dataDir ? `pglite ${dataDir}` : 'pglite (in memory)');
}
