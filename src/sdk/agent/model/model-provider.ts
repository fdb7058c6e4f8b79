/**
 * The model port: what the conversation worker asks of a chat model, independent of any vendor.
 *
 * A turn calls {@link ModelProvider.stream}; when `tool_call` events arrive, the caller runs the tools,
 * appends one `assistant` message carrying the calls and one `tool` message per result, and calls `stream`
 * again, until a `done` event with `finishReason: 'stop'` (or `'length'`).
 */

/** A tool invocation requested by the model. */
export interface ToolCall {
  /** Identifier chosen by the model (or provider); echoed back in the `tool` message of its result. */
  id: string;
  /** Name of a tool from {@link ModelRequest.tools}. */
  name: string;
  /** The tool's input, a JSON object. */
  arguments: Record<string, unknown>;
}

/** One message of the conversation sent to the model. */
export type ChatMessage =
  | { role: 'system' | 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | {
      role: 'tool';
      /** The {@link ToolCall.id} this message answers. */
      toolCallId: string;
      /** The tool's name. */
      name: string;
      /** JSON text of the tool result. */
      content: string;
    };

/** A tool the model may call. */
export interface ModelToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the tool's `arguments` object. */
  inputSchema: Record<string, unknown>;
}

/** A long-term memory recalled for this turn. */
export interface RecalledMemory {
  id: string;
  text: string;
  /** Cosine similarity to the turn's query, from -1 to 1. */
  score: number;
  createdAt: Date;
}

/** Everything the model sees in one call. */
export interface ModelRequest {
  messages: ChatMessage[];
  /**
   * Tools the model may call. The offline model never calls a tool missing here; a remote model may invent
   * one, and the caller answers such a call with an error result.
   */
  tools: ModelToolSpec[];
  /** Memories recalled for this turn, in any order. */
  memories: RecalledMemory[];
  /** Upper bound of generated tokens; a reply cut short ends with `finishReason: 'length'`. */
  maxTokens?: number;
}

/** Token and call counts of one model call. */
export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Why a model call ended. */
export type FinishReason = 'stop' | 'tool_calls' | 'length';

/**
 * What a model call streams: text fragments, complete tool calls (never fragments), then exactly one `done`
 * as the last event.
 */
export type ModelEvent =
  | { type: 'token'; text: string }
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'done'; finishReason: FinishReason; usage?: ModelUsage };

/** Per-call options of {@link ModelProvider.stream}. */
export interface ModelCallOptions {
  /** Aborts the call: the iteration rejects with the signal's reason and the connection is closed. */
  signal?: AbortSignal;
}

/** A chat model. */
export interface ModelProvider {
  /** `offline`, or `openai:<model name>`; recorded with each turn. */
  readonly name: string;
  /**
   * Streams one model call. Rejects with a `SomaError`: `ConfigError` for a bad key or model name,
   * `UnavailableError` (retriable) when the server is unreachable, overloaded or failing, `TimeoutError`
   * (retriable) when it stops answering. Stopping the iteration early cancels the call.
   */
  stream(request: ModelRequest, options?: ModelCallOptions): AsyncIterable<ModelEvent>;
}

/** The reason an aborted `signal` carries, as an error to throw. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}
