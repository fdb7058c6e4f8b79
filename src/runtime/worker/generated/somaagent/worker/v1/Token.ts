// Original file: schemas/grpc/conversation_worker.proto


export interface Token {
  'text'?: (string);
}

export interface Token__Output {
  'text': (string);
}
