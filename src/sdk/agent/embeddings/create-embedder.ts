import type { SomaConfig } from '../../config/schema.js';
import { required } from '../model/create-model-provider.js';
import type { Embedder } from './embedder.js';
import { HashedEmbedder } from './hashed-embedder.js';
import { OpenAiEmbedder } from './openai-embedder.js';

/**
 * The embedder chosen by `embeddings.provider`: the embedded, lexical {@link HashedEmbedder} (default), or an
 * {@link OpenAiEmbedder} from `embeddings.baseUrl`, `embeddings.apiKey` (both default to the `model.*` ones)
 * and `embeddings.model`. Vectors have `vector.dimensions` dimensions. Throws a ConfigError naming the first
 * missing key; makes no network call.
 */
export function createEmbedder(config: SomaConfig): Embedder {
  const { embeddings } = config;
  if (embeddings.provider === 'hashed') return new HashedEmbedder(config.vector.dimensions);
  return new OpenAiEmbedder({
    baseUrl: required(
      embeddings.baseUrl,
      'embeddings.baseUrl',
      'embeddings.provider',
      'https://api.openai.com/v1',
    ),
    apiKey: required(embeddings.apiKey, 'embeddings.apiKey', 'embeddings.provider', 'sk-…'),
    model: required(embeddings.model, 'embeddings.model', 'embeddings.provider', 'text-embedding-3-small'),
    dimensions: config.vector.dimensions,
    sendDimensions: embeddings.sendDimensions,
    timeoutMs: config.timeouts.request,
  });
}
