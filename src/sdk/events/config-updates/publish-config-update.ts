import { SomaError } from '../../errors.js';
import type { NewAuditEntry } from '../../stores/records/audit-log.js';
import type { Records } from '../../stores/records/records.js';
import { checkTopic } from '../bus/event-bus-checks.js';
import { createEventCodec } from '../codec/event-codec.js';
import { createOutboxWriter, type OutboxWriter } from '../outbox/outbox-writer.js';
import type { Redactor } from '../redaction/pii-types.js';
import { createRedactor } from '../redaction/redactor.js';
import { loadSchemaCatalog } from '../schemas/schema-catalog.js';
import { type ConfigChangeInput, checkChangeSet } from './change-set.js';
import { readSnapshot } from './config-snapshot.js';
import { CONFIG_UPDATE_SCHEMA, CONFIG_UPDATES_TOPIC, configScope } from './config-updates-topic.js';
import { stateText } from './live-state.js';
import {
  type ConfigUpdateContext,
  type ConfigUpdatePlan,
  type PlannedConfigChange,
  planConfigUpdate,
} from './plan-config-update.js';

/** Tenant of the outbox rows and audit entries of a deployment-wide change. */
export const ALL_TENANTS = '*';

/** Rounds of compare-and-set: each round one concurrent publisher wins, so this bounds the contention handled. */
const MAX_ATTEMPTS = 16;

/** What {@link publishConfigUpdate} works with. */
export interface PublishConfigUpdateDeps {
  /** The records database: config versions, outbox and audit log, written in one transaction. */
  readonly records: Records;
  /** Encodes and enqueues the events; by default one over the package's schemas, single-object framing. */
  readonly writer?: OutboxWriter;
  /** Rejects values that look like personal data and redacts the reason in the audit log. Default built-in. */
  readonly redactor?: Redactor;
}

/** Options of {@link publishConfigUpdate}. */
export interface PublishConfigUpdateOptions extends ConfigUpdateContext {
  /** Compute the plan (versions, checksum) without writing anything. */
  readonly dryRun?: boolean;
  /** Topic of the events. Default `config.updates`. */
  readonly topic?: string;
}

/** What {@link publishConfigUpdate} did (or, on a dry run, would do). */
export interface ConfigUpdateResult extends ConfigUpdatePlan {
  readonly topic: string;
  /** Outbox row ids of the events (empty on a dry run or when nothing changes), to wait for the relay. */
  readonly outboxIds: readonly string[];
}

/**
 * Publishes a change set of live configuration keys and feature flags. The changes are checked against the
 * configuration schema (an unknown key, a value that does not fit or a restart-only key is an
 * `InvalidInputError` naming the key). Each effective change gets the next version of the scope (gap-free,
 * numbered from the scope's row in Records) and becomes one `ConfigUpdate` event carrying the SHA-256 of
 * the canonical JSON of the live state after it; the events of one call share a change-set id so that
 * subscribers apply them together. The new version, the events (transactional outbox, message key = scope,
 * so order is kept) and one audit entry per change commit in ONE transaction; the relay publishes them.
 * A concurrent publisher is detected by compare-and-set and the change set is planned again on the new
 * version (or refused with `expectVersion`).
 */
export async function publishConfigUpdate(
  deps: PublishConfigUpdateDeps,
  input: ConfigChangeInput,
  options: PublishConfigUpdateOptions = {},
): Promise<ConfigUpdateResult> {
  const redactor = deps.redactor ?? createRedactor();
  const changes = checkChangeSet(input, { redactor });
  const scope = configScope(options.tenant ?? null);
  const topic = checkTopic(options.topic ?? CONFIG_UPDATES_TOPIC);
  if (options.dryRun) {
    const current = await readSnapshot(deps.records, scope);
    return { ...planConfigUpdate(changes, current, options, true).plan, topic, outboxIds: [] };
  }
  const writer = deps.writer ?? defaultWriter(redactor);
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.records.transaction(async (records, tx) => {
        const { plan, events } = planConfigUpdate(changes, await readSnapshot(records, scope), options);
        if (plan.changes.length === 0) return { ...plan, topic, outboxIds: [] };
        const advanced = await records.configVersions.advance(scope, plan.fromVersion, {
          version: plan.toVersion,
          state: stateText(plan.state),
          checksum: plan.checksum,
        });
        if (!advanced) throw new VersionRace();
        const rows = await writer.writeEvents(
          tx,
          records,
          events.map((value) => ({
            topic,
            schema: CONFIG_UPDATE_SCHEMA,
            key: scope,
            value: { ...value },
            tenant: plan.tenant ?? ALL_TENANTS,
            eventId: value.eventId,
          })),
        );
        const by = {
          actor: events[0]?.changedBy ?? 'system',
          reason: events[0]?.reason ? redactor.redact(events[0].reason).text : null,
        };
        await records.audit.appendMany(plan.changes.map((change) => auditEntry(change, plan, by)));
        return { ...plan, topic, outboxIds: rows.map((row) => row.id) };
      });
    } catch (error) {
      if (!(error instanceof VersionRace)) throw error;
      if (attempt >= MAX_ATTEMPTS) {
        throw new SomaError('CONFIG_VERSION_CONFLICT', `other publishers kept changing ${scope}; gave up`, {
          retriable: true,
          hint: 'Publish again.',
        });
      }
      // Jitter so that the losers of a round do not collide again in lockstep.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

function auditEntry(
  change: PlannedConfigChange,
  plan: ConfigUpdatePlan,
  by: { actor: string; reason: string | null },
): NewAuditEntry {
  return {
    tenant: plan.tenant ?? ALL_TENANTS,
    actor: by.actor,
    action: 'config.update',
    resource: `${change.kind === 'CONFIG' ? 'config' : 'flag'}:${change.key}`,
    details: {
      scope: plan.scope,
      version: change.version,
      value: change.value,
      previousValue: change.previousValue,
      changeSet: plan.changeSet,
      checksum: plan.checksum,
      eventId: change.eventId,
      ...(by.reason ? { reason: by.reason } : {}),
    },
  };
}

function defaultWriter(redactor: Redactor): OutboxWriter {
  const catalog = loadSchemaCatalog();
  return createOutboxWriter({ catalog, codec: createEventCodec({ catalog }), redactor });
}

/** Another publisher advanced the scope between read and write: plan again. */
class VersionRace extends Error {}
