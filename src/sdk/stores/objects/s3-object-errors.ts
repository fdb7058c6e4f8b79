import { S3ServiceException } from '@aws-sdk/client-s3';
import { isSomaError, NotFoundError, SomaError, TimeoutError, UnavailableError } from '../../errors.js';

/** Where an S3 call went, for messages: `endpoint/bucket`. */
export interface S3Place {
  readonly address: string;
  readonly bucket: string;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchVersion']);
const DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'AllAccessDisabled',
]);
const BUSY = new Set(['SlowDown', 'ServiceUnavailable', 'InternalError', 'RequestTimeout', 'Throttling']);

/**
 * Translates an error of an S3 call into a {@link SomaError}: missing key or version (or a delete marker
 * read by version) → NotFoundError;
 * missing bucket → NotFoundError naming it; credentials refused → non-retriable UnavailableError; 5xx,
 * throttling, timeouts and network failures → retriable UnavailableError/TimeoutError naming the endpoint
 * and bucket; any other refusal → a non-retriable `OBJECT_STORE_REJECTED`.
 */
export function translateS3Error(place: S3Place, error: unknown, what: string): Error {
  if (isSomaError(error)) return error;
  const where = place.address;
  if (error instanceof S3ServiceException) {
    const status = error.$metadata?.httpStatusCode;
    if (error.name === 'NoSuchBucket') {
      return new NotFoundError(`bucket ${place.bucket} does not exist at ${where}`, {
        cause: error,
        hint: 'Create it (ObjectStore.ensureBucket, or your infrastructure tooling) or fix s3.bucket.',
      });
    }
    if (NOT_FOUND.has(error.name) || status === 404) {
      return new NotFoundError(`${what}: not found in ${where}`, { cause: error });
    }
    // S3 answers 405 to reading a version that is a delete marker: there is no content to find.
    if (status === 405 || error.name === 'MethodNotAllowed') {
      return new NotFoundError(`${what}: the version is a delete marker in ${where}`, { cause: error });
    }
    if (DENIED.has(error.name) || status === 401 || status === 403) {
      return new UnavailableError('s3', where, `S3 at ${where} refused ${what}: ${error.name}`, {
        cause: error,
        retriable: false,
        hint: 'Check s3.accessKeyId / s3.secretAccessKey and the bucket policy.',
      });
    }
    if (BUSY.has(error.name) || (status !== undefined && status >= 500)) {
      return new UnavailableError('s3', where, `S3 at ${where} failed ${what}: ${error.name} (${status})`, {
        cause: error,
        hint: 'Retry later; check the S3 service health.',
      });
    }
    return new SomaError(
      'OBJECT_STORE_REJECTED',
      `S3 at ${where} rejected ${what}: ${error.name}: ${error.message}`,
      {
        cause: error,
        details: { status, name: error.name },
      },
    );
  }
  const name = (error as Error | undefined)?.name;
  const message = (error as Error | undefined)?.message ?? String(error);
  if (name === 'CredentialsProviderError') {
    return new UnavailableError('s3', where, `S3 at ${where}: no credentials`, {
      cause: error,
      retriable: false,
      hint: 'Set s3.accessKeyId and s3.secretAccessKey (SOMA_S3_ACCESS_KEY_ID, SOMA_S3_SECRET_ACCESS_KEY).',
    });
  }
  if (name === 'TimeoutError') {
    return new TimeoutError(`S3 at ${where} did not answer ${what} in time: ${message}`, {
      cause: error,
      hint: 'Check the S3 endpoint and network, or raise timeouts.request.',
    });
  }
  return new UnavailableError('s3', where, `S3 at ${where} is unreachable (${what}): ${message}`, {
    cause: error,
    hint: 'Start the S3 server (scripts/services.sh up) or point s3.endpoint / SOMA_S3_ENDPOINT at it.',
  });
}
