import { SomaError, UnavailableError } from '../../errors.js';
import type {
  ChatMessage,
  FinishReason,
  ModelCallOptions,
  ModelEvent,
  ModelProvider,
  ModelRequest,
  ModelUsage,
  RecalledMemory,
  ToolCall,
} from './model-provider.js';
import { address, CallGuard, type OpenAiEndpoint, postJson, serverError } from './openai-http.js';
import { sseData } from './sse.js';

/** Settings of {@link OpenAiModel}. */
export interface OpenAiModelOptions {
  /** e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey: string;
  /** Model name sent with every request (`model.name`). */
  model: string;
  /** Deadline of the response headers and of every gap between streamed chunks (`timeouts.request`). */
  timeoutMs: number;
}

/** Heading of the system message that carries recalled memories. */
export const MEMORY_HEADING =
  'Long-term memory: notes recalled from earlier conversations with this user, most relevant first. ' +
  'Use them when they help; they may be outdated.';

/**
 * A chat model behind any OpenAI-compatible `POST /chat/completions` (OpenAI, Azure-style gateways, vLLM,
 * llama.cpp, Ollama, LiteLLM…), always streaming (`stream: true`, usage requested with `stream_options`).
 *
 * Tools are sent in the function format; streamed tool-call fragments (by `index`: id, name, argument text)
 * are assembled and emitted as complete calls when the choice finishes. Recalled memories go into one system
 * message after the leading system messages. Errors: see {@link httpError}; a stream that ends before a
 * `finish_reason` or `[DONE]` is a retriable `UnavailableError`; tool arguments that are not a JSON object are
 * a retriable `MODEL_OUTPUT_INVALID`. Nothing is retried here: a turn that already streamed tokens cannot be
 * replayed silently, so the caller decides.
 */
export class OpenAiModel implements ModelProvider {
  readonly name: string;
  private readonly endpoint: OpenAiEndpoint;

  constructor(private readonly options: OpenAiModelOptions) {
    this.name = `openai:${options.model}`;
    this.endpoint = {
      label: 'chat model',
      engine: 'model',
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      apiKey: options.apiKey,
      timeoutMs: options.timeoutMs,
      keys: { baseUrl: 'model.baseUrl', apiKey: 'model.apiKey', model: 'model.name' },
    };
  }

  async *stream(request: ModelRequest, options: ModelCallOptions = {}): AsyncGenerator<ModelEvent> {
    const guard = new CallGuard(this.options.timeoutMs, options.signal);
    const what = 'POST /chat/completions';
    try {
      const body = chatRequestBody(this.options.model, request);
      const response = await postJson(this.endpoint, '/chat/completions', body, guard, 'text/event-stream');
      if (!response.body) throw this.broken('an empty body');
      const calls = new ToolCallAssembler();
      let finish: FinishReason | undefined;
      let usage: ModelUsage | undefined;
      let ended = false;
      for await (const data of sseData(response.body, {
        waiting: () => guard.arm(),
        received: () => guard.pause(),
      })) {
        if (data.trim() === '[DONE]') {
          ended = true;
          break;
        }
        const chunk = parseChunk(data, this.endpoint);
        if (chunk.usage) {
          usage = {
            inputTokens: chunk.usage.prompt_tokens ?? 0,
            outputTokens: chunk.usage.completion_tokens ?? 0,
          };
        }
        const choice = chunk.choices?.find((c) => (c.index ?? 0) === 0);
        if (!choice) continue;
        const content = choice.delta?.content;
        if (typeof content === 'string' && content !== '') yield { type: 'token', text: content };
        for (const delta of choice.delta?.tool_calls ?? []) calls.add(delta);
        if (choice.finish_reason) finish = finishReason(choice.finish_reason);
      }
      if (!ended && finish === undefined) throw this.broken('the stream ended before the reply was complete');
      const complete = calls.complete();
      for (const call of complete) yield { type: 'tool_call', call };
      const reason: FinishReason =
        complete.length > 0 && finish !== 'length' ? 'tool_calls' : (finish ?? 'stop');
      yield { type: 'done', finishReason: reason, ...(usage ? { usage } : {}) };
    } catch (error) {
      throw guard.translate(error, this.endpoint, what);
    } finally {
      guard.dispose();
    }
  }

  private broken(what: string): UnavailableError {
    return new UnavailableError(
      'model',
      address(this.endpoint),
      `chat model at ${address(this.endpoint)}: ${what}`,
      { hint: 'The connection or the server failed mid-reply; retry the turn.' },
    );
  }
}

/** The JSON body of `POST /chat/completions` for `request`. */
export function chatRequestBody(model: string, request: ModelRequest): Record<string, unknown> {
  const messages = request.messages.map(toWire);
  if (request.memories.length > 0) {
    let at = 0;
    while (at < messages.length && messages[at]?.role === 'system') at++;
    messages.splice(at, 0, { role: 'system', content: memoryMessage(request.memories) });
  }
  return {
    model,
    stream: true,
    stream_options: { include_usage: true },
    messages,
    ...(request.tools.length > 0
      ? {
          tools: request.tools.map((tool) => ({
            type: 'function',
            function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
          })),
        }
      : {}),
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
  };
}

/** The memory system message: the heading, then `- (YYYY-MM-DD) text` per memory, best score first. */
export function memoryMessage(memories: readonly RecalledMemory[]): string {
  const lines = [...memories]
    .sort((a, b) => b.score - a.score)
    .map((memory) => {
      const day = Number.isNaN(memory.createdAt.getTime())
        ? ''
        : `(${memory.createdAt.toISOString().slice(0, 10)}) `;
      return `- ${day}${memory.text.trim()}`;
    });
  return `${MEMORY_HEADING}\n${lines.join('\n')}`;
}

type WireMessage = { role: string; [field: string]: unknown };

function toWire(message: ChatMessage): WireMessage {
  switch (message.role) {
    case 'assistant':
      if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content === '' ? null : message.content,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: JSON.stringify(call.arguments) },
        })),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    default:
      return { role: message.role, content: message.content };
  }
}

interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface Chunk {
  choices?: Array<{
    index?: number;
    delta?: { content?: string | null; tool_calls?: ToolCallDelta[] };
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: unknown;
}

function parseChunk(data: string, endpoint: OpenAiEndpoint): Chunk {
  let chunk: Chunk;
  try {
    chunk = JSON.parse(data) as Chunk;
  } catch (error) {
    throw new UnavailableError(
      'model',
      address(endpoint),
      `chat model at ${address(endpoint)} streamed data that is not JSON: ${data.slice(0, 200)}`,
      { cause: error, hint: 'Check that model.baseUrl points at an OpenAI-compatible API.' },
    );
  }
  if (chunk.error !== undefined && chunk.error !== null) {
    const { message, code } = serverError(JSON.stringify({ error: chunk.error }));
    throw new SomaError(
      'PROVIDER_STREAM_ERROR',
      `chat model at ${address(endpoint)} failed mid-reply: ${message}`,
      {
        retriable: true,
        details: code ? { serverCode: code } : {},
        hint: 'The server reported an error while streaming; retry the turn.',
      },
    );
  }
  return chunk;
}

function finishReason(reason: string): FinishReason {
  if (reason === 'tool_calls' || reason === 'function_call') return 'tool_calls';
  if (reason === 'length') return 'length';
  return 'stop';
}

/** Assembles streamed tool-call fragments into complete calls, in index order. */
export class ToolCallAssembler {
  private readonly parts = new Map<number, { id: string; name: string; args: string }>();

  /** Adds one fragment: the first carries id and name, later ones carry more argument text. */
  add(delta: ToolCallDelta): void {
    const index = delta.index ?? (delta.id ? this.parts.size : Math.max(0, this.parts.size - 1));
    let part = this.parts.get(index);
    if (!part) {
      part = { id: '', name: '', args: '' };
      this.parts.set(index, part);
    }
    if (delta.id && !part.id) part.id = delta.id;
    const name = delta.function?.name;
    // Some servers repeat the whole name in every fragment, others split it: append only what is new.
    if (name && name !== part.name) part.name += name;
    if (delta.function?.arguments) part.args += delta.function.arguments;
  }

  /** The calls; rejects with `MODEL_OUTPUT_INVALID` when a name is missing or arguments are not an object. */
  complete(): ToolCall[] {
    return [...this.parts.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, part]) => {
        if (!part.name) throw invalidOutput(`tool call #${index} has no function name`);
        let args: unknown = {};
        if (part.args.trim() !== '') {
          try {
            args = JSON.parse(part.args);
          } catch {
            args = undefined;
          }
        }
        if (typeof args !== 'object' || args === null || Array.isArray(args)) {
          throw invalidOutput(
            `the arguments of tool call ${part.name} are not a JSON object: ${part.args.slice(0, 200)}`,
          );
        }
        return {
          id: part.id || `call_${index}`,
          name: part.name,
          arguments: args as Record<string, unknown>,
        };
      });
  }
}

function invalidOutput(message: string): SomaError {
  return new SomaError('MODEL_OUTPUT_INVALID', `chat model: ${message}`, {
    retriable: true,
    hint: 'The model produced a malformed tool call; retry the turn or use a model that supports tool calls.',
  });
}
