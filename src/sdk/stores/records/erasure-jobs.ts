/**
 * The erasure jobs port: the resumable state of one `erase --user` run. A job is created from a plan (the
 * plan hash binds it to what the operator confirmed), walks its steps (one per store), is verified by
 * re-querying every store, and ends verified, or failed (resumable) or cancelled. Jobs identify the person
 * only by a subject hash, so the job table itself holds no personal data.
 */

/** Job states. `planned → running → verifying → verified`; `failed` resumes to `running`. */
export type ErasureJobState = 'planned' | 'running' | 'verifying' | 'verified' | 'failed' | 'cancelled';

/** Step states. `done` is final. */
export type ErasureStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** Allowed job state transitions. */
export const ERASURE_TRANSITIONS: Readonly<Record<ErasureJobState, readonly ErasureJobState[]>> = {
  planned: ['running', 'cancelled'],
  running: ['verifying', 'failed'],
  verifying: ['verified', 'failed'],
  failed: ['running', 'cancelled'],
  verified: [],
  cancelled: [],
};

/** States in which a job is open: at most one open job per (tenant, subject hash). */
export const OPEN_ERASURE_STATES: readonly ErasureJobState[] = ['planned', 'running', 'verifying', 'failed'];

/** One step of a job (one store or one action). */
export interface ErasureStep {
  readonly name: string;
  readonly status: ErasureStepStatus;
  /** Records affected, when the step reports it. */
  readonly count: number | null;
  readonly error: string | null;
  readonly updatedAt: Date | null;
}

/** A job as stored. */
export interface ErasureJob {
  /** UUID. */
  readonly id: string;
  readonly tenant: string;
  readonly subjectHash: string;
  readonly planHash: string;
  readonly state: ErasureJobState;
  /** Steps in plan order. */
  readonly steps: readonly ErasureStep[];
  /** The confirmed plan as given to {@link ErasureJobs.create} (a JSON object without personal data), or null. */
  readonly plan: Readonly<Record<string, unknown>> | null;
  /** Why the job failed, when it did. */
  readonly error: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** What {@link ErasureJobs.create} needs. */
export interface NewErasureJob {
  readonly tenant: string;
  /** Hash of the subject id (never the id itself). */
  readonly subjectHash: string;
  /** Hash of the confirmed plan. */
  readonly planHash: string;
  /** Step names in execution order: lowercase, `[a-z][a-z0-9._-]*`, at most 64 characters, unique. */
  readonly steps: readonly string[];
  /** The plan the job executes (per-store counts…): a JSON object of at most 64 KiB, no personal data. */
  readonly plan?: Readonly<Record<string, unknown>>;
}

/** A step update. */
export interface ErasureStepUpdate {
  readonly status: ErasureStepStatus;
  readonly count?: number;
  /** At most 4 KiB; must not contain personal data. */
  readonly error?: string;
}

/**
 * Store of erasure jobs. Ids are checked (`checkId` for tenant and hashes, UUID for job ids); malformed input
 * and forbidden transitions are an `InvalidInputError` saying what is allowed, a missing job a
 * `NotFoundError`.
 */
export interface ErasureJobs {
  /** Creates a `planned` job with every step `pending`. Refused while the subject has an open job. */
  create(job: NewErasureJob): Promise<ErasureJob>;
  /** One job, or undefined. */
  get(id: string): Promise<ErasureJob | undefined>;
  /** The open job of (tenant, subject hash), if any: the one to resume. */
  findOpen(tenant: string, subjectHash: string): Promise<ErasureJob | undefined>;
  /**
   * Sets one step's status (and count or error). A `planned` or `failed` job moves to `running`. Refused on a
   * verifying, verified or cancelled job, for an unknown step, and for a step already `done` (unless set to
   * `done` again).
   */
  updateStep(id: string, step: string, update: ErasureStepUpdate): Promise<ErasureJob>;
  /** Moves the job along {@link ERASURE_TRANSITIONS}; `error` is kept on `failed`. */
  setState(id: string, state: ErasureJobState, error?: string): Promise<ErasureJob>;
}
