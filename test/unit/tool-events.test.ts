import { describe, expect, it } from 'vitest';
import {
  type ToolCallRequest,
  type ToolResult,
  toolExecutionEvents,
} from '../../src/sdk/agent/tools/tool-executor.js';
import { createEventCodec } from '../../src/sdk/events/codec/event-codec.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';

const catalog = loadSchemaCatalog();
const codec = createEventCodec({ catalog });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const call: ToolCallRequest = {
  tenant: 'acme',
  subject: 'alice',
  conversationId: 'conv-9',
  callId: 'call-1',
  name: 'run_javascript',
  input: { code: '1 + 1' },
};

function result(overrides: Partial<ToolResult>): ToolResult {
  const startedAt = new Date('2026-01-02T03:04:05.006Z');
  const endedAt = new Date(startedAt.getTime() + 42);
  return {
    callId: 'call-1',
    name: 'run_javascript',
    version: '1.0.0',
    status: 'ok',
    output: { result: 2, console: [] },
    durationMs: 42,
    startedAt,
    endedAt,
    ...overrides,
  };
}

describe('toolExecutionEvents', () => {
  it('shapes the REQUEST and RESPONSE values of tool_execution.avsc, which the codec round-trips', async () => {
    const { request, response } = toolExecutionEvents(call, result({}), 'sref-7');
    expect(request).toEqual({
      eventId: expect.stringMatching(UUID),
      phase: 'REQUEST',
      time: Date.parse('2026-01-02T03:04:05.006Z'),
      tenantId: 'acme',
      conversationId: 'conv-9',
      subjectRef: 'sref-7',
      callId: 'call-1',
      toolName: 'run_javascript',
      toolVersion: '1.0.0',
      input: '{"code":"1 + 1"}',
      status: null,
      durationMs: null,
      output: null,
      artifact: null,
      error: null,
      sealed: null,
      metadata: {},
      schemaVersion: 1,
    });
    expect(response).toMatchObject({
      phase: 'RESPONSE',
      time: Date.parse('2026-01-02T03:04:05.048Z'),
      input: null,
      status: 'SUCCEEDED',
      durationMs: 42,
      output: '{"result":2,"console":[]}',
    });
    for (const value of [request, response]) {
      const decoded = await codec.decode(await codec.encode('tool.execution', value), 'tool.execution');
      expect(decoded.value).toEqual(value);
    }
  });

  it('maps every status, marks only capacity failures retriable, and carries the artifact reference', async () => {
    const cases: [Partial<ToolResult>, string, boolean | null][] = [
      [{ status: 'error', error: { code: 'TOOL_SCRIPT_ERROR', message: 'Uncaught x' } }, 'FAILED', false],
      [{ status: 'timeout', error: { code: 'TOOL_TIMEOUT', message: 'ran too long' } }, 'TIMED_OUT', false],
      [
        { status: 'rejected', version: '', error: { code: 'TOOL_UNKNOWN', message: 'unknown' } },
        'DENIED',
        false,
      ],
      [{ status: 'error', error: { code: 'TOOL_BUSY', message: 'busy' } }, 'FAILED', true],
      [{ status: 'ok' }, 'SUCCEEDED', null],
    ];
    for (const [overrides, status, retriable] of cases) {
      const { response } = toolExecutionEvents(call, result({ output: undefined, ...overrides }), 'sref');
      expect(response.status).toBe(status);
      expect(response.error?.retriable ?? null).toBe(retriable);
      expect(response.output).toBeNull();
      await codec.encode('tool.execution', response);
    }
    const artifact = {
      key: 'tenants/acme/subjects/alice/artifacts/conv-9/call-1.json',
      size: 9000,
      contentType: 'application/json',
      sha256: 'ab'.repeat(32),
      uri: 's3://bucket/tenants/acme/subjects/alice/artifacts/conv-9/call-1.json',
    };
    const { response } = toolExecutionEvents(
      call,
      result({ artifact, output: { truncated: true, bytes: 9000, preview: '{' } }),
      'sref',
    );
    expect(response.artifact).toEqual({
      uri: artifact.uri,
      sha256: artifact.sha256,
      sizeBytes: 9000,
      contentType: 'application/json',
    });
    await codec.encode('tool.execution', response);
  });

  it('summarises input over 64 KiB instead of carrying it', () => {
    const big = { ...call, input: { code: 'x'.repeat(70_000) } };
    const input = JSON.parse(toolExecutionEvents(big, result({}), 'sref').request.input ?? '');
    expect(input).toEqual({
      omitted: 'input larger than 65536 bytes',
      bytes: 70_011,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('derives event ids from the call and its start, so a result written twice has the same ids', () => {
    const first = toolExecutionEvents(call, result({}), 'sref');
    const again = toolExecutionEvents(call, result({}), 'sref');
    expect(again.request.eventId).toBe(first.request.eventId);
    expect(again.response.eventId).toBe(first.response.eventId);
    expect(first.request.eventId).not.toBe(first.response.eventId);
    const later = toolExecutionEvents(call, result({ startedAt: new Date('2026-01-02T03:04:06Z') }), 'sref');
    expect(later.request.eventId).not.toBe(first.request.eventId);
    const otherConversation = toolExecutionEvents({ ...call, conversationId: 'conv-10' }, result({}), 'sref');
    expect(otherConversation.request.eventId).not.toBe(first.request.eventId);
  });
});
