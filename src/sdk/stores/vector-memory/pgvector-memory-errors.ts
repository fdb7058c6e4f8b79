import { errorMessage, isSomaError, SomaError, TimeoutError, UnavailableError } from '../../errors.js';

/**
 * The Postgres (or PGlite) in use has no pgvector extension, or it is not installed and this role may not
 * install it. Not retriable: someone has to install it, or choose `vector.backend=qdrant`.
 */
export class PgvectorMissingError extends SomaError {
  override readonly userError = true;
  constructor(address: string, reason: 'unavailable' | 'not-installed', cause?: unknown) {
    super(
      'PGVECTOR_MISSING',
      reason === 'unavailable'
        ? `the pgvector extension is not available on Postgres at ${address}: vector memory (vector.backend=pgvector) needs it`
        : `the pgvector extension is available but not installed on Postgres at ${address}, and this role may not install it`,
      {
        cause,
        hint:
          reason === 'unavailable'
            ? 'Install pgvector on the server (package postgresql-<version>-pgvector, or the pgvector/pgvector image) and restart, or set vector.backend=qdrant.'
            : 'Ask a superuser to run CREATE EXTENSION vector in this database, then start again; or set vector.backend=qdrant.',
        details: { address },
      },
    );
  }
}

/** Where a failed call went, for messages. */
export interface PgvectorCallSite {
  /** Database address without credentials. */
  readonly address: string;
  /** Address and table. */
  readonly location: string;
}

/**
 * Names the store in errors of the SQL client: connection loss and timeouts stay retriable
 * ({@link UnavailableError}, {@link TimeoutError}) with `vector memory <operation>` in front; a missing table →
 * `VECTOR_MEMORY_NOT_READY`; a closed PGlite → {@link UnavailableError}; any other database error →
 * `VECTOR_MEMORY_FAILED` with the database's message.
 */
export function translatePgvectorError(site: PgvectorCallSite, operation: string, error: unknown): unknown {
  const what = `vector memory ${operation}`;
  if (error instanceof UnavailableError) {
    return new UnavailableError(error.engine, error.address, `${what}: ${error.message}`, {
      cause: error,
      ...(error.hint ? { hint: error.hint } : {}),
    });
  }
  if (error instanceof TimeoutError) {
    return new TimeoutError(`${what} on ${site.location}: ${error.message}`, {
      cause: error,
      hint: 'The database is slow or overloaded; retry, or raise timeouts.request.',
    });
  }
  if (isSomaError(error)) return error;
  const code = (error as { code?: string }).code;
  if (code === '42P01') {
    return new SomaError('VECTOR_MEMORY_NOT_READY', `${what}: ${site.location} does not exist`, {
      cause: error,
      hint: 'Call init() at start (it migrates), or run somaagent db migrate.',
    });
  }
  if (/PGlite is closed/i.test(errorMessage(error))) {
    return new UnavailableError('pglite', site.address, `${what}: the embedded database is closed`, {
      cause: error,
      hint: 'The store was used after shutdown; open it again.',
    });
  }
  return new SomaError('VECTOR_MEMORY_FAILED', `${what} failed on ${site.location}: ${errorMessage(error)}`, {
    cause: error,
  });
}
