/**
 * Writes golden Avro fixtures for the CURRENT version of every schema in schemas/kafka:
 * fixtures/avro/<schema>/v<N>/<case>.bin (single-object encoded) and <case>.json (Avro JSON encoding).
 *
 *   npx tsx scripts/make-avro-fixtures.ts            # writes only the cases that do not exist yet
 *   npx tsx scripts/make-avro-fixtures.ts --force    # rewrites them (only on purpose: they are golden)
 *
 * Fixtures of released versions are never rewritten by hand: a failing golden test means the schema or the
 * codec changed, which is what the fixtures are there to catch.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSingleObject } from '../src/sdk/events/codec/event-codec.js';
import type {
  ConfigUpdate,
  ConversationEvent,
  ToolExecution,
} from '../src/sdk/events/schemas/event-types.js';
import { loadSchemaCatalog } from '../src/sdk/events/schemas/schema-catalog.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const force = process.argv.includes('--force');
const T0 = Date.UTC(2025, 0, 15, 9, 30, 0);

const conversation: Record<string, ConversationEvent> = {
  'conversation-started': {
    eventId: '0f8e9a52-6b1c-4c3e-9a3d-1f2e3d4c5b6a',
    eventType: 'CONVERSATION_STARTED',
    time: T0,
    tenantId: 'acme',
    conversationId: 'conv-0001',
    subjectRef: 'sr_5f2c9a1e7b3d',
    turnId: null,
    text: null,
    toolCallId: null,
    error: null,
    sealed: null,
    metadata: { channel: 'web' },
    schemaVersion: 1,
  },
  'message-received-sealed': {
    eventId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    eventType: 'MESSAGE_RECEIVED',
    time: T0 + 1250,
    tenantId: 'acme',
    conversationId: 'conv-0001',
    subjectRef: 'sr_5f2c9a1e7b3d',
    turnId: 'turn-1',
    text: 'My email is [EMAIL] and I need help with order 4711.',
    toolCallId: null,
    error: null,
    sealed: {
      keyId: 'sk_acme_5f2c9a1e7b3d_1',
      algorithm: 'AES_256_GCM',
      nonce: Buffer.from('000102030405060708090a0b', 'hex'),
      ciphertext: Buffer.from('8f3a51c2d94e07b6a1f0c3e2d5b4a69788796a5b4c3d2e1f00ff', 'hex'),
    },
    metadata: {},
    schemaVersion: 1,
  },
  'tool-requested': {
    eventId: '2b3c4d5e-6f70-4b8c-9dae-1f2a3b4c5d6e',
    eventType: 'TOOL_REQUESTED',
    time: T0 + 2400,
    tenantId: 'acme',
    conversationId: 'conv-0001',
    subjectRef: 'sr_5f2c9a1e7b3d',
    turnId: 'turn-1',
    text: null,
    toolCallId: 'call-7',
    error: null,
    sealed: null,
    metadata: { model: 'local-echo' },
    schemaVersion: 1,
  },
  error: {
    eventId: '3c4d5e6f-7081-4c9d-aebf-2a3b4c5d6e7f',
    eventType: 'ERROR',
    time: T0 + 9000,
    tenantId: 'acme',
    conversationId: 'conv-0001',
    subjectRef: 'sr_5f2c9a1e7b3d',
    turnId: 'turn-2',
    text: null,
    toolCallId: null,
    error: { code: 'MODEL_TIMEOUT', message: 'the model did not answer within 30 s', retriable: true },
    sealed: null,
    metadata: { 'latency.ms': '30000' },
    schemaVersion: 1,
  },
};

const tool: Record<string, ToolExecution> = {
  request: {
    eventId: '4d5e6f70-8192-4dae-bfc0-3b4c5d6e7f80',
    phase: 'REQUEST',
    time: T0 + 2400,
    tenantId: 'acme',
    conversationId: 'conv-0001',
    subjectRef: 'sr_5f2c9a1e7b3d',
    callId: 'call-7',
    toolName: 'order-lookup',
    toolVersion: '1.2.0',
    input: '{"orderId":"4711","customer":"[EMAIL]"}',
    status: null,
    durationMs: null,
    output: null,
    artifact: null,
    error: null,
    sealed: null,
    metadata: {},
    schemaVersion: 1,
  },
  'response-succeeded': {
    eventId: '5e6f7081-92a3-4ebf-80d1-4c5d6e7f8091',
    phase: 'RESPONSE',
    time: T0 + 2650,
    tenantId: 'acme',
    conversationId: 'conv-0001',
    subjectRef: 'sr_5f2c9a1e7b3d',
    callId: 'call-7',
    toolName: 'order-lookup',
    toolVersion: '1.2.0',
    input: null,
    status: 'SUCCEEDED',
    durationMs: 250,
    output: '{"status":"shipped","eta":"2025-01-17"}',
    artifact: null,
    error: null,
    sealed: null,
    metadata: { sandbox: 'wasm' },
    schemaVersion: 1,
  },
  'response-artifact': {
    eventId: '6f708192-a3b4-4fc0-91e2-5d6e7f8091a2',
    phase: 'RESPONSE',
    time: T0 + 5100,
    tenantId: 'acme',
    conversationId: 'conv-0001',
    subjectRef: 'sr_5f2c9a1e7b3d',
    callId: 'call-8',
    toolName: 'report-export',
    toolVersion: '0.3.1',
    input: null,
    status: 'SUCCEEDED',
    durationMs: 2450,
    output: null,
    artifact: {
      uri: 's3://soma-artifacts/acme/conv-0001/call-8.pdf',
      sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      sizeBytes: 4_718_592,
      contentType: 'application/pdf',
    },
    error: null,
    sealed: null,
    metadata: {},
    schemaVersion: 1,
  },
  'response-failed-sealed': {
    eventId: '708192a3-b4c5-40d1-a2f3-6e7f8091a2b3',
    phase: 'RESPONSE',
    time: T0 + 7000,
    tenantId: 'acme',
    conversationId: 'conv-0001',
    subjectRef: 'sr_5f2c9a1e7b3d',
    callId: 'call-9',
    toolName: 'send-email',
    toolVersion: '2.0.0',
    input: null,
    status: 'FAILED',
    durationMs: 1200,
    output: null,
    artifact: null,
    error: { code: 'SMTP_REJECTED', message: 'recipient [EMAIL] rejected', retriable: false },
    sealed: {
      keyId: 'sk_acme_5f2c9a1e7b3d_1',
      algorithm: 'AES_256_GCM',
      nonce: Buffer.from('0c0d0e0f1011121314151617', 'hex'),
      ciphertext: Buffer.from('c0ffee0123456789abcdef', 'hex'),
    },
    metadata: {},
    schemaVersion: 1,
  },
};

const config: Record<string, ConfigUpdate> = {
  'feature-flag': {
    eventId: '8192a3b4-c5d6-41e2-b3f4-7f8091a2b3c4',
    time: T0,
    tenantId: 'acme',
    kind: 'FEATURE_FLAG',
    key: 'memory.recall',
    version: 42,
    previousVersion: 41,
    value: '{"enabled":true,"rollout":25}',
    previousValue: '{"enabled":false}',
    checksum: 'a3f1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0',
    changedBy: 'op_91c2',
    reason: 'gradual rollout',
    metadata: { ticket: 'OPS-112' },
    schemaVersion: 1,
  },
  'config-removed-global': {
    eventId: '92a3b4c5-d6e7-42f3-84a5-8091a2b3c4d5',
    time: T0 + 60_000,
    tenantId: null,
    kind: 'CONFIG',
    key: 'retention.sessions',
    version: 1,
    previousVersion: null,
    value: null,
    previousValue: '"7d"',
    checksum: '0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c',
    changedBy: null,
    reason: null,
    metadata: {},
    schemaVersion: 1,
  },
};

const cases: Record<string, Record<string, unknown>> = {
  conversation_event: conversation,
  tool_execution: tool,
  config_update: config,
};

const catalog = loadSchemaCatalog(join(ROOT, 'schemas/kafka'));
for (const name of catalog.names) {
  const current = catalog.current(name);
  const dir = join(ROOT, 'fixtures/avro', name, `v${current.version}`);
  mkdirSync(dir, { recursive: true });
  for (const [label, value] of Object.entries(cases[name] ?? {})) {
    const bin = join(dir, `${label}.bin`);
    if (existsSync(bin) && !force) continue;
    const type = current.schema.type;
    writeFileSync(bin, encodeSingleObject(current.schema, value));
    writeFileSync(
      join(dir, `${label}.json`),
      `${JSON.stringify(JSON.parse(type.toString(value)), null, 2)}\n`,
    );
    console.log(`wrote ${bin}`);
  }
}
