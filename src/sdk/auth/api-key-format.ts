import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The API key format: `soma_<keyId>_<secret>`, where `keyId` is 16 lowercase hex digits (8 random bytes, not
 * secret: keys are looked up and listed by it) and `secret` is 32 random bytes in base64url (43 characters,
 * no padding). The fixed-length hex id makes parsing unambiguous although the secret may hold `_`.
 */
export const API_KEY_PREFIX = 'soma_';

/** Bytes of randomness in a key's secret. */
export const API_KEY_SECRET_BYTES = 32;

const KEY_ID = /^[0-9a-f]{16}$/;
const API_KEY = /^soma_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A key split into its parts. */
export interface ParsedApiKey {
  readonly keyId: string;
  readonly secret: Buffer;
}

/** A freshly generated key: the plaintext (shown once) and what is stored. */
export interface GeneratedApiKey extends ParsedApiKey {
  /** The whole key, `soma_<keyId>_<secret>`. */
  readonly key: string;
  /** SHA-256 of the secret bytes: the only form in which the secret is stored. */
  readonly secretHash: Buffer;
}

/** True when `text` is a key id (16 lowercase hex digits). */
export function isApiKeyId(text: unknown): text is string {
  return typeof text === 'string' && KEY_ID.test(text);
}

/** Generates a new key from the system's CSPRNG. */
export function generateApiKey(): GeneratedApiKey {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(API_KEY_SECRET_BYTES);
  return {
    keyId,
    secret,
    key: `${API_KEY_PREFIX}${keyId}_${secret.toString('base64url')}`,
    secretHash: hashApiKeySecret(secret),
  };
}

/**
 * Splits a presented key into id and secret, or undefined when it is not in the key format (surrounding
 * whitespace is ignored). Never throws: a malformed key is an authentication failure, not a crash.
 */
export function parseApiKey(text: unknown): ParsedApiKey | undefined {
  if (typeof text !== 'string' || text.length > 200) return undefined;
  const match = API_KEY.exec(text.trim());
  if (!match) return undefined;
  const secret = Buffer.from(match[2] as string, 'base64url');
  // 43 base64url characters carry 258 bits: reject encodings whose last character has stray low bits,
  // so each key has exactly one spelling.
  if (secret.length !== API_KEY_SECRET_BYTES || secret.toString('base64url') !== match[2]) return undefined;
  return { keyId: match[1] as string, secret };
}

/**
 * SHA-256 of a secret. A fast hash is enough here: the secret is 256 random bits, so nothing can be
 * guessed from the digest, and each request pays microseconds, not the tens of milliseconds of scrypt.
 */
export function hashApiKeySecret(secret: Uint8Array): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Whether `secret` hashes to `storedHash`, compared in constant time. */
export function apiKeySecretMatches(secret: Uint8Array, storedHash: Uint8Array): boolean {
  const presented = hashApiKeySecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

/**
 * The credential of an `Authorization: Bearer <token>` header value (scheme case-insensitive), or
 * undefined when the header is missing or uses another scheme.
 */
export function bearerToken(header: string | readonly string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}
