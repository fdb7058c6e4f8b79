/** Live configuration over `config.updates`: publisher, versioned state with checksums, runtime subscriber. */
export { type ConfigChangeFile, readConfigChangeFile } from './change-file.js';
export {
  type ChangeLocator,
  type ChangeProblem,
  type ConfigChangeInput,
  checkChangeSet,
} from './change-set.js';
export { loadLiveConfigSnapshot } from './config-snapshot.js';
export {
  CHANGE_SET_METADATA,
  CONFIG_UPDATE_SCHEMA,
  CONFIG_UPDATES_TOPIC,
  configScope,
  DEPLOYMENT_SCOPE,
  ensureConfigUpdatesTopic,
} from './config-updates-topic.js';
export { LiveConfig } from './live-config.js';
export {
  type ConfigLogLevel,
  type ConfigUpdateLogger,
  type ConfigUpdateLogLine,
  jsonLineLogger,
  type LogExtras,
} from './live-config-log.js';
export type {
  ApplyOutcome,
  ConfigUpdateRejection,
  LiveConfigChange,
  LiveConfigOptions,
  LiveConfigSnapshot,
  LiveConfigView,
} from './live-config-types.js';
export {
  applyLiveChange,
  type ChangeKind,
  checkChange,
  EMPTY_LIVE_STATE,
  type FeatureFlag,
  FLAG_NAME,
  type LiveChange,
  type LiveState,
  liveConfigKeys,
  stateChecksum,
} from './live-state.js';
export {
  type ConfigUpdateContext,
  type ConfigUpdatePlan,
  type PlannedConfigChange,
  planConfigUpdate,
} from './plan-config-update.js';
export {
  type ConfigPublishResult,
  type PublishConfigChangesOptions,
  publishConfigChanges,
} from './publish-config-changes.js';
export {
  ALL_TENANTS,
  type ConfigUpdateResult,
  type PublishConfigUpdateDeps,
  type PublishConfigUpdateOptions,
  publishConfigUpdate,
} from './publish-config-update.js';
export {
  type ConfigUpdatesSubscription,
  type SubscribeConfigUpdatesOptions,
  subscribeConfigUpdates,
} from './subscribe-config-updates.js';
