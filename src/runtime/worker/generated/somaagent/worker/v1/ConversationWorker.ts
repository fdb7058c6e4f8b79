// Original file: schemas/grpc/conversation_worker.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { TurnEvent as _somaagent_worker_v1_TurnEvent, TurnEvent__Output as _somaagent_worker_v1_TurnEvent__Output } from '../../../somaagent/worker/v1/TurnEvent.js';
import type { TurnRequest as _somaagent_worker_v1_TurnRequest, TurnRequest__Output as _somaagent_worker_v1_TurnRequest__Output } from '../../../somaagent/worker/v1/TurnRequest.js';

export interface ConversationWorkerClient extends grpc.Client {
  RunTurn(argument: _somaagent_worker_v1_TurnRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_somaagent_worker_v1_TurnEvent__Output>;
  RunTurn(argument: _somaagent_worker_v1_TurnRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_somaagent_worker_v1_TurnEvent__Output>;
  runTurn(argument: _somaagent_worker_v1_TurnRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_somaagent_worker_v1_TurnEvent__Output>;
  runTurn(argument: _somaagent_worker_v1_TurnRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_somaagent_worker_v1_TurnEvent__Output>;
  
}

export interface ConversationWorkerHandlers extends grpc.UntypedServiceImplementation {
  RunTurn: grpc.handleServerStreamingCall<_somaagent_worker_v1_TurnRequest__Output, _somaagent_worker_v1_TurnEvent>;
  
}

export interface ConversationWorkerDefinition extends grpc.ServiceDefinition {
  RunTurn: MethodDefinition<_somaagent_worker_v1_TurnRequest, _somaagent_worker_v1_TurnEvent, _somaagent_worker_v1_TurnRequest__Output, _somaagent_worker_v1_TurnEvent__Output>
}
