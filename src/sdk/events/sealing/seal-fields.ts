import { createCipheriv, randomBytes } from 'node:crypto';
import { InvalidInputError } from '../../errors.js';
import type { JsonValue } from '../../json.js';
import type { SubjectKey } from '../../stores/records/subject-keys.js';
import type { SealedPayload } from '../schemas/event-types.js';

/** Nonce length of AES-256-GCM (96 bits, the recommended size). */
export const SEAL_NONCE_BYTES = 12;
/** Authentication tag length, appended to the ciphertext. */
export const SEAL_TAG_BYTES = 16;
/** Largest sealed object, serialised. */
export const MAX_SEALED_BYTES = 256 * 1024;

/**
 * Additional authenticated data of a sealed payload: binds the ciphertext to its key id, so a payload cannot
 * be passed off under another subject's key id.
 */
export function sealAad(keyId: string): Buffer {
  return Buffer.from(`somaagent.sealed.v1:${keyId}`, 'utf8');
}

/**
 * Seals un-redacted fields (a JSON object) with the subject's key: AES-256-GCM, a random 96-bit nonce, the
 * 16-byte tag appended to the ciphertext, the key id authenticated. Destroying the key
 * (`SubjectKeys.destroy`, done by erasure) makes every copy unreadable: crypto-shredding. Get the key with
 * `records.subjectKeys.getOrCreate(tenant, subject)`.
 */
export function sealFields(key: SubjectKey, fields: Readonly<Record<string, JsonValue>>): SealedPayload {
  if (!(key?.key instanceof Uint8Array) || key.key.byteLength !== 32) {
    throw new InvalidInputError('sealing needs a 32-byte subject key', {
      hint: 'Pass the key returned by records.subjectKeys.getOrCreate(tenant, subject).',
    });
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new InvalidInputError('sealed fields must be a JSON object');
  }
  const plaintext = Buffer.from(JSON.stringify(fields), 'utf8');
  if (plaintext.byteLength > MAX_SEALED_BYTES) {
    throw new InvalidInputError(`sealed fields are larger than ${MAX_SEALED_BYTES} bytes as JSON`);
  }
  const nonce = randomBytes(SEAL_NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce, { authTagLength: SEAL_TAG_BYTES });
  cipher.setAAD(sealAad(key.keyId));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { keyId: key.keyId, algorithm: 'AES_256_GCM', nonce, ciphertext };
}

/**
 * The pseudonymous reference of a subject in events and outbox rows: the id of the subject's live key. It
 * names no one, and once erasure destroys the key nothing links it back to the person (the key's tombstone
 * keeps neither tenant nor subject).
 */
export function subjectRefOf(key: SubjectKey): string {
  return key.keyId;
}
