/**
 * The legal holds port. While a subject is under a legal hold, retention purges skip their records
 * (`AuditLog.purgeOlderThan`) and erasure must refuse to run: a hold is a duty to preserve.
 */

/** A hold on one subject of one tenant. */
export interface LegalHold {
  readonly tenant: string;
  readonly subject: string;
  /** Why (a case or ticket reference; at most 1 KiB). */
  readonly reason: string;
  /** Who placed it (an operator id). */
  readonly placedBy: string;
  readonly placedAt: Date;
}

/**
 * Store of legal holds, one per (tenant, subject). Ids are checked with `checkId` (exact: a hold on
 * `alice` does not cover `alice2` or `Alice`); malformed input is an `InvalidInputError`.
 */
export interface LegalHolds {
  /** Places a hold, or updates the reason and placer of the existing one (keeping its `placedAt`). */
  place(tenant: string, subject: string, reason: string, by: string): Promise<LegalHold>;
  /** Releases the hold; true when there was one. */
  release(tenant: string, subject: string): Promise<boolean>;
  /** The hold on (tenant, subject), or undefined. */
  get(tenant: string, subject: string): Promise<LegalHold | undefined>;
  /** The tenant's holds, by subject. */
  list(tenant: string): Promise<LegalHold[]>;
}
