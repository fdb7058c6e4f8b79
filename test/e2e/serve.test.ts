import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { createConversation, readSse, type ServeProcess, startServe } from '../support/serve.js';

// `somaagent serve` as users run it: the built CLI, embedded profile, no services, a fresh data directory.
describe('somaagent serve (embedded profile)', () => {
  let server: ServeProcess;
  let auth: Record<string, string>;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(new URL(path, server.url), {
      ...init,
      headers: { ...auth, ...(init.headers as Record<string, string>) },
    });
  const json = { 'Content-Type': 'application/json' };
  const newConversation = async () => {
    const response = await api('/v1/conversations', { method: 'POST', headers: json, body: '{"title":"t"}' });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };

  beforeAll(async () => {
    server = await startServe();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.key).toMatch(/\S{20,}/);
    auth = { Authorization: `Bearer ${server.key}` };
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('serves health, readiness, metrics, the OpenAPI document and the web page without a key', async () => {
    expect(await (await fetch(new URL('/healthz', server.url))).json()).toEqual({ status: 'ok' });
    const ready = await fetch(new URL('/readyz', server.url));
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, boolean> }).checks).toMatchObject({
      worker: true,
      records: true,
    });
    const openapi = (await (await fetch(new URL('/openapi.json', server.url))).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/v1/conversations',
        '/v1/conversations/{id}',
        '/v1/conversations/{id}/messages',
        '/healthz',
        '/readyz',
        '/metrics',
      ]),
    );
    const page = await fetch(new URL('/', server.url));
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<html');
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    expect(metrics).toContain('# TYPE soma_http_requests_total counter');
    expect(metrics).toMatch(/soma_process_resident_memory_bytes \d+/);
  });

  it('refuses requests without a valid key, with a message that says what to do', async () => {
    const none = await fetch(new URL('/v1/conversations', server.url));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as { error: { code: string; hint: string } }).error).toMatchObject({
      code: 'UNAUTHENTICATED',
      hint: expect.stringContaining('keys create'),
    });
    const wrong = await fetch(new URL('/v1/conversations', server.url), {
      headers: { Authorization: 'Bearer soma_nope_nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it('creates, lists, reads and deletes conversations', async () => {
    const id = await newConversation();
    const list = (await (await api('/v1/conversations')).json()) as { conversations: Array<{ id: string }> };
    expect(list.conversations.map((c) => c.id)).toContain(id);
    const one = await api(`/v1/conversations/${id}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id, title: 't', messageCount: 0 });
    expect((await api(`/v1/conversations/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/v1/conversations/${id}`)).status).toBe(404);
  });

  it('rejects malformed input with 4xx and a clear message', async () => {
    const id = await newConversation();
    const cases: Array<[RequestInit, number, RegExp]> = [
      [{ method: 'POST', headers: json, body: '{}' }, 400, /text/],
      [{ method: 'POST', headers: json, body: '{"text": 5}' }, 400, /text/],
      [{ method: 'POST', headers: json, body: '{"text": "   "}' }, 400, /empty/],
      [{ method: 'POST', headers: json, body: '{"text": "hi", "extra": 1}' }, 400, /additional/],
      [{ method: 'POST', headers: json, body: '{"text": ' }, 400, /JSON/],
      [
        { method: 'POST', headers: json, body: JSON.stringify({ text: 'x'.repeat(70 * 1024) }) },
        413,
        /larger than/,
      ],
      [{ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hi' }, 415, /content type/],
    ];
    for (const [init, status, message] of cases) {
      const response = await api(`/v1/conversations/${id}/messages`, init);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(body.error.message).toMatch(message);
    }
    const missing = await api('/v1/conversations/nope/messages', {
      method: 'POST',
      headers: json,
      body: '{"text":"hi"}',
    });
    expect(missing.status).toBe(404);
    const badKey = await api(`/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { ...json, 'Idempotency-Key': 'has space' },
      body: '{"text":"hi"}',
    });
    expect(badKey.status).toBe(400);
    expect((await api('/v1/nothing')).status).toBe(404);
  });

  it('streams a turn that runs a sandboxed tool as Server-Sent Events', async () => {
    const id = await newConversation();
    const response = await api(`/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { ...json, Accept: 'text/event-stream' },
      body: JSON.stringify({ text: '/run 6 * 7' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('ratelimit-limit')).toBe('600');
    const events = await readSse(response);
    const names = events.map((e) => e.event);
    expect(names[0]).toBe('turn');
    expect(names).toEqual(expect.arrayContaining(['step', 'tool_start', 'tool_result', 'token', 'reply']));
    expect(names.at(-1)).toBe('reply');
    const result = events.find((e) => e.event === 'tool_result')?.data;
    expect(result).toMatchObject({ name: 'run_javascript', status: 'ok' });
    expect(JSON.stringify(result?.output)).toContain('42');
    const reply = events.at(-1)?.data as { text: string };
    expect(reply.text).toContain('42');
    const history = (await (await api(`/v1/conversations/${id}/messages`)).json()) as {
      messages: Array<{ role: string; text: string; toolCalls?: unknown[] }>;
    };
    expect(history.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(history.messages[1]?.toolCalls).toHaveLength(1);
  });

  it("words the README's /run example as the value and the console lines, not the raw tool output", async () => {
    const id = await newConversation();
    const send = async (text: string) => {
      const response = await api(`/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ text }),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { reply: string }).reply;
    };
    expect(await send('/run [1,2,3].map(x => x * 2)')).toBe('run_javascript returned [2,4,6].');
    expect(await send('/run console.log("hi"); 7')).toBe('run_javascript returned 7.\nConsole output:\nhi');
  });

  it('contains a runaway tool with a clear tool error and keeps serving', async () => {
    const id = await newConversation();
    const response = await api(`/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: '/run while (true) {}' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      toolCalls: Array<{ status: string; error?: { message: string } }>;
    };
    expect(body.toolCalls[0]?.status).toMatch(/timeout|error/);
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
  });

  it('answers from long-term memory in a later conversation', async () => {
    const first = await newConversation();
    await api(`/v1/conversations/${first}/messages`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: 'My favourite colour is teal.' }),
    });
    const second = await newConversation();
    const response = await api(`/v1/conversations/${second}/messages`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: 'What is my favourite colour?' }),
    });
    const body = (await response.json()) as { reply: string };
    expect(body.reply).toContain('teal');
    const search = (await (await api('/v1/memory/search?q=favourite%20colour')).json()) as {
      results: Array<{ text: string }>;
    };
    expect(search.results.map((r) => r.text)).toContain('My favourite colour is teal.');
  });

  it('returns the first result for a retried Idempotency-Key and runs no tool again', async () => {
    const id = await newConversation();
    const send = (text: string) =>
      api(`/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: { ...json, 'Idempotency-Key': 'retry-1' },
        body: JSON.stringify({ text }),
      });
    const first = (await (await send('/run Math.random()')).json()) as {
      messageId: string;
      toolCalls: Array<{ output: unknown }>;
    };
    const again = (await (await send('/run Math.random()')).json()) as {
      messageId: string;
      toolCalls: Array<{ output: unknown }>;
    };
    expect(again.messageId).toBe(first.messageId);
    // Math.random() would differ had the tool run again.
    expect(again.toolCalls[0]?.output).toEqual(first.toolCalls[0]?.output);
    const history = (await (await api(`/v1/conversations/${id}/messages`)).json()) as { messages: unknown[] };
    expect(history.messages).toHaveLength(2);
    const reused = await send('a different message');
    expect(reused.status).toBe(422);
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    expect(metrics).toMatch(/soma_tool_calls_total\{tool="run_javascript",status="ok"\} \d+/);
  });

  it('lets CLI commands run beside it through its database socket, and says so', async () => {
    const created = await runCli([
      'keys',
      'create',
      '--tenant',
      'acme',
      '--subject',
      'bob',
      '--data-dir',
      server.dataDir,
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toMatch(
      /in use by process \d+ \(serve --role all\); working through its database socket/,
    );
    const key = created.stdout.trim();
    const list = await fetch(new URL('/v1/conversations', server.url), {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ conversations: [] });
    const revoked = await runCli([
      'keys',
      'revoke',
      key.split('_')[1] as string,
      '--data-dir',
      server.dataDir,
    ]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await fetch(new URL('/v1/conversations', server.url), {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(after.status).toBe(401);
  });

  it('applies a config.updates change published beside it, live', async () => {
    writeFileSync(join(server.dataDir, 'change.yaml'), 'retention:\n  sessions: 2h\n');
    const published = await runCli(['config', 'publish', 'change.yaml', '--data-dir', server.dataDir], {
      cwd: server.dataDir,
    });
    expect(published.code, published.stderr).toBe(0);
    await expect.poll(() => server.stderr(), { timeout: 30_000 }).toContain('configuration updated');
    const response = await api('/v1/conversations', { method: 'POST', headers: json, body: '{}' });
    const conversation = (await response.json()) as { createdAt: string; expiresAt: string };
    const ttl = Date.parse(conversation.expiresAt) - Date.parse(conversation.createdAt);
    expect(Math.abs(ttl - 2 * 3600_000)).toBeLessThan(60_000);
  });
});

/** A TCP port on 127.0.0.1 held by another listener, as a busy port is. */
async function occupyPort(): Promise<{ port: number; blocker: ReturnType<typeof createServer> }> {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  return { port: (blocker.address() as AddressInfo).port, blocker };
}

describe('somaagent serve on a busy port', () => {
  it('exits 2 naming the port and --port, and creates no admin key', async () => {
    const { port, blocker } = await occupyPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'soma-serve-busy-'));
    try {
      const json = await runCli(['serve', '--port', String(port), '--data-dir', dataDir, '--json'], {
        cwd: dataDir,
        timeoutMs: 90_000,
      });
      expect(json.code).toBe(2);
      const body = JSON.parse(json.stdout);
      expect(body.error).toMatchObject({ code: 'ADDRESS_IN_USE' });
      expect(body.error.message).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(body.error.message).toContain('--port');
      expect(body.error.hint).toContain('--port');
      expect(json.stdout).not.toContain('bootstrapKey');

      const text = await runCli(['serve', '--port', String(port), '--data-dir', dataDir], {
        cwd: dataDir,
        timeoutMs: 90_000,
      });
      expect(text.code).toBe(2);
      expect(text.stderr).toContain(`Error: port ${port} on 127.0.0.1 is in use`);
      expect(text.stderr).toMatch(/Hint: .*--port/);
      expect(text.stderr).not.toMatch(/EADDRINUSE|Internal error|\n\s+at /);
      expect(text.stdout).not.toMatch(/admin API key|soma_/);

      // The failed starts created no key, so the first start that listens still shows one.
      const keys = await runCli(['keys', 'list', '--data-dir', dataDir, '--json'], { cwd: dataDir });
      expect(keys.code).toBe(0);
      expect(JSON.parse(keys.stdout).keys).toEqual([]);
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a busy worker port exits 2 naming server.workerPort, and gRPC adds no raw line to the JSON logs', async () => {
    const { port, blocker } = await occupyPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'soma-serve-busy-worker-'));
    try {
      const json = await runCli(
        ['serve', '--port', '0', '--set', `server.workerPort=${port}`, '--data-dir', dataDir, '--json'],
        { cwd: dataDir, timeoutMs: 90_000 },
      );
      expect(json.code).toBe(2);
      const body = JSON.parse(json.stdout);
      expect(body.error).toMatchObject({ code: 'ADDRESS_IN_USE' });
      expect(body.error.message).toContain(`port ${port} on 127.0.0.1 is in use`);
      expect(body.error.message).toContain('server.workerPort');
      // Under --json every log line on stderr is a JSON object: nothing printed by the gRPC library itself.
      const lines = json.stderr.split('\n').filter((line) => line.trim() !== '');
      for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
      expect(json.stderr).not.toContain('No address added');
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('somaagent serve with a model that refuses its credentials', () => {
  it('answers 500 with the model error and its hint (JSON and SSE), and logs each failed turn with the hint', async () => {
    // An OpenAI-compatible endpoint that refuses every request as a bad API key.
    const model = createHttpServer((_request, response) => {
      response.writeHead(401, { 'Content-Type': 'application/json' });
      response.end('{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}');
    });
    await new Promise<void>((resolve) => model.listen(0, '127.0.0.1', resolve));
    const port = (model.address() as AddressInfo).port;
    const server = await startServe([
      '--set',
      'model.provider=openai',
      '--set',
      `model.baseUrl=http://127.0.0.1:${port}/v1`,
      '--set',
      'model.apiKey=sk-wrong',
      '--set',
      'model.name=chat-model',
    ]);
    try {
      const headers = { Authorization: `Bearer ${server.key}`, 'Content-Type': 'application/json' };
      const id = await createConversation(server);
      const plain = await fetch(new URL(`/v1/conversations/${id}/messages`, server.url), {
        method: 'POST',
        headers,
        body: '{"text":"hello"}',
      });
      expect(plain.status).toBe(500);
      const body = (await plain.json()) as { error: { code: string; message: string; hint?: string } };
      expect(body.error.code).toBe('CONFIG_INVALID');
      expect(body.error.hint).toContain('model.apiKey');

      const streamed = await fetch(new URL(`/v1/conversations/${id}/messages`, server.url), {
        method: 'POST',
        headers: { ...headers, Accept: 'text/event-stream' },
        body: '{"text":"hello again"}',
      });
      const events = await readSse(streamed);
      const failed = events.find((event) => event.event === 'error')?.data;
      expect(failed).toMatchObject({ code: 'CONFIG_INVALID', retriable: false });
      expect(failed?.hint).toContain('model.apiKey');

      const logged = server
        .stderr()
        .split('\n')
        .filter((line) => line.includes('"message":"turn failed"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).toHaveLength(2);
      expect(logged[0]).toMatchObject({ level: 'warn', code: 'CONFIG_INVALID' });
      expect(String(logged[0]?.hint)).toContain('model.apiKey');
      // The key itself is never logged.
      expect(server.stderr()).not.toContain('sk-wrong');
    } finally {
      await server.stop();
      model.close();
    }
  }, 120_000);
});
