/**
 * The Qdrant adapter against recorded HTTP exchanges (test/fixtures/qdrant/*.json), replayed by a local HTTP
 * server: the real REST client talks HTTP to it, the server checks every request (method, path with query,
 * JSON body) against the recording and answers with the recorded response. This pins down the requests the
 * adapter sends (filters, payload indexes, waits) and how it maps answers and errors, without a Qdrant server.
 * The live contract suite runs in test/integration/vector-memory-qdrant.test.ts when SOMA_TEST_QDRANT_URL is set.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { qdrantPointId } from '../../src/sdk/stores/vector-memory/qdrant-point-id.js';
import {
  createQdrantVectorMemory,
  type QdrantVectorMemory,
} from '../../src/sdk/stores/vector-memory/qdrant-vector-memory.js';

interface Exchange {
  request: { method: string; path: string; body?: unknown };
  response: { status: number; body: unknown };
}

const FIXTURES = new URL('../fixtures/qdrant/', import.meta.url);

function fixture(name: string): Exchange[] {
  return (JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as { exchanges: Exchange[] })
    .exchanges;
}

/** Replays exchanges in order; records what did not match instead of guessing. */
class ReplayServer {
  readonly mismatches: string[] = [];
  readonly received: Array<{ method: string; path: string; body: unknown }> = [];
  private constructor(
    private readonly server: Server,
    private readonly queue: Exchange[],
    readonly url: string,
  ) {}

  static async start(exchanges: Exchange[], delayMs = 0): Promise<ReplayServer> {
    const queue = [...exchanges];
    let replay: ReplayServer | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const body: unknown = text ? JSON.parse(text) : undefined;
        const got = { method: request.method ?? '', path: request.url ?? '', body };
        replay?.received.push(got);
        const expected = queue.shift();
        let answer = expected?.response;
        if (!expected) {
          replay?.mismatches.push(`unexpected request ${got.method} ${got.path} ${text}`);
        } else if (
          expected.request.method !== got.method ||
          expected.request.path !== got.path ||
          !isDeepStrictEqual(expected.request.body, got.body)
        ) {
          replay?.mismatches.push(
            `expected ${expected.request.method} ${expected.request.path} ${JSON.stringify(expected.request.body)}\n` +
              `     got ${got.method} ${got.path} ${text}`,
          );
          answer = undefined;
        }
        const reply = answer ?? { status: 418, body: { status: { error: 'replay mismatch' }, time: 0 } };
        setTimeout(() => {
          response.writeHead(reply.status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(reply.body));
        }, delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    replay = new ReplayServer(server, queue, `http://127.0.0.1:${port}`);
    return replay;
  }

  /** Every recorded exchange was used, and nothing else was asked. */
  expectDone(): void {
    expect(this.mismatches).toEqual([]);
    expect(this.queue.map((e) => `${e.request.method} ${e.request.path}`)).toEqual([]);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const servers: ReplayServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function replay(name: string | Exchange[], requestTimeoutMs = 5_000, delayMs = 0) {
  const server = await ReplayServer.start(typeof name === 'string' ? fixture(name) : name, delayMs);
  servers.push(server);
  const store: QdrantVectorMemory = createQdrantVectorMemory(
    { url: server.url, apiKey: undefined, connectTimeoutMs: 2_000, requestTimeoutMs },
    { collection: 'soma_memory', dimensions: 4 },
  );
  return { server, store };
}

describe('Qdrant adapter: recorded exchanges', () => {
  it('init() creates the collection (4-d, Cosine) and the tenant, subject and createdAt payload indexes', async () => {
    const { server, store } = await replay('init-new-collection');
    await store.init();
    server.expectDone();
  });

  it('init() leaves a complete existing collection alone', async () => {
    const { server, store } = await replay('init-existing-collection');
    await store.init();
    server.expectDone();
  });

  it('init() adds a payload index that an existing collection lacks', async () => {
    const { server, store } = await replay('init-missing-index');
    await store.init();
    server.expectDone();
  });

  it('init() refuses a collection of other dimensions with a ConfigError naming both', async () => {
    const { server, store } = await replay('init-dimension-mismatch');
    const error = await store.init().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', details: { expected: 4, stored: 384 } });
    expect((error as Error).message).toContain('collection soma_memory stores 384-dimensional vectors');
    server.expectDone();
  });

  it('init() survives another process creating the collection first (409)', async () => {
    const { server, store } = await replay('init-create-race');
    await store.init();
    server.expectDone();
  });

  it('upsert() writes one point per (tenant, id) under a deterministic UUIDv5, waiting for the write', async () => {
    const { server, store } = await replay('upsert');
    const written = await store.upsert([
      {
        id: 'r1',
        tenant: 't1',
        subject: 'alice',
        text: 'likes green tea',
        embedding: new Float32Array([1, 0, 0, 0]),
        metadata: { source: 'chat', turn: 3 },
        createdAt: new Date('2025-01-01T00:00:00Z'),
      },
      {
        id: 'r2',
        tenant: 't1',
        subject: 'alice',
        text: 'lives in Lyon',
        embedding: [0.5, 0.5, 0, 0],
        createdAt: new Date('2025-01-02T00:00:00Z'),
      },
      {
        id: 'r1',
        tenant: 't2',
        subject: 'alice',
        text: "another tenant's r1",
        embedding: [1, 0, 0, 0],
        createdAt: new Date('2025-01-02T00:00:00Z'),
      },
    ]);
    expect(written).toBe(3);
    server.expectDone();
  });

  it('point ids are RFC 4122 version-5 UUIDs, distinct per tenant (golden values from Python uuid.uuid5)', () => {
    expect(qdrantPointId('t1', 'r1')).toBe('e52516b8-fddb-5d3c-9138-633fcdc0bf0e');
    expect(qdrantPointId('t1', 'r1')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(qdrantPointId('t2', 'r1')).not.toBe(qdrantPointId('t1', 'r1'));
    expect(qdrantPointId('t1', 'r1x')).not.toBe(qdrantPointId('t1r', '1x'));
  });

  it('search() filters by tenant and subject inside the query and maps points to records and scores', async () => {
    const { server, store } = await replay('search');
    const hits = await store.search({
      tenant: 't1',
      subject: 'alice',
      vector: [1, 0, 0, 0],
      topK: 5,
      minScore: 0.5,
    });
    expect(hits).toEqual([
      {
        record: {
          id: 'r1',
          tenant: 't1',
          subject: 'alice',
          text: 'likes green tea',
          metadata: { source: 'chat', turn: 3 },
          createdAt: new Date('2025-01-01T00:00:00Z'),
        },
        score: 1,
      },
      {
        record: {
          id: 'r2',
          tenant: 't1',
          subject: 'alice',
          text: 'lives in Lyon',
          metadata: {},
          createdAt: new Date('2025-01-02T00:00:00Z'),
        },
        score: 0.70710677,
      },
    ]);
    expect(await store.search({ tenant: 't1', vector: [0, 0, 0, 1], topK: 3 })).toEqual([]);
    server.expectDone();
  });

  it('deleteBySubject() counts exactly, then deletes by the same exact-match filter', async () => {
    const { server, store } = await replay('delete-by-subject');
    expect(await store.deleteBySubject('t1', 'alice*')).toBe(2);
    expect(await store.deleteBySubject('t1', 'alice*')).toBe(0);
    server.expectDone();
  });

  it('deleteOlderThan() deletes by a createdAt range filter, per tenant or everywhere', async () => {
    const { server, store } = await replay('delete-older-than');
    const cutoff = new Date('2025-01-01T00:00:00Z');
    expect(await store.deleteOlderThan(cutoff, { tenant: 't1' })).toBe(3);
    expect(await store.deleteOlderThan(cutoff)).toBe(1);
    server.expectDone();
  });

  it('count() and oldest() use exact counts and an order_by scroll on createdAt', async () => {
    const { server, store } = await replay('count-and-oldest');
    expect(await store.count()).toBe(6);
    expect(await store.count({ tenant: 't1', subject: 'bob' })).toBe(1);
    expect(await store.oldest({ tenant: 't1' })).toEqual(new Date('2025-01-01T00:00:00Z'));
    expect(await store.oldest({ tenant: 'nobody' })).toBeNull();
    server.expectDone();
  });

  it('stats() reports count, age range, largest tenants and an estimated size', async () => {
    const { server, store } = await replay('stats');
    const stats = await store.stats();
    expect(stats).toEqual({
      backend: 'qdrant',
      location: `${server.url} collection soma_memory`,
      dimensions: 4,
      count: 6,
      oldest: new Date('2025-01-01T00:00:00Z'),
      newest: new Date('2025-06-01T00:00:00Z'),
      tenants: [
        { tenant: 'big', count: 3 },
        { tenant: 'mid', count: 2 },
        { tenant: 'small', count: 1 },
      ],
      tenantsTruncated: false,
      bytes: 6 * 4 * 4,
      bytesEstimated: true,
      details: {
        status: 'green',
        segments: 2,
        indexedVectors: 0,
        payloadIndexes: ['createdAt', 'subject', 'tenant'],
      },
    });
    server.expectDone();
  });

  it('translates Qdrant error answers into typed errors naming the store', async () => {
    const { server, store } = await replay('errors');
    const query = { tenant: 't1', vector: [1, 0, 0, 0], topK: 1 };
    const notFound = await store.search(query).catch((e: unknown) => e);
    expect(notFound).toMatchObject({ code: 'VECTOR_MEMORY_NOT_READY', retriable: false });
    expect((notFound as Error).message).toContain("Collection `soma_memory` doesn't exist");
    const internal = await store.search(query).catch((e: unknown) => e);
    expect(internal).toMatchObject({ code: 'UNAVAILABLE', retriable: true });
    expect((internal as Error).message).toMatch(
      /vector memory search: Qdrant at .* answered 500: .*No space left/,
    );
    const rejected = await store.oldest().catch((e: unknown) => e);
    expect(rejected).toMatchObject({ code: 'QDRANT_REJECTED', retriable: false });
    expect((rejected as Error).message).toContain('No range index for `order_by` key');
    const unauthorised = await store.count().catch((e: unknown) => e);
    expect(unauthorised).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((unauthorised as { hint?: string }).hint).toContain('qdrant.apiKey');
    const foreign = await store.search(query).catch((e: unknown) => e);
    expect(foreign).toMatchObject({ code: 'VECTOR_MEMORY_CORRUPT' });
    server.expectDone();
  });

  it('gives a TimeoutError when Qdrant answers later than the request timeout', async () => {
    const { store } = await replay('count-and-oldest', 300, 2_000);
    const started = Date.now();
    const error = await store.count().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_900);
    expect(error).toMatchObject({ code: 'TIMEOUT', retriable: true });
    expect((error as Error).message).toMatch(
      /vector memory count: Qdrant at http:\/\/127\.0\.0\.1:\d+ did not answer within 300 ms/,
    );
  });

  it('gives a retriable UnavailableError naming the address quickly when nothing listens', async () => {
    // A port that was just free (connection refused), and port 1, which fetch refuses to dial at all.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    for (const [url, reason] of [
      [`http://127.0.0.1:${port}`, 'ECONNREFUSED'],
      ['http://127.0.0.1:1', 'bad port'],
    ] as const) {
      const store = createQdrantVectorMemory(
        { url, apiKey: undefined, connectTimeoutMs: 2_000, requestTimeoutMs: 5_000 },
        { collection: 'soma_memory', dimensions: 4 },
      );
      for (const call of [() => store.init(), () => store.count(), () => store.deleteBySubject('t', 's')]) {
        const started = Date.now();
        const error = await call().catch((e: unknown) => e);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(error).toMatchObject({ code: 'UNAVAILABLE', retriable: true, engine: 'qdrant', address: url });
        expect((error as Error).message).toMatch(
          /^vector memory \w+: Qdrant at http:\/\/127\.0\.0\.1:\d+ is unreachable/,
        );
        expect((error as Error).message).toContain(`(${reason})`);
      }
    }
  });

  it('checks input before sending anything', async () => {
    const { server, store } = await replay([]);
    await expect(store.search({ tenant: 't1', vector: [1, 0, 0], topK: 1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'query vector has 3 dimensions, expected 4',
    });
    await expect(store.deleteBySubject('t1', '')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(
      store.upsert([{ id: 'r', tenant: 't', subject: 's', text: 'x', embedding: [1, 0, 0, Number.NaN] }]),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(server.received).toEqual([]);
    server.expectDone();
  });
});
