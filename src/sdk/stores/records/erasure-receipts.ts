/**
 * The erasure receipts port: signed receipts of completed erasures, kept as audit-log entries (action
 * `erase.receipt`) and chained per tenant: each receipt names the hash of the one before it. What a receipt
 * holds, how it is hashed and signed, is the erasure module's business; this port stores JSON objects and
 * keeps the chain head consistent under concurrency.
 */

/** The newest receipt of a tenant's chain. */
export interface ReceiptChainHead {
  /** 1 for the first receipt. */
  readonly sequence: number;
  readonly hash: string;
}

/** What the builder given to {@link ErasureReceipts.append} returns. */
export interface BuiltReceipt {
  /** The complete (signed) receipt: a JSON object without personal data. */
  readonly receipt: Readonly<Record<string, unknown>>;
  /** Its hash (unique): the next receipt's previous hash. */
  readonly hash: string;
}

/** A receipt as stored in the audit log. */
export interface StoredReceipt {
  readonly hash: string;
  readonly receipt: Record<string, unknown>;
  /** Erasure job the receipt is for. */
  readonly jobId: string;
  readonly tenant: string;
  /** Id of the audit-log entry holding it. */
  readonly auditId: string;
  readonly at: Date;
}

/**
 * Store of erasure receipts. Tenant ids are checked with `checkId`, job ids must be UUIDs; malformed input is
 * an `InvalidInputError`.
 */
export interface ErasureReceipts {
  /**
   * Appends a receipt to the tenant's chain in one transaction: locks the chain head, calls `build` with it
   * (undefined before the first receipt), writes the audit entry (subject null, resource
   * `erasure-job:<jobId>`, details `{receiptHash, receipt}`) and moves the head. Concurrent appends of one
   * tenant are serialised, so the chain never forks. A second receipt for one job is an `InvalidInputError`.
   */
  append(
    tenant: string,
    jobId: string,
    actor: string,
    build: (head: ReceiptChainHead | undefined) => BuiltReceipt | Promise<BuiltReceipt>,
  ): Promise<StoredReceipt>;
  /** The receipt with this hash, or undefined. */
  byHash(hash: string): Promise<StoredReceipt | undefined>;
  /** The receipt of one erasure job, or undefined. */
  byJob(jobId: string): Promise<StoredReceipt | undefined>;
  /** The tenant's chain head, or undefined before its first receipt. */
  head(tenant: string): Promise<ReceiptChainHead | undefined>;
}
