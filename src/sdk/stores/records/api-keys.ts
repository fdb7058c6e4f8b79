/**
 * The API keys port: keys the gateway accepts as `Authorization: Bearer soma_<keyId>_<secret>`. Each key
 * belongs to one tenant and one subject (what it may see is that tenant's data only), may be an admin key,
 * and is stored as a SHA-256 digest of its secret: the plaintext exists once, in the answer of
 * {@link ApiKeys.create}.
 */

/** A key as listed: everything but the secret. */
export interface ApiKeyInfo {
  /** 16 lowercase hex digits; the `<keyId>` part of the key. */
  readonly keyId: string;
  readonly tenant: string;
  readonly subject: string;
  /** What the key is for, as given at creation, or null. */
  readonly label: string | null;
  readonly admin: boolean;
  readonly createdAt: Date;
  /** Last successful authentication, to the minute (updated at most once a minute), or null. */
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly expiresAt: Date | null;
}

/** A key to create. */
export interface NewApiKey {
  /** Tenant id (checked with `checkId`). */
  readonly tenant: string;
  /** Subject id: the user or service the key acts as (checked with `checkId`). */
  readonly subject: string;
  /** Admin keys may manage keys and see operational data of their tenant. False when omitted. */
  readonly admin?: boolean;
  /** At most 200 UTF-8 bytes, no control characters. */
  readonly label?: string;
  /** When the key stops working; must be in the future. Never, when omitted. */
  readonly expiresAt?: Date;
}

/** The answer of {@link ApiKeys.create}: the stored key plus its plaintext, which is never available again. */
export interface CreatedApiKey extends ApiKeyInfo {
  /** The whole key, `soma_<keyId>_<secret>`. Show it once; it is not stored. */
  readonly key: string;
}

/** The answer of {@link ApiKeys.revoke}. */
export type RevokedApiKey = ApiKeyInfo & {
  /** True when the key was revoked before this call (its `revokedAt` is the first revocation). */
  readonly alreadyRevoked: boolean;
};

/** Who an authenticated key acts as. */
export interface ApiKeyPrincipal {
  readonly keyId: string;
  readonly tenant: string;
  readonly subject: string;
  readonly admin: boolean;
}

/**
 * Why a presented key was refused. For logs and metrics only: an HTTP client gets the same answer (401)
 * whatever the reason, so a guesser learns nothing about which part was wrong.
 */
export type ApiKeyFailureReason = 'malformed' | 'unknown' | 'mismatch' | 'revoked' | 'expired';

/** The answer of {@link ApiKeys.verify}. */
export type ApiKeyCheck =
  | { readonly ok: true; readonly principal: ApiKeyPrincipal }
  | {
      readonly ok: false;
      readonly reason: ApiKeyFailureReason;
      /** The key id the presented key named, when it was well formed (safe to log: ids are not secret). */
      readonly keyId?: string;
    };

/** Which keys {@link ApiKeys.list} returns. */
export interface ApiKeyFilter {
  /** Only this tenant's keys (exact match). Every tenant's when omitted: operators only. */
  readonly tenant?: string;
  /** Only this subject's keys (with `tenant`). */
  readonly subject?: string;
  /** Include revoked keys (default true: the list is an audit view). */
  readonly includeRevoked?: boolean;
}

/** Restricts a lookup to one tenant: a key of another tenant is treated as unknown. */
export interface TenantScope {
  readonly tenant?: string;
}

/**
 * Store of API keys. Ids are checked with `checkId` (exact match), key ids must be 16 lowercase hex digits;
 * malformed input is an `InvalidInputError`. A presented key is never an error: {@link verify} answers why
 * it was refused.
 */
export interface ApiKeys {
  /** Creates a key with a new random secret; the answer is the only place the plaintext ever appears. */
  create(input: NewApiKey): Promise<CreatedApiKey>;
  /**
   * Checks a presented key: well formed, known, secret matching (constant-time digest comparison), not
   * revoked, not expired. On success records the use (`lastUsedAt`, at most once a minute).
   */
  verify(presented: string): Promise<ApiKeyCheck>;
  /** A key by id, or undefined (also when it belongs to a tenant other than `scope.tenant`). */
  get(keyId: string, scope?: TenantScope): Promise<ApiKeyInfo | undefined>;
  /** Keys by tenant, then creation time. Never secrets. */
  list(filter?: ApiKeyFilter): Promise<ApiKeyInfo[]>;
  /**
   * Revokes a key: it stops authenticating at once. Idempotent (a revoked key keeps its first `revokedAt`;
   * `alreadyRevoked` tells which call revoked it, also under concurrency). Undefined when there is no such
   * key (in `scope.tenant`).
   */
  revoke(keyId: string, scope?: TenantScope): Promise<RevokedApiKey | undefined>;
  /**
   * Creates `input` only when no usable key (not revoked, not expired) exists in any tenant, atomically, so
   * concurrent callers create at most one. Undefined when a usable key exists.
   */
  createIfNoneUsable(input: NewApiKey): Promise<CreatedApiKey | undefined>;
  /** Number of the subject's keys, revoked or not (what erasure would delete). */
  countBySubject(tenant: string, subject: string): Promise<number>;
  /** Deletes every key of the subject (erasure); returns how many. */
  deleteBySubject(tenant: string, subject: string): Promise<number>;
}
