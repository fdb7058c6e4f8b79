// Original file: schemas/grpc/conversation_worker.proto


export interface TurnStarted {
  'turnId'?: (string);
}

export interface TurnStarted__Output {
  'turnId': (string);
}
