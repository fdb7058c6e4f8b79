/**
 * somaagent SDK: an agent runtime and the data-governance operations over its stores.
 *
 * @packageDocumentation
 */

export {
  type Actor,
  createRuntime,
  type Runtime,
  type RuntimeOptions,
  type SendMessage,
} from '../runtime/create-runtime.js';
export { createLogger, type Logger, type LogLevel } from '../runtime/logger.js';
export type { ConversationMessage, ConversationSummary } from './agent/conversations.js';
export * from './agent/embeddings/index.js';
export * from './agent/model/index.js';
export * from './agent/tools/tool-executor.js';
export type { TurnEvent, TurnRequest, TurnStep, TurnToolResult } from './agent/turn-events.js';
export * from './auth/index.js';
export * from './canonical-json.js';
export * from './config/index.js';
export { type DoctorReport, type EngineReport, runDoctor } from './diagnostics/doctor.js';
export {
  ConfigError,
  errorMessage,
  InvalidInputError,
  isSomaError,
  NotFoundError,
  SomaError,
  type SomaErrorOptions,
  TimeoutError,
  UnavailableError,
} from './errors.js';
export * from './events/bus/event-bus.js';
export { openEventBus } from './events/bus/open-event-bus.js';
export { eventCodecFor } from './events/codec/codec-for-config.js';
export * from './events/codec/index.js';
export * from './events/config-updates/index.js';
export * from './events/consumer/event-consumer.js';
export * from './events/redaction/index.js';
export * from './events/schemas/index.js';
export * from './events/sealing/index.js';
export * from './governance/erase/index.js';
export * from './governance/schemas/index.js';
export { type OpenStoresOptions, openStores, type Stores } from './stores/factory.js';
export { subjectKey, subjectPrefix, systemKey, tenantPrefix } from './stores/objects/object-keys.js';
export * from './stores/objects/object-store.js';
export * from './stores/rate-limit/rate-limiter.js';
export type * from './stores/records/config-versions.js';
export type * from './stores/records/records.js';
export * from './stores/sessions/session-store.js';
export * from './stores/vector-memory/vector-memory.js';
/** The package version. */
export { VERSION } from './version.js';
