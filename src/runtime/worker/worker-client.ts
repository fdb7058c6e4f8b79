import { credentials, status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { TurnEvent, TurnRequest } from '../../sdk/agent/turn-events.js';
import { UnavailableError } from '../../sdk/errors.js';
import type { HealthClient } from './generated/grpc/health/v1/Health.js';
import type { ConversationWorkerClient } from './generated/somaagent/worker/v1/ConversationWorker.js';
import { fromGrpcEvent, loadProtocol, WORKER_SERVICE } from './grpc-protocol.js';

/** The gateway's handle on one or more conversation workers. */
export interface WorkerClient {
  /** Runs a turn on some worker and yields its events. Ends with a `reply` or an `error` event. */
  runTurn(
    request: TurnRequest,
    /** `finalOnly`: only tool_result, reply and error events (for a caller that waits for the whole turn). */
    options?: { deadlineMs?: number; signal?: AbortSignal; finalOnly?: boolean },
  ): AsyncIterable<TurnEvent>;
  /** Whether a worker answers the health check with SERVING within `timeoutMs`. */
  healthy(timeoutMs?: number): Promise<boolean>;
  close(): void;
}

/**
 * A client over `addresses` (`host:port`, one or more). With several, calls are spread round-robin across
 * the workers that are up (gRPC's `round_robin` policy skips a worker whose connection fails).
 */
export function createWorkerClient(addresses: readonly string[]): WorkerClient {
  if (addresses.length === 0) throw new UnavailableError('worker', '(none)', 'no worker address given');
  const { worker, health } = loadProtocol();
  const target = addresses.length === 1 ? addresses[0]! : `ipv4:${addresses.join(',')}`;
  const channelOptions = {
    'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }),
    'grpc.max_receive_message_length': 8 * 1024 * 1024,
    'grpc.keepalive_time_ms': 30_000,
  };
  const client = new worker.somaagent.worker.v1.ConversationWorker(
    target,
    credentials.createInsecure(),
    channelOptions,
  ) as ConversationWorkerClient;
  const healthClient = new health.grpc.health.v1.Health(
    target,
    credentials.createInsecure(),
    channelOptions,
  ) as HealthClient;
  const where = addresses.join(',');

  return {
    async *runTurn(request, options = {}) {
      const deadline = new Date(Date.now() + (options.deadlineMs ?? 120_000));
      const call = client.RunTurn(
        {
          tenant: request.tenant,
          subject: request.subject,
          conversationId: request.conversationId,
          text: request.text,
          turnId: request.turnId,
          actor: request.actor,
          finalOnly: options.finalOnly ?? false,
        },
        new Metadata(),
        { deadline },
      );
      const onAbort = () => call.cancel();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      let ended = false;
      try {
        for await (const message of call) {
          const event = fromGrpcEvent(message);
          if (!event) continue;
          if (event.type === 'reply' || event.type === 'error') ended = true;
          yield event;
        }
        if (!ended) {
          yield {
            type: 'error',
            code: 'WORKER_LOST',
            message:
              'the worker stopped before the turn finished; nothing of it was saved — retry with the same Idempotency-Key',
            retriable: true,
          };
        }
      } catch (error) {
        if (options.signal?.aborted) return;
        const e = error as ServiceError;
        const code =
          e.code === GrpcStatus.DEADLINE_EXCEEDED
            ? 'TURN_TIMEOUT'
            : e.code === GrpcStatus.UNAVAILABLE
              ? 'WORKER_UNAVAILABLE'
              : 'WORKER_FAILED';
        const message =
          code === 'TURN_TIMEOUT'
            ? 'the turn took longer than its deadline and was stopped'
            : code === 'WORKER_UNAVAILABLE'
              ? `no conversation worker is reachable at ${where}`
              : `the conversation worker failed: ${e.details ?? e.message}`;
        yield {
          type: 'error',
          code,
          message: `${message}; retry with the same Idempotency-Key`,
          retriable: true,
        };
      } finally {
        options.signal?.removeEventListener('abort', onAbort);
        if (!ended) call.cancel();
      }
    },
    healthy(timeoutMs = 1000) {
      return new Promise((resolve) => {
        healthClient.Check(
          { service: WORKER_SERVICE },
          { deadline: new Date(Date.now() + timeoutMs) },
          (error, response) => resolve(!error && response?.status === 'SERVING'),
        );
      });
    },
    close() {
      client.close();
      healthClient.close();
    },
  };
}
