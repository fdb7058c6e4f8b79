// Original file: schemas/grpc/conversation_worker.proto


export interface Reply {
  'messageId'?: (string);
  'text'?: (string);
}

export interface Reply__Output {
  'messageId': (string);
  'text': (string);
}
