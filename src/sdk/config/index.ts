export { formatDuration, parseDuration } from './duration.js';
export { type ResolvedConfig, type ResolveOptions, resolveConfig, type ValueOrigin } from './resolve.js';
export {
  CONFIG_KEYS,
  type ConfigSource,
  type KeyDefinition,
  keyDefinition,
  type SomaConfig,
} from './schema.js';
export { type ConfigRow, describeConfig, maskUrl } from './show.js';
