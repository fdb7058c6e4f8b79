// Original file: schemas/grpc/conversation_worker.proto

import type { TurnStarted as _somaagent_worker_v1_TurnStarted, TurnStarted__Output as _somaagent_worker_v1_TurnStarted__Output } from '../../../somaagent/worker/v1/TurnStarted.js';
import type { Step as _somaagent_worker_v1_Step, Step__Output as _somaagent_worker_v1_Step__Output } from '../../../somaagent/worker/v1/Step.js';
import type { Token as _somaagent_worker_v1_Token, Token__Output as _somaagent_worker_v1_Token__Output } from '../../../somaagent/worker/v1/Token.js';
import type { ToolStart as _somaagent_worker_v1_ToolStart, ToolStart__Output as _somaagent_worker_v1_ToolStart__Output } from '../../../somaagent/worker/v1/ToolStart.js';
import type { ToolResult as _somaagent_worker_v1_ToolResult, ToolResult__Output as _somaagent_worker_v1_ToolResult__Output } from '../../../somaagent/worker/v1/ToolResult.js';
import type { Reply as _somaagent_worker_v1_Reply, Reply__Output as _somaagent_worker_v1_Reply__Output } from '../../../somaagent/worker/v1/Reply.js';
import type { TurnError as _somaagent_worker_v1_TurnError, TurnError__Output as _somaagent_worker_v1_TurnError__Output } from '../../../somaagent/worker/v1/TurnError.js';

export interface TurnEvent {
  'started'?: (_somaagent_worker_v1_TurnStarted | null);
  'step'?: (_somaagent_worker_v1_Step | null);
  'token'?: (_somaagent_worker_v1_Token | null);
  'toolStart'?: (_somaagent_worker_v1_ToolStart | null);
  'toolResult'?: (_somaagent_worker_v1_ToolResult | null);
  'reply'?: (_somaagent_worker_v1_Reply | null);
  'error'?: (_somaagent_worker_v1_TurnError | null);
  'event'?: "started"|"step"|"token"|"toolStart"|"toolResult"|"reply"|"error";
}

export interface TurnEvent__Output {
  'started'?: (_somaagent_worker_v1_TurnStarted__Output | null);
  'step'?: (_somaagent_worker_v1_Step__Output | null);
  'token'?: (_somaagent_worker_v1_Token__Output | null);
  'toolStart'?: (_somaagent_worker_v1_ToolStart__Output | null);
  'toolResult'?: (_somaagent_worker_v1_ToolResult__Output | null);
  'reply'?: (_somaagent_worker_v1_Reply__Output | null);
  'error'?: (_somaagent_worker_v1_TurnError__Output | null);
  'event'?: "started"|"step"|"token"|"toolStart"|"toolResult"|"reply"|"error";
}
