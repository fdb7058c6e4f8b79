/**
 * Golden fixtures: fixtures/avro/<schema>/v<N>/<case>.bin (single-object encoded) with <case>.json (Avro JSON
 * encoding) beside it, checked byte for byte, so an accidental change of a schema or of the codec fails here.
 * New fixtures: `npx tsx scripts/make-avro-fixtures.ts` (never --force for a released version).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeSingleObject, encodeSingleObject } from '../../src/sdk/events/codec/event-codec.js';
import { EVENT_TOPICS } from '../../src/sdk/events/schemas/event-topics.js';
import type {
  ArtifactRef,
  ConfigUpdate,
  ConversationEvent,
  ConversationEventType,
  EventError,
  SealAlgorithm,
  SealedPayload,
  ToolExecution,
  ToolExecutionStatus,
} from '../../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import { KAFKA_SCHEMAS_DIR } from '../../src/sdk/events/schemas/schema-files.js';
import { ROOT } from '../support/cli.js';

const FIXTURES = join(ROOT, 'fixtures/avro');
const catalog = loadSchemaCatalog();

const cases = readdirSync(FIXTURES).flatMap((name) =>
  readdirSync(join(FIXTURES, name)).flatMap((versionDir) =>
    readdirSync(join(FIXTURES, name, versionDir))
      .filter((file) => file.endsWith('.bin'))
      .map((file) => ({
        name,
        version: Number(versionDir.slice(1)),
        label: `${name}/${versionDir}/${file}`,
        bin: join(FIXTURES, name, versionDir, file),
        json: join(FIXTURES, name, versionDir, file.replace(/\.bin$/, '.json')),
      })),
  ),
);

describe('golden Avro fixtures', () => {
  it('the package ships the schemas of the three event topics', () => {
    expect(KAFKA_SCHEMAS_DIR.startsWith(ROOT)).toBe(true);
    expect(catalog.names).toEqual([...Object.values(EVENT_TOPICS)].sort());
  });

  it('pins the fingerprint of every current schema (a change here is a new schema version)', () => {
    expect(
      Object.fromEntries(catalog.names.map((n) => [n, catalog.current(n).schema.fingerprintHex])),
    ).toEqual({
      config_update: 'd3eb61784fb0ec44',
      conversation_event: '2805cf28a28a2066',
      tool_execution: '4b00991a8af7c27d',
    });
  });

  it('every known version of every schema has fixtures', () => {
    for (const name of catalog.names) {
      for (const { version } of catalog.versions(name)) {
        expect(
          cases.filter((c) => c.name === name && c.version === version).length,
          `${name} v${version}`,
        ).toBeGreaterThan(0);
      }
    }
  });

  it.each(cases.map((c) => [c.label, c] as const))(
    '%s encodes byte for byte and decodes to its JSON',
    (_, c) => {
      const version = catalog.versions(c.name).find((v) => v.version === c.version);
      expect(version, `${c.name} v${c.version} is a known version`).toBeDefined();
      const type = version!.schema.type;
      const bin = readFileSync(c.bin);
      const text = readFileSync(c.json, 'utf8');
      expect(encodeSingleObject(version!.schema, type.fromString(text)).equals(bin)).toBe(true);
      const decoded = decodeSingleObject(catalog, bin, c.name);
      expect(decoded.writerVersion).toBe(c.version);
      if (version!.current) expect(JSON.parse(type.toString(decoded.value))).toEqual(JSON.parse(text));
    },
  );
});

describe('the TypeScript event types agree with the schemas', () => {
  const sealed: SealedPayload = {
    keyId: 'k',
    algorithm: 'AES_256_GCM',
    nonce: Buffer.alloc(12),
    ciphertext: Buffer.alloc(4),
  };
  const error: EventError = { code: 'X', message: 'm', retriable: false };
  const artifact: ArtifactRef = { uri: 's3://b/k', sha256: 'ab', sizeBytes: 1, contentType: 'text/plain' };
  const samples: { [K in keyof typeof EVENT_TOPICS]: unknown } = {
    'conversation.events': {
      eventId: 'e',
      eventType: 'ERROR',
      time: 1,
      tenantId: 't',
      conversationId: 'c',
      subjectRef: 's',
      turnId: null,
      text: null,
      toolCallId: null,
      error,
      sealed,
      metadata: {},
      schemaVersion: 1,
    } satisfies ConversationEvent,
    'tool.execution': {
      eventId: 'e',
      phase: 'RESPONSE',
      time: 1,
      tenantId: 't',
      conversationId: 'c',
      subjectRef: 's',
      callId: 'k',
      toolName: 'n',
      toolVersion: '1',
      input: null,
      status: 'FAILED',
      durationMs: 3,
      output: null,
      artifact,
      error,
      sealed,
      metadata: {},
      schemaVersion: 1,
    } satisfies ToolExecution,
    'config.updates': {
      eventId: 'e',
      time: 1,
      tenantId: null,
      kind: 'FEATURE_FLAG',
      key: 'k',
      version: 2,
      previousVersion: 1,
      value: 'true',
      previousValue: 'false',
      checksum: 'c',
      changedBy: null,
      reason: null,
      metadata: {},
      schemaVersion: 1,
    } satisfies ConfigUpdate,
  };

  it.each(Object.entries(samples))(
    '%s: a typed value has exactly the schema fields and is valid',
    (topic, sample) => {
      const { schema } = catalog.current(EVENT_TOPICS[topic as keyof typeof EVENT_TOPICS]);
      const fields = (schema.json as { fields: Array<{ name: string }> }).fields.map((f) => f.name);
      expect(Object.keys(sample as object)).toEqual(fields);
      expect(schema.type.isValid(sample)).toBe(true);
    },
  );

  it('enum types list exactly the schema symbols', () => {
    const eventTypes: Record<ConversationEventType, true> = {
      UNKNOWN: true,
      CONVERSATION_STARTED: true,
      MESSAGE_RECEIVED: true,
      REPLY_COMPLETED: true,
      TOOL_REQUESTED: true,
      TOOL_COMPLETED: true,
      MEMORY_STORED: true,
      ERROR: true,
      CONVERSATION_ENDED: true,
    };
    const statuses: Record<ToolExecutionStatus, true> = {
      UNKNOWN: true,
      SUCCEEDED: true,
      FAILED: true,
      TIMED_OUT: true,
      DENIED: true,
    };
    const algorithms: Record<SealAlgorithm, true> = { UNKNOWN: true, AES_256_GCM: true };
    const symbols = (schema: string, field: string, nested?: string): string[] => {
      const json = catalog.current(schema).schema.json as { fields: Array<{ name: string; type: unknown }> };
      let type = json.fields.find((f) => f.name === field)!.type;
      if (Array.isArray(type)) type = type[1];
      if (nested) {
        type = (type as { fields: Array<{ name: string; type: unknown }> }).fields.find(
          (f) => f.name === nested,
        )!.type;
      }
      return (type as { symbols: string[] }).symbols;
    };
    expect(Object.keys(eventTypes)).toEqual(symbols('conversation_event', 'eventType'));
    expect(Object.keys(statuses)).toEqual(symbols('tool_execution', 'status'));
    expect(Object.keys(algorithms)).toEqual(symbols('conversation_event', 'sealed', 'algorithm'));
    expect(Object.keys(algorithms)).toEqual(symbols('tool_execution', 'sealed', 'algorithm'));
  });
});
