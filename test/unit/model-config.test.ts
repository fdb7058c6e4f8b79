/** The model.* and embeddings.* configuration keys and the factories that read them. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createEmbedder,
  createModelProvider,
  describeConfig,
  HashedEmbedder,
  OfflineModel,
  OpenAiEmbedder,
  OpenAiModel,
  resolveConfig,
} from '../../src/sdk/index.js';

const resolve = (env: Record<string, string>) =>
  resolveConfig({ env, cwd: mkdtempSync(join(tmpdir(), 'soma-model-')) });

function configError(work: () => unknown): ConfigError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('model and embeddings configuration', () => {
  it('defaults to the offline model and the hashed embedder of vector.dimensions', () => {
    const { config } = resolve({});
    expect(config.model).toEqual({
      provider: 'offline',
      baseUrl: undefined,
      apiKey: undefined,
      name: undefined,
    });
    expect(config.embeddings).toEqual({
      provider: 'hashed',
      baseUrl: undefined,
      apiKey: undefined,
      model: undefined,
      sendDimensions: true,
    });
    expect(createModelProvider(config)).toBeInstanceOf(OfflineModel);
    const embedder = createEmbedder(config);
    expect(embedder).toBeInstanceOf(HashedEmbedder);
    expect(embedder.dimensions).toBe(384);
    expect(createEmbedder(resolve({ SOMA_VECTOR_DIMENSIONS: '64' }).config).dimensions).toBe(64);
  });

  it('reads the SOMA_MODEL_* and SOMA_EMBEDDINGS_* variables; embeddings default to the model endpoint', () => {
    const { config, origins } = resolve({
      SOMA_MODEL_PROVIDER: 'openai',
      SOMA_MODEL_BASE_URL: 'http://127.0.0.1:8080/v1',
      SOMA_MODEL_API_KEY: 'sk-model-secret',
      SOMA_MODEL_NAME: 'qwen2.5:7b',
      SOMA_EMBEDDINGS_PROVIDER: 'openai',
      SOMA_EMBEDDINGS_MODEL: 'nomic-embed-text',
      SOMA_EMBEDDINGS_SEND_DIMENSIONS: 'false',
    });
    expect(config.embeddings).toMatchObject({
      baseUrl: 'http://127.0.0.1:8080/v1',
      apiKey: 'sk-model-secret',
      sendDimensions: false,
    });
    expect(origins['embeddings.apiKey']?.source).toBe('default');
    const model = createModelProvider(config);
    expect(model).toBeInstanceOf(OpenAiModel);
    expect(model.name).toBe('openai:qwen2.5:7b');
    const embedder = createEmbedder(config);
    expect(embedder).toBeInstanceOf(OpenAiEmbedder);
    expect(embedder.name).toBe('openai:nomic-embed-text');
  });

  it('masks both API keys wherever config is printed', () => {
    const resolved = resolve({
      SOMA_MODEL_API_KEY: 'sk-model-secret',
      SOMA_EMBEDDINGS_API_KEY: 'sk-embed-secret',
    });
    const rows = describeConfig(resolved);
    expect(rows.find((row) => row.key === 'model.apiKey')?.value).toBe('********');
    expect(rows.find((row) => row.key === 'embeddings.apiKey')?.value).toBe('********');
    expect(JSON.stringify(rows)).not.toMatch(/sk-(model|embed)-secret/);
  });

  it('openai without base URL, key or model name → ConfigError naming the missing key', () => {
    const base = { SOMA_MODEL_PROVIDER: 'openai' };
    let error = configError(() => createModelProvider(resolve(base).config));
    expect(error.message).toBe('model.baseUrl is not set, but model.provider is openai');
    expect(error.hint).toContain('SOMA_MODEL_BASE_URL');
    error = configError(() =>
      createModelProvider(resolve({ ...base, SOMA_MODEL_BASE_URL: 'https://api.openai.com/v1' }).config),
    );
    expect(error.message).toContain('model.apiKey is not set');
    error = configError(() =>
      createModelProvider(
        resolve({ ...base, SOMA_MODEL_BASE_URL: 'https://api.openai.com/v1', SOMA_MODEL_API_KEY: 'k' })
          .config,
      ),
    );
    expect(error.message).toContain('model.name is not set');
    error = configError(() => createEmbedder(resolve({ SOMA_EMBEDDINGS_PROVIDER: 'openai' }).config));
    expect(error.message).toBe('embeddings.baseUrl is not set, but embeddings.provider is openai');
    expect(error.hint).toContain('SOMA_EMBEDDINGS_BASE_URL');
  });

  it('rejects unknown providers and malformed URLs, naming the key', () => {
    const error = configError(() =>
      resolve({
        SOMA_MODEL_PROVIDER: 'gpt',
        SOMA_EMBEDDINGS_BASE_URL: 'ftp://x',
        SOMA_EMBEDDINGS_PROVIDER: 'bert',
      }),
    );
    expect(error.message).toContain(
      'model.provider = "gpt" (from env SOMA_MODEL_PROVIDER): expected one of offline, openai',
    );
    expect(error.message).toContain('embeddings.provider = "bert"');
    expect(error.message).toContain('embeddings.baseUrl = "ftp://x"');
  });
});
