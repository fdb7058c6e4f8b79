import type { Stores } from '../../stores/factory.js';
import { subjectPrefix } from '../../stores/objects/object-keys.js';
import type { ObjectStore, ObjectVersion } from '../../stores/objects/object-store.js';

/**
 * The stores erasure plans, executes and verifies, in plan order. Open-ended: a new store may be added in a
 * later version (receipts and job plans list their stores by name, and verifying a receipt never assumes
 * this set).
 */
export const ERASURE_STORES = [
  'api-keys',
  'sessions',
  'rate-limits',
  'vectors',
  'objects',
  'outbox',
  'audit',
  'subject-key',
  'event-tombstones',
] as const;

/** One of {@link ERASURE_STORES}. */
export type ErasureStoreName = (typeof ERASURE_STORES)[number];

/** What erasure does to a store's records. */
export type ErasureAction = 'delete' | 'pseudonymise' | 'destroy-key' | 'tombstone';

/** The action per store. */
export const ERASURE_ACTIONS: Readonly<Record<ErasureStoreName, ErasureAction>> = {
  'api-keys': 'delete',
  sessions: 'delete',
  'rate-limits': 'delete',
  vectors: 'delete',
  objects: 'delete',
  outbox: 'delete',
  audit: 'pseudonymise',
  'subject-key': 'destroy-key',
  'event-tombstones': 'tombstone',
};

/** The (tenant, subject) erasure is about. */
export interface ErasureSubject {
  readonly tenant: string;
  readonly subject: string;
}

/** Versions and delete markers under a subject's prefix. */
export interface ObjectVersionCounts {
  readonly current: number;
  readonly noncurrent: number;
  readonly deleteMarkers: number;
}

/** Lists every version and delete marker under `prefix`, page by page (literal prefix: by index). */
export async function listAllVersions(objects: ObjectStore, prefix: string): Promise<ObjectVersion[]> {
  const all: ObjectVersion[] = [];
  let cursor: string | undefined;
  do {
    const page = await objects.listVersions(prefix, cursor === undefined ? {} : { cursor });
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return all;
}

/** Current versions, noncurrent versions and delete markers of a version listing. */
export function countVersions(versions: readonly ObjectVersion[]): ObjectVersionCounts {
  let current = 0;
  let noncurrent = 0;
  let deleteMarkers = 0;
  for (const version of versions) {
    if (version.deleteMarker) deleteMarkers += 1;
    else if (version.isLatest) current += 1;
    else noncurrent += 1;
  }
  return { current, noncurrent, deleteMarkers };
}

/** The subject's pseudonymous ref (the id of its live key), or undefined when it has no key. */
export async function subjectRef(stores: Stores, who: ErasureSubject): Promise<string | undefined> {
  return (await stores.records.subjectKeys.find(who.tenant, who.subject))?.keyId;
}

/** Per-store counts of a subject's data, found by index; `objects` adds its version breakdown. */
export interface SubjectCounts {
  readonly counts: Readonly<Record<ErasureStoreName, number>>;
  readonly objectVersions: ObjectVersionCounts;
  /** The subject's ref when it has a live key (outbox rows and compacted-topic keys carry it). */
  readonly ref: string | undefined;
}

/**
 * Counts a subject's data in every store by index (no store is scanned): its API keys (revoked ones too),
 * live sessions, rate-limit buckets, memories, object versions and delete markers under the subject prefix,
 * outbox rows of its ref, audit entries about or by it, its live key, and the compacted topics that would
 * get a tombstone.
 */
export async function countSubjectData(
  stores: Stores,
  who: ErasureSubject,
  compactedTopics: readonly string[],
): Promise<SubjectCounts> {
  const { tenant, subject } = who;
  const ref = await subjectRef(stores, who);
  const [apiKeys, sessions, rateLimits, vectors, versions, outbox, audit] = await Promise.all([
    stores.records.apiKeys.countBySubject(tenant, subject),
    stores.sessions.countBySubject(tenant, subject),
    stores.rateLimiter.countBySubject(tenant, subject),
    stores.memory.count({ tenant, subject }),
    listAllVersions(stores.objects, subjectPrefix(tenant, subject)),
    ref === undefined ? 0 : stores.records.outbox.countBySubject(tenant, ref),
    stores.records.audit.countBySubject(tenant, subject),
  ]);
  const objectVersions = countVersions(versions);
  return {
    counts: {
      'api-keys': apiKeys,
      sessions,
      'rate-limits': rateLimits,
      vectors,
      objects: versions.length,
      outbox,
      audit,
      'subject-key': ref === undefined ? 0 : 1,
      'event-tombstones': ref === undefined ? 0 : compactedTopics.length,
    },
    objectVersions,
    ref,
  };
}

/** Where each store lives, for people (no credentials). */
export function storeEngines(stores: Stores): Readonly<Record<ErasureStoreName, string>> {
  const embedded = stores.profile === 'embedded';
  return {
    'api-keys': stores.records.address,
    sessions: embedded ? `pglite (${stores.sql.address})` : 'redis',
    'rate-limits': embedded ? 'in-process' : 'redis',
    vectors: `${stores.memory.backend} (${stores.memory.location})`,
    objects: `${stores.objects.engine} (${stores.objects.address})`,
    outbox: stores.records.address,
    audit: stores.records.address,
    'subject-key': stores.records.address,
    'event-tombstones': `${stores.events.kind} (${stores.events.address})`,
  };
}
