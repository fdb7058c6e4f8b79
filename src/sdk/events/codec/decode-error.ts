import { SomaError, type SomaErrorOptions } from '../../errors.js';

/**
 * Why a message could not be decoded:
 * - `too-short`: fewer bytes than the framing header;
 * - `unknown-framing`: neither the single-object marker (C3 01) nor the Confluent magic byte (00);
 * - `no-registry`: Confluent framing but no schema registry is configured;
 * - `unknown-fingerprint`: single-object header naming a schema this process does not know;
 * - `unknown-schema-id`: Confluent schema id the registry does not know;
 * - `schema-mismatch`: the writer schema belongs to another topic than the one decoded;
 * - `unresolvable`: the writer schema cannot be read by the current reader schema;
 * - `truncated`: the body ends before the value does;
 * - `trailing-bytes`: bytes left after the value;
 * - `invalid-body`: the body is not a value of the writer schema (bad union index, negative length...).
 */
export type DecodeFailure =
  | 'too-short'
  | 'unknown-framing'
  | 'no-registry'
  | 'unknown-fingerprint'
  | 'unknown-schema-id'
  | 'schema-mismatch'
  | 'unresolvable'
  | 'truncated'
  | 'trailing-bytes'
  | 'invalid-body';

/**
 * A message that can never be decoded (code `EVENT_UNDECODABLE`, not retriable): consumers route it to the
 * dead-letter topic (see {@link deadLetterHeaders}) instead of crash-looping on it. A registry that cannot
 * be reached is NOT a DecodeError but a retriable `UnavailableError`.
 */
export class DecodeError extends SomaError {
  constructor(
    /** Machine-readable reason. */
    readonly reason: DecodeFailure,
    message: string,
    options: SomaErrorOptions & { fingerprint?: string; schemaId?: number } = {},
  ) {
    super('EVENT_UNDECODABLE', message, {
      hint: 'The message is routed to the dead-letter topic; inspect it there with its headers.',
      ...options,
      retriable: false,
      details: {
        reason,
        ...(options.fingerprint ? { fingerprint: options.fingerprint } : {}),
        ...(options.schemaId !== undefined ? { schemaId: options.schemaId } : {}),
        ...options.details,
      },
    });
  }

  /** Writer schema fingerprint (16 hex digits) when the header could be read. */
  get fingerprint(): string | undefined {
    return this.details?.fingerprint as string | undefined;
  }

  /** Confluent schema id when the header could be read. */
  get schemaId(): number | undefined {
    return this.details?.schemaId as number | undefined;
  }
}
