import { SomaError } from '../../errors.js';
import type { Records } from '../../stores/records/records.js';
import { configScope } from './config-updates-topic.js';
import type { LiveConfigSnapshot } from './live-config-types.js';
import { EMPTY_LIVE_STATE, parseStateText, stateChecksum } from './live-state.js';

/**
 * The live state of `scope` as Records holds it: version 0 with nothing set before the first update. A row
 * whose state does not match its checksum is `CONFIG_STATE_CORRUPT`.
 */
export async function readSnapshot(
  records: Pick<Records, 'configVersions'>,
  scope: string,
): Promise<LiveConfigSnapshot> {
  const stored = await records.configVersions.get(scope);
  if (!stored) return { version: 0, state: EMPTY_LIVE_STATE, checksum: stateChecksum(EMPTY_LIVE_STATE) };
  const state = parseStateText(stored.state);
  if (stateChecksum(state) !== stored.checksum) {
    throw new SomaError(
      'CONFIG_STATE_CORRUPT',
      `the stored live configuration of ${scope} (version ${stored.version}) does not match its checksum`,
      { hint: 'The soma_config_versions row was edited by hand; restore it from the audit log or a backup.' },
    );
  }
  return { version: stored.version, state, checksum: stored.checksum };
}

/**
 * The current live configuration of a tenant (null: the deployment) as Records holds it, version 0 with
 * nothing set before the first update: the `initial` and `recover` of `subscribeConfigUpdates`.
 */
export function loadLiveConfigSnapshot(
  records: Pick<Records, 'configVersions'>,
  tenant: string | null = null,
): Promise<LiveConfigSnapshot> {
  return readSnapshot(records, configScope(tenant));
}
