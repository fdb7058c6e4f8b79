import type { JsonValue } from '../../json.js';
import type { ConfigUpdate } from '../schemas/event-types.js';
import { CHANGE_SET_METADATA } from './config-updates-topic.js';
import type { ConfigUpdateRejection } from './live-config-types.js';
import type { ChangeKind } from './live-state.js';

/** The protocol fields of a ConfigUpdate, checked. */
export interface UpdateFields {
  readonly version: number;
  readonly kind: ChangeKind;
  readonly key: string;
  /** Parsed JSON of `value` (null: removed). */
  readonly value: JsonValue | null;
  readonly checksum: string;
  /** The change set (a lone update without bookkeeping is a set of one). */
  readonly set: { readonly id: string; readonly size: number; readonly index: number };
}

const CHECKSUM = /^[0-9a-f]{64}$/;
const COUNT = /^[1-9][0-9]{0,8}$/;

/**
 * Reads the protocol fields of a decoded update: version links, kind, checksum form, JSON value and the
 * change-set metadata. A value that breaks them is `malformed` (the configuration schema is checked later).
 */
export function readUpdate(
  update: ConfigUpdate,
): { fields: UpdateFields } | { reason: ConfigUpdateRejection; message: string; version: number | null } {
  const claimed =
    typeof update.version === 'number' && Number.isFinite(update.version) ? update.version : null;
  const bad = (message: string) => ({ reason: 'malformed' as const, message, version: claimed });
  const version = Number.isSafeInteger(update.version) && update.version >= 1 ? update.version : null;
  if (version === null) return bad(`version ${String(update.version)} is not a positive integer`);
  const expectedPrevious = version === 1 ? null : version - 1;
  if ((update.previousVersion ?? null) !== expectedPrevious) {
    return bad(`previousVersion ${String(update.previousVersion)} does not precede version ${version}`);
  }
  if (update.kind !== 'CONFIG' && update.kind !== 'FEATURE_FLAG') {
    return bad(`kind ${String(update.kind)} is not known to this runtime`);
  }
  if (typeof update.key !== 'string' || update.key === '') return bad('key is empty');
  if (typeof update.checksum !== 'string' || !CHECKSUM.test(update.checksum)) {
    return bad('checksum is not 64 lowercase hex digits (SHA-256)');
  }
  let value: JsonValue | null = null;
  if (update.value !== null && update.value !== undefined) {
    try {
      value = JSON.parse(update.value) as JsonValue;
    } catch {
      return bad(`value of ${update.key} is not JSON`);
    }
    if (value === null) return bad(`value of ${update.key} is JSON null; a removal has no value`);
  }
  const metadata = update.metadata ?? {};
  const id = metadata[CHANGE_SET_METADATA.id];
  const size = metadata[CHANGE_SET_METADATA.size];
  const index = metadata[CHANGE_SET_METADATA.index];
  let set: UpdateFields['set'];
  if (id === undefined && size === undefined && index === undefined) {
    set = { id: `event:${update.eventId}`, size: 1, index: 1 };
  } else {
    if (!id || !size || !index || !COUNT.test(size) || !COUNT.test(index) || Number(index) > Number(size)) {
      return bad(
        `change-set metadata is inconsistent (${CHANGE_SET_METADATA.id}=${id}, ${CHANGE_SET_METADATA.size}=${size}, ${CHANGE_SET_METADATA.index}=${index})`,
      );
    }
    set = { id, size: Number(size), index: Number(index) };
  }
  return {
    fields: { version, kind: update.kind, key: update.key, value, checksum: update.checksum, set },
  };
}
