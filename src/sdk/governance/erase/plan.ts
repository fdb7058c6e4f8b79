import type { Stores } from '../../stores/factory.js';
import type { ErasureJobState } from '../../stores/records/erasure-jobs.js';
import { ErasureKeys, type ErasureSettings } from './erasure-keys.js';
import { hashJson } from './receipt.js';
import { STEP_NAMES } from './steps.js';
import { checkErasureId } from './subject-id.js';
import {
  countSubjectData,
  ERASURE_ACTIONS,
  ERASURE_STORES,
  type ErasureAction,
  type ErasureStoreName,
  type ErasureSubject,
  storeEngines,
} from './subject-stores.js';

/**
 * Version of the plan format (the plan hash input and the plan stored with a job). 2: the `api-keys` store
 * was added. A job or receipt of an older format keeps its hash; it is never recomputed.
 */
export const PLAN_FORMAT_VERSION = 2;

/** What to erase. */
export interface ErasureRequest {
  readonly tenant: string;
  /** The user (data subject) id, exact. */
  readonly subject: string;
  /** Accept ids with `* ? [ ] { } % \` (refused by default: they look like patterns). */
  readonly allowPatternCharacters?: boolean;
}

/** One store in a plan. */
export interface PlannedStore {
  readonly store: ErasureStoreName;
  /** Where it lives, for people. */
  readonly engine: string;
  readonly action: ErasureAction;
  /** Records found (versions and delete markers for objects, topics for tombstones). */
  readonly count: number;
  /** Breakdown, where a store has one (objects: current, noncurrent, deleteMarkers). */
  readonly detail?: Readonly<Record<string, number>>;
}

/** An open job of the subject that a run would resume. */
export interface OpenJobSummary {
  readonly id: string;
  readonly state: ErasureJobState;
  readonly stepsDone: number;
  readonly steps: number;
  readonly createdAt: Date;
}

/** The outcome of {@link planErasure}: what erasure would do, and whether it may. */
export interface ErasurePlan {
  /** The request, ids checked. Holds the raw subject id: never print or store it with the plan. */
  readonly who: ErasureSubject;
  readonly tenant: string;
  /** Keyed hash of (tenant, subject): what jobs, receipts and logs record instead of the id. */
  readonly subjectHash: string;
  readonly profile: Stores['profile'];
  /** Per store, in plan order. */
  readonly stores: readonly PlannedStore[];
  /** Records the plan touches (every store but tombstones). */
  readonly total: number;
  /** `sha256:` of the canonical plan (subject hash, per-store counts): the same data gives the same hash. */
  readonly planHash: string;
  /** The erasure steps, in execution order. */
  readonly steps: readonly string[];
  /** A legal hold that blocks the erasure, if any. */
  readonly legalHold: { readonly reason: string; readonly placedBy: string; readonly placedAt: Date } | null;
  /** The open job a run resumes, if any. */
  readonly openJob: OpenJobSummary | null;
  readonly plannedAt: Date;
}

/**
 * Plans the erasure of one subject: checks the ids (exact; pattern characters refused), counts the subject's
 * data in every store by index, hashes the plan, and reports a legal hold and an open job to resume. Reads
 * only: nothing is changed.
 */
export async function planErasure(
  stores: Stores,
  request: ErasureRequest,
  settings: ErasureSettings,
): Promise<ErasurePlan> {
  const tenant = checkErasureId('tenant', request.tenant, request.allowPatternCharacters);
  const subject = checkErasureId('user', request.subject, request.allowPatternCharacters);
  const who = { tenant, subject };
  const keys = new ErasureKeys(settings.receiptKey);
  const subjectHash = keys.subjectHash(tenant, subject);
  const [found, hold, open] = await Promise.all([
    countSubjectData(stores, who, settings.compactedTopics),
    stores.records.legalHolds.get(tenant, subject),
    stores.records.erasureJobs.findOpen(tenant, subjectHash),
  ]);
  const engines = storeEngines(stores);
  const planned: PlannedStore[] = ERASURE_STORES.map((store) => ({
    store,
    engine: engines[store],
    action: ERASURE_ACTIONS[store],
    count: found.counts[store],
    ...(store === 'objects' ? { detail: { ...found.objectVersions } } : {}),
  }));
  const total = planned.filter((p) => p.action !== 'tombstone').reduce((sum, p) => sum + p.count, 0);
  return {
    who,
    tenant,
    subjectHash,
    profile: stores.profile,
    stores: planned,
    total,
    planHash: hashJson({
      version: PLAN_FORMAT_VERSION,
      tenant,
      subject: subjectHash,
      stores: planned.map(({ store, action, count }) => ({ store, action, count })),
      steps: STEP_NAMES,
    }),
    steps: STEP_NAMES,
    legalHold: hold ? { reason: hold.reason, placedBy: hold.placedBy, placedAt: hold.placedAt } : null,
    openJob: open
      ? {
          id: open.id,
          state: open.state,
          stepsDone: open.steps.filter((s) => s.status === 'done').length,
          steps: open.steps.length,
          createdAt: open.createdAt,
        }
      : null,
    plannedAt: new Date(),
  };
}

/** The plan as stored with its job: counts and hash, no personal data. */
export function planRecord(plan: ErasurePlan): Record<string, unknown> {
  return {
    version: PLAN_FORMAT_VERSION,
    planHash: plan.planHash,
    plannedAt: plan.plannedAt.toISOString(),
    total: plan.total,
    stores: plan.stores.map(({ store, action, count, detail }) => ({
      store,
      action,
      count,
      ...(detail ? { detail } : {}),
    })),
  };
}
