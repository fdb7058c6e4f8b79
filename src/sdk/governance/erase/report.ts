import type { ErasureResult, StepOutcome } from './execute.js';
import type { ErasurePlan, PlannedStore } from './plan.js';
import type { ErasureReceipt } from './receipt.js';
import type { ErasureStoreName } from './subject-stores.js';
import type { EngineNote, Residue } from './verify.js';

/**
 * The typed result of `somaagent erase` (its `--json` output, schemas/json/erase.schema.json). Holds no
 * personal data: the subject appears only as its keyed hash.
 */
export interface ErasureReport {
  /** `planned` (dry run), `blocked` (legal hold), `erased` (verified, receipt issued), `residue`. */
  readonly status: 'planned' | 'blocked' | 'erased' | 'residue';
  readonly dryRun: boolean;
  readonly tenant: string;
  readonly subject: string;
  readonly profile: 'embedded' | 'cluster';
  readonly plan: {
    readonly planHash: string;
    readonly plannedAt: string;
    readonly total: number;
    readonly maxRecords: number;
    readonly stores: readonly PlannedStore[];
    readonly steps: readonly string[];
    readonly legalHold: {
      readonly reason: string;
      readonly placedBy: string;
      readonly placedAt: string;
    } | null;
    readonly openJob: {
      readonly id: string;
      readonly state: string;
      readonly stepsDone: number;
      readonly steps: number;
      readonly createdAt: string;
    } | null;
  };
  readonly execution: {
    readonly jobId: string;
    readonly resumed: boolean;
    readonly steps: readonly StepOutcome[];
    readonly before: Readonly<Record<ErasureStoreName, number>>;
    readonly after: Readonly<Record<ErasureStoreName, number>>;
    readonly checks: Readonly<Record<ErasureStoreName, 'requeried' | 'by-step'>>;
    readonly residue: readonly Residue[];
    readonly notes: readonly EngineNote[];
    readonly verifiedAt: string;
  } | null;
  readonly receipt: ErasureReceipt | null;
  readonly receiptHash: string | null;
  /** Where `--receipt` wrote the receipt, or null. */
  readonly receiptFile: string | null;
}

/** Builds the {@link ErasureReport} of a plan and, unless it was a dry run or blocked, its execution. */
export function erasureReport(
  plan: ErasurePlan,
  options: {
    readonly maxRecords: number;
    readonly dryRun: boolean;
    readonly result?: ErasureResult;
    readonly receiptFile?: string;
  },
): ErasureReport {
  const { result } = options;
  const status = plan.legalHold ? 'blocked' : result ? result.status : 'planned';
  return {
    status,
    dryRun: options.dryRun,
    tenant: plan.tenant,
    subject: plan.subjectHash,
    profile: plan.profile,
    plan: {
      planHash: plan.planHash,
      plannedAt: plan.plannedAt.toISOString(),
      total: plan.total,
      maxRecords: options.maxRecords,
      stores: plan.stores,
      steps: plan.steps,
      legalHold: plan.legalHold
        ? { ...plan.legalHold, placedAt: plan.legalHold.placedAt.toISOString() }
        : null,
      openJob: plan.openJob ? { ...plan.openJob, createdAt: plan.openJob.createdAt.toISOString() } : null,
    },
    execution: result
      ? {
          jobId: result.jobId,
          resumed: result.resumed,
          steps: result.steps,
          before: result.before,
          after: result.verification.after,
          checks: result.verification.checks,
          residue: result.verification.residue,
          notes: result.verification.notes,
          verifiedAt: result.verification.verifiedAt.toISOString(),
        }
      : null,
    receipt: result?.receipt ?? null,
    receiptHash: result?.receiptHash ?? null,
    receiptFile: result?.receipt && options.receiptFile ? options.receiptFile : null,
  };
}
