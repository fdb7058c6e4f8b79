import { createHash } from 'node:crypto';
import type { ToolExecution, ToolExecutionStatus } from '../../events/schemas/event-types.js';
import type { ToolCallRequest, ToolResult } from './tool-types.js';

/** A value of topic `tool.execution` (schema `schemas/kafka/tool_execution.avsc`). */
export type ToolExecutionRecord = ToolExecution;

/** Largest input or output JSON carried inline in an event; larger ones are summarised. */
export const MAX_EVENT_JSON_BYTES = 64 * 1024;

const STATUS: Record<ToolResult['status'], ToolExecutionStatus> = {
  ok: 'SUCCEEDED',
  error: 'FAILED',
  timeout: 'TIMED_OUT',
  rejected: 'DENIED',
};

/** Failures that may pass when the same call is retried later. */
const RETRIABLE = new Set(['TOOL_BUSY', 'TOOL_SANDBOX_FAILED']);

/**
 * The REQUEST and RESPONSE events of one call, shaped as `tool_execution.avsc` values for the outbox
 * (topic `tool.execution`, key = conversation id). Input and output are JSON text (the outbox writer
 * redacts them before encoding); JSON over 64 KiB is replaced by `{"omitted":…,"bytes":…,"sha256":…}`.
 * Event ids are UUIDs derived from the tenant, conversation, call, start time and phase, so writing the
 * same result twice enqueues it once.
 */
export function toolExecutionEvents(
  call: ToolCallRequest,
  result: ToolResult,
  subjectRef: string,
): { request: ToolExecutionRecord; response: ToolExecutionRecord } {
  const common = {
    tenantId: call.tenant,
    conversationId: call.conversationId,
    subjectRef,
    callId: call.callId,
    toolName: call.name,
    toolVersion: result.version,
    sealed: null,
    metadata: {},
    schemaVersion: 1,
  };
  const request: ToolExecutionRecord = {
    ...common,
    eventId: eventId(call, result, 'REQUEST'),
    phase: 'REQUEST',
    time: result.startedAt.getTime(),
    input: inlineJson(call.input, 'input') ?? 'null',
    status: null,
    durationMs: null,
    output: null,
    artifact: null,
    error: null,
  };
  const { artifact, error } = result;
  const response: ToolExecutionRecord = {
    ...common,
    eventId: eventId(call, result, 'RESPONSE'),
    phase: 'RESPONSE',
    time: result.endedAt.getTime(),
    input: null,
    status: STATUS[result.status],
    durationMs: Math.max(0, Math.round(result.durationMs)),
    output: result.output === undefined ? null : inlineJson(result.output, 'output'),
    artifact: artifact
      ? {
          uri: artifact.uri,
          sha256: artifact.sha256,
          sizeBytes: artifact.size,
          contentType: artifact.contentType,
        }
      : null,
    error: error ? { code: error.code, message: error.message, retriable: RETRIABLE.has(error.code) } : null,
  };
  return { request, response };
}

function inlineJson(value: unknown, what: string): string | null {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return JSON.stringify({ omitted: `${what} is not representable as JSON` });
  }
  if (json === undefined) return null;
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= MAX_EVENT_JSON_BYTES) return json;
  const sha256 = createHash('sha256').update(json).digest('hex');
  return JSON.stringify({ omitted: `${what} larger than ${MAX_EVENT_JSON_BYTES} bytes`, bytes, sha256 });
}

function eventId(call: ToolCallRequest, result: ToolResult, phase: string): string {
  const hex = createHash('sha256')
    .update([call.tenant, call.conversationId, call.callId, result.startedAt.getTime(), phase].join('\u0000'))
    .digest('hex');
  // RFC 9562 layout: version 8 (custom), variant 10.
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
