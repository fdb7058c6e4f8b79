import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ArtifactRef as _somaagent_worker_v1_ArtifactRef, ArtifactRef__Output as _somaagent_worker_v1_ArtifactRef__Output } from './somaagent/worker/v1/ArtifactRef.js';
import type { ConversationWorkerClient as _somaagent_worker_v1_ConversationWorkerClient, ConversationWorkerDefinition as _somaagent_worker_v1_ConversationWorkerDefinition } from './somaagent/worker/v1/ConversationWorker.js';
import type { Reply as _somaagent_worker_v1_Reply, Reply__Output as _somaagent_worker_v1_Reply__Output } from './somaagent/worker/v1/Reply.js';
import type { Step as _somaagent_worker_v1_Step, Step__Output as _somaagent_worker_v1_Step__Output } from './somaagent/worker/v1/Step.js';
import type { Token as _somaagent_worker_v1_Token, Token__Output as _somaagent_worker_v1_Token__Output } from './somaagent/worker/v1/Token.js';
import type { ToolResult as _somaagent_worker_v1_ToolResult, ToolResult__Output as _somaagent_worker_v1_ToolResult__Output } from './somaagent/worker/v1/ToolResult.js';
import type { ToolStart as _somaagent_worker_v1_ToolStart, ToolStart__Output as _somaagent_worker_v1_ToolStart__Output } from './somaagent/worker/v1/ToolStart.js';
import type { TurnError as _somaagent_worker_v1_TurnError, TurnError__Output as _somaagent_worker_v1_TurnError__Output } from './somaagent/worker/v1/TurnError.js';
import type { TurnEvent as _somaagent_worker_v1_TurnEvent, TurnEvent__Output as _somaagent_worker_v1_TurnEvent__Output } from './somaagent/worker/v1/TurnEvent.js';
import type { TurnRequest as _somaagent_worker_v1_TurnRequest, TurnRequest__Output as _somaagent_worker_v1_TurnRequest__Output } from './somaagent/worker/v1/TurnRequest.js';
import type { TurnStarted as _somaagent_worker_v1_TurnStarted, TurnStarted__Output as _somaagent_worker_v1_TurnStarted__Output } from './somaagent/worker/v1/TurnStarted.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  somaagent: {
    worker: {
      v1: {
        ArtifactRef: MessageTypeDefinition<_somaagent_worker_v1_ArtifactRef, _somaagent_worker_v1_ArtifactRef__Output>
        ConversationWorker: SubtypeConstructor<typeof grpc.Client, _somaagent_worker_v1_ConversationWorkerClient> & { service: _somaagent_worker_v1_ConversationWorkerDefinition }
        Reply: MessageTypeDefinition<_somaagent_worker_v1_Reply, _somaagent_worker_v1_Reply__Output>
        Step: MessageTypeDefinition<_somaagent_worker_v1_Step, _somaagent_worker_v1_Step__Output>
        Token: MessageTypeDefinition<_somaagent_worker_v1_Token, _somaagent_worker_v1_Token__Output>
        ToolResult: MessageTypeDefinition<_somaagent_worker_v1_ToolResult, _somaagent_worker_v1_ToolResult__Output>
        ToolStart: MessageTypeDefinition<_somaagent_worker_v1_ToolStart, _somaagent_worker_v1_ToolStart__Output>
        TurnError: MessageTypeDefinition<_somaagent_worker_v1_TurnError, _somaagent_worker_v1_TurnError__Output>
        TurnEvent: MessageTypeDefinition<_somaagent_worker_v1_TurnEvent, _somaagent_worker_v1_TurnEvent__Output>
        TurnRequest: MessageTypeDefinition<_somaagent_worker_v1_TurnRequest, _somaagent_worker_v1_TurnRequest__Output>
        TurnStarted: MessageTypeDefinition<_somaagent_worker_v1_TurnStarted, _somaagent_worker_v1_TurnStarted__Output>
      }
    }
  }
}

