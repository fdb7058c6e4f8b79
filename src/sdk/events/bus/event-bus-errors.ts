import { SomaError, type SomaErrorOptions } from '../../errors.js';

/**
 * The consumer group has running members, so its offsets cannot be moved from outside (or the embedded
 * log's single member is taken). Retriable: it succeeds once those members stop.
 */
export class GroupActiveError extends SomaError {
  constructor(
    readonly groupId: string,
    message: string,
    options: SomaErrorOptions = {},
  ) {
    super('GROUP_ACTIVE', message, {
      retriable: true,
      hint: `Stop the consumers of group ${groupId} first (or seek through its running subscription).`,
      ...options,
    });
  }
}
