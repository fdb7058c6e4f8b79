import { checkId } from '../../stores/ids.js';
import type { EventBus } from '../bus/event-bus.js';

/** The topic of configuration and feature-flag changes. */
export const CONFIG_UPDATES_TOPIC = 'config.updates';

/** Catalog schema of the topic's values. */
export const CONFIG_UPDATE_SCHEMA = 'config_update';

/**
 * Metadata keys of every event of a change set (publishers set them, callers cannot): the set's id, its
 * number of events and the event's 1-based place in it. Subscribers apply a set once all of it arrived.
 */
export const CHANGE_SET_METADATA = {
  id: 'changeSet',
  size: 'changeSetSize',
  index: 'changeSetIndex',
} as const;

/** Scope of the whole deployment (a ConfigUpdate with `tenantId` null). */
export const DEPLOYMENT_SCOPE = 'deployment';

/**
 * The scope of a tenant's live configuration (`tenant:<id>`), or {@link DEPLOYMENT_SCOPE} for null. Each
 * scope has its own version sequence; it is also the message key, so one scope's updates share a partition
 * and stay in order.
 */
export function configScope(tenant: string | null | undefined): string {
  return tenant === null || tenant === undefined ? DEPLOYMENT_SCOPE : `tenant:${checkId('tenant', tenant)}`;
}

/**
 * Creates the config updates topic when it does not exist: one partition (the topic is small and read
 * whole) and no time limit on retention, so a runtime that starts later can replay every version. An
 * existing topic is left as it is.
 */
export async function ensureConfigUpdatesTopic(bus: EventBus, topic = CONFIG_UPDATES_TOPIC): Promise<void> {
  await bus.createTopics([{ name: topic, partitions: 1, configs: { 'retention.ms': '-1' } }]);
}
