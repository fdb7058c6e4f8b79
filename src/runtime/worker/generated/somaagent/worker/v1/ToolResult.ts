// Original file: schemas/grpc/conversation_worker.proto

import type { ArtifactRef as _somaagent_worker_v1_ArtifactRef, ArtifactRef__Output as _somaagent_worker_v1_ArtifactRef__Output } from '../../../somaagent/worker/v1/ArtifactRef.js';
import type { Long } from '@grpc/proto-loader';

export interface ToolResult {
  'callId'?: (string);
  'name'?: (string);
  'status'?: (string);
  'outputJson'?: (string);
  'artifact'?: (_somaagent_worker_v1_ArtifactRef | null);
  'errorCode'?: (string);
  'errorMessage'?: (string);
  'durationMs'?: (number | string | Long);
}

export interface ToolResult__Output {
  'callId': (string);
  'name': (string);
  'status': (string);
  'outputJson': (string);
  'artifact': (_somaagent_worker_v1_ArtifactRef__Output | null);
  'errorCode': (string);
  'errorMessage': (string);
  'durationMs': (number);
}
