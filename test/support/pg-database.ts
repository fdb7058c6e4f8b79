/**
 * A database of its own on a Postgres server, for suites whose stores work in `public` (the cluster profile has
 * no schema setting), so the server's shared databases keep no tables from a test.
 */

import pg from 'pg';
import { randomName } from './services.js';

/** A random database and its URL; `drop()` removes it, closing whatever is still connected. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

async function asAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates a random database on the server of `serverUrl` (a URL of any database there). */
export async function createTestDatabase(serverUrl: string, prefix = 'soma_test'): Promise<TestDatabase> {
  const name = randomName(prefix).replace(/-/g, '_');
  await asAdmin(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await asAdmin(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** Whether the Postgres server of `serverUrl` offers the pgvector extension (`pg_available_extensions`). */
export async function serverHasPgvector(serverUrl: string): Promise<boolean> {
  return asAdmin(
    serverUrl,
    async (client) =>
      (await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).rows.length > 0,
  );
}
