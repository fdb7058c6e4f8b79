import { isSomaError } from '../../sdk/errors.js';

/** The body of every error response: what was wrong and what to do. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly hint?: string };
}

/** An error answered with `status` and an {@link ErrorBody}. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}) } };
  }
}

/** HTTP status of a turn or SDK error code. */
export function statusOfCode(code: string, retriable: boolean): number {
  switch (code) {
    case 'INVALID_INPUT':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'LEGAL_HOLD':
      return 409;
    case 'IDEMPOTENCY_KEY_REUSED':
    case 'BLAST_RADIUS':
    case 'PLAN_CHANGED':
      return 422;
    case 'TURN_TIMEOUT':
      return 504;
    case 'WORKER_UNAVAILABLE':
    case 'WORKER_LOST':
      return 503;
    default:
      return retriable ? 503 : 500;
  }
}

/** An SDK error as an HttpError (user mistakes keep their message; others are described without internals). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isSomaError(error)) {
    const status = statusOfCode(error.code, error.retriable);
    return new HttpError(status, error.code, error.message, error.hint);
  }
  return new HttpError(500, 'INTERNAL', 'the server failed to handle this request; see its log');
}
