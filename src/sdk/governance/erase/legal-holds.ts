import type { LegalHold } from '../../stores/records/legal-holds.js';
import type { Records } from '../../stores/records/records.js';
import { checkErasureId } from './subject-id.js';

/** What {@link placeLegalHold} and {@link releaseLegalHold} take. */
export interface LegalHoldRequest {
  readonly tenant: string;
  readonly subject: string;
  /** Who places or releases it (an operator id). */
  readonly by: string;
  readonly allowPatternCharacters?: boolean;
}

/**
 * Places (or updates) a legal hold on one subject, recorded in the audit log in the same transaction
 * (action `legal-hold.place`; the reason stays in the holds table, not in the audit details). While it
 * stands, erasure refuses the subject (exit 1) and retention purges skip its audit entries.
 */
export async function placeLegalHold(
  records: Records,
  request: LegalHoldRequest & { readonly reason: string },
): Promise<LegalHold> {
  const tenant = checkErasureId('tenant', request.tenant, request.allowPatternCharacters);
  const subject = checkErasureId('user', request.subject, request.allowPatternCharacters);
  return records.transaction(async (r) => {
    const hold = await r.legalHolds.place(tenant, subject, request.reason, request.by);
    await r.audit.append({
      tenant,
      subject,
      actor: request.by,
      action: 'legal-hold.place',
      resource: 'legal-hold',
    });
    return hold;
  });
}

/** Releases a subject's legal hold (audited as `legal-hold.release`); returns the released hold, if any. */
export async function releaseLegalHold(
  records: Records,
  request: LegalHoldRequest,
): Promise<LegalHold | undefined> {
  const tenant = checkErasureId('tenant', request.tenant, request.allowPatternCharacters);
  const subject = checkErasureId('user', request.subject, request.allowPatternCharacters);
  return records.transaction(async (r) => {
    const hold = await r.legalHolds.get(tenant, subject);
    if (!hold) return undefined;
    await r.legalHolds.release(tenant, subject);
    await r.audit.append({
      tenant,
      subject,
      actor: request.by,
      action: 'legal-hold.release',
      resource: 'legal-hold',
    });
    return hold;
  });
}
