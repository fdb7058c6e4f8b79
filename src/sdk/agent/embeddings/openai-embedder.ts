import { ConfigError, UnavailableError } from '../../errors.js';
import { address, CallGuard, keyName, type OpenAiEndpoint, postJson } from '../model/openai-http.js';
import type { Embedder, EmbedOptions } from './embedder.js';

/** Settings of {@link OpenAiEmbedder}. */
export interface OpenAiEmbedderOptions {
  /** e.g. `https://api.openai.com/v1`; `/embeddings` is appended. */
  baseUrl: string;
  apiKey: string;
  /** Embedding model name (`embeddings.model`). */
  model: string;
  /** Vector length expected back (`vector.dimensions`). */
  dimensions: number;
  /** Send `dimensions` in the request (models such as text-embedding-3-* shorten their vectors to it). */
  sendDimensions: boolean;
  /** Deadline of each HTTP request (`timeouts.request`). */
  timeoutMs: number;
  /** Texts per request; default 128. */
  batchSize?: number;
}

/**
 * Embeddings from any OpenAI-compatible `POST /embeddings`. Texts go in batches (sequentially, in order);
 * vectors are put back in input order by their `index`. A vector of another length than `dimensions` is a
 * ConfigError naming `vector.dimensions` and `embeddings.model`. HTTP errors map as for the chat model.
 */
export class OpenAiEmbedder implements Embedder {
  readonly name: string;
  readonly dimensions: number;
  private readonly endpoint: OpenAiEndpoint;
  private readonly batchSize: number;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.name = `openai:${options.model}`;
    this.dimensions = options.dimensions;
    this.batchSize = Math.max(1, options.batchSize ?? 128);
    this.endpoint = {
      label: 'embeddings',
      engine: 'embeddings',
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
      keys: { baseUrl: 'embeddings.baseUrl', apiKey: 'embeddings.apiKey', model: 'embeddings.model' },
    };
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<number[][]> {
    const vectors: number[][] = [];
    for (let start = 0; start < texts.length; start += this.batchSize) {
      vectors.push(...(await this.batch(texts.slice(start, start + this.batchSize), options.signal)));
    }
    return vectors;
  }

  private async batch(input: readonly string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const guard = new CallGuard(this.options.timeoutMs, signal);
    const body = {
      model: this.options.model,
      input,
      encoding_format: 'float',
      ...(this.options.sendDimensions ? { dimensions: this.dimensions } : {}),
    };
    let text: string;
    try {
      const response = await postJson(this.endpoint, '/embeddings', body, guard);
      text = await response.text();
    } catch (error) {
      throw guard.translate(error, this.endpoint, 'POST /embeddings');
    } finally {
      guard.dispose();
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.malformed(`the body is not JSON: ${text.slice(0, 200)}`);
    }
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length !== input.length) {
      throw this.malformed(
        `expected ${input.length} embeddings, got ${Array.isArray(data) ? data.length : 'none'}`,
      );
    }
    const vectors = new Array<number[]>(input.length);
    data.forEach((item: { index?: unknown; embedding?: unknown }, position) => {
      const index = typeof item?.index === 'number' ? item.index : position;
      const embedding = item?.embedding;
      if (!Array.isArray(embedding) || index < 0 || index >= input.length || vectors[index]) {
        throw this.malformed(`item ${position} has no embedding array or a bad index`);
      }
      if (embedding.length !== this.dimensions) {
        throw new ConfigError(
          `embeddings model ${this.options.model} returned ${embedding.length}-dimensional vectors but vector.dimensions is ${this.dimensions}`,
          {
            details: { expected: this.dimensions, got: embedding.length },
            hint: `Set ${keyName('vector.dimensions')}=${embedding.length} (for a new memory store), or use a model that returns ${this.dimensions} dimensions${this.options.sendDimensions ? '' : ` (or turn on ${keyName('embeddings.sendDimensions')})`}.`,
          },
        );
      }
      if (!embedding.every((value) => typeof value === 'number' && Number.isFinite(value))) {
        throw this.malformed(`embedding ${index} contains values that are not finite numbers`);
      }
      vectors[index] = embedding as number[];
    });
    return vectors;
  }

  private malformed(what: string): UnavailableError {
    return new UnavailableError(
      'embeddings',
      address(this.endpoint),
      `embeddings at ${address(this.endpoint)} answered with a malformed body: ${what}`,
      { hint: `Check that ${keyName('embeddings.baseUrl')} points at an OpenAI-compatible API.` },
    );
  }
}
