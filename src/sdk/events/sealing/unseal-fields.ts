import { createDecipheriv } from 'node:crypto';
import { SomaError } from '../../errors.js';
import type { JsonValue } from '../../json.js';
import type { SubjectKeys } from '../../stores/records/subject-keys.js';
import type { SealedPayload } from '../schemas/event-types.js';
import { SEAL_NONCE_BYTES, SEAL_TAG_BYTES, sealAad } from './seal-fields.js';

/** What {@link unsealFields} found. */
export type UnsealResult =
  | { readonly state: 'open'; readonly fields: Record<string, JsonValue> }
  /** The subject was erased: the key is gone for good and so are the fields. */
  | { readonly state: 'shredded'; readonly keyId: string; readonly destroyedAt: Date }
  /** No such key was ever known here (another deployment, or a corrupted key id). */
  | { readonly state: 'unknown-key'; readonly keyId: string };

/** A sealed payload that does not decrypt with its key: tampered, truncated or mislabelled. */
export class SealedPayloadError extends SomaError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SEALED_PAYLOAD_INVALID', message, {
      ...options,
      hint: 'The payload was altered or does not belong to this key; it cannot be opened.',
    });
  }
}

/**
 * Opens a payload sealed by `sealFields`, looking its key up in `keys`. A destroyed key gives `shredded`
 * (the fields are unrecoverable), a key never seen `unknown-key`; a payload that fails authentication is a
 * {@link SealedPayloadError}.
 */
export async function unsealFields(keys: SubjectKeys, sealed: SealedPayload): Promise<UnsealResult> {
  if (sealed.algorithm !== 'AES_256_GCM') {
    throw new SealedPayloadError(`sealed payload uses an unknown algorithm (${String(sealed.algorithm)})`);
  }
  const lookup = await keys.get(sealed.keyId);
  if (lookup.state === 'destroyed') {
    return { state: 'shredded', keyId: lookup.tombstone.keyId, destroyedAt: lookup.tombstone.destroyedAt };
  }
  if (lookup.state === 'unknown') return { state: 'unknown-key', keyId: lookup.keyId };
  const nonce = Buffer.from(sealed.nonce);
  const data = Buffer.from(sealed.ciphertext);
  if (nonce.byteLength !== SEAL_NONCE_BYTES || data.byteLength < SEAL_TAG_BYTES) {
    throw new SealedPayloadError('sealed payload has a malformed nonce or ciphertext');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', lookup.key.key, nonce, {
      authTagLength: SEAL_TAG_BYTES,
    });
    decipher.setAAD(sealAad(sealed.keyId));
    decipher.setAuthTag(data.subarray(data.byteLength - SEAL_TAG_BYTES));
    const plaintext = Buffer.concat([
      decipher.update(data.subarray(0, data.byteLength - SEAL_TAG_BYTES)),
      decipher.final(),
    ]);
    return { state: 'open', fields: JSON.parse(plaintext.toString('utf8')) as Record<string, JsonValue> };
  } catch (error) {
    throw new SealedPayloadError('sealed payload failed authentication', { cause: error });
  }
}
