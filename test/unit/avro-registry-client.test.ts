/**
 * The schema registry client and the Confluent framing against a tiny in-process HTTP server that
 * implements the few Confluent Schema Registry endpoints the client uses (no real registry runs here).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, TimeoutError, UnavailableError } from '../../src/sdk/errors.js';
import { DecodeError } from '../../src/sdk/events/codec/decode-error.js';
import { createEventCodec } from '../../src/sdk/events/codec/event-codec.js';
import { frameConfluent } from '../../src/sdk/events/codec/framing.js';
import {
  SchemaRegistryClient,
  SchemaRegistryError,
} from '../../src/sdk/events/codec/schema-registry-client.js';
import { parseSchema } from '../../src/sdk/events/schemas/avro-schema.js';
import type { ToolExecution } from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';

interface FakeRegistry {
  url: string;
  requests: string[];
  authorizations: Array<string | undefined>;
  /** Registers a schema directly, as another producer would. */
  put(subject: string, schema: string): number;
  close(): Promise<void>;
}

/** Confluent Schema Registry, the endpoints the client uses, in memory. */
async function startFakeRegistry(): Promise<FakeRegistry> {
  const ids = new Map<string, number>();
  const subjects = new Map<string, string[]>();
  const requests: string[] = [];
  const authorizations: Array<string | undefined> = [];
  const put = (subject: string, schema: string): number => {
    let id = ids.get(schema);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(schema, id);
    }
    const versions = subjects.get(subject) ?? [];
    if (!versions.includes(schema)) versions.push(schema);
    subjects.set(subject, versions);
    return id;
  };
  const body = async (req: IncomingMessage) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return JSON.parse(text) as { schema: string };
  };
  const server: Server = createServer(async (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    authorizations.push(req.headers.authorization);
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
      res.end(JSON.stringify(json));
    };
    const url = decodeURIComponent(req.url ?? '');
    if (url.includes('slow')) return; // never answers
    if (url.includes('broken')) return send(500, { error_code: 50001, message: 'store error' });
    let m = /^\/subjects\/([^/]+)\/versions$/.exec(url);
    if (m && req.method === 'POST') {
      if (req.headers['content-type'] !== 'application/vnd.schemaregistry.v1+json') return send(415, {});
      if (m[1] === 'rejected-value') {
        return send(409, { error_code: 409, message: 'Schema being registered is incompatible' });
      }
      return send(200, { id: put(m[1]!, (await body(req)).schema) });
    }
    m = /^\/subjects\/([^/]+)$/.exec(url);
    if (m && req.method === 'POST') {
      const { schema } = await body(req);
      const versions = subjects.get(m[1]!);
      if (!versions) return send(404, { error_code: 40401, message: `Subject '${m[1]}' not found.` });
      const at = versions.indexOf(schema);
      if (at < 0) return send(404, { error_code: 40403, message: 'Schema not found' });
      return send(200, { subject: m[1], id: ids.get(schema), version: at + 1, schema });
    }
    m = /^\/schemas\/ids\/(\d+)$/.exec(url);
    if (m && req.method === 'GET') {
      const schema = [...ids.entries()].find(([, id]) => id === Number(m![1]))?.[0];
      if (!schema) return send(404, { error_code: 40403, message: 'Schema not found' });
      return send(200, { schema });
    }
    send(404, { error_code: 404, message: 'HTTP 404 Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    authorizations,
    put,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const catalog = loadSchemaCatalog();
const request: ToolExecution = {
  eventId: '4d5e6f70-8192-4dae-bfc0-3b4c5d6e7f80',
  phase: 'REQUEST',
  time: 1_736_933_400_000,
  tenantId: 'acme',
  conversationId: 'conv-1',
  subjectRef: 'sr_1',
  callId: 'call-1',
  toolName: 'lookup',
  toolVersion: '1.0.0',
  input: '{"q":"x"}',
  status: null,
  durationMs: null,
  output: null,
  artifact: null,
  error: null,
  sealed: null,
  metadata: {},
  schemaVersion: 1,
};

let registry: FakeRegistry;
beforeAll(async () => {
  registry = await startFakeRegistry();
});
afterAll(async () => {
  await registry.close();
});

describe('Confluent wire format with a schema registry', () => {
  it('registers {topic}-value once and frames with magic byte 0 + the big-endian id', async () => {
    const codec = createEventCodec({ catalog, registry: new SchemaRegistryClient({ url: registry.url }) });
    expect(codec.framing).toBe('confluent');
    const before = registry.requests.length;
    const first = await codec.encode('tool.execution', request);
    const second = await codec.encode('tool.execution', { ...request, callId: 'call-2' });
    const posts = registry.requests.slice(before);
    expect(posts).toEqual(['POST /subjects/tool.execution-value/versions']);
    const id = first.readUInt32BE(1);
    expect(first[0]).toBe(0);
    expect(second.readUInt32BE(1)).toBe(id);
    expect(first.subarray(5)).toEqual(catalog.current('tool_execution').schema.type.toBuffer(request));
  });

  it('decodes in another process: fetches the writer schema by id once', async () => {
    const producer = createEventCodec({ catalog, registry: new SchemaRegistryClient({ url: registry.url }) });
    const bytes = await producer.encode('tool.execution', request);
    const consumer = createEventCodec({ catalog, registry: new SchemaRegistryClient({ url: registry.url }) });
    const before = registry.requests.length;
    const a = await consumer.decode<ToolExecution>(bytes, 'tool.execution');
    await consumer.decode(bytes, 'tool.execution');
    expect(registry.requests.slice(before)).toEqual([`GET /schemas/ids/${bytes.readUInt32BE(1)}`]);
    expect(a).toMatchObject({
      schema: 'tool_execution',
      framing: 'confluent',
      schemaId: bytes.readUInt32BE(1),
      writerVersion: 1,
    });
    expect({ ...a.value }).toEqual(request);
  });

  it('still decodes single-object messages (a topic migrating between framings)', async () => {
    const bytes = await createEventCodec({ catalog }).encode('tool.execution', request);
    const codec = createEventCodec({ catalog, registry: new SchemaRegistryClient({ url: registry.url }) });
    expect((await codec.decode(bytes)).framing).toBe('single-object');
  });

  it('an unknown schema id is a typed decode error', async () => {
    const codec = createEventCodec({ catalog, registry: new SchemaRegistryClient({ url: registry.url }) });
    const error = await codec.decode(frameConfluent(99_999, Buffer.from([0]))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ code: 'EVENT_UNDECODABLE', reason: 'unknown-schema-id', schemaId: 99_999 });
  });

  it('reads an older writer version, and a newer one unknown locally, into the current reader', async () => {
    const v1 = {
      type: 'record',
      name: 'Thing',
      namespace: 't',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'n', type: 'int' },
      ],
    };
    const v2 = { ...v1, fields: [...v1.fields, { name: 'tag', type: ['null', 'string'], default: null }] };
    const v3 = { ...v2, fields: [...v2.fields, { name: 'extra', type: 'string', default: '' }] };
    const dir = mkdtempSync(join(tmpdir(), 'soma-registry-'));
    mkdirSync(join(dir, 'history/thing'), { recursive: true });
    writeFileSync(join(dir, 'history/thing/v1.avsc'), JSON.stringify(v1));
    writeFileSync(join(dir, 'thing.avsc'), JSON.stringify(v2));
    const things = loadSchemaCatalog(dir);
    const codec = createEventCodec({
      catalog: things,
      registry: new SchemaRegistryClient({ url: registry.url }),
    });

    const oldId = registry.put('thing-value', JSON.stringify(v1));
    const oldBody = parseSchema(v1, 'v1').type.toBuffer({ id: 'a', n: 1 });
    const old = await codec.decode(frameConfluent(oldId, oldBody), 'thing');
    expect(old.writerVersion).toBe(1);
    expect({ ...(old.value as object) }).toEqual({ id: 'a', n: 1, tag: null });

    const newId = registry.put('thing-value', JSON.stringify(v3));
    const newBody = parseSchema(v3, 'v3').type.toBuffer({ id: 'b', n: 2, tag: 'x', extra: 'y' });
    const newer = await codec.decode(frameConfluent(newId, newBody));
    expect(newer.writerVersion).toBeNull();
    expect(newer.schema).toBe('thing');
    expect({ ...(newer.value as object) }).toEqual({ id: 'b', n: 2, tag: 'x' });
  });

  it('without auto-registration, looks the schema up and refuses an unregistered one', async () => {
    const client = new SchemaRegistryClient({ url: registry.url });
    const strict = createEventCodec({ catalog, registry: client, autoRegister: false });
    await expect(strict.encode('config.updates', {})).rejects.toBeInstanceOf(InvalidInputError);
    const update = {
      eventId: '8192a3b4-c5d6-41e2-b3f4-7f8091a2b3c4',
      time: 0,
      tenantId: null,
      kind: 'CONFIG',
      key: 'k',
      version: 1,
      previousVersion: null,
      value: null,
      previousValue: null,
      checksum: 'c',
      changedBy: null,
      reason: null,
      metadata: {},
      schemaVersion: 1,
    };
    const error = await strict.encode('config.updates', update).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('config.updates-value');
    const schema = JSON.stringify(catalog.current('config_update').schema.json);
    const id = await client.register('config.updates-value', schema);
    expect(await client.lookup('config.updates-value', schema)).toEqual({ id, version: 1 });
    expect((await strict.encode('config.updates', update)).readUInt32BE(1)).toBe(id);
  });
});

describe('SchemaRegistryClient errors', () => {
  it('a refusal (409 incompatible) is a non-retriable SchemaRegistryError', async () => {
    const error = await new SchemaRegistryClient({ url: registry.url })
      .register('rejected-value', '"string"')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaRegistryError);
    expect(error).toMatchObject({ status: 409, registryCode: 409, retriable: false });
    expect((error as Error).message).toContain('incompatible');
  });

  it('a failing registry (500) is retriable', async () => {
    const error = await new SchemaRegistryClient({ url: registry.url })
      .register('broken-value', '"string"')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ retriable: true });
  });

  it('a registry that is down fails fast with a retriable error naming it', async () => {
    const started = Date.now();
    const error = await new SchemaRegistryClient({ url: 'http://127.0.0.1:1', timeoutMs: 2000 })
      .schemaById(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({
      retriable: true,
      engine: 'schema-registry',
      address: 'http://127.0.0.1:1',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a registry that does not answer times out', async () => {
    const error = await new SchemaRegistryClient({ url: `${registry.url}/slow`, timeoutMs: 300 })
      .schemaById(1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ retriable: true });
  });

  it('takes basic-auth credentials from the URL and keeps them out of messages', async () => {
    const url = new URL(registry.url);
    url.username = 'svc';
    url.password = 's3cret';
    const client = new SchemaRegistryClient({ url: url.toString() });
    expect(client.address).not.toContain('s3cret');
    const before = registry.authorizations.length;
    await client.schemaById(1);
    expect(registry.authorizations[before]).toBe(`Basic ${Buffer.from('svc:s3cret').toString('base64')}`);
  });
});
