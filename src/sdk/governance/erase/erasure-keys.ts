import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SomaConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';

/** What erasure needs from the configuration. */
export interface ErasureSettings {
  /** `erase.receiptKey`: signs receipts and keys subject hashes. */
  readonly receiptKey: string;
  /** `erase.maxRecords`: the blast-radius guard. */
  readonly maxRecords: number;
  /** `erase.compactedTopics`: compacted topics keyed by the subject ref. */
  readonly compactedTopics: readonly string[];
}

/** The erasure settings of a configuration; a `ConfigError` naming the key when `erase.receiptKey` is unset. */
export function erasureSettings(config: SomaConfig): ErasureSettings {
  const { receiptKey, maxRecords, compactedTopics } = config.erase;
  if (receiptKey === undefined) {
    throw new ConfigError(
      'erase.receiptKey is not set: erasure signs its receipts and hashes subjects with it',
      {
        hint: 'Set SOMA_ERASE_RECEIPT_KEY (or erase.receiptKey in the config file) to a secret of at least 32 characters, e.g. `openssl rand -hex 32`, and keep it: verifying receipts and re-erasing after a restore need the same key.',
      },
    );
  }
  return { receiptKey, maxRecords, compactedTopics };
}

const SUBJECT_LABEL = 'somaagent/erase/subject-hash/v1';
const SIGNATURE_LABEL = 'somaagent/erase/receipt-signature/v1';

/** Signature algorithm of receipts. */
export const RECEIPT_SIGNATURE_ALGORITHM = 'HMAC-SHA256';

/**
 * Keys derived from `erase.receiptKey`, one per purpose (HMAC-SHA256 of a label), so a subject hash can never
 * be passed off as a signature or the other way round.
 */
export class ErasureKeys {
  readonly #subjectKey: Buffer;
  readonly #signatureKey: Buffer;
  /** Fingerprint of the signature key (16 hex digits): names the key in receipts without revealing it. */
  readonly keyId: string;

  constructor(secret: string) {
    if (typeof secret !== 'string' || secret.length < 32) {
      throw new ConfigError('erase.receiptKey must be a secret of at least 32 characters');
    }
    this.#subjectKey = createHmac('sha256', secret).update(SUBJECT_LABEL).digest();
    this.#signatureKey = createHmac('sha256', secret).update(SIGNATURE_LABEL).digest();
    this.keyId = createHash('sha256').update(this.#signatureKey).digest('hex').slice(0, 16);
  }

  /**
   * The keyed hash of a subject, `hmac-sha256:<hex>`: the same for the same (tenant, subject) and key, and
   * useless for finding the person without the key. Job rows, receipts and the erased-subjects log hold only
   * this.
   */
  subjectHash(tenant: string, subject: string): string {
    const mac = createHmac('sha256', this.#subjectKey)
      .update(`${tenant}\u0000${subject}`, 'utf8')
      .digest('hex');
    return `hmac-sha256:${mac}`;
  }

  /** The base64url HMAC-SHA256 signature of `text`. */
  sign(text: string): string {
    return createHmac('sha256', this.#signatureKey).update(text, 'utf8').digest('base64url');
  }

  /** True when `signature` is this key's signature of `text` (constant-time comparison). */
  verify(text: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(text), 'utf8');
    const given = Buffer.from(String(signature), 'utf8');
    return expected.byteLength === given.byteLength && timingSafeEqual(expected, given);
  }
}
