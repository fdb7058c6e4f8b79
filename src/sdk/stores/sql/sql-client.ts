/**
 * One Postgres dialect, two drivers: the embedded PGlite and the `pg` client of a Postgres server both
 * implement this narrow interface, so records, the event log and pgvector memory share their SQL.
 */

/** Rows and affected-row count of one statement. */
export interface SqlResult<Row> {
  readonly rows: Row[];
  readonly rowCount: number;
}

/** Options of {@link SqlClient.transaction}. */
export interface TransactionOptions {
  /** Statements without parameters run at the start of the transaction (`SET LOCAL …`). */
  readonly settings?: string;
}

/** A SQL session: a pool, a single connection, or a transaction. */
export interface SqlClient {
  /** `$1`-style parameters. */
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<SqlResult<Row>>;
  /** Runs several statements without parameters (DDL, migrations). */
  exec(text: string): Promise<void>;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws. `options.settings`
   * are parameter-free statements (e.g. `SET LOCAL …`) run first; on a server they travel with `BEGIN` in one
   * round trip. Inside a transaction already, `work` joins it and the settings apply to the rest of it.
   */
  transaction<T>(work: (tx: SqlClient) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Which driver: `pglite` or `pg`. */
  readonly driver: 'pglite' | 'pg';
  /** Human-readable address for errors, without credentials. */
  readonly address: string;
  /** Releases the connection or pool (no-op inside a transaction). */
  close(): Promise<void>;
}
