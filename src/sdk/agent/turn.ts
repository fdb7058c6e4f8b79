import { randomUUID } from 'node:crypto';
import { errorMessage, isSomaError } from '../errors.js';
import type { OutboxWriter } from '../events/outbox/outbox-writer.js';
import type { Stores } from '../stores/factory.js';
import type { CompletedTurn, ConversationMessage, Conversations } from './conversations.js';
import { requestHash } from './conversations.js';
import type { Embedder } from './embeddings/embedder.js';
import type { ChatMessage, ModelProvider, RecalledMemory, ToolCall } from './model/model-provider.js';
import type { ToolExecutor } from './tools/tool-executor.js';
import type { TurnEvent, TurnRequest, TurnToolResult } from './turn-events.js';
import { persistTurn } from './turn-persist.js';

/** What a turn needs. */
export interface TurnDeps {
  readonly stores: Stores;
  readonly conversations: Conversations;
  readonly model: ModelProvider;
  readonly embedder: Embedder;
  readonly tools: ToolExecutor;
  readonly outbox: OutboxWriter;
  readonly options?: TurnOptions;
}

/** Knobs of a turn. */
export interface TurnOptions {
  /** Model rounds at most (each round may call tools). Default 4. */
  readonly maxRounds?: number;
  /** Recalled memories at most. Default 5. */
  readonly recallTopK?: number;
  /** Recalled memories below this cosine score are dropped. Default 0.2. */
  readonly recallMinScore?: number;
  /** History messages sent to the model. Default 20. */
  readonly historyMessages?: number;
  /** Largest user message in UTF-8 bytes. Default 32 KiB. */
  readonly maxTextBytes?: number;
}

const DEFAULTS = {
  maxRounds: 4,
  recallTopK: 5,
  recallMinScore: 0.2,
  historyMessages: 20,
  maxTextBytes: 32 * 1024,
} satisfies Required<TurnOptions>;

/**
 * Runs one turn and streams what happens: load the session (the conversation), recall memory, call the
 * model, run the tools it asks for (feeding results back, up to `maxRounds`), persist (memory, then audit
 * and outbox rows in one records transaction guarded by the turn id, then the session), and reply.
 *
 * A turn id already completed in this conversation replays its stored result and runs nothing: that is how
 * a retried request with the same Idempotency-Key gets the first result. A turn interrupted before its
 * records transaction commits leaves no audit or outbox rows and no messages; its retry runs in full.
 * Failures end the stream with one `error` event; the generator itself only throws when aborted. A turn
 * that cannot start (bad input, no such conversation of this subject) yields that error before `started`.
 */
export async function* runTurn(
  deps: TurnDeps,
  request: TurnRequest,
  signal?: AbortSignal,
): AsyncGenerator<TurnEvent> {
  const options = { ...DEFAULTS, ...deps.options };
  try {
    if (typeof request.text !== 'string' || request.text.trim() === '') {
      yield failure('INVALID_INPUT', 'the message text is empty', false);
      return;
    }
    if (Buffer.byteLength(request.text, 'utf8') > options.maxTextBytes) {
      yield failure('INVALID_INPUT', `the message is longer than ${options.maxTextBytes} bytes`, false);
      return;
    }
    // The conversation is loaded before `started`: a turn that cannot start (no such conversation, bad
    // input) ends with an error as its first event, which the gateway answers as a plain HTTP error.
    const { state } = await deps.conversations.get(request.tenant, request.subject, request.conversationId);
    yield { type: 'started', turnId: request.turnId };
    yield { type: 'step', name: 'session' };
    const done = state.turns.find((t) => t.turnId === request.turnId);
    if (done) {
      yield* replay(done, request.text);
      return;
    }

    yield { type: 'step', name: 'memory' };
    const [vector] = await deps.embedder.embed([request.text], { signal });
    if (!vector) throw new Error('the embedder returned no vector');
    const hits = await deps.stores.memory.search({
      tenant: request.tenant,
      subject: request.subject,
      vector,
      topK: options.recallTopK,
      minScore: options.recallMinScore,
    });
    const memories: RecalledMemory[] = hits.map((h) => ({
      id: h.record.id,
      text: h.record.text,
      score: h.score,
      createdAt: h.record.createdAt,
    }));

    yield { type: 'step', name: 'model' };
    const specs = await deps.tools.list(request.tenant);
    const modelTools = specs.map((s) => ({
      name: s.name,
      description: s.description,
      inputSchema: s.inputSchema,
    }));
    const messages: ChatMessage[] = [
      ...state.messages
        .slice(-options.historyMessages)
        .map(
          (m): ChatMessage =>
            m.role === 'user' ? { role: 'user', content: m.text } : { role: 'assistant', content: m.text },
        ),
      { role: 'user', content: request.text },
    ];
    const toolResults: TurnToolResult[] = [];
    const toolRuns: Array<{ call: ToolCall; result: import('./tools/tool-executor.js').ToolResult }> = [];
    let reply = '';
    for (let round = 0; round < options.maxRounds; round++) {
      const calls: ToolCall[] = [];
      let text = '';
      for await (const event of deps.model.stream({ messages, tools: modelTools, memories }, { signal })) {
        if (event.type === 'token') {
          text += event.text;
          yield { type: 'token', text: event.text };
        } else if (event.type === 'tool_call') {
          calls.push(event.call);
        }
      }
      reply = text;
      if (calls.length === 0) break;
      messages.push({ role: 'assistant', content: text, toolCalls: calls });
      yield { type: 'step', name: 'tools' };
      for (const call of calls) {
        yield { type: 'tool_start', callId: call.id, name: call.name, input: call.arguments };
        const result = await deps.tools.execute(
          {
            tenant: request.tenant,
            subject: request.subject,
            conversationId: request.conversationId,
            callId: call.id,
            name: call.name,
            input: call.arguments,
          },
          { signal },
        );
        const summary: TurnToolResult = {
          callId: call.id,
          name: call.name,
          status: result.status,
          ...(result.output !== undefined ? { output: result.output } : {}),
          ...(result.artifact ? { artifact: result.artifact } : {}),
          ...(result.error ? { error: result.error } : {}),
          durationMs: result.durationMs,
        };
        toolResults.push(summary);
        toolRuns.push({ call, result });
        yield { type: 'tool_result', ...summary };
        messages.push({
          role: 'tool',
          toolCallId: call.id,
          name: call.name,
          content: JSON.stringify({
            status: result.status,
            output: result.output,
            artifact: result.artifact,
            error: result.error,
          }),
        });
      }
      if (round === options.maxRounds - 1) {
        reply = reply || 'I stopped after the most tool rounds one turn may take.';
      }
      yield { type: 'step', name: 'model' };
    }
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');

    yield { type: 'step', name: 'persist' };
    const now = new Date();
    const messageId = randomUUID();
    const userMessage: ConversationMessage = {
      id: randomUUID(),
      role: 'user',
      text: request.text,
      createdAt: now.toISOString(),
      turnId: request.turnId,
    };
    const assistantMessage: ConversationMessage = {
      id: messageId,
      role: 'assistant',
      text: reply,
      createdAt: new Date().toISOString(),
      turnId: request.turnId,
      ...(toolResults.length > 0 ? { toolCalls: toolResults } : {}),
    };
    const completed: CompletedTurn = {
      turnId: request.turnId,
      requestHash: requestHash(request.text),
      messageId,
      reply,
      toolCalls: toolResults,
    };
    await persistTurn(deps, request, {
      vector,
      reply,
      toolRuns,
      completed,
      userMessage,
      assistantMessage,
      state,
    });
    yield { type: 'reply', messageId, text: reply };
  } catch (error) {
    if (signal?.aborted) throw error;
    const code = isSomaError(error) ? error.code : 'INTERNAL';
    const retriable = isSomaError(error) ? error.retriable : false;
    yield failure(code, errorMessage(error), retriable, isSomaError(error) ? error.hint : undefined);
  }
}

function* replay(done: CompletedTurn, text: string): Generator<TurnEvent> {
  if (done.requestHash !== requestHash(text)) {
    yield failure(
      'IDEMPOTENCY_KEY_REUSED',
      'this Idempotency-Key was already used for a different message; use a new key for a new message',
      false,
    );
    return;
  }
  for (const call of done.toolCalls) yield { type: 'tool_result', ...call };
  yield { type: 'token', text: done.reply };
  yield { type: 'reply', messageId: done.messageId, text: done.reply };
}

function failure(code: string, message: string, retriable: boolean, hint?: string): TurnEvent {
  return hint
    ? { type: 'error', code, message, retriable, hint }
    : { type: 'error', code, message, retriable };
}
