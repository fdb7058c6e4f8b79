import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { type ProbeResult, timed } from './probe.js';

const BYTEA = 17;

/**
 * `bytea` in and out as hex with Node's native codec. PGlite's own converts one byte at a time in
 * JavaScript (≈0.3 ms per KiB each way), which dominated reading and writing event payloads.
 */
const byteaCodec = {
  parsers: {
    [BYTEA]: (text: string): Uint8Array => {
      const bytes = Buffer.from(text.slice(2), 'hex');
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  },
  serializers: {
    [BYTEA]: (value: unknown): string => {
      if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
      return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
    },
  },
};

/**
 * Opens the embedded Postgres (PGlite, Postgres compiled to WebAssembly) with pgvector loaded. `dataDir`
 * undefined opens an in-memory database. One process owns a data directory at a time.
 */
export async function openPglite(dataDir?: string): Promise<PGlite> {
  const db = await PGlite.create({
    ...(dataDir ? { dataDir } : {}),
    extensions: { vector },
    ...byteaCodec,
  });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  return db;
}

/**
 * Proves the embedded engine runs on this machine: starts an in-memory PGlite with pgvector, measures one
 * `SELECT 1` and reads both versions. It never opens the data directory, which a running server may own.
 */
export async function probePglite(): Promise<ProbeResult> {
  const db = await openPglite();
  try {
    const [, latencyMs] = await timed(() => db.query('SELECT 1'));
    const version = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]
      ?.server_version;
    const ext = (
      await db.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
    ).rows[0]?.extversion;
    return {
      version: `PGlite (PostgreSQL ${version ?? 'unknown'})`,
      latencyMs,
      details: { pgvector: ext ?? null },
    };
  } finally {
    await db.close();
  }
}
