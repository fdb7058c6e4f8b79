import { errorMessage, isSomaError } from '../../errors.js';
import type { Stores } from '../../stores/factory.js';
import { TENANTS_PREFIX } from '../../stores/objects/object-keys.js';
import { erasedSubjectEntry } from './erased-log.js';
import { ErasureKeys, type ErasureSettings } from './erasure-keys.js';
import { eraseSubject } from './execute.js';
import type { ErasureSubject } from './subject-stores.js';

/** What happened to one logged subject found again after a restore. */
export interface ReErasureOutcome {
  /** Keyed hash of the subject (never the id). */
  readonly subject: string;
  /** `erased` again (receipt issued), `residue` left, `held` (a legal hold blocks it), or `failed`. */
  readonly status: 'erased' | 'residue' | 'held' | 'failed';
  readonly jobId: string | null;
  readonly error: string | null;
}

/** The outcome of {@link reEraseAfterRestore}. */
export interface ReErasureReport {
  /** Subjects looked up in the erased-subjects log. */
  readonly candidates: number;
  /** Those found in the log: each was erased again (or reports why not). */
  readonly outcomes: readonly ReErasureOutcome[];
}

/**
 * Re-erases, after a backup was restored, every subject the erased-subjects log knows: call it right after
 * the restore, before the stores serve traffic. The log holds only keyed hashes, so the candidates are the
 * subjects present in the restored data: by default those of the records database and the object store
 * ({@link restoredSubjects}); pass `subjects` for data restored elsewhere. Each logged candidate goes through
 * the full erasure (job, verification, receipt) without the blast-radius guard: it was approved once.
 */
export async function reEraseAfterRestore(
  stores: Stores,
  settings: ErasureSettings,
  options: { readonly subjects?: Iterable<ErasureSubject>; readonly actor?: string } = {},
): Promise<ReErasureReport> {
  const keys = new ErasureKeys(settings.receiptKey);
  const candidates = [...(options.subjects ?? (await restoredSubjects(stores)))];
  const outcomes: ReErasureOutcome[] = [];
  for (const who of candidates) {
    if (!(await erasedSubjectEntry(stores.objects, keys, who))) continue;
    const subject = keys.subjectHash(who.tenant, who.subject);
    try {
      const result = await eraseSubject(stores, { ...who, allowPatternCharacters: true }, settings, {
        actor: options.actor ?? 'restore',
        maxRecords: Number.MAX_SAFE_INTEGER,
      });
      outcomes.push({ subject, status: result.status, jobId: result.jobId, error: null });
    } catch (error) {
      const held = isSomaError(error) && error.code === 'LEGAL_HOLD';
      outcomes.push({
        subject,
        status: held ? 'held' : 'failed',
        jobId: null,
        error: held ? null : errorMessage(error),
      });
    }
  }
  return { candidates: candidates.length, outcomes };
}

/**
 * Every (tenant, subject) present in the records database (API keys, sessions, memories, subject keys, audit
 * entries, legal holds) and under `tenants/*\/subjects/*\/` in the object store. This reads whole tables and listings:
 * it is meant for the moment after a restore, not for serving.
 */
export async function restoredSubjects(stores: Stores): Promise<ErasureSubject[]> {
  const found = new Map<string, ErasureSubject>();
  const add = (tenant: string, subject: string) =>
    found.set(`${tenant}\u0000${subject}`, { tenant, subject });
  const tables = [
    'soma_api_keys',
    'soma_sessions',
    'soma_vector_memory',
    'soma_subject_keys',
    'soma_audit_log',
    'soma_legal_holds',
  ];
  for (const table of tables) {
    const exists = await stores.sql.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
    if (!exists.rows[0]?.t) continue;
    const { rows } = await stores.sql.query<{ tenant_id: string; subject_id: string }>(
      `SELECT DISTINCT tenant_id, subject_id FROM ${table} WHERE subject_id IS NOT NULL`,
    );
    for (const row of rows) add(row.tenant_id, row.subject_id);
  }
  let cursor: string | undefined;
  do {
    const page = await stores.objects.list(TENANTS_PREFIX, cursor === undefined ? {} : { cursor });
    for (const { key } of page.items) {
      const [, tenant, marker, subject] = key.split('/');
      if (marker === 'subjects' && tenant && subject)
        add(decodeURIComponent(tenant), decodeURIComponent(subject));
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return [...found.values()];
}
