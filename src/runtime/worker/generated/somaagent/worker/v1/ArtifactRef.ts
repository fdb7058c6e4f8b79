// Original file: schemas/grpc/conversation_worker.proto

import type { Long } from '@grpc/proto-loader';

export interface ArtifactRef {
  'key'?: (string);
  'size'?: (number | string | Long);
  'contentType'?: (string);
  'sha256'?: (string);
}

export interface ArtifactRef__Output {
  'key': (string);
  'size': (number);
  'contentType': (string);
  'sha256': (string);
}
