import { canonicalJson } from '../../canonical-json.js';
import type { SomaConfig } from '../../config/schema.js';
import { errorMessage, InvalidInputError } from '../../errors.js';
import type { ConfigUpdate } from '../schemas/event-types.js';
import { type ConfigUpdateLogger, jsonLineLogger, type LogExtras } from './live-config-log.js';
import type {
  ApplyOutcome,
  ConfigUpdateRejection,
  LiveConfigChange,
  LiveConfigOptions,
  LiveConfigSnapshot,
  LiveConfigView,
} from './live-config-types.js';
import {
  applyLiveChange,
  checkWireChange,
  EMPTY_LIVE_STATE,
  type FeatureFlag,
  type LiveState,
  parseStateText,
  stateChecksum,
  stateText,
  typedValue,
} from './live-state.js';
import { readUpdate, type UpdateFields } from './read-update.js';

interface PendingSet {
  readonly id: string;
  readonly size: number;
  readonly firstVersion: number;
  lastVersion: number;
  state: LiveState;
  readonly keys: string[];
  readonly flags: string[];
}

/**
 * The running configuration of a runtime, changed only by valid `config.updates` events. It holds one frozen
 * {@link LiveConfigView}; an update that passes every check replaces it with a new frozen view in one step,
 * then listeners hear which keys changed. Updates of one change set are buffered until the set is complete
 * and applied together. Anything else is rejected with a reason ({@link ConfigUpdateRejection}), logged as a
 * structured line with the version, and the running configuration stays exactly as it was.
 *
 * Versions must follow each other: a gap is rejected as `out-of-order` and nothing later applies until the
 * missing version arrives or {@link resync} installs a newer snapshot (see `subscribeConfigUpdates`'s
 * `recover`), because each checksum covers the whole state.
 */
export class LiveConfig {
  readonly tenant: string | null;
  private view: LiveConfigView;
  private pending: PendingSet | undefined;
  /** Versions up to this one came from a snapshot: replays of them are expected (logged at debug). */
  private snapshotVersion: number;
  private readonly listeners = new Set<(change: LiveConfigChange) => void>();
  private readonly log: ConfigUpdateLogger;
  private readonly counts = { applied: 0, rejected: {} as Partial<Record<ConfigUpdateRejection, number>> };

  constructor(
    private readonly base: SomaConfig,
    options: LiveConfigOptions = {},
  ) {
    this.tenant = options.tenant ?? null;
    this.log = options.log ?? jsonLineLogger();
    const initial = options.initial ?? {
      version: 0,
      checksum: stateChecksum(EMPTY_LIVE_STATE),
      state: EMPTY_LIVE_STATE,
    };
    const state = checkSnapshot(initial);
    this.view = this.build(initial.version, state);
    this.snapshotVersion = initial.version;
  }

  /** The running configuration. */
  get current(): LiveConfigView {
    return this.view;
  }

  /** The running version (0 before any update). */
  get version(): number {
    return this.view.version;
  }

  /** A feature flag, or undefined when no update set it. */
  flag(name: string): FeatureFlag | undefined {
    return Object.hasOwn(this.view.flags, name) ? this.view.flags[name] : undefined;
  }

  /** Calls `listener` after every applied update; returns a function that removes it. */
  onChange(listener: (change: LiveConfigChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Updates applied and rejected so far, by reason. */
  stats(): { applied: number; rejected: Partial<Record<ConfigUpdateRejection, number>> } {
    return { applied: this.counts.applied, rejected: { ...this.counts.rejected } };
  }

  /** Checks one decoded update and applies it (or buffers it until its change set is complete). */
  apply(update: ConfigUpdate, extras: LogExtras = {}): ApplyOutcome {
    if (typeof update !== 'object' || update === null) {
      return this.reject(null, 'malformed', 'not a ConfigUpdate value', extras);
    }
    if ((update.tenantId ?? null) !== this.tenant) {
      this.emit(
        'debug',
        'config_update_ignored',
        `update for tenant ${update.tenantId ?? '(deployment)'} ignored`,
        {
          ...extras,
          version: typeof update.version === 'number' ? update.version : null,
        },
      );
      return { status: 'ignored', tenant: update.tenantId ?? null };
    }
    const read = readUpdate(update);
    if ('reason' in read) return this.reject(read.version, read.reason, read.message, extras);
    return this.applyFields(read.fields, { ...extras, key: read.fields.key });
  }

  /** Records a message that could not be decoded into a ConfigUpdate (reason `malformed`). */
  rejectUndecodable(message: string, extras: LogExtras = {}): ApplyOutcome {
    return this.reject(null, 'malformed', message, extras);
  }

  /**
   * Installs a snapshot (Records' current version) when it is newer than the running version: the way out
   * of a gap. Its checksum is verified first; returns whether it was applied.
   */
  resync(snapshot: LiveConfigSnapshot): boolean {
    let state: LiveState;
    try {
      state = checkSnapshot(snapshot);
    } catch (error) {
      this.emit('error', 'config_snapshot_rejected', `snapshot rejected: ${errorMessage(error)}`, {
        version: typeof snapshot?.version === 'number' ? snapshot.version : null,
      });
      return false;
    }
    if (snapshot.version <= this.view.version) return false;
    this.dropPending('a snapshot replaced it');
    this.snapshotVersion = snapshot.version;
    const changed = diff(this.view.state, state);
    this.commit(snapshot.version, state, null, changed.keys, changed.flags);
    return true;
  }

  private applyFields(u: UpdateFields, extras: LogExtras): ApplyOutcome {
    const running = this.view.version;
    const p = this.pending;
    if (u.version <= running) {
      const replay = u.version <= this.snapshotVersion;
      return this.reject(
        u.version,
        'stale',
        `version ${u.version} is not newer than the running version ${running}`,
        extras,
        replay ? 'debug' : 'warn',
      );
    }
    if (p && u.version <= p.lastVersion) {
      return this.reject(
        u.version,
        'stale',
        `version ${u.version} is already buffered (change set ${p.id})`,
        extras,
      );
    }
    const expected = (p ? p.lastVersion : running) + 1;
    if (u.version > expected) {
      this.dropPending(`version ${u.version} arrived while ${expected} was expected`);
      return this.reject(
        u.version,
        'out-of-order',
        `version ${u.version} arrived but ${running + 1} is next; waiting for it`,
        { ...extras, expectedVersion: running + 1 },
      );
    }
    if (
      p &&
      (u.set.id !== p.id || u.set.size !== p.size || u.set.index !== p.lastVersion - p.firstVersion + 2)
    ) {
      this.dropPending(`version ${u.version} belongs to another change set`);
      return this.reject(
        u.version,
        'out-of-order',
        `version ${u.version} arrived but ${running + 1} is next; waiting for it`,
        { ...extras, expectedVersion: running + 1 },
      );
    }
    if (!p && u.set.index !== 1) {
      return this.reject(
        u.version,
        'malformed',
        `change set ${u.set.id} starts at part ${u.set.index} of ${u.set.size}`,
        extras,
      );
    }
    const checked = checkWireChange(u.kind, u.key, u.value);
    if ('problem' in checked) {
      this.dropPending(`version ${u.version} is invalid`);
      return this.reject(u.version, 'invalid', checked.problem, extras);
    }
    const next = applyLiveChange(p ? p.state : this.view.state, checked.change);
    const sum = stateChecksum(next);
    if (sum !== u.checksum) {
      this.dropPending(`version ${u.version} has a checksum mismatch`);
      return this.reject(
        u.version,
        'checksum-mismatch',
        `the state after version ${u.version} hashes to ${sum}, the update says ${u.checksum}`,
        extras,
      );
    }
    const set: PendingSet = p ?? {
      id: u.set.id,
      size: u.set.size,
      firstVersion: u.version,
      lastVersion: u.version,
      state: next,
      keys: [],
      flags: [],
    };
    set.lastVersion = u.version;
    set.state = next;
    (u.kind === 'CONFIG' ? set.keys : set.flags).push(u.key);
    if (u.set.index < u.set.size) {
      this.pending = set;
      this.emit(
        'debug',
        'config_update_buffered',
        `version ${u.version} buffered (part ${u.set.index} of ${u.set.size})`,
        { ...extras, version: u.version, changeSet: set.id },
      );
      return { status: 'buffered', version: u.version, changeSet: set.id };
    }
    this.pending = undefined;
    return { status: 'applied', change: this.commit(u.version, next, set.id, set.keys, set.flags, extras) };
  }

  private commit(
    version: number,
    state: LiveState,
    changeSet: string | null,
    keys: readonly string[],
    flags: readonly string[],
    extras: LogExtras = {},
  ): LiveConfigChange {
    const previous = this.view;
    this.view = this.build(version, state);
    this.counts.applied++;
    const change: LiveConfigChange = Object.freeze({
      version,
      previousVersion: previous.version,
      checksum: this.view.checksum,
      changeSet,
      keys: Object.freeze([...new Set(keys)]),
      flags: Object.freeze([...new Set(flags)]),
      previous,
      current: this.view,
    });
    const what = [...change.keys, ...change.flags.map((f) => `flag ${f}`)].join(', ') || 'nothing';
    this.emit(
      'info',
      changeSet ? 'config_update_applied' : 'config_snapshot_applied',
      `configuration version ${version} applied (${what})`,
      { ...extras, key: undefined, version, changeSet: changeSet ?? undefined },
    );
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.emit(
          'error',
          'config_listener_failed',
          `a configuration listener failed: ${errorMessage(error)}`,
          { version },
        );
      }
    }
    return change;
  }

  private build(version: number, state: LiveState): LiveConfigView {
    const config = structuredClone(this.base) as unknown as Record<string, unknown>;
    for (const [key, wire] of Object.entries(state.config)) setPath(config, key, typedValue(key, wire));
    return deepFreeze({
      version,
      checksum: stateChecksum(state),
      config: config as unknown as SomaConfig,
      flags: structuredClone(state.flags),
      state: structuredClone(state),
    });
  }

  private dropPending(why: string): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.reject(
      p.firstVersion,
      'incomplete',
      `change set ${p.id} (versions ${p.firstVersion}–${p.lastVersion} of ${p.size} parts) dropped: ${why}`,
      { changeSet: p.id },
    );
  }

  private reject(
    version: number | null,
    reason: ConfigUpdateRejection,
    message: string,
    extras: LogExtras,
    level: 'debug' | 'warn' = 'warn',
  ): ApplyOutcome {
    this.counts.rejected[reason] = (this.counts.rejected[reason] ?? 0) + 1;
    this.emit(
      level,
      'config_update_rejected',
      `config update rejected (${reason}): ${message}; running version ${this.view.version} kept`,
      { ...extras, version, reason },
    );
    return {
      status: 'rejected',
      reason,
      message,
      ...(extras.expectedVersion ? { expectedVersion: extras.expectedVersion } : {}),
    };
  }

  private emit(
    level: 'debug' | 'info' | 'warn' | 'error',
    event: string,
    message: string,
    extras: LogExtras & { version?: number | null; reason?: ConfigUpdateRejection },
  ): void {
    const line = {
      level,
      event,
      message,
      version: extras.version ?? null,
      runningVersion: this.view?.version ?? 0,
      ...clean(extras),
    };
    try {
      this.log(line);
    } catch {
      // A failing logger must not change what happens to the configuration.
    }
  }
}

function checkSnapshot(snapshot: LiveConfigSnapshot): LiveState {
  if (typeof snapshot !== 'object' || snapshot === null)
    throw new InvalidInputError('a snapshot must be an object');
  if (!Number.isSafeInteger(snapshot.version) || snapshot.version < 0) {
    throw new InvalidInputError(`snapshot version must be an integer ≥ 0, got ${String(snapshot.version)}`);
  }
  const state = parseStateText(stateText(snapshot.state));
  if (stateChecksum(state) !== snapshot.checksum) {
    throw new InvalidInputError(`snapshot of version ${snapshot.version} does not match its checksum`);
  }
  return state;
}

function diff(before: LiveState, after: LiveState): { keys: string[]; flags: string[] } {
  const changed = (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
      (k) => canonicalJson(a[k] ?? null) !== canonicalJson(b[k] ?? null),
    );
  return { keys: changed(before.config, after.config), flags: changed(before.flags, after.flags) };
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
}

function clean(extras: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extras).filter(([, v]) => v !== undefined));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
