import { status as GrpcStatus, Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import { runTurn, type TurnDeps } from '../../sdk/agent/turn.js';
import { UnavailableError } from '../../sdk/errors.js';
import { listenError } from '../listen-error.js';
import type { Logger } from '../logger.js';
import type { TurnEvent as GrpcTurnEvent } from './generated/somaagent/worker/v1/TurnEvent.js';
import type { TurnRequest__Output } from './generated/somaagent/worker/v1/TurnRequest.js';
import { loadProtocol, toGrpcEvent, WORKER_SERVICE } from './grpc-protocol.js';

/** What a `final_only` caller receives: everything else of a turn is skipped. */
const FINAL_EVENTS: ReadonlySet<string> = new Set(['tool_result', 'reply', 'error']);
// Turn failures that are the caller's doing (answered 4xx by the gateway): not logged as the server's problems.
const USER_ERRORS: ReadonlySet<string> = new Set(['INVALID_INPUT', 'NOT_FOUND', 'IDEMPOTENCY_KEY_REUSED']);

/**
 * Joins tokens that arrive together (a model that produces a burst, as the offline model does) into one
 * message: the text waits at most until the event loop's next turn, or until another event is sent.
 * Every message costs a frame and a write on both sides, so a reply of 40 words is one message, not 40.
 */
function tokenBuffer(send: (text: string) => void): { add(text: string): void; flush(): void } {
  let pending = '';
  let timer: NodeJS.Immediate | undefined;
  const flush = () => {
    if (timer) clearImmediate(timer);
    timer = undefined;
    if (pending === '') return;
    const text = pending;
    pending = '';
    send(text);
  };
  return {
    add(text) {
      pending += text;
      timer ??= setImmediate(flush);
    },
    flush,
  };
}

/** A running conversation worker. */
export interface WorkerServer {
  /** `host:port` it listens on. */
  readonly address: string;
  /** Turns running now. */
  inFlight(): number;
  /** Stops taking turns (health turns NOT_SERVING), waits for running turns up to `graceMs`, then stops. */
  close(graceMs?: number): Promise<void>;
}

/** Options of {@link startWorkerServer}. */
export interface WorkerServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly deps: TurnDeps;
  readonly log: Logger;
}

/**
 * Serves `ConversationWorker.RunTurn` over gRPC (plaintext; bind it to loopback or a private network) and
 * the standard health service. A cancelled call (client gone, deadline passed) aborts its turn.
 */
export async function startWorkerServer(options: WorkerServerOptions): Promise<WorkerServer> {
  const { worker, health } = loadProtocol();
  const server = new Server({ 'grpc.max_receive_message_length': 1024 * 1024 });
  let serving = true;
  const running = new Set<AbortController>();

  server.addService(worker.somaagent.worker.v1.ConversationWorker.service, {
    RunTurn: (call: ServerWritableStream<TurnRequest__Output, GrpcTurnEvent>) => {
      if (!serving) {
        call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: 'the worker is shutting down' });
        return;
      }
      const abort = new AbortController();
      running.add(abort);
      call.on('cancelled', () => abort.abort(new Error('the turn was cancelled by the caller')));
      const request = call.request;
      const tokens = tokenBuffer((text) => call.write({ token: { text } }));
      void (async () => {
        const started = Date.now();
        let outcome = 'reply';
        options.log.debug('turn started', { turnId: request.turnId });
        try {
          for await (const event of runTurn(
            options.deps,
            {
              tenant: request.tenant,
              subject: request.subject,
              conversationId: request.conversationId,
              text: request.text,
              turnId: request.turnId,
              actor: request.actor,
            },
            abort.signal,
          )) {
            if (abort.signal.aborted) break;
            if (event.type === 'error') {
              outcome = `error ${event.code}`;
              // A failure that is not the caller's (model, store, configuration) is logged with what to do.
              if (!USER_ERRORS.has(event.code)) {
                options.log.warn('turn failed', {
                  turnId: request.turnId,
                  code: event.code,
                  error: event.message,
                  ...(event.hint ? { hint: event.hint } : {}),
                });
              }
            }
            if (request.finalOnly && !FINAL_EVENTS.has(event.type)) continue;
            if (event.type === 'token') {
              tokens.add(event.text);
              continue;
            }
            tokens.flush();
            call.write(toGrpcEvent(event));
          }
          tokens.flush();
          if (abort.signal.aborted) outcome = 'cancelled';
          call.end();
        } catch (error) {
          outcome = 'cancelled';
          if (!abort.signal.aborted) {
            call.emit('error', { code: GrpcStatus.INTERNAL, details: (error as Error).message });
          }
        } finally {
          running.delete(abort);
          options.log.debug('turn', { turnId: request.turnId, outcome, ms: Date.now() - started });
        }
      })();
    },
  });
  server.addService(health.grpc.health.v1.Health.service, {
    Check: (
      call: { request: { service: string } },
      callback: (error: null, response: { status: 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN' }) => void,
    ) => {
      const known = call.request.service === '' || call.request.service === WORKER_SERVICE;
      callback(null, { status: !known ? 'SERVICE_UNKNOWN' : serving ? 'SERVING' : 'NOT_SERVING' });
    },
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error
        ? reject(
            listenError(error, {
              what: 'worker',
              host: options.host,
              port: options.port,
              portSetting: 'server.workerPort',
              hostSetting: 'server.workerHost',
              otherPort: 'pick another with --set server.workerPort=N (0 picks a free one)',
            }) ??
              new UnavailableError(
                'worker',
                `${options.host}:${options.port}`,
                `cannot listen: ${error.message}`,
                {
                  hint: 'Check server.workerHost and server.workerPort (--set server.workerPort=0 picks a free port).',
                },
              ),
          )
        : resolve(bound),
    );
  });
  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    address,
    inFlight: () => running.size,
    async close(graceMs = 30_000) {
      serving = false;
      const deadline = Date.now() + graceMs;
      while (running.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const abort of running) abort.abort(new Error('the worker stopped'));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
