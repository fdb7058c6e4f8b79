import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../../canonical-json.js';
import { InvalidInputError, SomaError } from '../../errors.js';
import type { JsonValue } from '../../json.js';
import { checkId } from '../../stores/ids.js';
import type { ConfigUpdate } from '../schemas/event-types.js';
import { CHANGE_SET_METADATA, configScope } from './config-updates-topic.js';
import type { LiveConfigSnapshot } from './live-config-types.js';
import {
  applyLiveChange,
  type ChangeKind,
  type LiveChange,
  type LiveState,
  stateChecksum,
  valueInState,
} from './live-state.js';

const MAX_REASON_BYTES = 1024;

/** Who and why, for every event and audit entry of a change set. */
export interface ConfigUpdateContext {
  /** Tenant whose live configuration changes; null or absent for the whole deployment. */
  readonly tenant?: string | null;
  /** Pseudonymous reference of the operator or service making the change (audit actor; `system` if absent). */
  readonly changedBy?: string | null;
  /** Why (free text without personal data; redacted anyway). At most 1 KiB. */
  readonly reason?: string | null;
  /** Extra attributes of every event (ticket, rollout plan…). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Refuse (`CONFIG_VERSION_CONFLICT`) unless the scope is at this version now (optimistic locking). */
  readonly expectVersion?: number;
}

/** One change with the version it creates. */
export interface PlannedConfigChange {
  readonly kind: ChangeKind;
  readonly key: string;
  readonly version: number;
  /** Canonical value after the change; null when the live value or flag is removed. */
  readonly value: JsonValue | null;
  readonly previousValue: JsonValue | null;
  /** Event id of the change's event (null on a dry run). */
  readonly eventId: string | null;
}

/** The versions, checksum and events of a change set against one state. */
export interface ConfigUpdatePlan {
  /** Version sequence and message key: `deployment` or `tenant:<id>`. */
  readonly scope: string;
  readonly tenant: string | null;
  readonly dryRun: boolean;
  /** Id shared by the events of this change set (null when nothing changes). */
  readonly changeSet: string | null;
  readonly fromVersion: number;
  /** Version after the change set; equals `fromVersion` when nothing changes. */
  readonly toVersion: number;
  readonly previousChecksum: string;
  /** Hex SHA-256 of the canonical JSON of the live state at `toVersion`. */
  readonly checksum: string;
  /** Changes that create a version, in version order. */
  readonly changes: readonly PlannedConfigChange[];
  /** Requested changes already in effect (no version, no event). */
  readonly unchanged: ReadonlyArray<{ readonly kind: ChangeKind; readonly key: string }>;
  /** The live state at `toVersion`. */
  readonly state: LiveState;
}

/**
 * Plans checked changes (see `checkChangeSet`) against `current`: drops those already in effect, gives each
 * other one the next version and computes the checksum of the state after it. Returns the plan and, unless
 * `dryRun`, the `ConfigUpdate` events to enqueue (one per change, linked by version, sharing a change-set id).
 */
export function planConfigUpdate(
  changes: readonly LiveChange[],
  current: LiveConfigSnapshot,
  context: ConfigUpdateContext = {},
  dryRun = false,
): { plan: ConfigUpdatePlan; events: ConfigUpdate[] } {
  const tenant = context.tenant ?? null;
  const scope = configScope(tenant);
  const changedBy = context.changedBy == null ? null : checkId('changed by', context.changedBy);
  const reason = checkReason(context.reason);
  const metadata = checkMetadata(context.metadata);
  const expect = context.expectVersion;
  if (expect !== undefined && (!Number.isSafeInteger(expect) || expect < 0)) {
    throw new InvalidInputError(`expected version must be an integer ≥ 0, got ${String(expect)}`);
  }
  if (expect !== undefined && expect !== current.version) {
    throw new SomaError(
      'CONFIG_VERSION_CONFLICT',
      `${scope} is at version ${current.version}, not ${expect} as expected`,
      { hint: 'Look at the current version (config publish --dry-run) and publish again.' },
    );
  }
  const unchanged: Array<{ kind: ChangeKind; key: string }> = [];
  const effective = changes.filter((change) => {
    const same =
      canonicalJson(valueInState(current.state, change.kind, change.key)) === canonicalJson(change.value);
    if (same) unchanged.push({ kind: change.kind, key: change.key });
    return !same;
  });
  const changeSet = randomUUID();
  const time = Date.now();
  let state = current.state;
  const planned: PlannedConfigChange[] = [];
  const events: ConfigUpdate[] = [];
  effective.forEach((change, i) => {
    const version = current.version + i + 1;
    const previousValue = valueInState(state, change.kind, change.key);
    state = applyLiveChange(state, change);
    const eventId = dryRun ? null : randomUUID();
    planned.push({
      kind: change.kind,
      key: change.key,
      version,
      value: change.value,
      previousValue,
      eventId,
    });
    if (eventId === null) return;
    events.push({
      eventId,
      time,
      tenantId: tenant,
      kind: change.kind,
      key: change.key,
      version,
      previousVersion: version === 1 ? null : version - 1,
      value: change.value === null ? null : canonicalJson(change.value),
      previousValue: previousValue === null ? null : canonicalJson(previousValue),
      checksum: stateChecksum(state),
      changedBy,
      reason,
      metadata: {
        ...metadata,
        [CHANGE_SET_METADATA.id]: changeSet,
        [CHANGE_SET_METADATA.size]: String(effective.length),
        [CHANGE_SET_METADATA.index]: String(i + 1),
      },
      schemaVersion: 1,
    });
  });
  const plan: ConfigUpdatePlan = {
    scope,
    tenant,
    dryRun,
    changeSet: planned.length > 0 ? changeSet : null,
    fromVersion: current.version,
    toVersion: current.version + planned.length,
    previousChecksum: current.checksum,
    checksum: planned.length > 0 ? stateChecksum(state) : current.checksum,
    changes: planned,
    unchanged,
    state,
  };
  return { plan, events };
}

function checkReason(reason: string | null | undefined): string | null {
  if (reason === null || reason === undefined) return null;
  if (typeof reason !== 'string' || Buffer.byteLength(reason, 'utf8') > MAX_REASON_BYTES) {
    throw new InvalidInputError(`reason must be text of at most ${MAX_REASON_BYTES} bytes`);
  }
  return reason.trim() === '' ? null : reason;
}

function checkMetadata(metadata: Readonly<Record<string, string>> | undefined): Record<string, string> {
  if (metadata === undefined) return {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new InvalidInputError('metadata must be an object of text values');
  }
  const reserved = Object.values(CHANGE_SET_METADATA) as string[];
  for (const [key, value] of Object.entries(metadata)) {
    if (reserved.includes(key))
      throw new InvalidInputError(`metadata key ${key} is reserved (change-set bookkeeping)`);
    if (typeof value !== 'string') throw new InvalidInputError(`metadata ${key} must be text`);
  }
  return { ...metadata };
}
