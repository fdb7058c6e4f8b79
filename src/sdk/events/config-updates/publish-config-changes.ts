import { existsSync } from 'node:fs';
import type { SomaConfig } from '../../config/schema.js';
import { errorMessage } from '../../errors.js';
import { openRecordsClient, pgliteDataDir } from '../../stores/records/open-records.js';
import type { Outbox } from '../../stores/records/outbox.js';
import { createRecords } from '../../stores/records/sql-records.js';
import { migrate } from '../../stores/sql/migrate.js';
import { checkTopic } from '../bus/event-bus-checks.js';
import { openEventBus } from '../bus/open-event-bus.js';
import { eventCodecFor } from '../codec/codec-for-config.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { createOutboxWriter } from '../outbox/outbox-writer.js';
import { createRedactor } from '../redaction/redactor.js';
import { loadSchemaCatalog } from '../schemas/schema-catalog.js';
import { type ConfigChangeInput, checkChangeSet } from './change-set.js';
import { CONFIG_UPDATES_TOPIC, ensureConfigUpdatesTopic } from './config-updates-topic.js';
import { EMPTY_LIVE_STATE, stateChecksum } from './live-state.js';
import { planConfigUpdate } from './plan-config-update.js';
import {
  type ConfigUpdateResult,
  type PublishConfigUpdateOptions,
  publishConfigUpdate,
} from './publish-config-update.js';

/** Options of {@link publishConfigChanges}. */
export interface PublishConfigChangesOptions extends PublishConfigUpdateOptions {
  /**
   * How long to relay the events to the bus before returning (default 30 000 ms). 0 leaves them in the
   * outbox for a running relay. Either way they are committed: an outage delays them, never loses them.
   */
  readonly waitMs?: number;
}

/** What {@link publishConfigChanges} did: the plan, where it went and whether it reached the bus. */
export interface ConfigPublishResult extends ConfigUpdateResult {
  readonly profile: SomaConfig['profile'];
  /** The records database the version was committed to (without credentials). */
  readonly records: string;
  /** The event bus the events were relayed to, null when nothing was relayed. */
  readonly bus: string | null;
  /** True when every event is on the bus (also when there was nothing to send); false on a dry run. */
  readonly delivered: boolean;
  /** Why the events are still in the outbox (relay error or `waitMs` elapsed), else null. */
  readonly deliveryError: string | null;
}

/**
 * `somaagent config publish` as a function: opens the records database of the configured profile (migrated
 * first), publishes the change set through {@link publishConfigUpdate} (version, outbox events and audit in
 * one transaction), then runs the outbox relay once until those events are on the event bus (the embedded
 * event log, or Kafka) or `waitMs` passes. A dry run reads the current version only, and never creates an
 * embedded database that does not exist yet.
 */
export async function publishConfigChanges(
  config: SomaConfig,
  input: ConfigChangeInput,
  options: PublishConfigChangesOptions = {},
): Promise<ConfigPublishResult> {
  const topic = checkTopic(options.topic ?? CONFIG_UPDATES_TOPIC);
  const redactor = createRedactor();
  if (options.dryRun && config.profile === 'embedded' && !existsSync(pgliteDataDir(config))) {
    const changes = checkChangeSet(input, { redactor });
    const empty = { version: 0, state: EMPTY_LIVE_STATE, checksum: stateChecksum(EMPTY_LIVE_STATE) };
    const { plan } = planConfigUpdate(changes, empty, options, true);
    return { ...plan, topic, outboxIds: [], ...where(config, pgliteDataDir(config), null, false, null) };
  }
  const client = await openRecordsClient(config, 'config publish');
  try {
    await migrate(client, { dimensions: config.vector.dimensions });
    const records = createRecords(client);
    const address = client.driver === 'pglite' ? pgliteDataDir(config) : client.address;
    if (options.dryRun) {
      const plan = await publishConfigUpdate({ records, redactor }, input, { ...options, dryRun: true });
      return { ...plan, ...where(config, address, null, false, null) };
    }
    const catalog = loadSchemaCatalog();
    const writer = createOutboxWriter({ catalog, codec: eventCodecFor(config, catalog), redactor });
    const result = await publishConfigUpdate({ records, writer, redactor }, input, options);
    const waitMs = options.waitMs ?? 30_000;
    if (result.outboxIds.length === 0) return { ...result, ...where(config, address, null, true, null) };
    if (waitMs <= 0) {
      return { ...result, ...where(config, address, null, false, 'not relayed: left to the running relay') };
    }
    const bus = openEventBus(config, client);
    try {
      await ensureConfigUpdatesTopic(bus, topic);
      const outcome = await relayUntilSent(
        records.outbox,
        new OutboxRelay(records.outbox, bus, RELAY),
        result.outboxIds,
        waitMs,
      );
      return { ...result, ...where(config, address, bus.address, outcome.delivered, outcome.error) };
    } catch (error) {
      // The change is committed; only its delivery failed. A running relay sends it when the bus is back.
      return { ...result, ...where(config, address, bus.address, false, errorMessage(error)) };
    } finally {
      await bus.close().catch(() => {});
    }
  } finally {
    await client.close().catch(() => {});
  }
}

const RELAY = { batchSize: 100, retryBaseMs: 250, retryMaxMs: 2000 } as const;

function where(
  config: SomaConfig,
  records: string,
  bus: string | null,
  delivered: boolean,
  deliveryError: string | null,
): Pick<ConfigPublishResult, 'profile' | 'records' | 'bus' | 'delivered' | 'deliveryError'> {
  return { profile: config.profile, records, bus, delivered, deliveryError };
}

/** Runs relay batches until the rows `ids` are sent or `waitMs` passes. */
async function relayUntilSent(
  outbox: Outbox,
  relay: OutboxRelay,
  ids: readonly string[],
  waitMs: number,
): Promise<{ delivered: boolean; error: string | null }> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const run = await relay.runOnce();
    const rows = await Promise.all(ids.map((id) => outbox.get(id)));
    if (rows.every((row) => row?.sentAt)) return { delivered: true, error: null };
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const reason = relay.metrics().lastError ?? rows.find((row) => row?.lastError)?.lastError;
      return { delivered: false, error: reason ?? `not relayed within ${waitMs} ms` };
    }
    if (run.sent === 0) await new Promise((resolve) => setTimeout(resolve, Math.min(100, remaining)));
  }
}
