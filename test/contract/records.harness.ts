import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import type { SqlClient } from '../../src/sdk/stores/sql/sql-client.js';

/** How the records and migration contracts reach one engine (PGlite or a Postgres server). */
export interface SqlHarness {
  /** An empty database or schema of its own. */
  open(): Promise<SqlClient>;
  /** Drops what {@link open} created and closes the client. */
  dispose(client: SqlClient): Promise<void>;
  /** Another client on the same database and schema as `client` (a second pool on pg; the same instance on PGlite). */
  openPeer(client: SqlClient): Promise<SqlClient>;
  /** A client whose engine cannot be reached (a stopped server, a closed instance). */
  openDown(): Promise<SqlClient>;
}

/** Migration parameters the contracts use. */
export const PARAMS = { dimensions: 8 } as const;

/** Ids that must never be confused with `alice`. */
export const LOOK_ALIKES = [
  'alice2',
  'alice*',
  'Alice',
  'alice/x',
  'alice%',
  'alice_',
  'alic_',
  'al%',
] as const;

/** Ids every port must reject. */
export const BAD_IDS: readonly unknown[] = [
  '',
  '   ',
  'a'.repeat(257),
  'a\nb',
  'nul\u0000',
  'tab\tid',
  42,
  null,
];

/** The embedded engine: a fresh in-memory PGlite per database. */
export const pgliteHarness: SqlHarness = {
  open: () => openPgliteSqlClient(),
  dispose: (client) => client.close(),
  // PGlite is one connection: a "second client" is the same instance (its transactions queue), not closed twice.
  openPeer: async (client) => ({
    driver: client.driver,
    address: client.address,
    query: (text, params) => client.query(text, params),
    exec: (text) => client.exec(text),
    transaction: (work) => client.transaction(work),
    close: async () => {},
  }),
  openDown: async () => {
    const client = await openPgliteSqlClient();
    await client.close();
    return client;
  },
};
