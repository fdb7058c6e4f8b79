/**
 * VectorMemory: long-term semantic memory of the agent (90 days rolling by default).
 *
 * Records are embeddings with their text, owned by one subject of one tenant. Every operation takes the tenant
 * (and where it matters the subject) so erasure and retention find a person's memories by index, never by
 * scanning the store. Adapters: pgvector over the shared SQL client (PGlite embedded or a Postgres server) and
 * Qdrant. This file imports no vendor library.
 */

import type { JsonValue } from '../../json.js';

export type { JsonValue };

/** What a caller writes: one memory of one subject. */
export interface MemoryRecord {
  /** Record id, unique within the tenant (checked like every id: non-empty, ≤ 256 bytes, no control chars). */
  readonly id: string;
  readonly tenant: string;
  /** Whose memory this is: erasure deletes by (tenant, subject). */
  readonly subject: string;
  /** The remembered text (UTF-8, at most {@link MAX_TEXT_BYTES}, no NUL). */
  readonly text: string;
  /** Exactly `dimensions` finite numbers, not all zero (cosine similarity needs a direction). */
  readonly embedding: ArrayLike<number>;
  /** Free-form JSON object (at most {@link MAX_METADATA_BYTES} serialised); `{}` when omitted. */
  readonly metadata?: { readonly [key: string]: JsonValue };
  /** When the memory was formed; retention counts from here. Now when omitted. */
  readonly createdAt?: Date;
}

/** A record as read back. The embedding is not returned: callers search with vectors, they read text. */
export interface StoredMemory {
  readonly id: string;
  readonly tenant: string;
  readonly subject: string;
  readonly text: string;
  readonly metadata: { readonly [key: string]: JsonValue };
  readonly createdAt: Date;
}

/** One search result. */
export interface MemoryHit {
  readonly record: StoredMemory;
  /** Cosine similarity to the query vector, from -1 to 1 (1 = same direction). */
  readonly score: number;
}

/** A nearest-neighbour query inside one tenant. */
export interface MemoryQuery {
  readonly tenant: string;
  /** Only this subject's memories when set. */
  readonly subject?: string;
  /** Exactly `dimensions` finite numbers, not all zero. */
  readonly vector: ArrayLike<number>;
  /** How many hits at most, 1 to {@link MAX_TOP_K}. */
  readonly topK: number;
  /** Drop hits whose score is below this (-1 to 1). */
  readonly minScore?: number;
}

/** Narrows count/oldest/deleteOlderThan; a subject needs its tenant. Empty = the whole store. */
export interface MemoryScope {
  readonly tenant?: string;
  readonly subject?: string;
}

/** Storage usage of the store, for operators ("storage usage is observable"). */
export interface VectorMemoryStats {
  readonly backend: 'pgvector' | 'qdrant';
  /** Where the data lives: address and table or collection, no credentials. */
  readonly location: string;
  readonly dimensions: number;
  /** Number of records. */
  readonly count: number;
  /** Creation time of the oldest and newest record, null when empty. */
  readonly oldest: Date | null;
  readonly newest: Date | null;
  /** Record counts of the largest tenants, at most {@link STATS_TENANT_LIMIT}, largest first. */
  readonly tenants: ReadonlyArray<{ readonly tenant: string; readonly count: number }>;
  /** True when more tenants exist than listed. */
  readonly tenantsTruncated: boolean;
  /** Bytes on disk including indexes (pgvector), or an estimate from vector sizes (Qdrant); see `bytesEstimated`. */
  readonly bytes: number | null;
  readonly bytesEstimated: boolean;
  /** Engine-specific facts worth showing (index sizes, segments, collection status…). */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Long-term semantic memory.
 *
 * Errors: bad input → `InvalidInputError` (nothing written); engine down or slow → `UnavailableError` /
 * `TimeoutError` (retriable, naming the address), never a hang; storage configured for other dimensions →
 * `ConfigError`.
 */
export interface VectorMemory {
  /** `pgvector` or `qdrant`. */
  readonly backend: 'pgvector' | 'qdrant';
  /** Address and table or collection, for messages; no credentials. */
  readonly location: string;
  /** Embedding dimensions every vector must have. */
  readonly dimensions: number;

  /**
   * Creates or checks the backing table or collection and its indexes. Idempotent; call once at start. Fails with
   * a typed error when the engine lacks what it needs (for example pgvector) or stores other dimensions.
   */
  init(): Promise<void>;

  /**
   * Inserts or overwrites records by (tenant, id): an existing record's subject, text, embedding, metadata and
   * createdAt are replaced. Within one call a later record with the same (tenant, id) wins. All records are
   * checked before anything is written. Returns how many distinct records were written.
   */
  upsert(records: readonly MemoryRecord[]): Promise<number>;

  /**
   * Nearest neighbours by cosine similarity within the tenant (and subject), best first, at most `topK`, none
   * below `minScore`. Tenant and subject are filters of the index query itself, never applied afterwards, so
   * one tenant's query can never see another tenant's memory. Approximate (HNSW) on large stores.
   */
  search(query: MemoryQuery): Promise<MemoryHit[]>;

  /** Deletes every memory of (tenant, subject) by index; returns how many were deleted. Exact ids only. */
  deleteBySubject(tenant: string, subject: string): Promise<number>;

  /** Deletes memories created strictly before `cutoff` (retention), within `scope`; returns how many. */
  deleteOlderThan(cutoff: Date, scope?: MemoryScope): Promise<number>;

  /** Number of memories within `scope` (exact). */
  count(scope?: MemoryScope): Promise<number>;

  /** Creation time of the oldest memory within `scope`, null when there is none. */
  oldest(scope?: MemoryScope): Promise<Date | null>;

  /** Storage usage: counts, age range, largest tenants, bytes. */
  stats(): Promise<VectorMemoryStats>;

  /** Releases connections the store owns. */
  close(): Promise<void>;
}

/** Largest `topK` of a search. */
export const MAX_TOP_K = 1000;
/** Largest record text in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 65_536;
/** Largest serialised metadata in UTF-8 bytes. */
export const MAX_METADATA_BYTES = 16_384;
/** Tenants listed by {@link VectorMemory.stats}. */
export const STATS_TENANT_LIMIT = 100;
