export { createModelProvider } from './create-model-provider.js';
export * from './model-provider.js';
export { OFFLINE_MODEL_NAME, OfflineModel } from './offline-model.js';
export {
  MAX_QUOTED_MEMORIES,
  MEMORY_MIN_SCORE,
  type OfflineDecision,
  type OfflineRule,
  RUN_TOOL,
} from './offline-rules.js';
export { MEMORY_HEADING, OpenAiModel, type OpenAiModelOptions } from './openai-model.js';
