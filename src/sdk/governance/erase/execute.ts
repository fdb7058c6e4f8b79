import { errorMessage, InvalidInputError } from '../../errors.js';
import type { Stores } from '../../stores/factory.js';
import type { ErasureJob } from '../../stores/records/erasure-jobs.js';
import { ErasureKeys, type ErasureSettings } from './erasure-keys.js';
import { BlastRadiusError, LegalHoldError, PlanChangedError } from './errors.js';
import { type ErasurePlan, type ErasureRequest, planErasure, planRecord } from './plan.js';
import { type ErasureReceipt, receiptHash, signReceipt } from './receipt.js';
import { STEP_NAMES, type StepContext, stepNamed } from './steps.js';
import { checkActor, checkPlanHash } from './subject-id.js';
import { ERASURE_ACTIONS, ERASURE_STORES, type ErasureStoreName } from './subject-stores.js';
import { type ErasureVerification, verifyErasure } from './verify.js';

/** Progress of a run, for a progress bar: one event per step start and end, then verify and receipt. */
export interface ErasureProgress {
  readonly phase: 'step' | 'verify' | 'receipt';
  /** The step name (phase `step`). */
  readonly step?: string;
  /** 1-based position among `total` (steps, then verify, then receipt). */
  readonly index: number;
  readonly total: number;
  readonly status: 'running' | 'done' | 'skipped';
  /** Records the step erased (status `done`). */
  readonly count?: number;
}

/** Options of {@link executeErasure}. */
export interface ExecuteOptions {
  /** Who runs the erasure (the audit actor of the receipt), e.g. the operator's id. `system` by default. */
  readonly actor?: string;
  /** Blast-radius limit for this run; `settings.maxRecords` by default. */
  readonly maxRecords?: number;
  /** Refuse unless the plan hash is this one (the hash of the plan the operator reviewed). */
  readonly expectPlanHash?: string;
  readonly onProgress?: (progress: ErasureProgress) => void;
  /**
   * Called after each step is recorded as done. Throwing here stops the run the way a crash would: the job
   * is left as it is, and the next run resumes it. (Crash-injection hook for tests and drills.)
   */
  readonly afterStep?: (step: string, index: number) => void | Promise<void>;
}

/** One step of a finished run. */
export interface StepOutcome {
  readonly name: string;
  /** `ran`: ran in this run; `done-before`: done by an earlier run of the job (resumed). */
  readonly status: 'ran' | 'done-before';
  /** Records erased by the step (in the run that did it). */
  readonly count: number | null;
}

/** The outcome of {@link executeErasure}. */
export interface ErasureResult {
  /** `erased`: verified with no residue, receipt issued; `residue`: something is left (exit 1), job open. */
  readonly status: 'erased' | 'residue';
  readonly jobId: string;
  /** True when an open job of the subject was resumed. */
  readonly resumed: boolean;
  readonly plan: ErasurePlan;
  /** Per store, what the job's plan found before its first step. */
  readonly before: Readonly<Record<ErasureStoreName, number>>;
  readonly steps: readonly StepOutcome[];
  readonly verification: ErasureVerification;
  readonly receipt: ErasureReceipt | null;
  readonly receiptHash: string | null;
}

/**
 * Refuses a plan that must not run: a legal hold (`LegalHoldError`), a plan other than the reviewed one
 * (`PlanChangedError`), a new job over the blast-radius limit (`BlastRadiusError`). A resumed job was
 * accepted when it started, so only the hold applies to it.
 */
export function checkPlanAllowed(
  plan: ErasurePlan,
  settings: ErasureSettings,
  options: ExecuteOptions = {},
): void {
  // Bad options fail before anything is written: a job must never start with an actor the receipt refuses.
  if (options.actor !== undefined) checkActor(options.actor);
  if (options.expectPlanHash !== undefined) checkPlanHash(options.expectPlanHash);
  if (plan.legalHold) {
    throw new LegalHoldError({ tenant: plan.tenant, subject: plan.who.subject, ...plan.legalHold });
  }
  if (plan.openJob) return;
  if (options.expectPlanHash !== undefined && options.expectPlanHash !== plan.planHash) {
    throw new PlanChangedError(options.expectPlanHash, plan.planHash);
  }
  const limit = options.maxRecords ?? settings.maxRecords;
  if (plan.total > limit) throw new BlastRadiusError(plan.total, limit);
}

/**
 * Executes a plan as a resumable job whose state lives in Records: creates the job (or resumes the
 * subject's open one), runs each step not done yet (every step is idempotent), verifies by re-querying every
 * store, and on a clean verification appends a signed, chained receipt to the audit log and closes the job
 * in one transaction. Residue leaves the job open (failed): running again re-runs the steps and verifies
 * again. A step that throws marks the job failed and rethrows; the next run resumes it.
 */
export async function executeErasure(
  stores: Stores,
  plan: ErasurePlan,
  settings: ErasureSettings,
  options: ExecuteOptions = {},
): Promise<ErasureResult> {
  checkPlanAllowed(plan, settings, options);
  const keys = new ErasureKeys(settings.receiptKey);
  const jobs = stores.records.erasureJobs;
  const opened = await openOrCreate(stores, plan);
  let job = opened.job;
  const { resumed } = opened;
  const ctx: StepContext = {
    stores,
    who: plan.who,
    keys,
    jobId: job.id,
    compactedTopics: settings.compactedTopics,
  };
  // A job created by an older version (resumed now) lacks the steps added since: they run after its own,
  // unrecorded in the job (every step is idempotent, and a rerun after residue runs them again).
  const added = STEP_NAMES.filter((name) => !job.steps.some((step) => step.name === name));
  const total = job.steps.length + added.length + 2;
  const progress = options.onProgress ?? (() => {});
  const outcomes: StepOutcome[] = [];

  if (job.state !== 'verifying') {
    // A job whose steps are all done was verified with residue before: run every step again.
    const rerun = job.steps.every((s) => s.status === 'done');
    for (const [i, step] of job.steps.entries()) {
      if (step.status === 'done' && !rerun) {
        outcomes.push({ name: step.name, status: 'done-before', count: step.count });
        progress({ phase: 'step', step: step.name, index: i + 1, total, status: 'skipped' });
        continue;
      }
      progress({ phase: 'step', step: step.name, index: i + 1, total, status: 'running' });
      if (step.status !== 'done') job = await jobs.updateStep(job.id, step.name, { status: 'running' });
      let count: number;
      try {
        count = await stepNamed(step.name).run(ctx);
      } catch (error) {
        await markFailed(stores, job.id, step.name, error);
        throw error;
      }
      job = await jobs.updateStep(job.id, step.name, { status: 'done', count });
      outcomes.push({ name: step.name, status: 'ran', count });
      progress({ phase: 'step', step: step.name, index: i + 1, total, status: 'done', count });
      await options.afterStep?.(step.name, i + 1);
    }
    job = await jobs.setState(job.id, 'verifying');
  } else {
    for (const step of job.steps)
      outcomes.push({ name: step.name, status: 'done-before', count: step.count });
  }
  for (const [i, name] of added.entries()) {
    const index = job.steps.length + i + 1;
    progress({ phase: 'step', step: name, index, total, status: 'running' });
    let count: number;
    try {
      count = await stepNamed(name).run(ctx);
    } catch (error) {
      await markFailed(stores, job.id, name, error);
      throw error;
    }
    outcomes.push({ name, status: 'ran', count });
    progress({ phase: 'step', step: name, index, total, status: 'done', count });
  }
  const completedAt = new Date();

  progress({ phase: 'verify', index: total - 1, total, status: 'running' });
  const verification = await verifyErasure(ctx);
  progress({ phase: 'verify', index: total - 1, total, status: 'done', count: verification.residue.length });
  const before = beforeCounts(job, plan);
  const base = { jobId: job.id, resumed, plan, before, steps: outcomes, verification };
  if (verification.residue.length > 0) {
    const where = [...new Set(verification.residue.map((r) => r.store))].join(', ');
    await jobs.setState(job.id, 'failed', `residue after erasure in: ${where}`);
    return { ...base, status: 'residue', receipt: null, receiptHash: null };
  }

  progress({ phase: 'receipt', index: total, total, status: 'running' });
  const actor = options.actor ?? 'system';
  const stored = await stores.records.transaction(async (records) => {
    const appended = await records.erasureReceipts.append(plan.tenant, job.id, actor, (head) => {
      const receipt = signReceipt(
        {
          type: 'somaagent.erasure-receipt',
          version: 1,
          jobId: job.id,
          tenant: plan.tenant,
          subject: plan.subjectHash,
          planHash: job.planHash,
          plannedAt: plannedAt(job, plan),
          startedAt: job.createdAt.toISOString(),
          completedAt: completedAt.toISOString(),
          verifiedAt: verification.verifiedAt.toISOString(),
          stores: ERASURE_STORES.map((store) => ({
            store,
            action: ERASURE_ACTIONS[store],
            before: before[store],
            after: verification.after[store],
          })),
          outcome: 'erased',
          sequence: (head?.sequence ?? 0) + 1,
          previousHash: head?.hash ?? null,
        },
        keys,
      );
      return { receipt: receipt as unknown as Record<string, unknown>, hash: receiptHash(receipt) };
    });
    await records.erasureJobs.setState(job.id, 'verified');
    return appended;
  });
  progress({ phase: 'receipt', index: total, total, status: 'done' });
  return {
    ...base,
    status: 'erased',
    receipt: stored.receipt as unknown as ErasureReceipt,
    receiptHash: stored.hash,
  };
}

/**
 * Plans and executes in one call (no confirmation: the caller has it): {@link planErasure}, then
 * {@link executeErasure}. Erasing a subject that was already erased finds nothing and succeeds.
 */
export async function eraseSubject(
  stores: Stores,
  request: ErasureRequest,
  settings: ErasureSettings,
  options: ExecuteOptions = {},
): Promise<ErasureResult> {
  const plan = await planErasure(stores, request, settings);
  return executeErasure(stores, plan, settings, options);
}

async function openOrCreate(
  stores: Stores,
  plan: ErasurePlan,
): Promise<{ job: ErasureJob; resumed: boolean }> {
  const jobs = stores.records.erasureJobs;
  const open = await jobs.findOpen(plan.tenant, plan.subjectHash);
  if (open) return { job: open, resumed: true };
  try {
    const job = await jobs.create({
      tenant: plan.tenant,
      subjectHash: plan.subjectHash,
      planHash: plan.planHash,
      steps: STEP_NAMES,
      plan: planRecord(plan),
    });
    return { job, resumed: false };
  } catch (error) {
    // Another run created the job between the lookup and the insert: resume that one.
    const raced =
      error instanceof InvalidInputError ? await jobs.findOpen(plan.tenant, plan.subjectHash) : undefined;
    if (raced) return { job: raced, resumed: true };
    throw error;
  }
}

async function markFailed(stores: Stores, jobId: string, step: string, error: unknown): Promise<void> {
  const text = `step ${step}: ${errorMessage(error)}`.slice(0, 2000);
  await stores.records.erasureJobs.updateStep(jobId, step, { status: 'failed', error: text }).catch(() => {});
  await stores.records.erasureJobs.setState(jobId, 'failed', text).catch(() => {});
}

function beforeCounts(job: ErasureJob, plan: ErasurePlan): Record<ErasureStoreName, number> {
  const recorded = (job.plan?.stores ?? []) as Array<{ store?: string; count?: number }>;
  const counts = {} as Record<ErasureStoreName, number>;
  for (const store of ERASURE_STORES) {
    const fromJob = recorded.find((s) => s.store === store)?.count;
    counts[store] =
      typeof fromJob === 'number' ? fromJob : (plan.stores.find((s) => s.store === store)?.count ?? 0);
  }
  return counts;
}

function plannedAt(job: ErasureJob, plan: ErasurePlan): string {
  const recorded = job.plan?.plannedAt;
  return typeof recorded === 'string' ? recorded : plan.plannedAt.toISOString();
}
