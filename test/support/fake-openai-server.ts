/**
 * An in-process HTTP server that speaks the OpenAI wire protocol for `POST /v1/chat/completions` and
 * `POST /v1/embeddings`, for tests: no real OpenAI (or any other model server) is reachable from here.
 *
 * Like the real API it checks the bearer key (401 with OpenAI's error body) and the model name (404
 * `model_not_found`), then plays the next scripted reply: a recorded SSE stream from test/fixtures/openai,
 * delivered in chunks of a chosen size (down to one byte), optionally stalling or dropping the connection
 * part-way; a JSON error status; or silence. Embeddings without a script are computed deterministically.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_KEY = 'sk-test-0123456789abcdefghijklmnop';
export const FAKE_MODEL = 'gpt-4o-mini';
export const FAKE_EMBEDDING_MODEL = 'text-embedding-3-small';

/** One scripted reply. */
export type Script =
  | {
      kind: 'sse';
      /** Fixture file name under test/fixtures/openai, or the raw stream with `text`. */
      fixture?: string;
      text?: string;
      /** Bytes per write; default: the whole stream at once. */
      chunkBytes?: number;
      /** Stop sending (keep the connection open) after this many bytes. */
      stallAfter?: number;
      /** Close the socket after this many bytes. */
      dropAfter?: number;
      /** Pause `ms` milliseconds after `after` bytes, then send the rest. */
      gap?: { after: number; ms: number };
    }
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  /** Accept the request, never answer. */
  | { kind: 'hang' }
  /** Embeddings: reverse the order of `data` (the client must sort by `index`). */
  | { kind: 'embeddings'; reverse?: boolean; dimensions?: number };

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** Resolves when the client closes the connection or the reply ends. */
  closed: Promise<void>;
}

export interface FakeOpenAi {
  /** Base URL, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Queues replies for the next requests, in order. */
  script(...replies: Script[]): void;
  close(): Promise<void>;
}

const FIXTURES = new URL('../fixtures/openai/', import.meta.url);

/** Reads a recorded stream from test/fixtures/openai. */
export function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** The vector the fake server returns for `text`: deterministic, from the text's characters. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (let at = 0; at < text.length; at++) {
    const slot = (text.charCodeAt(at) * 31 + at) % dimensions;
    vector[slot] = (vector[slot] as number) + 1;
  }
  vector[0] = (vector[0] as number) + 0.5;
  return vector;
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const queue: Script[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return error(
        res,
        400,
        'We could not parse the JSON body of your request.',
        'invalid_request_error',
        null,
      );
    }
    let markClosed = () => {};
    const closed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    res.on('close', () => markClosed());
    requests.push({ path: req.url ?? '', headers: req.headers, body, closed });

    if (req.headers.authorization !== `Bearer ${FAKE_KEY}`) {
      const given = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      return error(
        res,
        401,
        `Incorrect API key provided: ${given.slice(0, 3)}*****${given.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      );
    }
    const chat = req.url === '/v1/chat/completions';
    const embeddings = req.url === '/v1/embeddings';
    if (!chat && !embeddings)
      return error(res, 404, `Invalid URL (POST ${req.url})`, 'invalid_request_error', null);
    const known = chat ? FAKE_MODEL : FAKE_EMBEDDING_MODEL;
    if (body.model !== known) {
      return error(
        res,
        404,
        `The model \`${String(body.model)}\` does not exist or you do not have access to it.`,
        'invalid_request_error',
        'model_not_found',
      );
    }
    const reply = queue.shift() ?? (embeddings ? { kind: 'embeddings' } : undefined);
    if (!reply) return error(res, 500, 'fake server: no scripted reply left', 'server_error', null);
    switch (reply.kind) {
      case 'hang':
        return;
      case 'json':
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(JSON.stringify(reply.body));
        return;
      case 'embeddings': {
        const input = (Array.isArray(body.input) ? body.input : [body.input]) as string[];
        const dims = reply.dimensions ?? (typeof body.dimensions === 'number' ? body.dimensions : 1536);
        const data = input.map((item, index) => ({
          object: 'embedding',
          index,
          embedding: fakeEmbedding(item, dims),
        }));
        if (reply.reverse) data.reverse();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'list',
            data,
            model: `${known}`,
            usage: { prompt_tokens: input.length * 4, total_tokens: input.length * 4 },
          }),
        );
        return;
      }
      case 'sse': {
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.flushHeaders();
        const bytes = Buffer.from(reply.text ?? fixture(reply.fixture as string), 'utf8');
        const limit = Math.min(bytes.length, reply.stallAfter ?? reply.dropAfter ?? bytes.length);
        const step = reply.chunkBytes ?? bytes.length;
        const gap = reply.gap;
        for (let at = 0; at < limit; ) {
          if (res.destroyed) return;
          const end = Math.min(at + step, limit, gap && at < gap.after ? gap.after : limit);
          res.write(bytes.subarray(at, end));
          at = end;
          if (gap && at === gap.after) await new Promise((resolve) => setTimeout(resolve, gap.ms));
          // Let each write leave as its own TCP segment.
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (reply.dropAfter !== undefined) res.socket?.destroy();
        else if (reply.stallAfter === undefined) res.end();
        return;
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...replies) => queue.push(...replies),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function error(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type, param: null, code } }));
}
