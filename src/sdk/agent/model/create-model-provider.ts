import type { SomaConfig } from '../../config/schema.js';
import { ConfigError } from '../../errors.js';
import type { ModelProvider } from './model-provider.js';
import { OfflineModel } from './offline-model.js';
import { keyName } from './openai-http.js';
import { OpenAiModel } from './openai-model.js';

/**
 * The chat model chosen by `model.provider`: the embedded {@link OfflineModel} (default), or an
 * {@link OpenAiModel} from `model.baseUrl`, `model.apiKey` and `model.name` with `timeouts.request`.
 * Throws a ConfigError naming the first missing key; makes no network call.
 */
export function createModelProvider(config: SomaConfig): ModelProvider {
  const { model } = config;
  if (model.provider === 'offline') return new OfflineModel();
  return new OpenAiModel({
    baseUrl: required(model.baseUrl, 'model.baseUrl', 'model.provider', 'https://api.openai.com/v1'),
    apiKey: required(model.apiKey, 'model.apiKey', 'model.provider', 'sk-…'),
    model: required(model.name, 'model.name', 'model.provider', 'gpt-4o-mini'),
    timeoutMs: config.timeouts.request,
  });
}

/** `value`, or a ConfigError saying which key to set when `provider` is openai. */
export function required(value: string | undefined, key: string, provider: string, example: string): string {
  if (value !== undefined && value !== '') return value;
  throw new ConfigError(`${key} is not set, but ${provider} is openai`, {
    hint: `Set ${keyName(key)}, e.g. ${example}; or set ${provider} back to its embedded default.`,
    details: { key },
  });
}
