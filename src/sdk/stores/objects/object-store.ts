/**
 * The ObjectStore port: backups and large artifacts (retention 1 year by default), on S3 in the cluster
 * profile and on the local filesystem in the embedded one. Vendor-neutral: no adapter type leaks here.
 *
 * Keys are `/`-separated paths checked by {@link checkObjectKey}. A person's objects live under
 * {@link subjectPrefix} (`tenants/{tenant}/subjects/{subject}/`), so erasure and retention find them by
 * prefix, never by scanning the whole bucket; non-personal objects live under `system/`.
 */

import type { Readable } from 'node:stream';

export {
  checkObjectKey,
  checkObjectPrefix,
  SYSTEM_PREFIX,
  subjectKey,
  subjectPrefix,
  systemKey,
  TENANTS_PREFIX,
  tenantPrefix,
} from './object-keys.js';

/** An object body: bytes, text (stored as UTF-8) or a stream of bytes (uploaded without buffering it all). */
export type ObjectBody = Buffer | Uint8Array | string | Readable;

/** Options of {@link ObjectStore.put}. */
export interface PutObjectOptions {
  /** MIME type; `application/octet-stream` when omitted. */
  readonly contentType?: string;
  /**
   * User metadata, stored with the object and replaced on overwrite. Keys: lowercase ASCII letters, digits,
   * `-` and `_`; values: printable ASCII; at most 2 KiB in total (the S3 limit).
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Tags (lifecycle rules and access policies can select on them): at most 10, keys 1–128 and values 0–256
   * characters of letters, digits, spaces and `+ - = . _ : / @`.
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** What {@link ObjectStore.put} stored. */
export interface PutObjectResult {
  readonly key: string;
  /** Opaque entity tag of the stored content (without quotes). */
  readonly etag: string;
  /** Bytes stored. */
  readonly size: number;
  /** Version created, when the store keeps versions. */
  readonly versionId?: string;
}

/** The stored facts of one object (one version of it). */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Version read, when the store keeps versions (`null` is S3's id of an unversioned object). */
  readonly versionId?: string;
}

/** {@link ObjectInfo} plus tags, as returned by {@link ObjectStore.head}. */
export interface ObjectHead extends ObjectInfo {
  readonly tags: Readonly<Record<string, string>>;
}

/** An object being read: its facts and a stream of its bytes, which the caller must consume or destroy. */
export interface GetObjectResult extends ObjectInfo {
  readonly body: Readable;
}

/** Selects one version in {@link ObjectStore.get} and {@link ObjectStore.head}; the current one when omitted. */
export interface ReadObjectOptions {
  readonly versionId?: string;
}

/** Paging of listings: `cursor` from the previous page, `limit` 1–1000 (default 1000). */
export interface PageOptions {
  readonly cursor?: string;
  readonly limit?: number;
}

/** One entry of {@link ObjectStore.list}. */
export interface ObjectSummary {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
}

/** One page of a listing; `cursor` is set when more entries follow. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor?: string;
}

/** One version or delete marker of a key, as listed by {@link ObjectStore.listVersions}. */
export interface ObjectVersion {
  readonly key: string;
  readonly versionId: string;
  /** True for the current version (or the delete marker that hides the key). */
  readonly isLatest: boolean;
  /** True for a delete marker: no content, it hides the key until it is removed. */
  readonly deleteMarker: boolean;
  /** Bytes (0 for a delete marker). */
  readonly size: number;
  readonly etag?: string;
  readonly lastModified: Date;
}

/** What {@link ObjectStore.deleteAllVersions} removed permanently. */
export interface DeletedVersions {
  readonly versions: number;
  readonly deleteMarkers: number;
}

/**
 * A vendor-neutral lifecycle rule: objects under `prefix` (a literal prefix, `''` for all) expire
 * `expirationDays` after creation; noncurrent versions `noncurrentVersionExpirationDays` after they stop
 * being current; unfinished multipart uploads are aborted after `abortIncompleteMultipartDays`. At least one
 * of the three is set; days are positive integers.
 */
export interface LifecycleRule {
  /** Unique rule id, 1–255 characters. */
  readonly id: string;
  readonly prefix: string;
  readonly enabled: boolean;
  readonly expirationDays?: number;
  readonly noncurrentVersionExpirationDays?: number;
  readonly abortIncompleteMultipartDays?: number;
  /**
   * Parts of an engine's rule this type cannot express (tag filters, transitions, dates…), read-only: named
   * so a retention check never mistakes a narrower rule for the declared policy. `putLifecycle` drops them.
   */
  readonly unmodelled?: readonly string[];
}

/**
 * Versioning of the bucket (or data directory): `disabled` never enabled, `enabled` every put and delete
 * keeps the previous version, `suspended` was enabled once (S3 cannot go back to unversioned); new writes
 * replace the `null` version while older versions are kept.
 */
export type VersioningState = 'disabled' | 'enabled' | 'suspended';

/** Current objects and their bytes, for storage observability. */
export interface ObjectUsage {
  readonly objects: number;
  readonly bytes: number;
}

/**
 * Backups and large artifacts. Every key and prefix is checked at the boundary (InvalidInputError); an
 * engine down or slow gives a retriable UnavailableError or TimeoutError naming the address, never a hang;
 * a missing object (or version) gives NotFoundError.
 *
 * Prefixes are literal: no character (`* ? [ % _ \`…) has a pattern meaning, so a listing of
 * `tenants/t/subjects/alice/` never returns `alice2`'s, `alice*`'s or `Alice`'s objects.
 */
export interface ObjectStore {
  /** `s3` or `filesystem`. */
  readonly engine: 's3' | 'filesystem';
  /** Where the objects are, for messages: `endpoint/bucket` or the root directory. */
  readonly address: string;

  /** Creates the bucket (or root directory) when missing; idempotent. */
  ensureBucket(): Promise<void>;

  /**
   * Stores `body` at `key`, replacing the current object atomically: a reader sees the old or the new
   * object, never a partial one. Streams are uploaded in parts, never buffered whole.
   */
  put(key: string, body: ObjectBody, options?: PutObjectOptions): Promise<PutObjectResult>;

  /** Opens the object for reading. NotFoundError when the key (or version) does not exist. */
  get(key: string, options?: ReadObjectOptions): Promise<GetObjectResult>;

  /** The whole object as bytes (for small objects). NotFoundError when missing. */
  getBytes(key: string, options?: ReadObjectOptions): Promise<Buffer>;

  /** The object's facts and tags without its body. NotFoundError when missing. */
  head(key: string, options?: ReadObjectOptions): Promise<ObjectHead>;

  /**
   * Deletes the current object; idempotent. With versioning enabled this adds a delete marker and keeps the
   * older versions (use {@link deleteAllVersions} to erase).
   */
  delete(key: string): Promise<void>;

  /** Current objects whose key starts with the literal `prefix` (`''` for all), in key (UTF-8 byte) order. */
  list(prefix: string, options?: PageOptions): Promise<Page<ObjectSummary>>;

  /**
   * Deletes every current object under `prefix` (which must end with `/`) in batches and returns how many.
   * In a versioned store this leaves delete markers and older versions: erasure uses
   * {@link deleteAllVersions}.
   */
  deletePrefix(prefix: string): Promise<number>;

  /** Versions and delete markers under the literal `prefix`, by key, newest version of each key first. */
  listVersions(prefix: string, options?: PageOptions): Promise<Page<ObjectVersion>>;

  /** Permanently removes one version or delete marker; idempotent for an unknown version. */
  deleteVersion(key: string, versionId: string): Promise<void>;

  /**
   * Permanently removes every version and delete marker under `prefix` (which must end with `/`): erasure in
   * versioned and unversioned stores alike.
   */
  deleteAllVersions(prefix: string): Promise<DeletedVersions>;

  /** The lifecycle rules in force; `[]` when none are configured. */
  getLifecycle(): Promise<LifecycleRule[]>;

  /** Replaces all lifecycle rules (`[]` removes them). */
  putLifecycle(rules: readonly LifecycleRule[]): Promise<void>;

  getVersioning(): Promise<VersioningState>;

  /** Enables versioning, or suspends it (`false`). */
  setVersioning(enabled: boolean): Promise<void>;

  /** Count and bytes of the current objects under the literal `prefix` (all when omitted). */
  usage(prefix?: string): Promise<ObjectUsage>;

  /** Releases the client; the store is unusable afterwards. */
  close(): Promise<void>;
}
