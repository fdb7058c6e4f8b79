import { QdrantClient } from '@qdrant/js-client-rest';
import { UnavailableError } from '../errors.js';
import { type ProbeResult, timed, withTimeout } from './probe.js';

/** Connection settings of a Qdrant client. */
export interface QdrantConnection {
  readonly url: string;
  readonly apiKey: string | undefined;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** A Qdrant REST client bounded by the request timeout. */
export function createQdrantClient(connection: QdrantConnection): QdrantClient {
  return new QdrantClient({
    url: connection.url,
    timeout: connection.requestTimeoutMs,
    checkCompatibility: false,
    ...(connection.apiKey ? { apiKey: connection.apiKey } : {}),
  });
}

/** Translates a failure into a retriable {@link UnavailableError}. */
export function qdrantUnavailable(url: string, error: unknown): UnavailableError {
  return new UnavailableError('qdrant', url, `Qdrant at ${url} is unreachable: ${(error as Error).message}`, {
    cause: error,
    hint: 'Start Qdrant or point qdrant.url / SOMA_QDRANT_URL at it; or use vector.backend=pgvector.',
  });
}

/** Reads the version from the service root and measures one round trip. */
export async function probeQdrant(connection: QdrantConnection): Promise<ProbeResult> {
  const client = createQdrantClient(connection);
  try {
    const [info, latencyMs] = await timed(() =>
      withTimeout(connection.connectTimeoutMs, `Qdrant at ${connection.url}`, client.versionInfo()),
    );
    return { version: `Qdrant ${info.version}`, latencyMs };
  } catch (error) {
    throw qdrantUnavailable(connection.url, error);
  }
}
