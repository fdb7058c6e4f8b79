// Original file: schemas/grpc/conversation_worker.proto


export interface Step {
  'name'?: (string);
}

export interface Step__Output {
  'name': (string);
}
