/**
 * Errors, deadlines and cancellation of the OpenAI-compatible chat provider, against an in-process server that speaks the
 * OpenAI wire protocol (test/support/fake-openai-server.ts) and replays streams recorded in OpenAI's format
 * (test/fixtures/openai/*.sse). No real OpenAI, or any other model server, is reachable from here; the
 * fixtures reproduce the documented chunk shapes (role chunk, content deltas, tool-call deltas split across
 * chunks by `index`, finish chunk, usage chunk with empty `choices`, `[DONE]`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelEvent } from '../../src/sdk/agent/model/model-provider.js';
import { OpenAiModel } from '../../src/sdk/agent/model/openai-model.js';
import { ConfigError, TimeoutError, UnavailableError } from '../../src/sdk/errors.js';
import {
  FAKE_KEY,
  FAKE_MODEL,
  type FakeOpenAi,
  fixture,
  startFakeOpenAi,
} from '../support/fake-openai-server.js';
import { collectUntilError, request, text } from '../support/model-events.js';

let server: FakeOpenAi;
beforeAll(async () => {
  server = await startFakeOpenAi();
});
afterAll(async () => {
  await server.close();
});

function model(overrides: Partial<ConstructorParameters<typeof OpenAiModel>[0]> = {}): OpenAiModel {
  return new OpenAiModel({
    baseUrl: server.baseUrl,
    apiKey: FAKE_KEY,
    model: FAKE_MODEL,
    timeoutMs: 5000,
    ...overrides,
  });
}

describe('OpenAiModel: errors', () => {
  it('401 for a wrong key → ConfigError naming model.apiKey, without the key', async () => {
    const wrong = 'sk-wrong-secret-value-9876';
    const { error } = await collectUntilError(model({ apiKey: wrong }).stream(request()));
    expect(error).toBeInstanceOf(ConfigError);
    const e = error as ConfigError;
    expect(e.message).toContain('HTTP 401');
    expect(e.message).toContain('Incorrect API key provided');
    expect(e.hint).toContain('model.apiKey (SOMA_MODEL_API_KEY)');
    expect(JSON.stringify(e.toJSON())).not.toContain(wrong);
  });

  it('403 → ConfigError about the key', async () => {
    server.script({
      kind: 'json',
      status: 403,
      body: {
        error: {
          message: 'Project does not have access to model',
          type: 'invalid_request_error',
          code: null,
        },
      },
    });
    const { error } = await collectUntilError(model().stream(request()));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).hint).toContain('model.apiKey');
  });

  it('404 for an unknown model → ConfigError naming model.name and model.baseUrl', async () => {
    const { error } = await collectUntilError(model({ model: 'gpt-9-nonexistent' }).stream(request()));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('gpt-9-nonexistent');
    expect((error as ConfigError).hint).toContain('model.name (SOMA_MODEL_NAME)');
    expect((error as ConfigError).hint).toContain('model.baseUrl');
  });

  it('429 → retriable UnavailableError with Retry-After; 429 insufficient_quota → ConfigError', async () => {
    server.script(
      {
        kind: 'json',
        status: 429,
        headers: { 'retry-after': '2' },
        body: {
          error: {
            message: 'Rate limit reached for requests',
            type: 'requests',
            code: 'rate_limit_exceeded',
          },
        },
      },
      {
        kind: 'json',
        status: 429,
        body: {
          error: {
            message: 'You exceeded your current quota',
            type: 'insufficient_quota',
            code: 'insufficient_quota',
          },
        },
      },
    );
    const limited = (await collectUntilError(model().stream(request()))).error as UnavailableError;
    expect(limited).toBeInstanceOf(UnavailableError);
    expect(limited.retriable).toBe(true);
    expect(limited.details).toMatchObject({
      status: 429,
      serverCode: 'rate_limit_exceeded',
      retryAfterMs: 2000,
    });
    const quota = (await collectUntilError(model().stream(request()))).error;
    expect(quota).toBeInstanceOf(ConfigError);
    expect((quota as ConfigError).retriable).toBe(false);
  });

  it('500 and 503 → retriable UnavailableError', async () => {
    for (const status of [500, 503]) {
      server.script({
        kind: 'json',
        status,
        body: { error: { message: 'The engine is currently overloaded', type: 'server_error' } },
      });
      const { error } = await collectUntilError(model().stream(request()));
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as UnavailableError).retriable).toBe(true);
      expect((error as UnavailableError).message).toContain(`HTTP ${status}`);
    }
  });

  it('400 (context too long) → PROVIDER_REJECTED, not retriable, with the server message', async () => {
    server.script({
      kind: 'json',
      status: 400,
      body: {
        error: {
          message: "This model's maximum context length is 128000 tokens.",
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
        },
      },
    });
    const { error } = await collectUntilError(model().stream(request()));
    expect(error).toMatchObject({ code: 'PROVIDER_REJECTED', retriable: false });
    expect((error as Error).message).toContain('maximum context length');
  });

  it('a server error event mid-stream → retriable PROVIDER_STREAM_ERROR after the tokens already sent', async () => {
    server.script({ kind: 'sse', fixture: 'chat-error-mid-stream.sse' });
    const { events, error } = await collectUntilError(model().stream(request()));
    expect(text(events)).toBe('The answer');
    expect(error).toMatchObject({ code: 'PROVIDER_STREAM_ERROR', retriable: true });
  });

  it('a stream that ends without finish_reason or [DONE] → retriable UnavailableError', async () => {
    server.script({ kind: 'sse', fixture: 'chat-truncated.sse' });
    const { events, error } = await collectUntilError(model().stream(request()));
    expect(text(events)).toBe('Partial reply');
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toContain('ended before the reply was complete');
  });

  it('a connection dropped mid-stream → retriable UnavailableError', async () => {
    const stream = fixture('chat-text.sse');
    server.script({ kind: 'sse', text: stream, dropAfter: Math.floor(stream.length / 2) });
    const { error } = await collectUntilError(model().stream(request()));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).retriable).toBe(true);
  });

  it('nothing listening → UnavailableError naming model.baseUrl', async () => {
    const other = await startFakeOpenAi();
    const baseUrl = other.baseUrl;
    await other.close();
    const { error } = await collectUntilError(model({ baseUrl }).stream(request()));
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).message).toContain('ECONNREFUSED');
    expect((error as UnavailableError).hint).toContain('model.baseUrl (SOMA_MODEL_BASE_URL)');
  });
});

describe('OpenAiModel: deadlines and cancellation', () => {
  it('no response headers within timeouts.request → TimeoutError', async () => {
    server.script({ kind: 'hang' });
    const { error } = await collectUntilError(model({ timeoutMs: 300 }).stream(request()));
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).message).toContain('within 300 ms');
    expect((error as TimeoutError).retriable).toBe(true);
  });

  it('a stream that stalls mid-reply → TimeoutError after the tokens already sent; the connection is closed', async () => {
    const stream = fixture('chat-text.sse');
    const cut = stream.indexOf('" café"');
    server.script({ kind: 'sse', text: stream, stallAfter: cut });
    const { events, error } = await collectUntilError(model({ timeoutMs: 300 }).stream(request()));
    expect(text(events)).toBe('Hello! Your favourite');
    expect(error).toBeInstanceOf(TimeoutError);
    await server.requests.at(-1)!.closed;
  });

  it('a slow consumer is not a slow server: time spent between pulls does not count', async () => {
    // The server pauses 300 ms mid-stream; the consumer, 600 ms after its first token: a deadline that also
    // ran while the consumer was busy would pass (200 ms) before the server sent the rest.
    const stream = fixture('chat-text.sse');
    server.script({ kind: 'sse', text: stream, gap: { after: stream.indexOf('" café"'), ms: 300 } });
    const events: ModelEvent[] = [];
    for await (const event of model({ timeoutMs: 200 }).stream(request())) {
      events.push(event);
      if (events.length === 1) await new Promise((resolve) => setTimeout(resolve, 600));
    }
    expect(text(events)).toBe('Hello! Your favourite café is Café Ñandú ☕. 👋');
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
  });

  it("aborting the caller's signal mid-stream rejects with its reason and closes the connection", async () => {
    const stream = fixture('chat-text.sse');
    server.script({ kind: 'sse', text: stream, stallAfter: stream.indexOf('" café"') });
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    const events: ModelEvent[] = [];
    let caught: unknown;
    try {
      for await (const event of model().stream(request(), { signal: controller.signal })) {
        events.push(event);
        if (events.length === 1) controller.abort(reason);
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(reason);
    await server.requests.at(-1)!.closed;
  });

  it('an already aborted signal rejects before any request', async () => {
    const before = server.requests.length;
    const { error } = await collectUntilError(model().stream(request(), { signal: AbortSignal.abort() }));
    expect((error as Error).name).toBe('AbortError');
    expect(server.requests.length).toBe(before);
  });

  it('stopping the iteration early closes the connection', async () => {
    const stream = fixture('chat-text.sse');
    server.script({ kind: 'sse', text: stream, stallAfter: stream.indexOf('" café"') });
    for await (const event of model().stream(request())) {
      expect(event.type).toBe('token');
      break;
    }
    await server.requests.at(-1)!.closed;
  });
});
