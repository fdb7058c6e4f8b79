import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, setLogger } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { TurnEvent, TurnToolResult } from '../../sdk/agent/turn-events.js';
import type { Logger } from '../logger.js';
import type { ProtoGrpcType as WorkerProto } from './generated/conversation_worker.js';
import type { ProtoGrpcType as HealthProto } from './generated/health.js';
import type {
  TurnEvent as GrpcTurnEvent,
  TurnEvent__Output,
} from './generated/somaagent/worker/v1/TurnEvent.js';

const PROTO_DIR = fileURLToPath(new URL('../../../schemas/grpc/', import.meta.url));

// The same options the committed types were generated with (scripts/gen-grpc-types.sh).
const LOAD_OPTIONS = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true } as const;

/** The loaded gRPC packages: the conversation worker and the standard health service. */
export function loadProtocol(): { worker: WorkerProto; health: HealthProto } {
  const worker = loadPackageDefinition(
    loadSync(`${PROTO_DIR}conversation_worker.proto`, LOAD_OPTIONS),
  ) as unknown as WorkerProto;
  const health = loadPackageDefinition(
    loadSync(`${PROTO_DIR}health.proto`, LOAD_OPTIONS),
  ) as unknown as HealthProto;
  return { worker, health };
}

/** The health service name the worker reports for itself. */
export const WORKER_SERVICE = 'somaagent.worker.v1.ConversationWorker';

/** A turn event as a gRPC message. */
export function toGrpcEvent(event: TurnEvent): GrpcTurnEvent {
  switch (event.type) {
    case 'started':
      return { started: { turnId: event.turnId } };
    case 'step':
      return { step: { name: event.name } };
    case 'token':
      return { token: { text: event.text } };
    case 'tool_start':
      return {
        toolStart: { callId: event.callId, name: event.name, inputJson: JSON.stringify(event.input ?? null) },
      };
    case 'tool_result':
      return {
        toolResult: {
          callId: event.callId,
          name: event.name,
          status: event.status,
          outputJson: event.output === undefined ? '' : JSON.stringify(event.output),
          artifact: event.artifact ?? null,
          errorCode: event.error?.code ?? '',
          errorMessage: event.error?.message ?? '',
          durationMs: event.durationMs,
        },
      };
    case 'reply':
      return { reply: { messageId: event.messageId, text: event.text } };
    case 'error':
      return {
        error: {
          code: event.code,
          message: event.message,
          retriable: event.retriable,
          hint: event.hint ?? '',
        },
      };
  }
}

/** A gRPC message as a turn event (undefined for an event kind this version does not know). */
export function fromGrpcEvent(message: TurnEvent__Output): TurnEvent | undefined {
  if (message.started) return { type: 'started', turnId: message.started.turnId };
  if (message.step) return { type: 'step', name: message.step.name as never };
  if (message.token) return { type: 'token', text: message.token.text };
  if (message.toolStart) {
    return {
      type: 'tool_start',
      callId: message.toolStart.callId,
      name: message.toolStart.name,
      input: parseJson(message.toolStart.inputJson),
    };
  }
  if (message.toolResult) {
    const r = message.toolResult;
    const result: TurnToolResult = {
      callId: r.callId,
      name: r.name,
      status: r.status as TurnToolResult['status'],
      ...(r.outputJson ? { output: parseJson(r.outputJson) } : {}),
      ...(r.artifact?.key
        ? {
            artifact: {
              key: r.artifact.key,
              size: Number(r.artifact.size),
              contentType: r.artifact.contentType,
              sha256: r.artifact.sha256,
            },
          }
        : {}),
      ...(r.errorCode ? { error: { code: r.errorCode, message: r.errorMessage } } : {}),
      durationMs: Number(r.durationMs),
    };
    return { type: 'tool_result', ...result };
  }
  if (message.reply) return { type: 'reply', messageId: message.reply.messageId, text: message.reply.text };
  if (message.error) {
    return {
      type: 'error',
      code: message.error.code,
      message: message.error.message,
      retriable: message.error.retriable,
      ...(message.error.hint ? { hint: message.error.hint } : {}),
    };
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Sends the gRPC library's own diagnostics to `log` (component `grpc`) instead of raw `E …` lines on stderr,
 * so they keep the process's log format (JSON lines under `--json`). A failed bind is reported by the worker
 * itself as a clear error, so the library's line about it is only kept at debug level.
 */
export function routeGrpcLogs(log: Logger): void {
  const grpcLog = log.child({ component: 'grpc' });
  const text = (args: unknown[]) =>
    args.map((arg) => (typeof arg === 'string' ? arg : String(arg))).join(' ');
  setLogger({
    error: (...args: unknown[]) => {
      const message = text(args);
      if (/^No address added/.test(message)) grpcLog.debug(message);
      else grpcLog.warn(message);
    },
    info: (...args: unknown[]) => grpcLog.info(text(args)),
    debug: (...args: unknown[]) => grpcLog.debug(text(args)),
  });
}
