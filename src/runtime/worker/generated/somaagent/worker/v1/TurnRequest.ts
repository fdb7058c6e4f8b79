// Original file: schemas/grpc/conversation_worker.proto


export interface TurnRequest {
  'tenant'?: (string);
  'subject'?: (string);
  'conversationId'?: (string);
  'text'?: (string);
  'turnId'?: (string);
  'actor'?: (string);
  'finalOnly'?: (boolean);
}

export interface TurnRequest__Output {
  'tenant': (string);
  'subject': (string);
  'conversationId': (string);
  'text': (string);
  'turnId': (string);
  'actor': (string);
  'finalOnly': (boolean);
}
