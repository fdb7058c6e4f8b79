import { SomaError, type SomaErrorOptions } from '../../errors.js';
import type { LegalHold } from '../../stores/records/legal-holds.js';

/** The subject is under a legal hold: erasure must not run (a finding, exit 1, not a malfunction). */
export class LegalHoldError extends SomaError {
  constructor(readonly hold: LegalHold) {
    super(
      'LEGAL_HOLD',
      `erasure refused: the subject is under a legal hold placed by ${hold.placedBy} on ${hold.placedAt.toISOString()}: ${hold.reason}`,
      {
        hint: 'Release the hold (somaagent erase release) once the legal matter allows it, then erase again.',
        details: { reason: hold.reason, placedBy: hold.placedBy, placedAt: hold.placedAt.toISOString() },
      },
    );
  }
}

/** The plan holds more records than the blast-radius guard allows. */
export class BlastRadiusError extends SomaError {
  override readonly userError = true;
  constructor(total: number, limit: number, options: SomaErrorOptions = {}) {
    super(
      'BLAST_RADIUS',
      `erasure refused: the plan touches ${total} records, more than the limit of ${limit}`,
      {
        hint: `Check the per-store counts (--dry-run); if they are right, pass --max-records ${total} (or raise erase.maxRecords).`,
        ...options,
        details: { total, limit, ...options.details },
      },
    );
  }
}

/** The plan differs from the one the operator reviewed (`expectPlanHash`). */
export class PlanChangedError extends SomaError {
  override readonly userError = true;
  constructor(expected: string, actual: string) {
    super('PLAN_CHANGED', `erasure refused: the plan hash is ${actual}, not the reviewed ${expected}`, {
      hint: 'The data changed since the plan was reviewed: run --dry-run again and review the new plan.',
      details: { expected, actual },
    });
  }
}
