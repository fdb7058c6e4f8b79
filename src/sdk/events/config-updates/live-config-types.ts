import type { SomaConfig } from '../../config/schema.js';
import type { ConfigUpdateLogger } from './live-config-log.js';
import type { FeatureFlag, LiveState } from './live-state.js';

/**
 * Why an update was rejected:
 * - `stale`: its version is not newer than the running one (a re-delivery, a replay, an old publisher);
 * - `out-of-order`: a version is missing before it (the subscriber waits for the missing version, or for a
 *   snapshot through `resync`, and rejects later versions meanwhile);
 * - `checksum-mismatch`: the state it leads to does not hash to its checksum (the runtime's state differs
 *   from the publisher's);
 * - `malformed`: undecodable bytes, or fields that break the protocol (version links, checksum format,
 *   change-set bookkeeping, unknown kind);
 * - `invalid`: the change fails this runtime's configuration schema (unknown or restart-only key, bad value);
 * - `incomplete`: a buffered change set whose remaining parts never came in order (the set is dropped).
 */
export type ConfigUpdateRejection =
  | 'stale'
  | 'out-of-order'
  | 'checksum-mismatch'
  | 'malformed'
  | 'invalid'
  | 'incomplete';

/** A live configuration state with its version (Records' row, or what a runtime holds). */
export interface LiveConfigSnapshot {
  readonly version: number;
  readonly checksum: string;
  readonly state: LiveState;
}

/** The configuration a runtime runs with at one version. Every object in it is frozen. */
export interface LiveConfigView {
  readonly version: number;
  readonly checksum: string;
  /** The configuration resolved at start with every live value applied. */
  readonly config: SomaConfig;
  readonly flags: Readonly<Record<string, FeatureFlag>>;
  /** The live values in wire form (what the checksum covers). */
  readonly state: LiveState;
}

/** What listeners receive after an update (or a snapshot) was applied. */
export interface LiveConfigChange {
  readonly version: number;
  readonly previousVersion: number;
  readonly checksum: string;
  /** The change set applied; null for a snapshot. */
  readonly changeSet: string | null;
  /** Configuration keys whose live value changed (set or removed). */
  readonly keys: readonly string[];
  /** Feature flags that changed. */
  readonly flags: readonly string[];
  readonly previous: LiveConfigView;
  readonly current: LiveConfigView;
}

/** The outcome of {@link LiveConfig.apply}. */
export type ApplyOutcome =
  | { readonly status: 'applied'; readonly change: LiveConfigChange }
  | { readonly status: 'buffered'; readonly version: number; readonly changeSet: string }
  | { readonly status: 'ignored'; readonly tenant: string | null }
  | {
      readonly status: 'rejected';
      readonly reason: ConfigUpdateRejection;
      readonly message: string;
      readonly expectedVersion?: number;
    };

/** Options of {@link LiveConfig}. */
export interface LiveConfigOptions {
  /** The live state to start from (e.g. Records' snapshot); version 0 and nothing set when absent. */
  readonly initial?: LiveConfigSnapshot;
  /** Tenant whose updates apply; null or absent for deployment-wide updates. Others are ignored. */
  readonly tenant?: string | null;
  /** Receives one structured line per applied, buffered, ignored or rejected update. Default: JSON on stderr (info and above). */
  readonly log?: ConfigUpdateLogger;
}
