import { InvalidInputError } from '../../errors.js';
import type { Records } from '../../stores/records/records.js';
import type { ErasureKeys } from './erasure-keys.js';
import { checkReceiptSignature, type ErasureReceipt, RECEIPT_TYPE, receiptHash } from './receipt.js';

/** The check of one receipt. */
export interface ReceiptCheck {
  /** Position in the input (0-based). */
  readonly index: number;
  readonly jobId: string;
  readonly tenant: string;
  readonly sequence: number;
  readonly hash: string;
  readonly signature: 'valid' | 'invalid' | 'other-key';
  /** `linked`: its predecessor is known and matches; `broken`: it does not; `unchecked`: predecessor unknown. */
  readonly chain: 'linked' | 'broken' | 'unchecked';
  /** In the audit log: `on-chain` (stored and on the tenant's chain), `missing`, or `unchecked` (offline). */
  readonly stored: 'on-chain' | 'missing' | 'unchecked';
}

/** The walk of one tenant's chain in the audit log, from its head back to the first receipt. */
export interface ChainCheck {
  readonly tenant: string;
  readonly headSequence: number;
  /** Links verified (hash recomputed, signature valid, sequence and previous hash consistent). */
  readonly verifiedLinks: number;
  readonly intact: boolean;
}

/** The outcome of {@link verifyReceipts}. */
export interface ReceiptVerification {
  readonly valid: boolean;
  /** Fingerprint of the configured key. */
  readonly keyId: string;
  readonly receipts: readonly ReceiptCheck[];
  /** Empty offline. */
  readonly chains: readonly ChainCheck[];
  /** What is wrong, one line each; empty when valid. */
  readonly problems: readonly string[];
}

/** Most links walked per tenant chain. */
const MAX_LINKS = 10_000_000;

/** Parses a receipt file: one JSON object, a JSON array of receipts, or JSON lines. */
export function parseReceipts(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new InvalidInputError('the receipt file is empty', {
      hint: 'Pass a file written by erase --receipt.',
    });
  try {
    const value = JSON.parse(trimmed) as unknown;
    return Array.isArray(value) ? value : [value];
  } catch {
    try {
      return trimmed
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as unknown);
    } catch (error) {
      throw new InvalidInputError(`the receipt file is not JSON: ${(error as Error).message}`, {
        hint: 'Pass a file written by erase --receipt (a JSON object, an array of them, or JSON lines).',
      });
    }
  }
}

/** Checks the form of a receipt; a message naming what is wrong, or undefined. */
export function receiptFormProblem(value: unknown): string | undefined {
  const r = value as Partial<ErasureReceipt> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'is not a JSON object';
  if (r.type !== RECEIPT_TYPE || r.version !== 1) return `is not a version 1 ${RECEIPT_TYPE}`;
  if (typeof r.jobId !== 'string' || typeof r.tenant !== 'string' || typeof r.subject !== 'string') {
    return 'lacks jobId, tenant or subject';
  }
  if (!Number.isSafeInteger(r.sequence) || (r.sequence as number) < 1) return 'has no valid sequence';
  if (r.previousHash !== null && typeof r.previousHash !== 'string') return 'has no valid previousHash';
  if (r.sequence === 1 && r.previousHash !== null)
    return 'is the first of its chain but names a previous hash';
  if (typeof r.signature !== 'object' || r.signature === null) return 'is not signed';
  if (!Array.isArray(r.stores)) return 'lacks per-store counts';
  return undefined;
}

/**
 * Verifies receipts: form, signature (with the configured key), the chain among the given receipts and,
 * with `records`, against the audit log: each tenant's chain is walked from its head back to its first
 * receipt (every link's hash, signature, sequence and previous hash checked), and each given receipt must be
 * on it. Offline (no `records`), only what the file itself holds is checked.
 */
export async function verifyReceipts(
  inputs: readonly unknown[],
  keys: ErasureKeys,
  options: { records?: Records } = {},
): Promise<ReceiptVerification> {
  const problems: string[] = [];
  const receipts: Array<{ index: number; receipt: ErasureReceipt; hash: string }> = [];
  inputs.forEach((value, index) => {
    const problem = receiptFormProblem(value);
    if (problem) problems.push(`receipt #${index + 1} ${problem}`);
    else
      receipts.push({ index, receipt: value as ErasureReceipt, hash: receiptHash(value as ErasureReceipt) });
  });
  if (inputs.length === 0) problems.push('no receipt given');

  const chains: ChainCheck[] = [];
  const onChain = new Set<string>();
  if (options.records) {
    for (const tenant of [...new Set(receipts.map((r) => r.receipt.tenant))]) {
      chains.push(await walkChain(options.records, tenant, keys, onChain, problems));
    }
  }
  const byHash = new Map(receipts.map((r) => [r.hash, r.receipt]));
  const bySequence = new Map(
    receipts.map((r) => [`${r.receipt.tenant}\u0000${r.receipt.sequence}`, r.receipt]),
  );
  const checks: ReceiptCheck[] = receipts.map(({ index, receipt, hash }) => {
    const signature = checkReceiptSignature(receipt, keys);
    const label = `receipt #${index + 1} (job ${receipt.jobId}, ${receipt.tenant} #${receipt.sequence})`;
    if (signature === 'invalid') problems.push(`${label}: the signature does not match its content`);
    if (signature === 'other-key') {
      problems.push(
        `${label}: signed with key ${receipt.signature.keyId}, not the configured key ${keys.keyId}`,
      );
    }
    let chain: ReceiptCheck['chain'] = 'unchecked';
    // The predecessor in the input: by the previous hash, else by tenant and sequence (then it must match).
    const previous =
      (receipt.previousHash === null ? undefined : byHash.get(receipt.previousHash)) ??
      bySequence.get(`${receipt.tenant}\u0000${receipt.sequence - 1}`);
    if (receipt.previousHash === null) chain = receipt.sequence === 1 ? 'linked' : 'broken';
    else if (previous) {
      const linked =
        previous.tenant === receipt.tenant &&
        previous.sequence === receipt.sequence - 1 &&
        receiptHash(previous) === receipt.previousHash;
      chain = linked ? 'linked' : 'broken';
    }
    const stored: ReceiptCheck['stored'] = options.records
      ? onChain.has(hash)
        ? 'on-chain'
        : 'missing'
      : 'unchecked';
    if (stored === 'on-chain' && chain === 'unchecked') chain = 'linked';
    if (chain === 'broken')
      problems.push(`${label}: its previous hash does not lead to receipt #${receipt.sequence - 1}`);
    if (stored === 'missing') problems.push(`${label}: not on the tenant's receipt chain in the audit log`);
    return {
      index,
      jobId: receipt.jobId,
      tenant: receipt.tenant,
      sequence: receipt.sequence,
      hash,
      signature,
      chain,
      stored,
    };
  });
  return { valid: problems.length === 0, keyId: keys.keyId, receipts: checks, chains, problems };
}

async function walkChain(
  records: Records,
  tenant: string,
  keys: ErasureKeys,
  onChain: Set<string>,
  problems: string[],
): Promise<ChainCheck> {
  const head = await records.erasureReceipts.head(tenant);
  if (!head) {
    problems.push(`tenant ${tenant} has no receipt chain in the audit log`);
    return { tenant, headSequence: 0, verifiedLinks: 0, intact: false };
  }
  let hash: string | null = head.hash;
  let sequence = head.sequence;
  let links = 0;
  while (hash !== null && links < MAX_LINKS) {
    const stored = await records.erasureReceipts.byHash(hash);
    const where = `tenant ${tenant} chain, receipt #${sequence}`;
    if (!stored) {
      problems.push(`${where} (${hash}) is missing from the audit log`);
      return { tenant, headSequence: head.sequence, verifiedLinks: links, intact: false };
    }
    const receipt = stored.receipt as unknown as ErasureReceipt;
    const form = receiptFormProblem(receipt);
    if (form || receiptHash(receipt) !== hash || receipt.sequence !== sequence || receipt.tenant !== tenant) {
      problems.push(`${where} was altered: ${form ?? 'its content no longer matches its hash or position'}`);
      return { tenant, headSequence: head.sequence, verifiedLinks: links, intact: false };
    }
    if (checkReceiptSignature(receipt, keys) !== 'valid') {
      problems.push(`${where} does not carry a valid signature of the configured key`);
      return { tenant, headSequence: head.sequence, verifiedLinks: links, intact: false };
    }
    onChain.add(hash);
    links += 1;
    hash = receipt.previousHash;
    sequence -= 1;
  }
  const intact = hash === null && sequence === 0;
  if (!intact) problems.push(`tenant ${tenant} chain does not end at its first receipt`);
  return { tenant, headSequence: head.sequence, verifiedLinks: links, intact };
}

/** {@link verifyReceipts} for one receipt. */
export function verifyReceipt(
  receipt: unknown,
  keys: ErasureKeys,
  options: { records?: Records } = {},
): Promise<ReceiptVerification> {
  return verifyReceipts([receipt], keys, options);
}
