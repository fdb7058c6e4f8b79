// Original file: schemas/grpc/conversation_worker.proto


export interface ToolStart {
  'callId'?: (string);
  'name'?: (string);
  'inputJson'?: (string);
}

export interface ToolStart__Output {
  'callId': (string);
  'name': (string);
  'inputJson': (string);
}
