import {
  abortReason,
  type ModelCallOptions,
  type ModelEvent,
  type ModelProvider,
  type ModelRequest,
} from './model-provider.js';
import { decide } from './offline-rules.js';

/** Name of the offline model, as recorded with each turn. */
export const OFFLINE_MODEL_NAME = 'offline';

/**
 * The embedded default model: deterministic, no network, no weights. It follows fixed rules, documented in
 * docs/offline-model.md: it reports tool results after a tool round; it calls a tool when the user asks
 * explicitly (`/run CODE`, `/tool NAME {json}`, or a ```js block with "run"), and only tools the request
 * offers; otherwise it quotes the recalled memories that match, or says what it can do.
 *
 * Text streams word by word (each token is a word with the whitespace after it). `usage` counts words, not
 * model tokens: input is every message and memory text, output is one per token or tool call. With
 * `maxTokens`, a longer reply is cut after that many words and ends with `finishReason: 'length'`.
 */
export class OfflineModel implements ModelProvider {
  readonly name = OFFLINE_MODEL_NAME;

  async *stream(request: ModelRequest, options: ModelCallOptions = {}): AsyncGenerator<ModelEvent> {
    const { signal } = options;
    if (signal?.aborted) throw abortReason(signal);
    const decision = decide(request);
    const inputTokens =
      request.messages.reduce((sum, message) => sum + words(message.content), 0) +
      request.memories.reduce((sum, memory) => sum + words(memory.text), 0);

    if (decision.kind === 'call') {
      yield { type: 'tool_call', call: decision.call };
      yield { type: 'done', finishReason: 'tool_calls', usage: { inputTokens, outputTokens: 1 } };
      return;
    }
    const tokens = decision.text.match(/\s*\S+\s*/g) ?? [];
    const limit = request.maxTokens !== undefined && request.maxTokens >= 0 ? request.maxTokens : Infinity;
    const sent = tokens.slice(0, limit);
    for (const text of sent) {
      if (signal?.aborted) throw abortReason(signal);
      yield { type: 'token', text };
    }
    yield {
      type: 'done',
      finishReason: sent.length < tokens.length ? 'length' : 'stop',
      usage: { inputTokens, outputTokens: sent.length },
    };
  }
}

function words(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}
