import { type CanonicalJsonOptions, canonicalChecksum, canonicalJson } from '../../canonical-json.js';
import { type ErasureKeys, RECEIPT_SIGNATURE_ALGORITHM } from './erasure-keys.js';
import type { ErasureAction, ErasureStoreName } from './subject-stores.js';

/**
 * How plans and receipts are written for hashing and signing: as `JSON.stringify` writes them, so an
 * `undefined` member is left out and a non-finite number (which `JSON.parse` gives for an out-of-range
 * literal in a receipt file) is `null`.
 */
export const ERASURE_JSON: CanonicalJsonOptions = { undefined: 'omit', nonFinite: 'null' };

/** `sha256:<hex>` of the canonical JSON of `value` (written as {@link ERASURE_JSON} says). */
export function hashJson(value: unknown): string {
  return `sha256:${canonicalChecksum(value, ERASURE_JSON)}`;
}

/** Value of {@link ErasureReceipt.type}. */
export const RECEIPT_TYPE = 'somaagent.erasure-receipt';

/** Per-store counts of a receipt. */
export interface ReceiptStore {
  readonly store: ErasureStoreName;
  readonly action: ErasureAction;
  /** Found by the plan the job was created from. */
  readonly before: number;
  /** Found by the verification. */
  readonly after: number;
}

/**
 * Proof of one verified erasure, without personal data: the subject only as its keyed hash, per-store counts
 * before and after, timestamps and the plan hash; chained to the tenant's previous receipt by its hash and
 * signed (HMAC-SHA256 with a key derived from `erase.receiptKey`). Schema: schemas/json/erasure-receipt.schema.json.
 */
export interface ErasureReceipt {
  readonly type: typeof RECEIPT_TYPE;
  readonly version: 1;
  readonly jobId: string;
  readonly tenant: string;
  /** `hmac-sha256:<hex>` of (tenant, subject). */
  readonly subject: string;
  readonly planHash: string;
  readonly plannedAt: string;
  readonly startedAt: string;
  readonly completedAt: string;
  readonly verifiedAt: string;
  readonly stores: readonly ReceiptStore[];
  readonly outcome: 'erased';
  /** Position in the tenant's chain, 1 for the first receipt. */
  readonly sequence: number;
  /** Hash of the tenant's previous receipt, null for the first. */
  readonly previousHash: string | null;
  readonly signature: {
    readonly algorithm: typeof RECEIPT_SIGNATURE_ALGORITHM;
    /** Fingerprint of the signing key. */
    readonly keyId: string;
    /** base64url HMAC of the canonical JSON of every other field. */
    readonly value: string;
  };
}

/** A receipt before it is signed. */
export type UnsignedReceipt = Omit<ErasureReceipt, 'signature'>;

/** Signs a receipt: HMAC-SHA256 over the canonical JSON of every field but `signature`. */
export function signReceipt(unsigned: UnsignedReceipt, keys: ErasureKeys): ErasureReceipt {
  const { signature: _ignored, ...body } = unsigned as UnsignedReceipt & { signature?: unknown };
  return {
    ...body,
    signature: {
      algorithm: RECEIPT_SIGNATURE_ALGORITHM,
      keyId: keys.keyId,
      value: keys.sign(canonicalJson(body, ERASURE_JSON)),
    },
  };
}

/** The hash of a complete (signed) receipt: `sha256:` of its canonical JSON. The next receipt names it. */
export function receiptHash(receipt: ErasureReceipt | Record<string, unknown>): string {
  return hashJson(receipt);
}

/** Checks a receipt's signature with `keys`: `valid`, `invalid`, or `other-key` (signed with another key). */
export function checkReceiptSignature(
  receipt: ErasureReceipt,
  keys: ErasureKeys,
): 'valid' | 'invalid' | 'other-key' {
  const { signature, ...body } = receipt;
  if (signature?.algorithm !== RECEIPT_SIGNATURE_ALGORITHM || typeof signature.value !== 'string')
    return 'invalid';
  if (signature.keyId !== keys.keyId) return 'other-key';
  return keys.verify(canonicalJson(body, ERASURE_JSON), signature.value) ? 'valid' : 'invalid';
}
