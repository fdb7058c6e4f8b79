// Original file: schemas/grpc/conversation_worker.proto


export interface TurnError {
  'code'?: (string);
  'message'?: (string);
  'retriable'?: (boolean);
  'hint'?: (string);
}

export interface TurnError__Output {
  'code': (string);
  'message': (string);
  'retriable': (boolean);
  'hint': (string);
}
