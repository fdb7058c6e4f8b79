/** `somaagent erase`: plan, execute (resumable job), verify, receipt; legal holds; re-erasure after a restore. */
export {
  countErasedSubjects,
  ERASED_SUBJECTS_PREFIX,
  type ErasedSubjectEntry,
  erasedSubjectEntry,
  recordErasedSubject,
} from './erased-log.js';
export {
  ErasureKeys,
  type ErasureSettings,
  erasureSettings,
  RECEIPT_SIGNATURE_ALGORITHM,
} from './erasure-keys.js';
export { BlastRadiusError, LegalHoldError, PlanChangedError } from './errors.js';
export {
  checkPlanAllowed,
  type ErasureProgress,
  type ErasureResult,
  type ExecuteOptions,
  eraseSubject,
  executeErasure,
  type StepOutcome,
} from './execute.js';
export { type LegalHoldRequest, placeLegalHold, releaseLegalHold } from './legal-holds.js';
export {
  type ErasurePlan,
  type ErasureRequest,
  type OpenJobSummary,
  type PlannedStore,
  planErasure,
  planRecord,
} from './plan.js';
export {
  type ReErasureOutcome,
  type ReErasureReport,
  reEraseAfterRestore,
  restoredSubjects,
} from './re-erase.js';
export {
  checkReceiptSignature,
  type ErasureReceipt,
  hashJson,
  RECEIPT_TYPE,
  type ReceiptStore,
  receiptHash,
  signReceipt,
  type UnsignedReceipt,
} from './receipt.js';
export { type ErasureReport, erasureReport } from './report.js';
export { STEP_NAMES } from './steps.js';
export { checkActor, checkErasureId, checkPlanHash } from './subject-id.js';
export {
  ERASURE_ACTIONS,
  ERASURE_STORES,
  type ErasureAction,
  type ErasureStoreName,
  type ErasureSubject,
} from './subject-stores.js';
export { type EngineNote, type ErasureVerification, type Residue, verifyErasure } from './verify.js';
export {
  type ChainCheck,
  parseReceipts,
  type ReceiptCheck,
  type ReceiptVerification,
  receiptFormProblem,
  verifyReceipt,
  verifyReceipts,
} from './verify-receipt.js';
