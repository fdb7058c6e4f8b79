/**
 * The config versions port: the current version of the live configuration of each scope (the whole
 * deployment, or one tenant), with its state and checksum. It is what `config.updates` publishers number
 * their versions from, and what a runtime loads as a snapshot at start or after missing an update.
 */

/** The stored version of one scope. */
export interface ConfigVersionRecord {
  /** `deployment` or `tenant:<id>`. */
  readonly scope: string;
  /** 1 or more: the number of changes published in this scope so far. */
  readonly version: number;
  /** Canonical JSON text of the live configuration state at `version` (opaque to the store). */
  readonly state: string;
  /** Hex SHA-256 of `state`. */
  readonly checksum: string;
  readonly updatedAt: Date;
}

/** A new version for {@link ConfigVersions.advance}. */
export interface NewConfigVersion {
  readonly version: number;
  readonly state: string;
  readonly checksum: string;
}

/**
 * Store of config versions, one row per scope. Scopes are checked with `checkId`; versions are positive
 * safe integers, checksums 64 hex digits and states at most 1 MiB (else `InvalidInputError`).
 */
export interface ConfigVersions {
  /** The scope's current version, or undefined before its first update. */
  get(scope: string): Promise<ConfigVersionRecord | undefined>;
  /**
   * Moves the scope from version `expected` (0: none yet) to `next` (which must be greater), as a
   * compare-and-set: false, and nothing written, when another writer advanced the scope first. Run it in the
   * transaction that enqueues the update's events.
   */
  advance(scope: string, expected: number, next: NewConfigVersion): Promise<boolean>;
}
