/**
 * The one error hierarchy of somaagent.
 *
 * Every error the SDK throws on purpose is a {@link SomaError}: it carries a stable machine-readable
 * `code`, whether retrying the same call may succeed (`retriable`), the underlying `cause`, and a `hint`
 * that tells a person what to do next. Vendor errors are translated into these inside the adapters.
 */

/** Options shared by every {@link SomaError} constructor. */
export interface SomaErrorOptions {
  /** What a person should do about it, in one sentence. */
  hint?: string;
  /** The error that caused this one. */
  cause?: unknown;
  /** Whether the same call may succeed when retried later. */
  retriable?: boolean;
  /** Structured details safe to print (never secrets or personal data). */
  details?: Record<string, unknown>;
}

/** Base class of every error somaagent raises on purpose. */
export class SomaError extends Error {
  /** Stable identifier, e.g. `CONFIG_INVALID`, `STORE_UNAVAILABLE`. */
  readonly code: string;
  /** True when the same call may succeed when retried later. */
  readonly retriable: boolean;
  /** What a person should do next. */
  readonly hint: string | undefined;
  /** Structured details safe to print. */
  readonly details: Record<string, unknown> | undefined;
  /**
   * True for mistakes of the caller (bad input, bad configuration): the CLI prints them as one message
   * without a stack trace and exits 2.
   */
  readonly userError: boolean = false;

  constructor(code: string, message: string, options: SomaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** A JSON-safe view for `--json` output and logs. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** A value supplied by the caller is malformed. */
export class InvalidInputError extends SomaError {
  override readonly userError = true;
  constructor(message: string, options: SomaErrorOptions = {}) {
    super('INVALID_INPUT', message, options);
  }
}

/** The configuration is invalid: names the key, where the value came from and the expected form. */
export class ConfigError extends SomaError {
  override readonly userError = true;
  constructor(message: string, options: SomaErrorOptions = {}) {
    super('CONFIG_INVALID', message, options);
  }
}

/** A store or engine could not be reached or timed out. Retriable. */
export class UnavailableError extends SomaError {
  constructor(
    readonly engine: string,
    readonly address: string,
    message: string,
    options: SomaErrorOptions = {},
  ) {
    super('UNAVAILABLE', message, { retriable: true, ...options });
  }
}

/** An operation did not finish within its deadline. Retriable. */
export class TimeoutError extends SomaError {
  constructor(message: string, options: SomaErrorOptions = {}) {
    super('TIMEOUT', message, { retriable: true, ...options });
  }
}

/** Something that should exist does not. */
export class NotFoundError extends SomaError {
  override readonly userError = true;
  constructor(message: string, options: SomaErrorOptions = {}) {
    super('NOT_FOUND', message, options);
  }
}

/** True when `error` is a {@link SomaError} (also across duplicated module copies). */
export function isSomaError(error: unknown): error is SomaError {
  return (
    error instanceof SomaError ||
    (typeof error === 'object' &&
      error !== null &&
      typeof (error as { code?: unknown }).code === 'string' &&
      typeof (error as { retriable?: unknown }).retriable === 'boolean')
  );
}

/** The message of any thrown value, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Why a file could not be read, in words (`does not exist`, `is a directory`, `is not readable by this
 * user`) instead of Node's `EISDIR: illegal operation on a directory, read`.
 */
export function fileReadProblem(error: unknown): string {
  switch ((error as NodeJS.ErrnoException)?.code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'does not exist (a part of the path is a file)';
    case 'EACCES':
    case 'EPERM':
      return 'is not readable by this user';
    default:
      return `cannot be read: ${errorMessage(error)}`;
  }
}
