/**
 * The architecture's floor for `bench/serve`: a bare HTTP → gRPC echo built with the same frameworks as the
 * gateway and the worker (Fastify, @grpc/grpc-js, the same proto and the same streaming RunTurn call), with
 * no auth, stores, model, tools or events. `POST /echo {"text"}` streams one RunTurn from the echo worker
 * and answers `{reply}`. Prints `{"url": …}` on stdout when ready; stops on SIGTERM.
 *
 *   npx tsx bench/serve/echo-floor.ts
 */
import { credentials, Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import Fastify from 'fastify';
import type { ConversationWorkerClient } from '../../src/runtime/worker/generated/somaagent/worker/v1/ConversationWorker.js';
import type { TurnEvent } from '../../src/runtime/worker/generated/somaagent/worker/v1/TurnEvent.js';
import type { TurnRequest__Output } from '../../src/runtime/worker/generated/somaagent/worker/v1/TurnRequest.js';
import { loadProtocol } from '../../src/runtime/worker/grpc-protocol.js';

const { worker } = loadProtocol();
const server = new Server();
server.addService(worker.somaagent.worker.v1.ConversationWorker.service, {
  RunTurn: (call: ServerWritableStream<TurnRequest__Output, TurnEvent>) => {
    call.write({ started: { turnId: call.request.turnId } });
    call.write({ reply: { messageId: call.request.turnId, text: call.request.text } });
    call.end();
  },
});
const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
    error ? reject(error) : resolve(bound),
  ),
);
const client = new worker.somaagent.worker.v1.ConversationWorker(
  `127.0.0.1:${port}`,
  credentials.createInsecure(),
) as ConversationWorkerClient;

const app = Fastify({ logger: false });
app.post('/echo', async (request) => {
  const { text } = request.body as { text: string };
  const call = client.RunTurn({
    tenant: 't',
    subject: 's',
    conversationId: 'c',
    text,
    turnId: 'x',
    actor: 'a',
  });
  let reply = '';
  for await (const event of call) if (event.reply) reply = event.reply.text;
  return { reply };
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: `${url}/` })}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => {
    client.close();
    server.forceShutdown();
    process.exit(0);
  });
});
