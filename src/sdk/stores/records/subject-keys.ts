/**
 * The subject keys port: one data-encryption key per (tenant, subject) for crypto-shredding. Fields kept
 * un-redacted in events and backups are sealed with the subject's key; erasure destroys the key, so every
 * copy of those fields, wherever it is, becomes unreadable.
 */

/** A live key. */
export interface SubjectKey {
  /** UUID, stored beside every sealed field. */
  readonly keyId: string;
  readonly tenant: string;
  readonly subject: string;
  /** 32 random bytes (AES-256). Never log or persist it elsewhere. */
  readonly key: Uint8Array;
  readonly createdAt: Date;
}

/** What {@link SubjectKeys.destroy} left behind. */
export interface KeyTombstone {
  readonly keyId: string;
  readonly destroyedAt: Date;
}

/** The answer of {@link SubjectKeys.get}: a sealed field can tell "key destroyed" from "unknown key". */
export type KeyLookup =
  | { readonly state: 'active'; readonly key: SubjectKey }
  | { readonly state: 'destroyed'; readonly tombstone: KeyTombstone }
  | { readonly state: 'unknown'; readonly keyId: string };

/**
 * Store of subject keys. Ids are checked with `checkId` (exact match: `alice2`'s key is never `alice`'s), key
 * ids must be UUIDs; malformed input is an `InvalidInputError`.
 */
export interface SubjectKeys {
  /**
   * The subject's live key, created (32 random bytes, a new key id) when there is none. Idempotent and safe
   * under concurrency: every caller gets the same key. After {@link destroy}, a new key with a new id.
   */
  getOrCreate(tenant: string, subject: string): Promise<SubjectKey>;
  /** The subject's live key, or undefined (never creates one). */
  find(tenant: string, subject: string): Promise<SubjectKey | undefined>;
  /** A key by id: active, destroyed (with its tombstone) or unknown. */
  get(keyId: string): Promise<KeyLookup>;
  /**
   * Deletes the subject's key and keeps a tombstone (key id and time only: no tenant, no subject). Returns the
   * tombstone, or undefined when the subject had no key.
   */
  destroy(tenant: string, subject: string): Promise<KeyTombstone | undefined>;
}
