import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import { createQdrantClient, type QdrantConnection } from '../../engines/qdrant.js';
import { ConfigError, SomaError } from '../../errors.js';
import { type CheckedScope, checkDate, checkQuery, checkRecords, checkScope } from './memory-checks.js';
import { translateQdrantError } from './qdrant-memory-errors.js';
import { qdrantPointId } from './qdrant-point-id.js';
import {
  type JsonValue,
  type MemoryHit,
  type MemoryQuery,
  type MemoryRecord,
  type MemoryScope,
  STATS_TENANT_LIMIT,
  type StoredMemory,
  type VectorMemory,
  type VectorMemoryStats,
} from './vector-memory.js';

/** Options of {@link QdrantVectorMemory}. */
export interface QdrantMemoryOptions {
  /** Collection of the memory points (`qdrant.collection`). */
  readonly collection: string;
  /** Embedding dimensions (`vector.dimensions`). */
  readonly dimensions: number;
}

/** Payload keys of a memory point. */
interface MemoryPayload {
  tenant: string;
  subject: string;
  recordId: string;
  text: string;
  metadata: { [key: string]: JsonValue };
  /** Milliseconds since the epoch: an integer range index serves retention deletes and `order_by`. */
  createdAt: number;
}

/**
 * The payload indexes every collection gets: tenant (keyword, Qdrant's tenant optimisation), subject (keyword)
 * for erasure, createdAt (integer with range) for retention deletes and oldest-first scrolls.
 */
export const QDRANT_PAYLOAD_INDEXES: ReadonlyArray<{
  readonly field: keyof MemoryPayload;
  readonly type: Schemas['PayloadSchemaType'];
  readonly schema: Schemas['PayloadFieldSchema'];
}> = [
  { field: 'tenant', type: 'keyword', schema: { type: 'keyword', is_tenant: true } },
  { field: 'subject', type: 'keyword', schema: 'keyword' },
  { field: 'createdAt', type: 'integer', schema: { type: 'integer', lookup: false, range: true } },
];

const POINTS_PER_UPSERT = 256;

function filterOf(scope: CheckedScope, extra: Schemas['Condition'][] = []): Schemas['Filter'] | undefined {
  const must: Schemas['Condition'][] = [];
  if (scope.tenant !== undefined) must.push({ key: 'tenant', match: { value: scope.tenant } });
  if (scope.subject !== undefined) must.push({ key: 'subject', match: { value: scope.subject } });
  must.push(...extra);
  return must.length ? { must } : undefined;
}

function toStored(pointId: unknown, payload: unknown): StoredMemory {
  const p = (payload ?? {}) as Partial<MemoryPayload>;
  if (
    typeof p.tenant !== 'string' ||
    typeof p.subject !== 'string' ||
    typeof p.recordId !== 'string' ||
    typeof p.text !== 'string' ||
    typeof p.createdAt !== 'number'
  ) {
    throw new SomaError(
      'VECTOR_MEMORY_CORRUPT',
      `Qdrant point ${String(pointId)} is not a somaagent memory`,
      {
        hint: 'The collection holds points written by something else; give somaagent its own qdrant.collection.',
      },
    );
  }
  return {
    id: p.recordId,
    tenant: p.tenant,
    subject: p.subject,
    text: p.text,
    metadata: p.metadata && typeof p.metadata === 'object' ? p.metadata : {},
    createdAt: new Date(p.createdAt),
  };
}

/**
 * VectorMemory on Qdrant: one collection (`qdrant.collection`) for every tenant, cosine distance, one point per
 * (tenant, record id) under a deterministic UUID ({@link qdrantPointId}). Tenant and subject are payload filters
 * of the query itself, backed by keyword indexes; erasure and retention are filter deletes. Writes wait for
 * Qdrant to apply them, so a read after a write sees it.
 */
export class QdrantVectorMemory implements VectorMemory {
  readonly backend = 'qdrant' as const;
  readonly location: string;
  readonly dimensions: number;
  private readonly collection: string;

  constructor(
    private readonly client: QdrantClient,
    private readonly site: { readonly url: string; readonly timeoutMs: number },
    options: QdrantMemoryOptions,
  ) {
    this.collection = options.collection;
    this.dimensions = options.dimensions;
    this.location = `${site.url} collection ${options.collection}`;
  }

  async init(): Promise<void> {
    await this.run('init', async () => {
      const { exists } = await this.client.collectionExists(this.collection);
      let indexed: Record<string, Schemas['PayloadIndexInfo'] | undefined> = {};
      if (!exists) {
        try {
          await this.client.createCollection(this.collection, {
            vectors: { size: this.dimensions, distance: 'Cosine' },
          });
        } catch (error) {
          // 409: another process created it between our check and our create; check what it made.
          if ((error as { status?: unknown }).status !== 409) throw error;
          indexed = await this.checkCollection();
        }
      } else {
        indexed = await this.checkCollection();
      }
      for (const index of QDRANT_PAYLOAD_INDEXES) {
        if (indexed[index.field]?.data_type === index.type) continue;
        await this.client.createPayloadIndex(this.collection, {
          field_name: index.field,
          field_schema: index.schema,
          wait: true,
        });
      }
    });
  }

  /** Verifies size and distance of an existing collection; returns its payload indexes. */
  private async checkCollection(): Promise<Record<string, Schemas['PayloadIndexInfo'] | undefined>> {
    const info = await this.client.getCollection(this.collection);
    const vectors = info.config.params.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (!vectors || typeof vectors.size !== 'number') {
      throw new ConfigError(
        `${this.location} uses named vectors; somaagent needs one unnamed vector per point`,
        {
          hint: 'Give somaagent its own qdrant.collection.',
        },
      );
    }
    if (vectors.size !== this.dimensions) {
      throw new ConfigError(
        `${this.location} stores ${vectors.size}-dimensional vectors but vector.dimensions is ${this.dimensions}`,
        {
          hint: `Set vector.dimensions=${vectors.size}, or use a new qdrant.collection for the new model (changing dimensions needs re-embedding).`,
          details: { expected: this.dimensions, stored: vectors.size },
        },
      );
    }
    if (vectors.distance !== 'Cosine') {
      throw new ConfigError(
        `${this.location} uses ${String(vectors.distance)} distance; vector memory needs Cosine`,
        {
          hint: 'Give somaagent its own qdrant.collection.',
        },
      );
    }
    return info.payload_schema;
  }

  async upsert(records: readonly MemoryRecord[]): Promise<number> {
    const checked = checkRecords(records, this.dimensions);
    await this.run('upsert', async () => {
      for (let start = 0; start < checked.length; start += POINTS_PER_UPSERT) {
        const points = checked.slice(start, start + POINTS_PER_UPSERT).map((record) => {
          const payload: MemoryPayload = {
            tenant: record.tenant,
            subject: record.subject,
            recordId: record.id,
            text: record.text,
            metadata: record.metadata,
            createdAt: record.createdAt.getTime(),
          };
          return {
            id: qdrantPointId(record.tenant, record.id),
            vector: record.embedding,
            payload: payload as unknown as Record<string, unknown>,
          };
        });
        await this.client.upsert(this.collection, { wait: true, points });
      }
    });
    return checked.length;
  }

  async search(query: MemoryQuery): Promise<MemoryHit[]> {
    const q = checkQuery(query, this.dimensions);
    const result = await this.run('search', () =>
      this.client.query(this.collection, {
        query: q.vector,
        filter: filterOf({ tenant: q.tenant, subject: q.subject }),
        limit: q.topK,
        with_payload: true,
        ...(q.minScore === undefined ? {} : { score_threshold: q.minScore }),
      }),
    );
    const hits = result.points.map((point) => ({
      record: toStored(point.id, point.payload),
      score: point.score,
    }));
    return q.minScore === undefined ? hits : hits.filter((hit) => hit.score >= (q.minScore as number));
  }

  async deleteBySubject(tenant: string, subject: string): Promise<number> {
    return this.deleteMatching(
      'deleteBySubject',
      filterOf(checkScope({ tenant, subject })) as Schemas['Filter'],
    );
  }

  async deleteOlderThan(cutoff: Date, scope?: MemoryScope): Promise<number> {
    checkDate('cutoff', cutoff);
    const filter = filterOf(checkScope(scope), [{ key: 'createdAt', range: { lt: cutoff.getTime() } }]);
    return this.deleteMatching('deleteOlderThan', filter as Schemas['Filter']);
  }

  /** Qdrant's delete does not say how many points it removed: count exactly first, then delete by the same filter. */
  private async deleteMatching(operation: string, filter: Schemas['Filter']): Promise<number> {
    return this.run(operation, async () => {
      const { count } = await this.client.count(this.collection, { filter, exact: true });
      if (count > 0) await this.client.delete(this.collection, { wait: true, filter });
      return count;
    });
  }

  async count(scope?: MemoryScope): Promise<number> {
    const filter = filterOf(checkScope(scope));
    const result = await this.run('count', () =>
      this.client.count(this.collection, { ...(filter ? { filter } : {}), exact: true }),
    );
    return result.count;
  }

  async oldest(scope?: MemoryScope): Promise<Date | null> {
    const checked = checkScope(scope);
    return this.run('oldest', () => this.edge(checked, 'asc'));
  }

  /** Creation time of the first point in `direction` of the createdAt range index. */
  private async edge(scope: CheckedScope, direction: 'asc' | 'desc'): Promise<Date | null> {
    const filter = filterOf(scope);
    const page = await this.client.scroll(this.collection, {
      ...(filter ? { filter } : {}),
      limit: 1,
      with_payload: ['createdAt'],
      order_by: { key: 'createdAt', direction },
    });
    const createdAt = (page.points[0]?.payload as { createdAt?: unknown } | undefined)?.createdAt;
    return typeof createdAt === 'number' ? new Date(createdAt) : null;
  }

  async stats(): Promise<VectorMemoryStats> {
    return this.run('stats', async () => {
      const info = await this.client.getCollection(this.collection);
      const { count } = await this.client.count(this.collection, { exact: true });
      const oldest = await this.edge({ tenant: undefined, subject: undefined }, 'asc');
      const newest = await this.edge({ tenant: undefined, subject: undefined }, 'desc');
      const facet = await this.client.facet(this.collection, {
        key: 'tenant',
        limit: STATS_TENANT_LIMIT + 1,
        exact: true,
      });
      const tenants = facet.hits.map((hit) => ({ tenant: String(hit.value), count: hit.count }));
      return {
        backend: this.backend,
        location: this.location,
        dimensions: this.dimensions,
        count,
        oldest,
        newest,
        tenants: tenants.slice(0, STATS_TENANT_LIMIT),
        tenantsTruncated: tenants.length > STATS_TENANT_LIMIT,
        // Qdrant's REST API does not report disk usage: float32 vectors alone, payloads and HNSW links excluded.
        bytes: count * this.dimensions * 4,
        bytesEstimated: true,
        details: {
          status: info.status,
          segments: info.segments_count,
          indexedVectors: info.indexed_vectors_count ?? null,
          payloadIndexes: Object.keys(info.payload_schema).sort(),
        },
      };
    });
  }

  async close(): Promise<void> {
    // The REST client holds no connection that needs closing.
  }

  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateQdrantError({ ...this.site, collection: this.collection }, operation, error);
    }
  }
}

/** Creates a Qdrant store bounded by the connection's request timeout. Does not contact Qdrant. */
export function createQdrantVectorMemory(
  connection: QdrantConnection,
  options: QdrantMemoryOptions,
): QdrantVectorMemory {
  return new QdrantVectorMemory(
    createQdrantClient(connection),
    { url: connection.url, timeoutMs: connection.requestTimeoutMs },
    options,
  );
}

/** Creates a Qdrant store and runs {@link VectorMemory.init} (collection and payload indexes). */
export async function openQdrantVectorMemory(
  connection: QdrantConnection,
  options: QdrantMemoryOptions,
): Promise<QdrantVectorMemory> {
  const store = createQdrantVectorMemory(connection, options);
  await store.init();
  return store;
}
