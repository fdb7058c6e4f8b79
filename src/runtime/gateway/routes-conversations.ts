import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordConversationLifecycle } from '../../sdk/agent/conversation-events.js';
import { turnIdFor } from '../../sdk/agent/conversations.js';
import type { TurnEvent, TurnToolResult } from '../../sdk/agent/turn-events.js';
import { LATENCY_BUCKETS } from '../metrics.js';
import { type GatewayDeps, principalOf, type Route } from './gateway.js';
import { HttpError, statusOfCode } from './http-errors.js';

const ID = { type: 'string', minLength: 1, maxLength: 256 };
const CONVERSATION = {
  type: 'object',
  required: ['id', 'title', 'createdAt', 'updatedAt', 'expiresAt'],
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
  },
};
const TOOL_CALL = {
  type: 'object',
  required: ['callId', 'name', 'status', 'durationMs'],
  properties: {
    callId: { type: 'string' },
    name: { type: 'string' },
    status: { enum: ['ok', 'error', 'timeout', 'rejected'] },
    output: {},
    artifact: { type: 'object' },
    error: { type: 'object' },
    durationMs: { type: 'number' },
  },
};
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The SSE event name of each turn event. */
const SSE_NAME: Record<TurnEvent['type'], string> = {
  started: 'turn',
  step: 'step',
  token: 'token',
  tool_start: 'tool_start',
  tool_result: 'tool_result',
  reply: 'reply',
  error: 'error',
};

/** The conversation routes: create, list, read, delete, send a message (SSE or JSON), history. */
export function conversationRoutes(
  deps: GatewayDeps,
  state: { draining: boolean; inFlight: number },
): Route[] {
  const { conversations } = deps;
  const turns = deps.metrics.counter('soma_turns_total', 'Conversation turns by outcome');
  const turnSeconds = deps.metrics.histogram(
    'soma_turn_duration_seconds',
    'Turn latency, request to reply',
    LATENCY_BUCKETS,
  );
  const toolCalls = deps.metrics.counter('soma_tool_calls_total', 'Tool calls by tool and status');
  const running = new Set<string>();
  // Turns of one conversation run one after another: each reads the conversation, then writes it back.
  const queues = new Map<string, Promise<unknown>>();
  const inTurn = async <T>(conversation: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(conversation) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    queues.set(conversation, next);
    try {
      return await next;
    } finally {
      if (queues.get(conversation) === next) queues.delete(conversation);
    }
  };
  const actor = (keyId: string) => `key:${keyId}`;

  const sendMessage = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = principalOf(request);
    const { id } = request.params as { id: string };
    const { text } = request.body as { text: string };
    if (text.trim() === '')
      throw new HttpError(400, 'INVALID_INPUT', 'text is empty', 'Send the message as {"text": "…"}.');
    if (state.draining) {
      throw new HttpError(
        503,
        'SHUTTING_DOWN',
        'the server is shutting down and takes no new turns',
        'Retry shortly (another instance may take it).',
        { 'Retry-After': '5' },
      );
    }
    const key = request.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
      throw new HttpError(
        400,
        'INVALID_INPUT',
        'Idempotency-Key must be 1 to 255 visible ASCII characters',
        'Use a UUID per message.',
      );
    }
    const turnId = turnIdFor(principal.tenant, id, key);
    if (running.has(turnId)) {
      throw new HttpError(
        409,
        'TURN_IN_PROGRESS',
        'a turn with this Idempotency-Key is still running',
        'Wait for it, then retry with the same key to get its result.',
        { 'Retry-After': '1' },
      );
    }
    running.add(turnId);
    state.inFlight += 1;
    const started = Date.now();
    const abort = new AbortController();
    let finished = false;
    // The client went away: the response closed before the turn finished. (The request's own 'close' is no
    // signal for that: it fires as soon as the body has been read.)
    reply.raw.on('close', () => {
      if (!finished) abort.abort();
    });
    let outcome = 'reply';
    try {
      return await inTurn(`${principal.tenant}\0${id}`, async () => {
        const accept = String(request.headers.accept ?? '');
        const streaming = accept.includes('text/event-stream');
        const events = deps.worker.runTurn(
          {
            tenant: principal.tenant,
            subject: principal.subject,
            conversationId: id,
            text,
            turnId,
            actor: actor(principal.keyId),
          },
          { deadlineMs: deps.config.server.turnTimeout, signal: abort.signal, finalOnly: !streaming },
        );
        if (streaming) {
          // A turn that cannot start (e.g. no such conversation: 404) says so in its first event, before
          // `started`; that is answered as a plain HTTP error, not as a stream.
          const iterator = events[Symbol.asyncIterator]();
          const first = await iterator.next();
          if (!first.done && first.value.type === 'error') {
            outcome = `error:${first.value.code}`;
            await iterator.return?.(undefined);
            throw turnError(first.value);
          }
          reply.hijack();
          reply.raw.writeHead(200, {
            'Content-Type': 'text/event-stream; charset=utf-8',
            'Cache-Control': 'no-cache, no-transform',
            Connection: 'keep-alive',
            'X-Accel-Buffering': 'no',
            ...request.rateHeaders,
          });
          const send = (event: TurnEvent) => {
            if (event.type === 'error') outcome = `error:${event.code}`;
            if (event.type === 'tool_result') toolCalls.inc({ tool: event.name, status: event.status });
            const { type, ...data } = event;
            reply.raw.write(`event: ${SSE_NAME[type]}\ndata: ${JSON.stringify(data)}\n\n`);
          };
          if (!first.done) send(first.value);
          for (let next = await iterator.next(); !next.done; next = await iterator.next()) send(next.value);
          reply.raw.end();
          return reply;
        }
        const tools: TurnToolResult[] = [];
        for await (const event of events) {
          if (event.type === 'tool_result') {
            const { type: _, ...result } = event;
            tools.push(result);
            toolCalls.inc({ tool: event.name, status: event.status });
          } else if (event.type === 'error') {
            outcome = `error:${event.code}`;
            throw turnError(event);
          } else if (event.type === 'reply') {
            return { turnId, messageId: event.messageId, reply: event.text, toolCalls: tools };
          }
        }
        outcome = 'error:WORKER_LOST';
        throw new HttpError(
          503,
          'WORKER_LOST',
          'the turn ended without a reply',
          'Retry with the same Idempotency-Key.',
        );
      });
    } finally {
      finished = true;
      running.delete(turnId);
      state.inFlight -= 1;
      if (abort.signal.aborted) outcome = 'cancelled';
      turns.inc({ outcome: outcome.startsWith('error') ? 'error' : outcome });
      turnSeconds.observe((Date.now() - started) / 1000);
    }
  };

  return [
    {
      method: 'POST',
      url: '/v1/conversations',
      summary: 'Create a conversation',
      auth: true,
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { title: { type: 'string', maxLength: 200 } },
        },
      },
      responses: { '201': { description: 'created', schema: CONVERSATION } },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const { title } = (request.body ?? {}) as { title?: string };
        const conversation = await conversations.create(principal.tenant, principal.subject, title);
        await recordConversationLifecycle(deps.stores, deps.outbox, {
          tenant: principal.tenant,
          subject: principal.subject,
          conversationId: conversation.id,
          type: 'CONVERSATION_STARTED',
          actor: actor(principal.keyId),
        });
        reply.status(201).header('Location', `/v1/conversations/${conversation.id}`);
        return conversation;
      },
    },
    {
      method: 'GET',
      url: '/v1/conversations',
      summary: "List the caller's conversations, newest first",
      auth: true,
      responses: {
        '200': {
          description: 'the conversations',
          schema: { type: 'object', properties: { conversations: { type: 'array', items: CONVERSATION } } },
        },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        return { conversations: await conversations.list(principal.tenant, principal.subject) };
      },
    },
    {
      method: 'GET',
      url: '/v1/conversations/:id',
      summary: 'Read a conversation (admin keys: any conversation of the tenant)',
      auth: true,
      schema: { params: { type: 'object', properties: { id: ID } } },
      responses: {
        '200': { description: 'the conversation and its message count', schema: CONVERSATION },
        '404': { description: 'no such conversation' },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        const { id } = request.params as { id: string };
        const { summary, state: conversation } = await conversations.get(
          principal.tenant,
          principal.subject,
          id,
          principal.admin,
        );
        return { ...summary, messageCount: conversation.messages.length };
      },
    },
    {
      method: 'DELETE',
      url: '/v1/conversations/:id',
      summary: 'Delete a conversation and its session state',
      auth: true,
      schema: { params: { type: 'object', properties: { id: ID } } },
      responses: { '204': { description: 'deleted' }, '404': { description: 'no such conversation' } },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const { id } = request.params as { id: string };
        const { subject } = await conversations.get(principal.tenant, principal.subject, id, principal.admin);
        await conversations.delete(principal.tenant, subject, id, principal.admin);
        await recordConversationLifecycle(deps.stores, deps.outbox, {
          tenant: principal.tenant,
          subject,
          conversationId: id,
          type: 'CONVERSATION_ENDED',
          actor: actor(principal.keyId),
        });
        return reply.status(204).send();
      },
    },
    {
      method: 'POST',
      url: '/v1/conversations/:id/messages',
      summary:
        'Send a message and run a turn. With Accept: text/event-stream the turn streams as Server-Sent Events (turn, step, token, tool_start, tool_result, reply, error); otherwise the final reply comes as JSON.',
      auth: true,
      headers: [
        {
          name: 'Idempotency-Key',
          description: 'a retry with the same key returns the first result and runs no tool again',
        },
      ],
      schema: {
        params: { type: 'object', properties: { id: ID } },
        body: {
          type: 'object',
          required: ['text'],
          additionalProperties: false,
          properties: { text: { type: 'string', minLength: 1, maxLength: 32_768 } },
        },
      },
      responses: {
        '200': {
          description: 'the reply (JSON) or the turn as an event stream',
          sse: true,
          schema: {
            type: 'object',
            required: ['turnId', 'messageId', 'reply', 'toolCalls'],
            properties: {
              turnId: { type: 'string' },
              messageId: { type: 'string' },
              reply: { type: 'string' },
              toolCalls: { type: 'array', items: TOOL_CALL },
            },
          },
        },
        '404': { description: 'no such conversation' },
        '409': { description: 'a turn with this Idempotency-Key is running' },
        '422': { description: 'the Idempotency-Key was used for another message' },
        '500': {
          description:
            'the turn failed and retrying will not help (e.g. the model refused the credentials); the error carries a hint when known',
        },
        '503': {
          description:
            'no worker reachable, shutting down, or a failure worth retrying (e.g. the model is unavailable)',
        },
        '504': { description: 'the turn took longer than server.turnTimeout' },
      },
      handler: sendMessage,
    },
    {
      method: 'GET',
      url: '/v1/conversations/:id/messages',
      summary: 'The conversation history (admin keys: any conversation of the tenant)',
      auth: true,
      schema: { params: { type: 'object', properties: { id: ID } } },
      responses: {
        '200': { description: 'messages, oldest first' },
        '404': { description: 'no such conversation' },
      },
      handler: async (request) => {
        const principal = principalOf(request);
        const { id } = request.params as { id: string };
        const { state: conversation } = await conversations.get(
          principal.tenant,
          principal.subject,
          id,
          principal.admin,
        );
        return {
          messages: conversation.messages.map(({ turnId: _, ...message }) => message),
        };
      },
    },
  ];
}

/** The HTTP error of a turn's `error` event (a missing conversation is a 404 that says where to look). */
function turnError(event: { code: string; message: string; retriable: boolean; hint?: string }): HttpError {
  const hint =
    event.hint ??
    (event.code === 'NOT_FOUND' ? 'List your conversations with GET /v1/conversations.' : undefined);
  return new HttpError(statusOfCode(event.code, event.retriable), event.code, event.message, hint);
}
