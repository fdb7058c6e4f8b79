/**
 * A scripted stand-in for the gateway's chat API (the REST + SSE contract the chat page talks to), serving
 * the real chat page files with their security headers. It lets the page be tested in a real browser for
 * cases the real gateway produces only rarely (429, a failed turn, a stream cut short, chunked SSE). The
 * product end-to-end test runs the page against the real gateway.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadUiAssets, UI_SECURITY_HEADERS } from '../../src/runtime/ui-assets.js';

interface ToolCall {
  callId: string;
  name: string;
  status: string;
  input?: unknown;
  output?: unknown;
  artifact?: { key: string; size: number; contentType: string };
  error?: { code: string; message: string };
}
interface Message {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  createdAt: string;
  toolCalls?: ToolCall[];
}
interface Conversation {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  messages: Message[];
}

/** Message texts that make the scripted API misbehave on purpose. */
export const SCRIPT = {
  /** Answered 429 with `Retry-After: 7`. */
  rateLimited: 'please rate limit me',
  /** The turn fails with an SSE `error` event. */
  failing: 'please fail',
  /** The stream ends before any reply. */
  cut: 'please cut the stream',
} as const;

/** The artifact the scripted tool writes. */
export const ARTIFACT = {
  key: 'tenants/acme/artifacts/notes.txt',
  body: 'artifact body: hello',
  type: 'text/plain',
};

/** A running scripted API: its origin, the key it accepts, and what it saw. */
export interface ScriptedChatApi {
  readonly origin: string;
  readonly key: string;
  /** Authorization headers of artifact downloads. */
  readonly artifactAuth: string[];
  close(): Promise<void>;
}

const now = () => new Date().toISOString();

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Writes a turn as SSE, in small pieces so the page must reassemble events split across reads. */
async function streamTurn(response: ServerResponse, conversation: Conversation, text: string): Promise<void> {
  response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  const frames: string[] = [];
  const event = (name: string, data: unknown) =>
    frames.push(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  event('turn', { turnId: randomUUID() });
  event('step', { name: 'session' });
  if (text === SCRIPT.failing) {
    event('error', { code: 'MODEL_UNAVAILABLE', message: 'The model did not answer; try again.' });
  } else if (text !== SCRIPT.cut) {
    const calls: ToolCall[] = [
      {
        callId: 'c1',
        name: 'files.write',
        status: 'ok',
        input: { path: 'notes.txt' },
        output: { written: ARTIFACT.body.length },
        artifact: { key: ARTIFACT.key, size: ARTIFACT.body.length, contentType: ARTIFACT.type },
      },
      {
        callId: 'c2',
        name: 'web.fetch',
        status: 'error',
        input: { url: 'https://example.com' },
        error: { code: 'DENIED', message: 'web.fetch is not allowed for this tenant' },
      },
    ];
    const reply = `You said: ${text}`;
    event('step', { name: 'memory' });
    event('step', { name: 'model' });
    for (const call of calls)
      event('tool_start', { callId: call.callId, name: call.name, input: call.input });
    event('step', { name: 'tools' });
    for (const { input: _input, ...result } of calls) event('tool_result', result);
    for (const word of reply.split(/(?= )/)) event('token', { text: word });
    event('step', { name: 'persist' });
    const user: Message = { id: randomUUID(), role: 'user', text, createdAt: now() };
    const assistant: Message = {
      id: randomUUID(),
      role: 'assistant',
      text: reply,
      createdAt: now(),
      toolCalls: calls,
    };
    conversation.messages.push(user, assistant);
    conversation.updatedAt = now();
    event('reply', { messageId: assistant.id, text: reply });
  }
  const bytes = frames.join('');
  for (let at = 0; at < bytes.length; at += 37) {
    response.write(bytes.slice(at, at + 37));
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

/** Starts the scripted API on a random local port. */
export async function startScriptedChatApi(key: string): Promise<ScriptedChatApi> {
  const assets = new Map(loadUiAssets().map((asset) => [asset.path, asset]));
  const conversations: Conversation[] = [];
  const artifactAuth: string[] = [];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const asset = request.method === 'GET' ? assets.get(url.pathname) : undefined;
    if (asset) {
      response.writeHead(200, { 'Content-Type': asset.contentType, ...UI_SECURITY_HEADERS }).end(asset.body);
      return;
    }
    if (!url.pathname.startsWith('/v1/'))
      return json(response, 404, { error: { code: 'NOT_FOUND', message: 'no such page' } });
    if (request.headers.authorization !== `Bearer ${key}`) {
      return json(response, 401, {
        error: { code: 'UNAUTHENTICATED', message: 'a valid API key is required' },
      });
    }
    if (request.method === 'GET' && url.pathname === '/v1/conversations') {
      const sorted = [...conversations].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
      return json(response, 200, { conversations: sorted.map(({ messages: _m, ...c }) => c) });
    }
    if (request.method === 'POST' && url.pathname === '/v1/conversations') {
      const body = await readJson(request);
      const conversation: Conversation = {
        id: randomUUID(),
        title: typeof body.title === 'string' ? body.title : '',
        createdAt: now(),
        updatedAt: now(),
        messages: [],
      };
      conversations.push(conversation);
      const { messages: _m, updatedAt: _u, ...created } = conversation;
      return json(response, 201, created);
    }
    if (request.method === 'GET' && url.pathname === '/v1/artifacts') {
      artifactAuth.push(request.headers.authorization ?? '');
      if (url.searchParams.get('key') !== ARTIFACT.key)
        return json(response, 404, { error: { code: 'NOT_FOUND', message: 'no such artifact' } });
      response.writeHead(200, { 'Content-Type': ARTIFACT.type }).end(ARTIFACT.body);
      return;
    }
    const match = /^\/v1\/conversations\/([^/]+)\/messages$/.exec(url.pathname);
    const conversation = conversations.find((c) => c.id === decodeURIComponent(match?.[1] ?? ''));
    if (!match || !conversation)
      return json(response, 404, { error: { code: 'NOT_FOUND', message: 'no such conversation' } });
    if (request.method === 'GET') return json(response, 200, { messages: conversation.messages });
    const text = String((await readJson(request)).text ?? '');
    if (text === SCRIPT.rateLimited) {
      return json(
        response,
        429,
        { error: { code: 'RATE_LIMITED', message: 'too many requests' } },
        { 'Retry-After': '7' },
      );
    }
    await streamTurn(response, conversation, text);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      if (!response.headersSent) json(response, 500, { error: { code: 'INTERNAL', message: error.message } });
      else response.destroy(error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key,
    artifactAuth,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
