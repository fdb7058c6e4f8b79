/**
 * The OpenAI-compatible embedder against an in-process server that speaks the OpenAI wire protocol for
 * `POST /v1/embeddings` (test/support/fake-openai-server.ts). No real OpenAI is reachable from here.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder } from '../../src/sdk/agent/embeddings/create-embedder.js';
import { OpenAiEmbedder } from '../../src/sdk/agent/embeddings/openai-embedder.js';
import { resolveConfig } from '../../src/sdk/config/resolve.js';
import { ConfigError, TimeoutError, UnavailableError } from '../../src/sdk/errors.js';
import {
  FAKE_EMBEDDING_MODEL,
  FAKE_KEY,
  type FakeOpenAi,
  fakeEmbedding,
  startFakeOpenAi,
} from '../support/fake-openai-server.js';

let server: FakeOpenAi;
beforeAll(async () => {
  server = await startFakeOpenAi();
});
afterAll(async () => {
  await server.close();
});

function embedder(overrides: Partial<ConstructorParameters<typeof OpenAiEmbedder>[0]> = {}): OpenAiEmbedder {
  return new OpenAiEmbedder({
    baseUrl: `${server.baseUrl}/`,
    apiKey: FAKE_KEY,
    model: FAKE_EMBEDDING_MODEL,
    dimensions: 16,
    sendDimensions: true,
    timeoutMs: 5000,
    ...overrides,
  });
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('OpenAiEmbedder', () => {
  it('posts the texts with model, dimensions and float encoding; returns vectors in input order by index', async () => {
    server.script({ kind: 'embeddings', reverse: true });
    const texts = ['first text', 'second', 'third one'];
    const vectors = await embedder().embed(texts);
    expect(vectors).toEqual(texts.map((text) => fakeEmbedding(text, 16)));
    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe('/v1/embeddings');
    expect(sent.headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(sent.body).toEqual({
      model: FAKE_EMBEDDING_MODEL,
      input: texts,
      encoding_format: 'float',
      dimensions: 16,
    });
  });

  it('splits large inputs into batches and keeps the order', async () => {
    const before = server.requests.length;
    const texts = ['a', 'b', 'c', 'd', 'e'];
    const vectors = await embedder({ batchSize: 2 }).embed(texts);
    expect(vectors).toEqual(texts.map((text) => fakeEmbedding(text, 16)));
    expect(server.requests.slice(before).map((r) => r.body.input)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('sends no request for no texts, and no dimensions field when sendDimensions is off', async () => {
    const before = server.requests.length;
    expect(await embedder().embed([])).toEqual([]);
    expect(server.requests.length).toBe(before);
    server.script({ kind: 'embeddings', dimensions: 16 });
    await embedder({ sendDimensions: false }).embed(['x']);
    expect(server.requests.at(-1)!.body).not.toHaveProperty('dimensions');
  });

  it('vectors of another length than vector.dimensions → ConfigError naming vector.dimensions', async () => {
    server.script({ kind: 'embeddings', dimensions: 1536 });
    const error = (await failure(embedder({ sendDimensions: false }).embed(['x']))) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('1536-dimensional');
    expect(error.hint).toContain('vector.dimensions (SOMA_VECTOR_DIMENSIONS)=1536');
    expect(error.hint).toContain('embeddings.sendDimensions');
  });

  it('a wrong key → ConfigError naming embeddings.apiKey; an unknown model → naming embeddings.model', async () => {
    const key = (await failure(embedder({ apiKey: 'sk-nope-123456' }).embed(['x']))) as ConfigError;
    expect(key).toBeInstanceOf(ConfigError);
    expect(key.hint).toContain('embeddings.apiKey (SOMA_EMBEDDINGS_API_KEY)');
    const model = (await failure(embedder({ model: 'no-such-embedder' }).embed(['x']))) as ConfigError;
    expect(model).toBeInstanceOf(ConfigError);
    expect(model.hint).toContain('embeddings.model (SOMA_EMBEDDINGS_MODEL)');
  });

  it('503 → retriable UnavailableError; a silent server → TimeoutError; a malformed body → UnavailableError', async () => {
    server.script({
      kind: 'json',
      status: 503,
      body: { error: { message: 'Service Unavailable', type: 'server_error' } },
    });
    const busy = await failure(embedder().embed(['x']));
    expect(busy).toBeInstanceOf(UnavailableError);
    expect((busy as UnavailableError).retriable).toBe(true);

    server.script({ kind: 'hang' });
    expect(await failure(embedder({ timeoutMs: 300 }).embed(['x']))).toBeInstanceOf(TimeoutError);

    server.script({ kind: 'json', status: 200, body: { object: 'list', data: [] } });
    const malformed = (await failure(embedder().embed(['x']))) as UnavailableError;
    expect(malformed).toBeInstanceOf(UnavailableError);
    expect(malformed.message).toContain('expected 1 embeddings, got 0');
  });

  it("honours the caller's abort signal", async () => {
    server.script({ kind: 'hang' });
    const controller = new AbortController();
    const pending = failure(embedder().embed(['x'], { signal: controller.signal }));
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 50);
    expect(await pending).toBe(reason);
  });

  it('createEmbedder(config) uses embeddings.* and falls back to model.baseUrl and model.apiKey', async () => {
    const { config } = resolveConfig({
      cwd: mkdtempSync(join(tmpdir(), 'soma-embed-')),
      env: {
        SOMA_EMBEDDINGS_PROVIDER: 'openai',
        SOMA_MODEL_BASE_URL: server.baseUrl,
        SOMA_MODEL_API_KEY: FAKE_KEY,
        SOMA_EMBEDDINGS_MODEL: FAKE_EMBEDDING_MODEL,
        SOMA_VECTOR_DIMENSIONS: '8',
      },
    });
    const configured = createEmbedder(config);
    expect(configured.name).toBe(`openai:${FAKE_EMBEDDING_MODEL}`);
    expect(configured.dimensions).toBe(8);
    expect(await configured.embed(['hello'])).toEqual([fakeEmbedding('hello', 8)]);
  });
});
