import { randomUUID } from 'node:crypto';
import type { SomaConfig } from '../../config/schema.js';
import { errorMessage } from '../../errors.js';
import type { EventBus } from '../bus/event-bus.js';
import { DecodeError } from '../codec/decode-error.js';
import { createEventCodec, type EventCodec } from '../codec/event-codec.js';
import type { ConfigUpdate } from '../schemas/event-types.js';
import { loadSchemaCatalog } from '../schemas/schema-catalog.js';
import {
  CONFIG_UPDATE_SCHEMA,
  CONFIG_UPDATES_TOPIC,
  ensureConfigUpdatesTopic,
} from './config-updates-topic.js';
import { LiveConfig } from './live-config.js';
import { jsonLineLogger } from './live-config-log.js';
import type { LiveConfigChange, LiveConfigOptions, LiveConfigSnapshot } from './live-config-types.js';

/** Options of {@link subscribeConfigUpdates}. */
export interface SubscribeConfigUpdatesOptions extends LiveConfigOptions {
  /** Topic to follow. Default `config.updates`. */
  readonly topic?: string;
  /**
   * Consumer group. Default: a new random group per call, so every runtime sees every update (broadcast)
   * and nothing is committed: each start replays the topic from the beginning onto `initial`.
   */
  readonly groupId?: string;
  /** Where a group without committed offsets starts. Default true (the oldest stored update). */
  readonly fromBeginning?: boolean;
  /** Decoder of the events. Default: the package's schemas, single-object framing. */
  readonly codec?: EventCodec;
  /**
   * Where to get the current version after a gap (an update missed: topic retention, a group that
   * committed past it). Called at most once per missing version; a newer snapshot (checksum verified) is
   * installed and the update that showed the gap is tried again. Without it the runtime keeps its version
   * and rejects later versions until the missing one arrives. `serve` passes
   * `() => loadLiveConfigSnapshot(records, tenant)`.
   */
  readonly recover?: () => Promise<LiveConfigSnapshot | undefined>;
  /** Shorthand for `live.onChange(listener)` before the first message. */
  readonly onChange?: (change: LiveConfigChange) => void;
  /** Create the topic when it does not exist (one partition, unlimited retention). Default true. */
  readonly createTopic?: boolean;
}

/** A running subscription with the configuration it keeps current. */
export interface ConfigUpdatesSubscription {
  /** The running configuration (`live.current.config`, `live.flag(name)`, `live.onChange(...)`). */
  readonly live: LiveConfig;
  readonly groupId: string;
  readonly topic: string;
  /** Stops following updates (the configuration stays at its last version). Idempotent. */
  stop(): Promise<void>;
}

/**
 * Follows `config.updates` on `bus` and keeps a {@link LiveConfig} over `base` (the configuration resolved at
 * start) current. Each message is decoded and handed to `LiveConfig.apply`: valid updates are applied
 * atomically, anything else is rejected with a logged reason and leaves the configuration as it was. An
 * undecodable message is rejected as `malformed` and skipped (never retried, never a crash loop); only a
 * retriable decode failure (schema registry unreachable) is retried by the bus.
 */
export async function subscribeConfigUpdates(
  bus: EventBus,
  base: SomaConfig,
  options: SubscribeConfigUpdatesOptions = {},
): Promise<ConfigUpdatesSubscription> {
  const topic = options.topic ?? CONFIG_UPDATES_TOPIC;
  const groupId = options.groupId ?? `somaagent-config-${randomUUID()}`;
  const log = options.log ?? jsonLineLogger();
  const live = new LiveConfig(base, { ...options, log });
  if (options.onChange) live.onChange(options.onChange);
  const codec = options.codec ?? createEventCodec({ catalog: loadSchemaCatalog() });
  if (options.createTopic !== false) await ensureConfigUpdatesTopic(bus, topic);
  let recoveredFor = 0;

  const subscription = await bus.subscribe({
    groupId,
    topics: [topic],
    fromBeginning: options.fromBeginning ?? true,
    eachMessage: async (message) => {
      const source = `${message.topic}[${message.partition}]@${message.offset}`;
      if (message.value === null) {
        live.rejectUndecodable('a tombstone (no value) is not a config update', { source });
        return;
      }
      let update: ConfigUpdate;
      try {
        update = (await codec.decode<ConfigUpdate>(message.value, CONFIG_UPDATE_SCHEMA)).value;
      } catch (error) {
        // A registry outage is retriable: let the bus deliver the message again later.
        if (!(error instanceof DecodeError)) throw error;
        live.rejectUndecodable(`undecodable (${error.reason}): ${error.message}`, { source });
        return;
      }
      const outcome = live.apply(update, { source });
      if (
        outcome.status === 'rejected' &&
        outcome.reason === 'out-of-order' &&
        options.recover &&
        update.version > recoveredFor
      ) {
        recoveredFor = update.version;
        let snapshot: LiveConfigSnapshot | undefined;
        try {
          snapshot = await options.recover();
        } catch (error) {
          log({
            level: 'error',
            event: 'config_recover_failed',
            message: `loading the current configuration version failed: ${errorMessage(error)}`,
            version: update.version,
            runningVersion: live.version,
            source,
          });
        }
        if (snapshot && live.resync(snapshot)) live.apply(update, { source });
      }
    },
  });
  return { live, groupId, topic, stop: () => subscription.stop() };
}
