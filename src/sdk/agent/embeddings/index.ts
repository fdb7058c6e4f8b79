export { createEmbedder } from './create-embedder.js';
export * from './embedder.js';
export { HASHED_EMBEDDER_NAME, HashedEmbedder } from './hashed-embedder.js';
export { OpenAiEmbedder, type OpenAiEmbedderOptions } from './openai-embedder.js';
