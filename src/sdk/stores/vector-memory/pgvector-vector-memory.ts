import { ConfigError, errorMessage, SomaError } from '../../errors.js';
import { loadMigrations, migrate } from '../sql/migrate.js';
import type { SqlClient } from '../sql/sql-client.js';
import {
  type CheckedRecord,
  type CheckedScope,
  checkDate,
  checkQuery,
  checkRecords,
  checkScope,
} from './memory-checks.js';
import { PgvectorMissingError, translatePgvectorError } from './pgvector-memory-errors.js';
import {
  type MemoryHit,
  type MemoryQuery,
  type MemoryRecord,
  type MemoryScope,
  STATS_TENANT_LIMIT,
  type VectorMemory,
  type VectorMemoryStats,
} from './vector-memory.js';

export { PgvectorMissingError } from './pgvector-memory-errors.js';

/** The table created by migration 0002. */
export const VECTOR_MEMORY_TABLE = 'soma_vector_memory';

const MIGRATION_VERSION = 2;
/** Rows per retention DELETE statement. */
export const RETENTION_BATCH = 10_000;

/** Options of {@link PgvectorVectorMemory}. */
export interface PgvectorMemoryOptions {
  /** Embedding dimensions (`vector.dimensions`). */
  readonly dimensions: number;
  /** Apply pending migrations in {@link VectorMemory.init} (default true). */
  readonly migrate?: boolean;
  /** Close the SQL client in `close()`; false when the client is shared with other stores (default false). */
  readonly ownsClient?: boolean;
  /**
   * HNSW candidates per search (`hnsw.ef_search`, 1–1000, default 40 like pgvector); raised to `topK` when smaller.
   * Higher means better recall and slower searches.
   */
  readonly efSearch?: number;
  /** Rows per retention DELETE statement (default {@link RETENTION_BATCH}). */
  readonly retentionBatch?: number;
}

interface Row {
  id: string;
  tenant_id: string;
  subject_id: string;
  text: string;
  metadata: Record<string, never>;
  created_at: Date | string;
  distance: number;
}

const COLUMNS = 7;
// Bound each multi-row INSERT by parameters and by text size (a 384-dim vector is ~8 KB of text).
function rowsPerInsert(dimensions: number): number {
  return Math.max(1, Math.min(500, Math.floor(4_000_000 / (dimensions * 22))));
}

// pgvector stores float32: 9 significant digits name every float32 exactly and are ~40% shorter than a
// double's shortest form, which matters because parameter bytes dominate insert time (PGlite most of all).
function vectorLiteral(values: readonly number[]): string {
  return `[${values.map((value) => Math.fround(value).toPrecision(9)).join(',')}]`;
}

function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

function where(scope: CheckedScope, params: unknown[]): string {
  const clauses: string[] = [];
  if (scope.tenant !== undefined) {
    params.push(scope.tenant);
    clauses.push(`tenant_id = $${params.length}`);
  }
  if (scope.subject !== undefined) {
    params.push(scope.subject);
    clauses.push(`subject_id = $${params.length}`);
  }
  return clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
}

/**
 * VectorMemory on pgvector, one adapter for both drivers of the shared {@link SqlClient}: PGlite (embedded) and
 * `pg` (a Postgres server with pgvector). Table and indexes come from migration `0002_vector_memory.sql`:
 * primary key (tenant_id, id), b-tree (tenant_id, subject_id) for erasure, b-tree (created_at) for retention,
 * HNSW (cosine) for search. Tenant and subject are WHERE clauses of the index scan; with pgvector's iterative
 * scan a selective filter still fills `topK`.
 */
export class PgvectorVectorMemory implements VectorMemory {
  readonly backend = 'pgvector' as const;
  readonly location: string;
  readonly dimensions: number;
  // pgvector < 0.8 has no iterative index scan; init() finds out.
  private iterativeScan = true;

  constructor(
    private readonly client: SqlClient,
    private readonly options: PgvectorMemoryOptions,
  ) {
    this.dimensions = options.dimensions;
    this.location = `${client.address} table ${VECTOR_MEMORY_TABLE}`;
  }

  async init(): Promise<void> {
    await this.run('init', async () => {
      const state = await this.inspect();
      if (!state.installed && !state.available) {
        throw new PgvectorMissingError(this.client.address, 'unavailable');
      }
      if (state.dimensions !== null) this.checkDimensions(state.dimensions);
      if (this.options.migrate !== false) await this.migrate();
      if (!(await this.inspect()).hasTable) {
        if (this.options.migrate === false) {
          throw new SomaError('VECTOR_MEMORY_NOT_MIGRATED', `${this.location} does not exist`, {
            hint: 'Run the migrations (somaagent db migrate) before starting, or let the store migrate.',
          });
        }
        // Migration 0002 ran while pgvector was missing (it then does nothing); apply its idempotent SQL now.
        await this.client.exec(this.ownMigration());
      }
      const after = await this.inspect();
      if (after.dimensions !== null) this.checkDimensions(after.dimensions);
      this.iterativeScan = after.version === null || compareVersions(after.version, '0.8.0') >= 0;
    });
  }

  /**
   * This memory bound to `tx`, a transaction on the same database as its client (e.g. the records
   * transaction of a turn, so memory, audit and outbox rows commit together). It skips `init()`: the table
   * is this memory's. Closing it does nothing.
   */
  within(tx: SqlClient): PgvectorVectorMemory {
    const bound = new PgvectorVectorMemory(tx, { ...this.options, ownsClient: false });
    bound.iterativeScan = this.iterativeScan;
    return bound;
  }

  async upsert(records: readonly MemoryRecord[]): Promise<number> {
    const checked = checkRecords(records, this.dimensions);
    if (checked.length === 0) return 0;
    const perInsert = rowsPerInsert(this.dimensions);
    // One statement is atomic by itself: no transaction (two round trips fewer).
    if (checked.length <= perInsert) {
      await this.run('upsert', () => this.insert(this.client, checked));
      return checked.length;
    }
    await this.run('upsert', () =>
      this.client.transaction(async (tx) => {
        for (let start = 0; start < checked.length; start += perInsert) {
          await this.insert(tx, checked.slice(start, start + perInsert));
        }
      }),
    );
    return checked.length;
  }

  private async insert(tx: SqlClient, records: readonly CheckedRecord[]): Promise<void> {
    const params: unknown[] = [];
    const values = records.map((record, row) => {
      params.push(
        record.tenant,
        record.id,
        record.subject,
        record.text,
        JSON.stringify(record.metadata),
        record.createdAt.toISOString(),
        vectorLiteral(record.embedding),
      );
      const n = row * COLUMNS;
      return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::jsonb, $${n + 6}::timestamptz, $${n + 7}::vector)`;
    });
    await tx.query(
      `INSERT INTO ${VECTOR_MEMORY_TABLE} (tenant_id, id, subject_id, text, metadata, created_at, embedding)
       VALUES ${values.join(', ')}
       ON CONFLICT (tenant_id, id) DO UPDATE SET subject_id = EXCLUDED.subject_id, text = EXCLUDED.text,
         metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at, embedding = EXCLUDED.embedding,
         updated_at = now()`,
      params,
    );
  }

  async search(query: MemoryQuery): Promise<MemoryHit[]> {
    const q = checkQuery(query, this.dimensions);
    const params: unknown[] = [vectorLiteral(q.vector), q.topK];
    const filter = where({ tenant: q.tenant, subject: q.subject }, params);
    // ef_search bounds how many candidates HNSW returns; the iterative scan keeps going past filtered-out rows.
    const settings = `SET LOCAL hnsw.ef_search = ${this.efSearch(q.topK)}${this.iterativeScan ? '; SET LOCAL hnsw.iterative_scan = relaxed_order' : ''}`;
    const rows = await this.run('search', () =>
      this.client.transaction(
        async (tx) => {
          const result = await tx.query<Row>(
            `WITH hits AS MATERIALIZED (
             SELECT id, tenant_id, subject_id, text, metadata, created_at, embedding <=> $1::vector AS distance
             FROM ${VECTOR_MEMORY_TABLE} ${filter}
             ORDER BY embedding <=> $1::vector LIMIT $2)
           SELECT * FROM hits ORDER BY distance + 0, id`,
            params,
          );
          return result.rows;
        },
        { settings },
      ),
    );
    const hits = rows.map((row) => ({
      record: {
        id: row.id,
        tenant: row.tenant_id,
        subject: row.subject_id,
        text: row.text,
        metadata: row.metadata,
        createdAt: toDate(row.created_at),
      },
      score: 1 - Number(row.distance),
    }));
    return q.minScore === undefined ? hits : hits.filter((hit) => hit.score >= (q.minScore as number));
  }

  private efSearch(topK: number): number {
    const configured = Math.trunc(this.options.efSearch ?? 40);
    return Math.min(1000, Math.max(1, configured, topK));
  }

  async deleteBySubject(tenant: string, subject: string): Promise<number> {
    const scope = checkScope({ tenant, subject });
    const params: unknown[] = [];
    const filter = where(scope, params);
    const result = await this.run('deleteBySubject', () =>
      this.client.query(`DELETE FROM ${VECTOR_MEMORY_TABLE} ${filter}`, params),
    );
    return result.rowCount;
  }

  /**
   * Deletes in batches (`retentionBatch` rows, each its own statement), so expiring a large backlog never
   * holds one huge transaction; a failure part-way leaves a smaller backlog for the next run.
   */
  async deleteOlderThan(cutoff: Date, scope?: MemoryScope): Promise<number> {
    checkDate('cutoff', cutoff);
    const batch = this.options.retentionBatch ?? RETENTION_BATCH;
    const params: unknown[] = [cutoff.toISOString(), batch];
    const filter = where(checkScope(scope), params);
    const sql = `DELETE FROM ${VECTOR_MEMORY_TABLE} WHERE (tenant_id, id) IN (
       SELECT tenant_id, id FROM ${VECTOR_MEMORY_TABLE}
       ${filter ? `${filter} AND` : 'WHERE'} created_at < $1::timestamptz LIMIT $2)`;
    return this.run('deleteOlderThan', async () => {
      let deleted = 0;
      for (;;) {
        const { rowCount } = await this.client.query(sql, params);
        deleted += rowCount;
        if (rowCount < batch) return deleted;
      }
    });
  }

  async count(scope?: MemoryScope): Promise<number> {
    const params: unknown[] = [];
    const filter = where(checkScope(scope), params);
    const result = await this.run('count', () =>
      this.client.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM ${VECTOR_MEMORY_TABLE} ${filter}`,
        params,
      ),
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async oldest(scope?: MemoryScope): Promise<Date | null> {
    const params: unknown[] = [];
    const filter = where(checkScope(scope), params);
    const result = await this.run('oldest', () =>
      this.client.query<{ t: Date | string | null }>(
        `SELECT min(created_at) AS t FROM ${VECTOR_MEMORY_TABLE} ${filter}`,
        params,
      ),
    );
    const t = result.rows[0]?.t;
    return t === null || t === undefined ? null : toDate(t);
  }

  async stats(): Promise<VectorMemoryStats> {
    return this.run('stats', async () => {
      const totals = (
        await this.client.query<{
          n: number | string;
          oldest: Date | string | null;
          newest: Date | string | null;
        }>(
          `SELECT count(*) AS n, min(created_at) AS oldest, max(created_at) AS newest FROM ${VECTOR_MEMORY_TABLE}`,
        )
      ).rows[0];
      const tenants = (
        await this.client.query<{ tenant_id: string; n: number | string }>(
          `SELECT tenant_id, count(*) AS n FROM ${VECTOR_MEMORY_TABLE}
           GROUP BY tenant_id ORDER BY count(*) DESC, tenant_id LIMIT $1`,
          [STATS_TENANT_LIMIT + 1],
        )
      ).rows;
      const sizes = (
        await this.client.query<{
          total: number | string;
          indexes: number | string;
          hnsw: number | string | null;
        }>(
          `SELECT pg_total_relation_size(to_regclass($1)) AS total, pg_indexes_size(to_regclass($1)) AS indexes,
                  pg_relation_size(to_regclass($2)) AS hnsw`,
          [VECTOR_MEMORY_TABLE, `${VECTOR_MEMORY_TABLE}_embedding_idx`],
        )
      ).rows[0];
      return {
        backend: this.backend,
        location: this.location,
        dimensions: this.dimensions,
        count: Number(totals?.n ?? 0),
        oldest: totals?.oldest ? toDate(totals.oldest) : null,
        newest: totals?.newest ? toDate(totals.newest) : null,
        tenants: tenants
          .slice(0, STATS_TENANT_LIMIT)
          .map((row) => ({ tenant: row.tenant_id, count: Number(row.n) })),
        tenantsTruncated: tenants.length > STATS_TENANT_LIMIT,
        bytes: sizes ? Number(sizes.total) : null,
        bytesEstimated: false,
        details: {
          driver: this.client.driver,
          indexBytes: sizes ? Number(sizes.indexes) : null,
          hnswIndexBytes: sizes?.hnsw === null || sizes?.hnsw === undefined ? null : Number(sizes.hnsw),
        },
      };
    });
  }

  async close(): Promise<void> {
    if (this.options.ownsClient) await this.client.close();
  }

  private async inspect(): Promise<{
    available: boolean;
    installed: boolean;
    hasTable: boolean;
    dimensions: number | null;
    version: string | null;
  }> {
    const row = (
      await this.client.query<{
        available: boolean;
        version: string | null;
        type: string | null;
        has_table: boolean;
      }>(
        `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available,
                (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS version,
                to_regclass($1) IS NOT NULL AS has_table,
                (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                  WHERE a.attrelid = to_regclass($1) AND a.attname = 'embedding' AND NOT a.attisdropped) AS type`,
        [VECTOR_MEMORY_TABLE],
      )
    ).rows[0];
    const match = /\((\d+)\)/.exec(row?.type ?? '');
    return {
      available: row?.available === true,
      installed: typeof row?.version === 'string',
      version: row?.version ?? null,
      hasTable: row?.has_table === true,
      dimensions: match ? Number(match[1]) : null,
    };
  }

  private checkDimensions(stored: number): void {
    if (stored === this.dimensions) return;
    throw new ConfigError(
      `${this.location} stores ${stored}-dimensional embeddings but vector.dimensions is ${this.dimensions}`,
      {
        hint: `Set vector.dimensions=${stored}, or use a new database/schema for the new model (changing dimensions needs re-embedding).`,
        details: { expected: this.dimensions, stored },
      },
    );
  }

  private async migrate(): Promise<void> {
    try {
      await migrate(this.client, { dimensions: this.dimensions });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code === '42501' && /extension/i.test(errorMessage(error))) {
        throw new PgvectorMissingError(this.client.address, 'not-installed', error);
      }
      if (/extension "vector"/.test(errorMessage(error))) {
        throw new PgvectorMissingError(this.client.address, 'unavailable', error);
      }
      throw error;
    }
  }

  private ownMigration(): string {
    const own = loadMigrations({ dimensions: this.dimensions }).find((m) => m.version === MIGRATION_VERSION);
    if (!own)
      throw new SomaError('MIGRATION_INVALID', `migration ${MIGRATION_VERSION} (vector_memory) is missing`);
    return own.sql;
  }

  /** Runs `work`, translating failures into errors that name this store. */
  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translatePgvectorError(
        { address: this.client.address, location: this.location },
        operation,
        error,
      );
    }
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Creates a pgvector store over `client` and runs {@link VectorMemory.init} (migrations included by default). */
export async function openPgvectorMemory(
  client: SqlClient,
  options: PgvectorMemoryOptions,
): Promise<PgvectorVectorMemory> {
  const store = new PgvectorVectorMemory(client, options);
  await store.init();
  return store;
}
