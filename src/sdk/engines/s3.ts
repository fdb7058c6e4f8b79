import { HeadBucketCommand, ListBucketsCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { state as awsNodeWarning } from '@aws-sdk/core/client';
import { UnavailableError } from '../errors.js';
import { type ProbeResult, timed, withTimeout } from './probe.js';

/** Connection settings of an S3 client. */
export interface S3Connection {
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
  readonly forcePathStyle: boolean;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** The endpoint shown to people: the custom endpoint, or the AWS regional one. */
export function s3Address(connection: Pick<S3Connection, 'endpoint' | 'region'>): string {
  return connection.endpoint ?? `s3.${connection.region}.amazonaws.com`;
}

// The SDK prints a multi-line notice about its future Node 22 requirement on every process start; the CLI
// supports Node 20 and says so in its README, so the notice is kept out of every command's output.
awsNodeWarning.warningEmitted = true;

/** An S3 client with bounded connect and request timeouts and at most two attempts per call. */
export function createS3Client(connection: S3Connection): S3Client {
  return new S3Client({
    region: connection.region,
    forcePathStyle: connection.forcePathStyle,
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: connection.connectTimeoutMs,
      requestTimeout: connection.requestTimeoutMs,
    },
    ...(connection.endpoint ? { endpoint: connection.endpoint } : {}),
    ...(connection.accessKeyId && connection.secretAccessKey
      ? { credentials: { accessKeyId: connection.accessKeyId, secretAccessKey: connection.secretAccessKey } }
      : {}),
  });
}

/** Translates a network failure into a retriable {@link UnavailableError}. */
export function s3Unavailable(
  connection: Pick<S3Connection, 'endpoint' | 'region'>,
  error: unknown,
): UnavailableError {
  const address = s3Address(connection);
  return new UnavailableError('s3', address, `S3 at ${address} is unreachable: ${(error as Error).message}`, {
    cause: error,
    hint: 'Start the S3 server (scripts/services.sh up) or point s3.endpoint / SOMA_S3_ENDPOINT at it.',
  });
}

/**
 * Lists buckets (a signed round trip), reads the `Server` header as the version, and tells whether the
 * configured bucket exists.
 */
export async function probeS3(connection: S3Connection): Promise<ProbeResult> {
  const client = createS3Client(connection);
  let server: string | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = (result.response as { headers?: Record<string, string> }).headers;
      server ??= headers?.server ?? headers?.Server;
      return result;
    },
    { step: 'deserialize', name: 'somaServerHeader' },
  );
  try {
    const [, latencyMs] = await timed(() =>
      withTimeout(
        connection.requestTimeoutMs,
        `S3 at ${s3Address(connection)}`,
        client.send(new ListBucketsCommand({})),
      ),
    );
    let bucket: string;
    try {
      await client.send(new HeadBucketCommand({ Bucket: connection.bucket }));
      bucket = 'exists';
    } catch (error) {
      if (!(error instanceof S3ServiceException)) throw error;
      bucket = error.$metadata.httpStatusCode === 404 ? 'missing' : `not accessible (${error.name})`;
    }
    const warnings = bucket === 'exists' ? [] : [`bucket ${connection.bucket} is ${bucket}`];
    return {
      version: server ?? 'S3-compatible (no Server header)',
      latencyMs,
      details: { bucket },
      warnings,
    };
  } catch (error) {
    if (error instanceof S3ServiceException) {
      throw new UnavailableError(
        's3',
        s3Address(connection),
        `S3 at ${s3Address(connection)} refused: ${error.name}: ${error.message}`,
        {
          cause: error,
          retriable: false,
          hint: 'Check s3.accessKeyId / s3.secretAccessKey and the endpoint.',
        },
      );
    }
    if ((error as Error).name === 'CredentialsProviderError') {
      throw new UnavailableError(
        's3',
        s3Address(connection),
        `S3 at ${s3Address(connection)}: no credentials`,
        {
          cause: error,
          retriable: false,
          hint: 'Set s3.accessKeyId and s3.secretAccessKey (SOMA_S3_ACCESS_KEY_ID, SOMA_S3_SECRET_ACCESS_KEY).',
        },
      );
    }
    throw s3Unavailable(connection, error);
  } finally {
    client.destroy();
  }
}
