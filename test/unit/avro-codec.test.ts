import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, SomaError } from '../../src/sdk/errors.js';
import { deadLetterHeaders } from '../../src/sdk/events/codec/dead-letter.js';
import { DecodeError } from '../../src/sdk/events/codec/decode-error.js';
import {
  createEventCodec,
  decodeSingleObject,
  encodeSingleObject,
} from '../../src/sdk/events/codec/event-codec.js';
import { frameConfluent, readFrame } from '../../src/sdk/events/codec/framing.js';
import { crc64Avro, fingerprintOf } from '../../src/sdk/events/codec/rabin-fingerprint.js';
import { parseSchema } from '../../src/sdk/events/schemas/avro-schema.js';
import type { ConversationEvent } from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';

/** Canonical forms and fingerprints published with the Avro specification (share/test/data/schema-tests.txt). */
const SPEC_VECTORS: Array<[input: unknown, canonical: string, fingerprint: bigint]> = [
  ['null', '"null"', 7195948357588979594n],
  ['boolean', '"boolean"', -6970731678124411036n],
  ['int', '"int"', 8247732601305521295n],
  ['long', '"long"', -3434872931120570953n],
  ['float', '"float"', 5583340709985441680n],
  ['double', '"double"', -8181574048448539266n],
  ['bytes', '"bytes"', 5746618253357095269n],
  ['string', '"string"', -8142146995180207161n],
  [['int'], '["int"]', -5232228896498058493n],
  [['int', { type: 'boolean' }], '["int","boolean"]', 5392556393470105090n],
  [
    { fields: [], type: 'record', name: 'foo' },
    '{"name":"foo","type":"record","fields":[]}',
    -4824392279771201922n,
  ],
  [
    { fields: [], type: 'record', name: 'foo', namespace: 'x.y' },
    '{"name":"x.y.foo","type":"record","fields":[]}',
    5916914534497305771n,
  ],
  [
    { fields: [], type: 'record', name: 'a.b.foo', namespace: 'x.y' },
    '{"name":"a.b.foo","type":"record","fields":[]}',
    -4616218487480524110n,
  ],
  [
    { fields: [], type: 'record', name: 'foo', doc: 'foo', aliases: ['foo', 'bar'] },
    '{"name":"foo","type":"record","fields":[]}',
    -4824392279771201922n,
  ],
  [
    { fields: [{ type: { type: 'boolean' }, name: 'f1' }], type: 'record', name: 'foo' },
    '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}',
    7843277075252814651n,
  ],
  [
    { type: 'enum', name: 'foo', symbols: ['A1'] },
    '{"name":"foo","type":"enum","symbols":["A1"]}',
    -6342190197741309591n,
  ],
  [
    { namespace: 'x.y.z', type: 'enum', name: 'foo', doc: 'foo bar', symbols: ['A1', 'A2'] },
    '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}',
    -4448647247586288245n,
  ],
  [{ name: 'foo', type: 'fixed', size: 15 }, '{"name":"foo","type":"fixed","size":15}', 1756455273707447556n],
  [
    { namespace: 'x.y.z', type: 'fixed', name: 'foo', doc: 'foo bar', size: 32 },
    '{"name":"x.y.z.foo","type":"fixed","size":32}',
    -3064184465700546786n,
  ],
  [{ items: { type: 'null' }, type: 'array' }, '{"type":"array","items":"null"}', -589620603366471059n],
  [{ values: 'string', type: 'map' }, '{"type":"map","values":"string"}', -8732877298790414990n],
  [
    {
      name: 'PigValue',
      type: 'record',
      fields: [{ name: 'value', type: ['null', 'int', 'long', 'PigValue'] }],
    },
    '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
    -1759257747318642341n,
  ],
];

const catalog = loadSchemaCatalog();
const event: ConversationEvent = {
  eventId: '0f8e9a52-6b1c-4c3e-9a3d-1f2e3d4c5b6a',
  eventType: 'MESSAGE_RECEIVED',
  time: 1_736_933_400_000,
  tenantId: 'acme',
  conversationId: 'conv-1',
  subjectRef: 'sr_1',
  turnId: 't1',
  text: 'hello [EMAIL]',
  toolCallId: null,
  error: null,
  sealed: {
    keyId: 'k1',
    algorithm: 'AES_256_GCM',
    nonce: Buffer.from('000102030405060708090a0b', 'hex'),
    ciphertext: Buffer.from('deadbeef', 'hex'),
  },
  metadata: { model: 'echo' },
  schemaVersion: 1,
};

function catch_(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('CRC-64-AVRO fingerprints and canonical form', () => {
  it.each(SPEC_VECTORS.map(([input, canonical, fp]) => [canonical, input, fp] as const))(
    '%s matches the Avro specification',
    (canonical, input, fp) => {
      const parsed = parseSchema(input, 'vector');
      expect(parsed.canonicalForm).toBe(canonical);
      expect(BigInt.asIntN(64, crc64Avro(Buffer.from(canonical)))).toBe(fp);
      expect(parsed.fingerprint.readBigInt64LE()).toBe(fp);
    },
  );

  it('is written little-endian: "int" → 8f 5c 39 3f 1a d5 75 72', () => {
    expect(fingerprintOf('"int"').toString('hex')).toBe('8f5c393f1ad57572');
  });
});

describe('single-object encoding', () => {
  it('frames "int" 1 as C3 01 + fingerprint + body, as in the specification', () => {
    const bytes = encodeSingleObject(parseSchema('int', 'int'), 1);
    expect(bytes.toString('hex')).toBe('c3018f5c393f1ad5757202');
  });

  it('frames an event as marker, fingerprint of its canonical form, then the Avro body', async () => {
    const schema = catalog.current('conversation_event').schema;
    const bytes = await createEventCodec({ catalog }).encode('conversation.events', event);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(bytes.subarray(2, 10)).toEqual(fingerprintOf(schema.canonicalForm));
    expect(bytes.subarray(10)).toEqual(schema.type.toBuffer(event));
  });

  it('round-trips through the codec and the synchronous decoder', async () => {
    const codec = createEventCodec({ catalog });
    expect(codec.framing).toBe('single-object');
    const bytes = await codec.encode('conversation.events', event);
    const decoded = await codec.decode<ConversationEvent>(bytes, 'conversation.events');
    expect(decoded).toMatchObject({
      schema: 'conversation_event',
      writerVersion: 1,
      framing: 'single-object',
      fingerprint: catalog.current('conversation_event').schema.fingerprintHex,
    });
    expect({ ...decoded.value, sealed: { ...decoded.value.sealed } }).toEqual(event);
    expect(decodeSingleObject(catalog, bytes).value).toEqual(decoded.value);
  });

  it('refuses a value that does not match the schema, naming the fields', async () => {
    const codec = createEventCodec({ catalog });
    const error = await rejection(
      codec.encode('conversation.events', { ...event, time: 'yesterday', tenantId: 7 }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('time');
    expect((error as Error).message).toContain('tenantId');
  });

  it('refuses a topic without a schema', async () => {
    await expect(createEventCodec({ catalog }).encode('no.such.topic', event)).rejects.toThrow(
      /no Avro schema/,
    );
  });
});

describe('Confluent framing', () => {
  it('is magic byte 0, a 4-byte big-endian schema id, then the body', () => {
    const bytes = frameConfluent(258, Buffer.from([0x02]));
    expect(bytes.toString('hex')).toBe('000000010202');
    expect(readFrame(bytes)).toEqual({ framing: 'confluent', schemaId: 258, body: Buffer.from([0x02]) });
  });

  it('without a registry is a typed decode error', async () => {
    const error = await rejection(createEventCodec({ catalog }).decode(frameConfluent(7, Buffer.from([2]))));
    expect(error).toMatchObject({ code: 'EVENT_UNDECODABLE', reason: 'no-registry', schemaId: 7 });
  });
});

describe('undecodable messages are typed errors', () => {
  const codec = createEventCodec({ catalog });
  const good = () => codec.encode('conversation.events', event);

  it('an unknown fingerprint', async () => {
    const bytes = Buffer.from(await good());
    bytes.writeBigUInt64LE(0x0123456789abcdefn, 2);
    const error = await rejection(codec.decode(bytes));
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toBeInstanceOf(SomaError);
    expect(error).toMatchObject({
      code: 'EVENT_UNDECODABLE',
      reason: 'unknown-fingerprint',
      retriable: false,
      fingerprint: 'efcdab8967452301',
    });
  });

  it('a truncated body', async () => {
    const bytes = await good();
    const error = await rejection(codec.decode(bytes.subarray(0, bytes.length - 3)));
    expect(error).toMatchObject({ code: 'EVENT_UNDECODABLE', reason: 'truncated' });
  });

  it('trailing bytes', async () => {
    const error = await rejection(codec.decode(Buffer.concat([await good(), Buffer.from([0, 0])])));
    expect(error).toMatchObject({ reason: 'trailing-bytes' });
  });

  it('a body that is not a value of the schema', async () => {
    const bytes = Buffer.from(await good());
    // After the 10-byte header: eventId (1 length byte + 36 characters), then the eventType enum index.
    bytes[10 + 37] = 0x7e;
    const error = await rejection(codec.decode(bytes));
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toMatchObject({ reason: 'invalid-body' });
    expect((error as Error).message).toContain('enum index: 63');
  });

  it.each([
    ['empty', Buffer.alloc(0), 'too-short'],
    ['one byte', Buffer.from([0xc3]), 'too-short'],
    ['a header cut short', Buffer.from([0xc3, 0x01, 1, 2]), 'too-short'],
    ['JSON instead of Avro', Buffer.from('{"eventId":1}'), 'unknown-framing'],
  ])('%s', (_label, bytes, reason) => {
    expect(catch_(() => decodeSingleObject(catalog, bytes))).toMatchObject({ reason });
  });

  it('a message of another topic', async () => {
    const error = await rejection(codec.decode(await good(), 'tool.execution'));
    expect(error).toMatchObject({ reason: 'schema-mismatch' });
  });
});

describe('reader/writer schema resolution', () => {
  const v1 = {
    type: 'record',
    name: 'Thing',
    namespace: 't',
    doc: 'v1',
    fields: [
      { name: 'id', type: 'string', doc: 'id' },
      { name: 'count', type: 'int', doc: 'count' },
      { name: 'gone', type: 'string', doc: 'removed in v2' },
    ],
  };
  const v2 = {
    ...v1,
    doc: 'v2',
    fields: [
      { name: 'id', type: 'string', doc: 'id' },
      { name: 'count', type: 'long', doc: 'widened' },
      { name: 'label', type: ['null', 'string'], default: null, doc: 'added' },
    ],
  };
  const dir = mkdtempSync(join(tmpdir(), 'soma-avro-'));
  mkdirSync(join(dir, 'history/thing'), { recursive: true });
  writeFileSync(join(dir, 'history/thing/v1.avsc'), JSON.stringify(v1));
  writeFileSync(join(dir, 'thing.avsc'), JSON.stringify(v2));
  const things = loadSchemaCatalog(dir);

  it('numbers versions from the history', () => {
    expect(things.versions('thing').map((v) => [v.version, v.current])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('decodes a message written with an older version into the current reader', async () => {
    const old = things.versions('thing')[0]!;
    const bytes = encodeSingleObject(old.schema, { id: 'a', count: 41, gone: 'x' });
    const decoded = await createEventCodec({ catalog: things }).decode(bytes, 'thing');
    expect(decoded.writerVersion).toBe(1);
    expect(decoded.schema).toBe('thing');
    expect({ ...(decoded.value as object) }).toEqual({ id: 'a', count: 41, label: null });
  });

  it('a writer version the current reader cannot read is a typed error', () => {
    const incompatible = { ...v2, fields: [...v2.fields, { name: 'must', type: 'string', doc: 'x' }] };
    const d = mkdtempSync(join(tmpdir(), 'soma-avro-'));
    mkdirSync(join(d, 'history/thing'), { recursive: true });
    writeFileSync(join(d, 'history/thing/v1.avsc'), JSON.stringify(v1));
    writeFileSync(join(d, 'thing.avsc'), JSON.stringify(incompatible));
    const strict = loadSchemaCatalog(d);
    const bytes = encodeSingleObject(strict.versions('thing')[0]!.schema, { id: 'a', count: 1, gone: 'x' });
    expect(catch_(() => decodeSingleObject(strict, bytes))).toMatchObject({
      code: 'EVENT_UNDECODABLE',
      reason: 'unresolvable',
    });
  });
});

describe('deadLetterHeaders', () => {
  it('says why and where from, without the body', () => {
    const error = new DecodeError('unknown-fingerprint', 'no known schema has fingerprint 0011', {
      fingerprint: '0011223344556677',
    });
    const headers = deadLetterHeaders(
      error,
      { topic: 'conversation.events', partition: 3, offset: '42', timestamp: '1700000000000', group: 'g1' },
      new Date('2025-01-01T00:00:00Z'),
    );
    expect(headers).toEqual({
      'soma.dlq.error.code': 'EVENT_UNDECODABLE',
      'soma.dlq.error.message': 'no known schema has fingerprint 0011',
      'soma.dlq.reason': 'unknown-fingerprint',
      'soma.dlq.fingerprint': '0011223344556677',
      'soma.dlq.original.topic': 'conversation.events',
      'soma.dlq.original.partition': '3',
      'soma.dlq.original.offset': '42',
      'soma.dlq.original.timestamp': '1700000000000',
      'soma.dlq.group': 'g1',
      'soma.dlq.failed.at': '2025-01-01T00:00:00.000Z',
    });
  });

  it('takes any error and cuts long messages', () => {
    const headers = deadLetterHeaders(new Error('x'.repeat(5000)), { topic: 't' });
    expect(headers['soma.dlq.error.code']).toBe('INTERNAL');
    expect(headers['soma.dlq.error.message']).toHaveLength(1024);
    expect(headers['soma.dlq.reason']).toBeUndefined();
  });
});
