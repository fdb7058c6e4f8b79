import { isSomaError } from '../../errors.js';
import type { ObjectStore } from '../../stores/objects/object-store.js';
import type { ErasureKeys } from './erasure-keys.js';
import type { ErasureSubject } from './subject-stores.js';

/**
 * Where the log of erased subjects lives: one object per subject in the object store, named by the subject's
 * keyed hash (no id). It lives outside the records database on purpose, so restoring a database backup does
 * not roll it back; the restore then erases every logged subject again ({@link reEraseAfterRestore}).
 */
export const ERASED_SUBJECTS_PREFIX = 'system/erasure/erased-subjects/';

/** One entry of the erased-subjects log. */
export interface ErasedSubjectEntry {
  /** `hmac-sha256:<hex>` of (tenant, subject). */
  readonly subject: string;
  readonly erasedAt: string;
  /** The erasure job that logged it. */
  readonly jobId: string;
}

function entryKey(subjectHash: string): string {
  return `${ERASED_SUBJECTS_PREFIX}${subjectHash.replace(/^hmac-sha256:/, '')}`;
}

/** Logs a subject as erased (idempotent: a later erasure of the same subject rewrites its entry). */
export async function recordErasedSubject(
  objects: ObjectStore,
  keys: ErasureKeys,
  who: ErasureSubject,
  jobId: string,
): Promise<ErasedSubjectEntry> {
  const entry: ErasedSubjectEntry = {
    subject: keys.subjectHash(who.tenant, who.subject),
    erasedAt: new Date().toISOString(),
    jobId,
  };
  await objects.put(entryKey(entry.subject), JSON.stringify(entry), { contentType: 'application/json' });
  return entry;
}

/** The log entry of a subject, or undefined when it was never erased here (one lookup by key). */
export async function erasedSubjectEntry(
  objects: ObjectStore,
  keys: ErasureKeys,
  who: ErasureSubject,
): Promise<ErasedSubjectEntry | undefined> {
  try {
    const bytes = await objects.getBytes(entryKey(keys.subjectHash(who.tenant, who.subject)));
    return JSON.parse(bytes.toString('utf8')) as ErasedSubjectEntry;
  } catch (error) {
    if (isSomaError(error) && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/** How many subjects the log holds. */
export async function countErasedSubjects(objects: ObjectStore): Promise<number> {
  return (await objects.usage(ERASED_SUBJECTS_PREFIX)).objects;
}
