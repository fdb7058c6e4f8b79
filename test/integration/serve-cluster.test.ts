import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/sdk/auth/api-keys.js';
import { type PgliteSocketServer, startPgliteSocketServer } from '../../src/sdk/engines/pglite-socket.js';
import { KafkaEventBus } from '../../src/sdk/events/bus/kafka-event-bus.js';
import { createEventCodec } from '../../src/sdk/events/codec/event-codec.js';
import type { ConversationEvent, ToolExecution } from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { createTestDatabase, type TestDatabase } from '../support/pg-database.js';
import { type ServeProcess, startServe } from '../support/serve.js';
import { describeWithServices, randomName, testEnv } from '../support/services.js';

// The cluster profile end to end: Redis (sessions, rate limits), S3 (artifacts), Kafka (events) are the
// real engines. Records and memory go to the Postgres server of SOMA_TEST_PGVECTOR_URL (in a database of its
// own: the cluster profile works in `public`); without one, a PGlite socket server with pgvector stands in.
describeWithServices(['redis', 's3', 'kafka'], 'somaagent serve --profile cluster', (address) => {
  let db: PGlite | undefined;
  let pgServer: PgliteSocketServer | undefined;
  let database: TestDatabase | undefined;
  let env: Record<string, string>;
  const processes: ServeProcess[] = [];

  beforeAll(async () => {
    const server = testEnv('SOMA_TEST_PGVECTOR_URL');
    if (server) {
      database = await createTestDatabase(server, 'soma_serve');
    } else {
      db = await PGlite.create({ extensions: { vector } });
      pgServer = await startPgliteSocketServer(db, { host: '127.0.0.1', port: 0 });
    }
    env = {
      SOMA_PROFILE: 'cluster',
      SOMA_POSTGRES_URL: database?.url ?? `postgres://postgres@${pgServer?.address}/postgres`,
      SOMA_REDIS_URL: address.redis?.() as string,
      SOMA_REDIS_KEY_PREFIX: randomName('soma').replace(/-/g, '_'),
      SOMA_S3_ENDPOINT: address.s3?.() as string,
      SOMA_S3_BUCKET: randomName('soma'),
      SOMA_S3_ACCESS_KEY_ID: testEnv('SOMA_TEST_S3_ACCESS_KEY') ?? 'test',
      SOMA_S3_SECRET_ACCESS_KEY: testEnv('SOMA_TEST_S3_SECRET_KEY') ?? 'test',
      SOMA_KAFKA_BROKERS: address.kafka?.() as string,
      SOMA_TIMEOUTS_REQUEST: '30s',
    };
  }, 60_000);
  afterAll(async () => {
    for (const p of processes) await p.stop().catch(() => {});
    await database?.drop();
    await pgServer?.stop();
    await db?.close();
  });

  const keyFor = async (tenant: string, subject: string) => {
    const sql = await pgSqlClient({
      url: env.SOMA_POSTGRES_URL as string,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 30_000,
    });
    try {
      return (await createApiKey(sql, { tenant, subject })).key;
    } finally {
      await sql.close();
    }
  };

  it('runs turns with tools on Redis, S3 and Kafka, and every event reaches Kafka redacted', async () => {
    const server = await startServe([], { env });
    processes.push(server);
    expect(server.key).toBeNull(); // no bootstrap key outside the embedded profile
    const tenant = randomName('tenant');
    const headers = {
      Authorization: `Bearer ${await keyFor(tenant, 'alice')}`,
      'Content-Type': 'application/json',
    };
    const { id } = (await (
      await fetch(new URL('/v1/conversations', server.url), { method: 'POST', headers, body: '{}' })
    ).json()) as { id: string };
    const bus = new KafkaEventBus({ brokers: [env.SOMA_KAFKA_BROKERS as string], clientId: 'serve-test' });
    try {
      const before = await bus.endOffsets('conversation.events');
      const reply = await fetch(new URL(`/v1/conversations/${id}/messages`, server.url), {
        method: 'POST',
        headers,
        body: JSON.stringify({ text: 'mail bob@example.org then /run "x".repeat(40000)' }),
      });
      // The sentence is not a /run command, so the offline model answers in text; run the tool explicitly.
      expect(reply.status).toBe(200);
      const big = await fetch(new URL(`/v1/conversations/${id}/messages`, server.url), {
        method: 'POST',
        headers,
        body: JSON.stringify({ text: '/run "x".repeat(40000)' }),
      });
      const body = (await big.json()) as {
        toolCalls: Array<{ status: string; artifact?: { key: string; size: number } }>;
      };
      expect(body.toolCalls[0]?.status).toBe('ok');
      const artifact = body.toolCalls[0]?.artifact;
      expect(artifact?.key).toContain(`tenants/${tenant}/subjects/alice/`);
      const download = await fetch(
        new URL(`/v1/artifacts?key=${encodeURIComponent(artifact?.key ?? '')}`, server.url),
        { headers },
      );
      expect(download.status).toBe(200);
      expect((await download.text()).length).toBeGreaterThanOrEqual(40_000);

      const codec = createEventCodec({ catalog: loadSchemaCatalog() });
      const seen: Array<ConversationEvent | ToolExecution> = [];
      const group = randomName('serve-test');
      const subscription = await bus.subscribe({
        groupId: group,
        topics: ['conversation.events', 'tool.execution'],
        fromBeginning: true,
        eachMessage: async (message) => {
          if (!message.value) return;
          if (message.topic === 'conversation.events') {
            const start = before.find((p) => p.partition === message.partition)?.high ?? '0';
            if (BigInt(message.offset) < BigInt(start)) return;
          }
          const value = (await codec.decode<ConversationEvent | ToolExecution>(message.value, message.topic))
            .value;
          if (value.conversationId === id) seen.push(value);
        },
      });
      try {
        await expect
          .poll(() => seen.filter((e) => 'eventType' in e && e.eventType === 'REPLY_COMPLETED').length, {
            timeout: 60_000,
            interval: 500,
          })
          .toBe(2);
        await expect.poll(() => seen.filter((e) => 'phase' in e).length, { timeout: 30_000 }).toBe(2);
      } finally {
        await subscription.stop();
        await bus.deleteGroups([group]).catch(() => {});
      }
      const received = seen.find(
        (e) => 'eventType' in e && e.eventType === 'MESSAGE_RECEIVED',
      ) as ConversationEvent;
      expect(received.text).toContain('[EMAIL]');
      expect(JSON.stringify(seen)).not.toContain('bob@example.org');
      const response = seen.find((e) => 'phase' in e && e.phase === 'RESPONSE') as ToolExecution;
      expect(response.artifact?.uri).toContain(artifact?.key);
    } finally {
      await bus.close();
    }
    expect(await server.stop()).toBe(0);
  }, 180_000);

  it('spreads turns over several workers in separate processes and survives losing one', async () => {
    const workers = [] as ServeProcess[];
    for (const port of [0, 0]) {
      const worker = await startServe(['--role', 'worker', '--set', `server.workerPort=${port}`], {
        env: { ...env, SOMA_LOG_LEVEL: 'debug' },
      });
      workers.push(worker);
      processes.push(worker);
    }
    const addresses = workers.map(
      (w) => JSON.parse(w.stdout().split('\n')[0] as string).workers[0] as string,
    );
    const gateway = await startServe(
      ['--role', 'gateway', '--set', `server.workerAddresses=${addresses.join(',')}`],
      { env },
    );
    processes.push(gateway);
    const tenant = randomName('tenant');
    const headers = {
      Authorization: `Bearer ${await keyFor(tenant, 'bob')}`,
      'Content-Type': 'application/json',
    };
    const send = async () => {
      const { id } = (await (
        await fetch(new URL('/v1/conversations', gateway.url), { method: 'POST', headers, body: '{}' })
      ).json()) as { id: string };
      return fetch(new URL(`/v1/conversations/${id}/messages`, gateway.url), {
        method: 'POST',
        headers,
        body: '{"text":"hello"}',
      });
    };
    for (let i = 0; i < 6; i++) expect((await send()).status).toBe(200);
    const turnsOf = (w: ServeProcess) => (w.stderr().match(/"message":"turn"/g) ?? []).length;
    expect(turnsOf(workers[0] as ServeProcess)).toBeGreaterThan(0);
    expect(turnsOf(workers[1] as ServeProcess)).toBeGreaterThan(0);

    // A worker killed mid-turn: the gateway reports a clear retriable error, nothing of the turn is saved,
    // and a retry with the same Idempotency-Key completes exactly once on the other worker.
    const { id } = (await (
      await fetch(new URL('/v1/conversations', gateway.url), { method: 'POST', headers, body: '{}' })
    ).json()) as { id: string };
    const slow = () =>
      fetch(new URL(`/v1/conversations/${id}/messages`, gateway.url), {
        method: 'POST',
        headers: { ...headers, 'Idempotency-Key': 'kill-test' },
        body: JSON.stringify({
          text: '/run const end = Date.now() + 1500; while (Date.now() < end) {} "slow done"',
        }),
      });
    const startedTurns = workers.map((w) => (w.stderr().match(/"message":"turn started"/g) ?? []).length);
    const pending = slow();
    await expect
      .poll(
        () =>
          workers.findIndex(
            (w, i) => (w.stderr().match(/"message":"turn started"/g) ?? []).length > (startedTurns[i] ?? 0),
          ),
        { timeout: 20_000 },
      )
      .toBeGreaterThanOrEqual(0);
    const victim = workers.findIndex(
      (w, i) => (w.stderr().match(/"message":"turn started"/g) ?? []).length > (startedTurns[i] ?? 0),
    );
    await workers[victim]?.stop('SIGKILL');
    const failed = await pending;
    expect(failed.status).toBe(503);
    const failure = (await failed.json()) as { error: { code: string; message: string } };
    expect(failure.error.message).toMatch(/retry with the same Idempotency-Key/);
    const sql = await pgSqlClient({
      url: env.SOMA_POSTGRES_URL as string,
      connectTimeoutMs: 5000,
      requestTimeoutMs: 30_000,
    });
    try {
      const auditOf = async () =>
        (
          await sql.query<{ action: string }>(
            'SELECT action FROM soma_audit_log WHERE tenant_id = $1 AND resource = $2 ORDER BY id',
            [tenant, `conversation:${id}`],
          )
        ).rows.map((r) => r.action);
      expect(await auditOf()).toEqual(['conversation.create']);
      const history = async () =>
        (
          (await (
            await fetch(new URL(`/v1/conversations/${id}/messages`, gateway.url), { headers })
          ).json()) as { messages: unknown[] }
        ).messages;
      expect(await history()).toHaveLength(0);
      const retried = await slow();
      expect(retried.status).toBe(200);
      expect(((await retried.json()) as { reply: string }).reply).toContain('slow done');
      const again = await slow();
      expect(again.status).toBe(200);
      expect(await auditOf()).toEqual(['conversation.create', 'conversation.turn']);
      expect(await history()).toHaveLength(2);
    } finally {
      await sql.close();
    }
    const survivor = workers[1 - victim] as ServeProcess;
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(200);
    const ready = await fetch(new URL('/readyz', gateway.url));
    expect(ready.status).toBe(200);
    expect(await survivor.stop()).toBe(0);
    const none = await send();
    expect(none.status).toBe(503);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('WORKER_UNAVAILABLE');
    expect((await fetch(new URL('/readyz', gateway.url))).status).toBe(503);
  }, 180_000);
});
