import { recordConversationLifecycle } from '../sdk/agent/conversation-events.js';
import {
  type ConversationMessage,
  type ConversationSummary,
  type Conversations,
  turnIdFor,
} from '../sdk/agent/conversations.js';
import type { TurnEvent } from '../sdk/agent/turn-events.js';
import type { SomaConfig } from '../sdk/config/schema.js';
import { InvalidInputError } from '../sdk/errors.js';
import type { OutboxWriter } from '../sdk/events/outbox/outbox-writer.js';
import type { Stores } from '../sdk/stores/factory.js';
import { createLogger, type Logger, type LogLevel } from './logger.js';
import { type RunningServer, startServer } from './serve.js';
import { createWorkerClient, type WorkerClient } from './worker/worker-client.js';

/** Who a runtime call acts for. */
export interface Actor {
  readonly tenant: string;
  readonly subject: string;
}

/** A message to send with {@link Runtime.send}. */
export interface SendMessage extends Actor {
  readonly conversationId: string;
  readonly text: string;
  /** A retry with the same key returns the first result and runs no tool again. */
  readonly idempotencyKey?: string;
}

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** Log lines (stderr by default at the configured level); `false` for none. */
  readonly log?: Logger | false;
}

/** The agent runtime in code: the same parts `somaagent serve` runs, and calls to drive them. */
export interface Runtime {
  /** Starts the gateway, the workers and the outbox relay (role all); resolves when they serve. */
  start(): Promise<void>;
  /** The gateway URL once started. */
  readonly url: string | undefined;
  /** The admin key created on the first start of an embedded runtime (shown once), else undefined. */
  readonly bootstrapKey: string | undefined;
  /** Every store, once started. */
  readonly stores: Stores;
  /** Creates a conversation (one session of the subject; its start is an audit row and an event). */
  createConversation(actor: Actor, title?: string): Promise<ConversationSummary>;
  /** The subject's conversations, newest first. */
  listConversations(actor: Actor): Promise<ConversationSummary[]>;
  /** A conversation's messages, oldest first. */
  messages(actor: Actor, conversationId: string): Promise<readonly ConversationMessage[]>;
  /**
   * Sends a message and yields the turn as it happens (started, steps, tokens, tool start and result,
   * then reply or error), through a conversation worker over gRPC like the gateway does.
   */
  send(message: SendMessage): AsyncIterable<TurnEvent>;
  /** Drains running turns, flushes the outbox and closes everything. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Creates the agent runtime for `config` (see `resolveConfig`). Nothing runs until {@link Runtime.start}.
 *
 * ```ts
 * const runtime = createRuntime(resolveConfig({ flags: { dataDir: './data' } }).config);
 * await runtime.start();
 * const { id } = await runtime.createConversation({ tenant: 'acme', subject: 'ada' });
 * for await (const event of runtime.send({ tenant: 'acme', subject: 'ada', conversationId: id, text: '/run 6*7' })) {
 *   if (event.type === 'token') process.stdout.write(event.text);
 * }
 * await runtime.stop();
 * ```
 */
export function createRuntime(config: SomaConfig, options: RuntimeOptions = {}): Runtime {
  const log: Logger =
    options.log === false
      ? createLogger({ level: 'error', write: () => {} })
      : (options.log ?? createLogger({ level: config.log.level as LogLevel }));
  let server: RunningServer | undefined;
  let worker: WorkerClient | undefined;
  let conversations: Conversations | undefined;
  let outbox: OutboxWriter | undefined;
  const started = () => {
    if (!server || !worker || !conversations || !outbox) {
      throw new InvalidInputError('the runtime is not started', {
        hint: 'Call and await runtime.start() first.',
      });
    }
    return { server, worker, conversations, outbox };
  };
  return {
    async start() {
      if (server) return;
      server = await startServer(config, { role: 'all', log });
      worker = createWorkerClient(server.workerAddresses);
      conversations = server.conversations;
      outbox = server.outbox;
    },
    get url() {
      return server?.url;
    },
    get bootstrapKey() {
      return server?.bootstrapKey;
    },
    get stores() {
      return started().server.stores;
    },
    async createConversation(actor, title) {
      const parts = started();
      const summary = await parts.conversations.create(actor.tenant, actor.subject, title);
      await recordConversationLifecycle(parts.server.stores, parts.outbox, {
        ...actor,
        conversationId: summary.id,
        type: 'CONVERSATION_STARTED',
        actor: 'sdk',
      });
      return summary;
    },
    listConversations(actor) {
      return started().conversations.list(actor.tenant, actor.subject);
    },
    async messages(actor, conversationId) {
      return (await started().conversations.get(actor.tenant, actor.subject, conversationId)).state.messages;
    },
    send(message) {
      const parts = started();
      return parts.worker.runTurn(
        {
          tenant: message.tenant,
          subject: message.subject,
          conversationId: message.conversationId,
          text: message.text,
          turnId: turnIdFor(message.tenant, message.conversationId, message.idempotencyKey),
          actor: 'sdk',
        },
        { deadlineMs: config.server.turnTimeout },
      );
    },
    async stop() {
      worker?.close();
      await server?.close();
      server = undefined;
      worker = undefined;
    },
  };
}
