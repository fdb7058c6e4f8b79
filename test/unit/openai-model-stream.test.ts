/**
 * Streaming and tool calls of the OpenAI-compatible chat provider, against an in-process server that speaks the
 * OpenAI wire protocol (test/support/fake-openai-server.ts) and replays streams recorded in OpenAI's format
 * (test/fixtures/openai/*.sse). No real OpenAI, or any other model server, is reachable from here; the
 * fixtures reproduce the documented chunk shapes (role chunk, content deltas, tool-call deltas split across
 * chunks by `index`, finish chunk, usage chunk with empty `choices`, `[DONE]`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY_HEADING, OpenAiModel } from '../../src/sdk/agent/model/openai-model.js';
import { SomaError } from '../../src/sdk/errors.js';
import { FAKE_KEY, FAKE_MODEL, type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai-server.js';
import { collect, collectUntilError, request, TOOLS, text } from '../support/model-events.js';

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

describe('OpenAiModel: streaming replies', () => {
  it('streams content deltas as tokens, then done with usage, and sends an OpenAI chat request', async () => {
    server.script({ kind: 'sse', fixture: 'chat-text.sse' });
    const createdAt = new Date('2026-03-01T10:00:00Z');
    const events = await collect(
      model().stream(
        request({
          messages: [
            { role: 'system', content: 'You are helpful.' },
            { role: 'user', content: 'What is my favourite café?' },
          ],
          tools: TOOLS,
          memories: [
            { id: 'm1', text: 'low one', score: 0.3, createdAt },
            { id: 'm2', text: 'My favourite café is Café Ñandú.', score: 0.9, createdAt },
          ],
          maxTokens: 256,
        }),
      ),
    );
    expect(text(events)).toBe('Hello! Your favourite café is Café Ñandú ☕. 👋');
    expect(events.filter((e) => e.type === 'token')).toHaveLength(11);
    expect(events.at(-1)).toEqual({
      type: 'done',
      finishReason: 'stop',
      usage: { inputTokens: 41, outputTokens: 11 },
    });

    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toMatchObject({
      model: FAKE_MODEL,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 256,
    });
    const messages = sent.body.messages as Array<{ role: string; content: string }>;
    expect(messages.map((m) => m.role)).toEqual(['system', 'system', 'user']);
    expect(messages[1]!.content).toBe(
      `${MEMORY_HEADING}\n- (2026-03-01) My favourite café is Café Ñandú.\n- (2026-03-01) low one`,
    );
    expect(sent.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather of a place',
          parameters: TOOLS[0]!.inputSchema,
        },
      },
      {
        type: 'function',
        function: { name: 'run_javascript', description: 'Runs JavaScript', parameters: { type: 'object' } },
      },
    ]);
  });

  it('gives the same events when the stream arrives one byte at a time (UTF-8 split mid-character)', async () => {
    server.script(
      { kind: 'sse', fixture: 'chat-text.sse' },
      { kind: 'sse', fixture: 'chat-text.sse', chunkBytes: 1 },
    );
    const whole = await collect(model().stream(request()));
    const bytewise = await collect(model().stream(request()));
    expect(bytewise).toEqual(whole);
    expect(text(bytewise)).toContain('Ñandú ☕. 👋');
  });

  it('sends no tools and no memory message when there are none', async () => {
    server.script({ kind: 'sse', fixture: 'chat-text.sse' });
    await collect(model().stream(request()));
    const body = server.requests.at(-1)!.body;
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('max_tokens');
    expect(body.messages).toEqual([{ role: 'user', content: 'Hi!' }]);
  });

  it('ends with finishReason length when the server cut the reply', async () => {
    server.script({ kind: 'sse', fixture: 'chat-length.sse' });
    const events = await collect(model().stream(request({ maxTokens: 3 })));
    expect(text(events)).toBe('One two three');
    expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
  });
});

describe('OpenAiModel: tool calls', () => {
  it('assembles parallel tool-call deltas split across chunks into complete calls', async () => {
    for (const chunkBytes of [undefined, 7]) {
      server.script({ kind: 'sse', fixture: 'chat-tool-calls.sse', ...(chunkBytes ? { chunkBytes } : {}) });
      const events = await collect(model().stream(request({ tools: TOOLS })));
      expect(events).toEqual([
        {
          type: 'tool_call',
          call: {
            id: 'call_FthC9qRpsL5kBpwwyw6c7j4k',
            name: 'get_weather',
            arguments: { location: 'Paris, France' },
          },
        },
        {
          type: 'tool_call',
          call: {
            id: 'call_RHQnBfiVLJRyXE2MbDcE7WrS',
            name: 'run_javascript',
            arguments: { code: 'console.log("hé");\n6 * 7' },
          },
        },
        { type: 'done', finishReason: 'tool_calls', usage: { inputTokens: 112, outputTokens: 48 } },
      ]);
    }
  });

  it('accepts a whole call in one delta without index, CRLF lines, comments and finish_reason stop', async () => {
    server.script({ kind: 'sse', fixture: 'chat-tool-call-compat.sse', chunkBytes: 3 });
    const events = await collect(model().stream(request()));
    expect(events).toEqual([
      {
        type: 'tool_call',
        call: {
          id: 'call_k2v9x0aa',
          name: 'search_memory',
          arguments: { query: 'favourite colour', limit: 3 },
        },
      },
      { type: 'done', finishReason: 'tool_calls' },
    ]);
  });

  it('sends earlier tool calls and their results in the OpenAI message format', async () => {
    server.script({ kind: 'sse', fixture: 'chat-text.sse' });
    await collect(
      model().stream(
        request({
          messages: [
            { role: 'user', content: 'Weather in Paris?' },
            {
              role: 'assistant',
              content: '',
              toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: { location: 'Paris' } }],
            },
            { role: 'tool', toolCallId: 'call_1', name: 'get_weather', content: '{"result":"sunny"}' },
            { role: 'assistant', content: 'It is sunny.' },
          ],
          tools: TOOLS,
        }),
      ),
    );
    expect(server.requests.at(-1)!.body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"location":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"result":"sunny"}' },
      { role: 'assistant', content: 'It is sunny.' },
    ]);
  });

  it('rejects tool arguments that are not a JSON object with a retriable MODEL_OUTPUT_INVALID', async () => {
    server.script({ kind: 'sse', fixture: 'chat-bad-tool-arguments.sse' });
    const { events, error } = await collectUntilError(model().stream(request({ tools: TOOLS })));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(SomaError);
    expect(error).toMatchObject({ code: 'MODEL_OUTPUT_INVALID', retriable: true });
    expect((error as Error).message).toContain('get_weather');
  });
});
