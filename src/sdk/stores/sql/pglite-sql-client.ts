import type { PGlite, Transaction } from '@electric-sql/pglite';
import { openPglite } from '../../engines/pglite.js';
import type { SqlClient, SqlResult } from './sql-client.js';

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

class PgliteSqlClient implements SqlClient {
  readonly driver = 'pglite' as const;
  constructor(
    private readonly db: PgliteLike,
    readonly address: string,
    private readonly owner: PGlite | undefined,
  ) {}

  async query<Row>(text: string, params: readonly unknown[] = []): Promise<SqlResult<Row>> {
    const result = await this.db.query<Row>(text, params as unknown[]);
    return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
  }

  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }

  async transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (!this.owner) return work(this); // already inside a transaction: join it
    return this.owner.transaction((tx) => work(new PgliteSqlClient(tx, this.address, undefined)));
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
