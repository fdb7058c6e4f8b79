import { ConfigError, isSomaError, SomaError, TimeoutError, UnavailableError } from '../../errors.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

const UNREACHABLE_HINT =
  'Start Qdrant or point qdrant.url / SOMA_QDRANT_URL at it; or use vector.backend=pgvector.';

/** Where a failed call went, for messages. */
export interface QdrantCallSite {
  readonly url: string;
  readonly collection: string;
  readonly timeoutMs: number;
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Translates what the Qdrant REST client throws into somaagent errors naming the store and address: refused or
 * dropped connections, 429 and 5xx → {@link UnavailableError}; the client's deadline → {@link TimeoutError}; a
 * rejected API key → {@link ConfigError}; a missing collection → `VECTOR_MEMORY_NOT_READY`; any other refusal →
 * `QDRANT_REJECTED` with Qdrant's own message.
 */
export function translateQdrantError(site: QdrantCallSite, operation: string, error: unknown): unknown {
  if (isSomaError(error)) return error;
  const what = `vector memory ${operation}`;
  const e = error as { name?: string; status?: unknown; data?: unknown; message?: string };
  if (e.name === 'QdrantClientTimeoutError' || e.name === 'AbortError' || e.name === 'TimeoutError') {
    return new TimeoutError(`${what}: Qdrant at ${site.url} did not answer within ${site.timeoutMs} ms`, {
      cause: error,
      hint: 'Qdrant is slow or overloaded; retry, or raise timeouts.request.',
    });
  }
  if (e.name === 'QdrantClientResourceExhaustedError') {
    return new UnavailableError(
      'qdrant',
      site.url,
      `${what}: Qdrant at ${site.url} is rate limiting: ${e.message}`,
      {
        cause: error,
        hint: 'Retry later.',
      },
    );
  }
  if (typeof e.status === 'number') {
    const detail = (e.data as { status?: { error?: unknown } } | undefined)?.status?.error;
    const reason = typeof detail === 'string' ? detail : `${e.status} ${e.message ?? ''}`.trim();
    if (e.status === 429 || e.status >= 500) {
      return new UnavailableError(
        'qdrant',
        site.url,
        `${what}: Qdrant at ${site.url} answered ${e.status}: ${reason}`,
        {
          cause: error,
          hint: 'Qdrant is overloaded or recovering; retry later.',
        },
      );
    }
    if (e.status === 401 || e.status === 403) {
      return new ConfigError(`${what}: Qdrant at ${site.url} refused the API key (${e.status})`, {
        cause: error,
        hint: 'Set qdrant.apiKey / SOMA_QDRANT_API_KEY to a key with read-write access.',
      });
    }
    if (e.status === 404) {
      return new SomaError(
        'VECTOR_MEMORY_NOT_READY',
        `${what}: collection ${site.collection} not found at ${site.url}: ${reason}`,
        { cause: error, hint: 'Call init() at start: it creates the collection and its payload indexes.' },
      );
    }
    return new SomaError(
      'QDRANT_REJECTED',
      `${what}: Qdrant at ${site.url} rejected the request (${e.status}): ${reason}`,
      {
        cause: error,
      },
    );
  }
  const code = networkCode(error);
  if (code || (error instanceof TypeError && /fetch failed/i.test(error.message))) {
    const cause = (error as { cause?: { message?: unknown } }).cause?.message;
    const reason = code ?? (typeof cause === 'string' ? cause : e.message);
    return new UnavailableError(
      'qdrant',
      site.url,
      `${what}: Qdrant at ${site.url} is unreachable (${reason})`,
      {
        cause: error,
        hint: UNREACHABLE_HINT,
      },
    );
  }
  return new SomaError(
    'VECTOR_MEMORY_FAILED',
    `${what} failed on Qdrant at ${site.url}: ${e.message ?? String(error)}`,
    {
      cause: error,
    },
  );
}
