import { isSomaError } from '../../errors.js';
import type { Stores } from '../../stores/factory.js';
import { subjectPrefix } from '../../stores/objects/object-keys.js';
import type { StepContext } from './steps.js';
import {
  countVersions,
  ERASURE_STORES,
  type ErasureStoreName,
  listAllVersions,
  subjectRef,
} from './subject-stores.js';

/** Something of the subject still found after erasure. Any residue fails the verification (exit 1). */
export interface Residue {
  readonly store: ErasureStoreName;
  /** `data`: found through the store's own API; `engine`: the engine still holds or serves what was deleted. */
  readonly kind: 'data' | 'engine';
  readonly count: number;
  readonly detail: string;
}

/** Engine behaviour worth knowing after an erasure, which no per-subject query can measure. */
export interface EngineNote {
  readonly store: ErasureStoreName;
  readonly note: string;
}

/** The outcome of {@link verifyErasure}. */
export interface ErasureVerification {
  /** Per store, what is left (0 everywhere when erased). */
  readonly after: Readonly<Record<ErasureStoreName, number>>;
  /** How each store was checked: re-queried now, or checked by its step (see `detail` of the store). */
  readonly checks: Readonly<Record<ErasureStoreName, 'requeried' | 'by-step'>>;
  readonly residue: readonly Residue[];
  readonly notes: readonly EngineNote[];
  readonly verifiedAt: Date;
}

/**
 * Re-queries every store for the subject after the steps ran. Data still found is residue; so is an object
 * version the engine still serves by id after it was deleted (probed on a sample). The outbox is re-queried
 * by the subject ref when this run knew it; after a resumed run the ref is gone with the key, and the
 * outbox was checked by the `subject-key` step, which deleted the ref's rows in the key's own transaction.
 */
export async function verifyErasure(ctx: StepContext): Promise<ErasureVerification> {
  const { stores, who } = ctx;
  const { tenant, subject } = who;
  const liveRef = await subjectRef(stores, who);
  const ref = ctx.ref ?? liveRef;
  const [apiKeys, sessions, rateLimits, vectors, versions, outbox, audit] = await Promise.all([
    stores.records.apiKeys.countBySubject(tenant, subject),
    stores.sessions.countBySubject(tenant, subject),
    stores.rateLimiter.countBySubject(tenant, subject),
    stores.memory.count({ tenant, subject }),
    listAllVersions(stores.objects, subjectPrefix(tenant, subject)),
    ref === undefined ? 0 : stores.records.outbox.countBySubject(tenant, ref),
    stores.records.audit.countBySubject(tenant, subject),
  ]);
  const after: Record<ErasureStoreName, number> = {
    'api-keys': apiKeys,
    sessions,
    'rate-limits': rateLimits,
    vectors,
    objects: versions.length,
    outbox,
    audit,
    'subject-key': liveRef === undefined ? 0 : 1,
    'event-tombstones': 0,
  };
  const residue: Residue[] = [];
  const describe: Partial<Record<ErasureStoreName, string>> = {
    'api-keys': 'API keys of the subject still stored (created again during the erasure?)',
    sessions: 'live sessions still stored',
    'rate-limits': 'rate-limit buckets still hold state',
    vectors: 'memories still stored',
    outbox: 'outbox events still carry the subject ref',
    audit: 'audit entries still name the subject',
    'subject-key': 'a live subject key exists (created again after it was destroyed: the subject is in use)',
  };
  for (const store of ERASURE_STORES) {
    const text = describe[store];
    if (text && after[store] > 0) residue.push({ store, kind: 'data', count: after[store], detail: text });
  }
  if (versions.length > 0) {
    const { current, noncurrent, deleteMarkers } = countVersions(versions);
    residue.push({
      store: 'objects',
      kind: 'data',
      count: versions.length,
      detail: `${current} current, ${noncurrent} noncurrent versions and ${deleteMarkers} delete markers under the subject prefix`,
    });
  }
  const served = await stillServed(stores, ctx.deletedVersions ?? []);
  if (served > 0) {
    residue.push({
      store: 'objects',
      kind: 'engine',
      count: served,
      detail: `${stores.objects.engine} still serves ${served} of ${ctx.deletedVersions?.length} sampled deleted versions by version id`,
    });
  }
  return {
    after,
    checks: {
      ...(Object.fromEntries(ERASURE_STORES.map((s) => [s, 'requeried'])) as Record<
        ErasureStoreName,
        'requeried'
      >),
      outbox: ref === undefined ? 'by-step' : 'requeried',
      'event-tombstones': 'by-step',
    },
    residue,
    notes: engineNotes(stores, ctx.compactedTopics),
    verifiedAt: new Date(),
  };
}

/** How many of the deleted versions the engine still returns by id. */
async function stillServed(stores: Stores, deleted: ReadonlyArray<{ key: string; versionId: string }>) {
  let served = 0;
  for (const { key, versionId } of deleted) {
    try {
      await stores.objects.head(key, versionId === 'null' ? {} : { versionId });
      served += 1;
    } catch (error) {
      if (!(isSomaError(error) && error.code === 'NOT_FOUND')) throw error;
    }
  }
  return served;
}

/** What the engines keep for a while after a delete, per the configured profile. */
function engineNotes(stores: Stores, compactedTopics: readonly string[]): EngineNote[] {
  const notes: EngineNote[] = [];
  if (stores.profile === 'cluster') {
    notes.push({
      store: 'sessions',
      note: 'Redis RDB snapshots and AOF files written before the erasure hold the deleted keys until the next snapshot or AOF rewrite.',
    });
  }
  notes.push({
    store: 'vectors',
    note:
      stores.memory.backend === 'qdrant'
        ? 'Qdrant marks deleted points and removes them from disk when its optimizer vacuums the segments (optimizer deleted_threshold).'
        : 'Postgres keeps deleted rows as dead tuples (and in WAL) until VACUUM and WAL recycling.',
  });
  notes.push({
    store: 'subject-key',
    note: 'Database backups taken before the erasure still hold the subject key: restoring one must re-erase the logged subjects (reEraseAfterRestore).',
  });
  notes.push({
    store: 'event-tombstones',
    note:
      compactedTopics.length > 0
        ? `Compacted topics (${compactedTopics.join(', ')}) keep earlier values of the subject ref until log compaction runs; their sealed fields are unreadable already.`
        : 'Events keep redacted text and the pseudonymous ref until their topic retention; sealed fields are unreadable now that the key is destroyed.',
  });
  return notes;
}
