import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/runtime/create-runtime.js';
import { createLogger } from '../../src/runtime/logger.js';
import { type RunningServer, startServer } from '../../src/runtime/serve.js';
import { createApiKey } from '../../src/sdk/auth/api-keys.js';
import { resolveConfig } from '../../src/sdk/config/resolve.js';

const quiet = createLogger({ level: 'error', write: () => {} });

// The gateway in-process on the embedded profile (real stores, worker over gRPC on loopback): rate limits,
// tenant isolation, admin scope and artifact access.
describe('gateway: limits and isolation', () => {
  let server: RunningServer;
  const keys: Record<string, string> = {};
  const call = (who: string, path: string, init: RequestInit = {}) =>
    fetch(new URL(path, server.url), {
      ...init,
      headers: {
        Authorization: `Bearer ${keys[who]}`,
        'Content-Type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });
  const create = async (who: string) => {
    const response = await call(who, '/v1/conversations', { method: 'POST', body: '{}' });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'soma-gateway-'));
    const { config } = resolveConfig({
      env: {},
      cwd: dataDir,
      flags: { dataDir, 'server.port': 0, 'server.rateLimit': 20 },
    });
    server = await startServer(config, { log: quiet });
    const records = server.stores.records;
    keys.alice = (await createApiKey(records, { tenant: 'acme', subject: 'alice' })).key;
    keys.bob = (await createApiKey(records, { tenant: 'acme', subject: 'bob' })).key;
    keys.admin = (await createApiKey(records, { tenant: 'acme', subject: 'ops', admin: true })).key;
    keys.mallory = (await createApiKey(records, { tenant: 'evil', subject: 'alice' })).key;
    keys.limited = (await createApiKey(records, { tenant: 'acme', subject: 'carol' })).key;
    keys.dave = (await createApiKey(records, { tenant: 'acme', subject: 'dave' })).key;
  }, 90_000);
  afterAll(async () => {
    await server?.close();
  });

  it("never shows one tenant or subject another's conversations; admin keys see their own tenant only", async () => {
    const id = await create('alice');
    await call('alice', `/v1/conversations/${id}/messages`, {
      method: 'POST',
      body: '{"text":"my secret plan"}',
    });
    for (const who of ['bob', 'mallory']) {
      expect((await call(who, `/v1/conversations/${id}`)).status).toBe(404);
      expect((await call(who, `/v1/conversations/${id}/messages`)).status).toBe(404);
      expect(
        (await call(who, `/v1/conversations/${id}/messages`, { method: 'POST', body: '{"text":"hi"}' }))
          .status,
      ).toBe(404);
      expect((await call(who, `/v1/conversations/${id}`, { method: 'DELETE' })).status).toBe(404);
      const list = (await (await call(who, '/v1/conversations')).json()) as {
        conversations: Array<{ id: string }>;
      };
      expect(list.conversations.map((c) => c.id)).not.toContain(id);
      const search = (await (await call(who, '/v1/memory/search?q=secret%20plan')).json()) as {
        results: Array<{ text: string }>;
      };
      expect(search.results.map((r) => r.text)).not.toContain('my secret plan');
    }
    const asAdmin = await call('admin', `/v1/conversations/${id}/messages`);
    expect(asAdmin.status).toBe(200);
    expect(((await asAdmin.json()) as { messages: Array<{ text: string }> }).messages[0]?.text).toBe(
      'my secret plan',
    );
  });

  it("serves artifacts only under the caller's own prefix", async () => {
    const id = await create('alice');
    const response = await call('alice', `/v1/conversations/${id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: '/run "y".repeat(30000)' }),
    });
    const body = (await response.json()) as { toolCalls: Array<{ artifact?: { key: string } }> };
    const key = body.toolCalls[0]?.artifact?.key as string;
    expect(key).toMatch(/^tenants\/acme\/subjects\/alice\//);
    const path = `/v1/artifacts?key=${encodeURIComponent(key)}`;
    expect((await call('alice', path)).status).toBe(200);
    expect((await call('admin', path)).status).toBe(200);
    expect((await call('bob', path)).status).toBe(404);
    expect((await call('mallory', path)).status).toBe(404);
    expect(
      (await call('alice', `/v1/artifacts?key=${encodeURIComponent(`${key}/../../bob/x`)}`)).status,
    ).toBe(404);
  });

  it('limits requests per key with 429, Retry-After and RateLimit headers', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 25; i++) {
      const response = await call('limited', '/v1/conversations');
      statuses.push(response.status);
      if (i === 0) {
        expect(response.headers.get('ratelimit-limit')).toBe('20');
        expect(Number(response.headers.get('ratelimit-remaining'))).toBe(19);
      }
      if (response.status === 429) limited ??= response;
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(limited?.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(limited).toBeDefined();
    expect(((await (limited as Response).json()) as { error: { code: string } }).error.code).toBe(
      'RATE_LIMITED',
    );
    // Another key is not affected.
    expect((await call('bob', '/v1/conversations')).status).toBe(200);
  });

  it('cancels a turn whose client goes away: nothing of it is saved', async () => {
    const id = await create('dave');
    const cancelled = async () => {
      const text = await (await fetch(new URL('/metrics', server.url))).text();
      return Number(/soma_turns_total\{outcome="cancelled"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await cancelled();
    const abort = new AbortController();
    const response = await call('dave', `/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { Accept: 'text/event-stream' },
      body: JSON.stringify({ text: '/run const e = Date.now() + 1500; while (Date.now() < e) {} "late"' }),
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let seen = '';
    while (!seen.includes('event: tool_start')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += decoder.decode(value, { stream: true });
    }
    expect(seen).toContain('event: tool_start');
    abort.abort();
    await expect.poll(cancelled, { timeout: 15_000 }).toBe(before + 1);
    const history = (await (await call('dave', `/v1/conversations/${id}/messages`)).json()) as {
      messages: unknown[];
    };
    expect(history.messages).toEqual([]);
  });

  it('answers a stream request for a missing conversation with a plain 404, not a stream', async () => {
    const response = await call('dave', '/v1/conversations/00000000-0000-4000-8000-000000000000/messages', {
      method: 'POST',
      headers: { Accept: 'text/event-stream' },
      body: '{"text":"hi"}',
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as { error: { code: string; hint?: string } };
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.hint).toMatch(/GET \/v1\/conversations/);
  });

  it('streams a burst of model tokens as one token event whose text is the reply', async () => {
    const id = await create('dave');
    const response = await call('dave', `/v1/conversations/${id}/messages`, {
      method: 'POST',
      headers: { Accept: 'text/event-stream' },
      body: '{"text":"hello there"}',
    });
    const stream = await response.text();
    const data = (name: string) =>
      [...stream.matchAll(new RegExp(`event: ${name}\ndata: (.*)\n`, 'g'))].map(
        (m) => JSON.parse(m[1] as string) as { text: string },
      );
    const reply = data('reply')[0]?.text ?? '';
    expect(reply.split(/\s+/).length).toBeGreaterThan(1);
    expect(data('token')).toEqual([{ text: reply }]);
  });

  it('answers a concurrent retry of a running turn with 409', async () => {
    const id = await create('bob');
    const send = () =>
      call('bob', `/v1/conversations/${id}/messages`, {
        method: 'POST',
        headers: { 'Idempotency-Key': 'same' },
        body: JSON.stringify({ text: '/run const e = Date.now() + 700; while (Date.now() < e) {} 1' }),
      });
    const first = send();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await send();
    expect(second.status).toBe(409);
    expect((await first).status).toBe(200);
    expect((await send()).status).toBe(200);
  });
});

describe('createRuntime', () => {
  it('starts, sends a message, streams the turn and stops', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'soma-runtime-'));
    const { config } = resolveConfig({ env: {}, cwd: dataDir, flags: { dataDir, 'server.port': 0 } });
    const runtime = createRuntime(config, { log: false });
    await runtime.start();
    try {
      expect(runtime.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const person = { tenant: 't', subject: 'ada' };
      const { id } = await runtime.createConversation(person);
      const events = [];
      for await (const event of runtime.send({ ...person, conversationId: id, text: '/run 2 ** 10' }))
        events.push(event);
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(['started', 'tool_start', 'tool_result', 'reply']),
      );
      expect(JSON.stringify(events.find((e) => e.type === 'tool_result'))).toContain('1024');
      expect(await runtime.messages(person, id)).toHaveLength(2);
      expect((await runtime.listConversations(person)).map((c) => c.id)).toEqual([id]);
    } finally {
      await runtime.stop();
    }
  }, 90_000);
});
